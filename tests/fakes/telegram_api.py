"""A fake Telegram Bot API server that the real python-telegram-bot talks to over HTTP.

The fake is a FastAPI app served by uvicorn on 127.0.0.1 in a background thread
(DESIGN.md, "Fakes over mocks"). Point a bot at it with
``telegram.Bot(token, base_url=fake.base_url)`` or
``ApplicationBuilder().token(token).base_url(fake.base_url)``::

    with running_fake_telegram() as fake:
        fake.push_message(42, "/start")          # a patient writes to the bot
        ...                                       # the bot under test polls and answers
        reply = fake.wait_for(lambda: fake.sent_to(42))[-1]
        assert "Bonjour" in reply.text

Answers and error texts follow the official Bot API server
(``tdlib/telegram-bot-api``, ``Client.cpp``): ``{"ok": false, "error_code": 400,
"description": "Bad Request: message is too long"}`` and so on, with the HTTP status
equal to ``error_code`` because that status is what python-telegram-bot maps to its
exception classes.

Where the fake is deliberately simpler than Telegram:

* Webhook URLs may use plain ``http`` and any port (Telegram demands HTTPS on 443, 80,
  88 or 8443), so that a receiver on 127.0.0.1 can be used.
* Entity parsing (``parse_mode``) only strips the markup to measure the visible text and
  rejects unescaped reserved characters in MarkdownV2 and unsupported HTML tags; it does
  not check that formatting markers are balanced, and results carry no ``entities``.
* Chats are private chats and supergroups (the clinic's staff group). A private chat is
  known once an update from it was pushed or :meth:`FakeTelegram.add_chat` registered it; a
  supergroup once :meth:`FakeTelegram.add_supergroup` registered it. Telegram answers "chat
  not found" for any other chat id. The bot is taken to be an administrator of every
  supergroup with every right (so it may also post in closed topics); membership is not
  tracked.
* Forum topics are what the bot creates with ``createForumTopic``; their thread ids come
  from the chat's message ids, as on Telegram (a topic is the thread of its
  ``forum_topic_created`` service message). Only those threads accept ``message_thread_id``:
  the General topic (1) and reply chains answer "message thread not found". Topic names
  longer than 128 characters are rejected (Telegram silently truncates them).
* Rate limits apply to ``sendMessage`` and ``sendDocument`` only (see
  :meth:`FakeTelegram.force_429`): per chat a burst then one a second, overall 30 a second,
  and in a group (all its topics together) ``group_per_minute`` (20) in any 60 seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import html
import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar
from urllib.parse import parse_qsl, urlsplit

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.fakes.multipart import header_param, parse_multipart
from tests.fakes.serving import app_with_worker, serve_in_thread, wait_until, wait_until_async

JsonDict = dict[str, Any]
T = TypeVar("T")

DEFAULT_TOKEN = "123456:TEST-token"
SECRET_TOKEN_HEADER = "X-Telegram-Bot-Api-Secret-Token"

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_SECRET_TOKEN_LENGTH = 256
MAX_TOPIC_NAME_LENGTH = 128
DEFAULT_TOPIC_ICON_COLOR = 0x6FB9F0  # the blue Telegram picks when none is given
GROUP_RATE_WINDOW = 60.0  # seconds; Telegram allows about 20 messages a minute in a group
LONG_POLL_MAX_TIMEOUT = 50  # seconds; the official server caps `timeout` here
_POLL_INTERVAL = 0.01  # how often a waiting long poll looks for new updates

# Descriptions exactly as the Bot API sends them.
UNAUTHORIZED = "Unauthorized"
NOT_FOUND = "Not Found"
MESSAGE_TOO_LONG = "Bad Request: message is too long"
MESSAGE_TEXT_EMPTY = "Bad Request: message text is empty"
CAPTION_TOO_LONG = "Bad Request: message caption is too long"
BUTTON_DATA_INVALID = "Bad Request: BUTTON_DATA_INVALID"
TEXT_BUTTONS_IN_INLINE_KEYBOARD = "Bad Request: text buttons are unallowed in the inline keyboard"
BAD_REPLY_MARKUP = "Bad Request: can't parse reply keyboard markup JSON object"
CHAT_NOT_FOUND = "Bad Request: chat not found"
CHAT_ID_EMPTY = "Bad Request: chat_id is empty"
BOT_BLOCKED = "Forbidden: bot was blocked by the user"
QUERY_ID_INVALID = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
MESSAGE_TO_EDIT_NOT_FOUND = "Bad Request: message to edit not found"
MESSAGE_CANT_BE_EDITED = "Bad Request: message can't be edited"
MESSAGE_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
NO_DOCUMENT = "Bad Request: there is no document in the request"
WRONG_FILE_ID = "Bad Request: wrong file identifier/HTTP URL specified"
WRONG_CHAT_ACTION = "Bad Request: wrong parameter action in request"
BOT_COMMAND_INVALID = "Bad Request: BOT_COMMAND_INVALID"
MESSAGE_THREAD_NOT_FOUND = "Bad Request: message thread not found"
# TDLib says "The chat is not a forum"; the Bot API server lowercases the first letter.
CHAT_NOT_A_FORUM = "Bad Request: the chat is not a forum"
TOPIC_TITLE_EMPTY = "Bad Request: title must be non-empty"
# Not a Telegram text: Telegram truncates longer names, the fake refuses them instead.
TOPIC_TITLE_TOO_LONG = "Bad Request: topic name is longer than 128 characters (fake)"
TOPIC_ID_INVALID = "Bad Request: TOPIC_ID_INVALID"
TOPIC_NOT_MODIFIED = "Bad Request: TOPIC_NOT_MODIFIED"
THREAD_ID_INVALID = "Bad Request: invalid message thread identifier specified"
ICON_COLOR_INVALID = "Bad Request: invalid icon color specified"
BOT_COMMAND_DESCRIPTION_INVALID = "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"
SECRET_TOKEN_TOO_LONG = "Bad Request: secret token is too long"
SECRET_TOKEN_BAD_CHARACTERS = "Bad Request: secret token contains unallowed characters"
HTTPS_URL_REQUIRED = "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
CONFLICT_WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
CONFLICT_OTHER_GET_UPDATES = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
CONFLICT_SET_WEBHOOK = "Conflict: terminated by setWebhook request"

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# Update types Telegram leaves out unless `allowed_updates` names them.
_OPT_IN_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_RATE_LIMITED_METHODS = frozenset({"sendMessage", "sendDocument"})
#: What :meth:`FakeTelegram.hold_sends` holds: requests that write to a chat (lower case).
_HELD_METHODS = frozenset(
    {"sendmessage", "senddocument", "sendchataction", "editmessagetext", "editmessagereplymarkup"}
)
_TOKEN_FORMAT = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_SECRET_TOKEN_FORMAT = re.compile(r"^[A-Za-z0-9_-]+$")
_BOT_COMMAND_FORMAT = re.compile(r"^[a-z0-9_]{1,32}$")
_LEADING_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]+)?")
_HTML_TAG = re.compile(r"<\s*(/?)\s*([A-Za-z][A-Za-z0-9-]*)[^>]*>")
_HTML_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
        "tg-time",
    }
)
_MARKDOWN_V2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MARKDOWN_V2_LINK = re.compile(r"!?\[((?:[^\]\\]|\\.)*)\]\(((?:[^)\\]|\\.)*)\)", re.DOTALL)
_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")


class TelegramApiError(Exception):
    """An error answer of the Bot API: ``{"ok": false, "error_code": …, "description": …}``."""

    def __init__(
        self, error_code: int, description: str, parameters: JsonDict | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def to_json(self) -> JsonDict:
        """The JSON body Telegram sends for this error."""
        body: JsonDict = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _too_many_requests(retry_after: int) -> TelegramApiError:
    return TelegramApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


class _Sender(enum.Enum):
    """Marks a default that means "the user who sends the update"."""

    SENDER = enum.auto()


SENDER: Literal[_Sender.SENDER] = _Sender.SENDER


@dataclass(frozen=True)
class UploadedFile:
    """A file a bot uploaded (multipart part), or referenced by file_id / URL (``data`` None)."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes | None
    file_id: str = ""


@dataclass(frozen=True)
class SentMessage:
    """A message the bot sent or edited successfully, as the fake recorded it."""

    method: str
    chat_id: int
    message_id: int
    text: str | None
    visible_text: str | None
    caption: str | None
    parse_mode: str | None
    reply_markup: JsonDict | None
    document: UploadedFile | None
    at: float
    params: JsonDict
    message_thread_id: int | None = None  # the forum topic, for messages sent into one

    @property
    def buttons(self) -> list[JsonDict]:
        """All buttons of the attached keyboard (inline or reply), row after row."""
        if not self.reply_markup:
            return []
        rows = self.reply_markup.get("inline_keyboard") or self.reply_markup.get("keyboard") or []
        return [
            button if isinstance(button, dict) else {"text": str(button)}
            for row in rows
            for button in row
        ]

    @property
    def button_texts(self) -> list[str]:
        """The labels of :attr:`buttons`."""
        return [str(button.get("text", "")) for button in self.buttons]


@dataclass(frozen=True)
class AnsweredCallback:
    """An ``answerCallbackQuery`` call the fake accepted."""

    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None
    at: float


@dataclass(frozen=True)
class ChatAction:
    """A ``sendChatAction`` call the fake accepted."""

    chat_id: int
    action: str
    at: float


@dataclass(frozen=True)
class ApiRequest:
    """One call to the fake's Bot API, successful or not."""

    method: str
    http_method: str
    status_code: int
    at: float
    params: JsonDict


@dataclass(frozen=True)
class Rejection:
    """An API call the fake answered with an error (400, 403, 409, 429…)."""

    method: str
    chat_id: int | None
    error_code: int
    description: str
    retry_after: int | None
    at: float


@dataclass(frozen=True)
class WebhookDelivery:
    """One attempt to POST an update to the webhook."""

    update_id: int
    attempt: int
    url: str
    secret_token: str | None
    status_code: int | None
    error: str | None
    at: float

    @property
    def ok(self) -> bool:
        """Whether the receiver answered 2xx, which is what confirms an update to Telegram."""
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass
class _LongPoll:
    """A getUpdates request that waits for updates."""

    aborted_with: str | None = None


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class _Webhook:
    url: str
    secret_token: str | None
    max_connections: int
    allowed_updates: list[str] | None
    last_error_date: int | None = None
    last_error_message: str | None = None


class FakeTelegram:
    """State and behaviour of one fake bot; serve it with :func:`running_fake_telegram`.

    Every public method is safe to call from the test's thread while the server thread
    answers the bot; state is guarded by one lock.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        clock: Callable[[], float] = time.monotonic,
        bot_first_name: str = "Carebot",
        bot_username: str = "carebot_test_bot",
    ) -> None:
        self.token = token
        bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        self.bot_user: JsonDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.base_url = ""
        self.api_root = ""
        self._clock = clock
        self._lock = threading.RLock()
        self._next_update_id = 10_000  # never reset: update ids only grow, as on Telegram
        self._counter = 0
        self._long_poll: _LongPoll | None = None
        # Server plumbing, set while the app runs.
        self._closing = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._webhook_queue: asyncio.Queue[JsonDict] | None = None
        self.reset()
        self._methods: dict[str, Callable[[JsonDict, dict[str, UploadedFile]], Any]] = {
            "getme": self._get_me,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "answercallbackquery": self._answer_callback_query,
            "senddocument": self._send_document,
            "sendchataction": self._send_chat_action,
            "setmycommands": self._set_my_commands,
            "deletemycommands": self._delete_my_commands,
            "getmycommands": self._get_my_commands,
            "getchat": self._get_chat,
            "createforumtopic": self._create_forum_topic,
            "editforumtopic": self._edit_forum_topic,
            "closeforumtopic": self._close_forum_topic,
            "reopenforumtopic": self._reopen_forum_topic,
        }
        self.app = self._build_app()

    def reset(self) -> None:
        """Forget chats, updates, webhook and records, and restore the default knobs.

        Lets one server serve many tests (a module- or session-scoped fixture calls it
        before each test). A long poll still waiting is ended.
        """
        with self._lock:
            if self._long_poll is not None:
                self._long_poll.aborted_with = CONFLICT_OTHER_GET_UPDATES
                self._long_poll = None
            # Behaviour knobs.
            self.rate_limits = True
            self.per_chat_burst = 3
            self.per_chat_per_second = 1.0
            self.global_per_second = 30
            self.group_per_minute = 20
            self.webhook_max_attempts = 3
            self.webhook_retry_delay = 0.05
            # Records.
            self._sent: list[SentMessage] = []
            self._answered: list[AnsweredCallback] = []
            self._chat_actions: list[ChatAction] = []
            self._requests: list[ApiRequest] = []
            self._rejected: list[Rejection] = []
            self._deliveries: list[WebhookDelivery] = []
            # Telegram's side of the world.
            self._chats: dict[int, JsonDict] = {}
            self._users: dict[int, JsonDict] = {}
            self._topics: dict[int, dict[int, JsonDict]] = {}  # chat -> thread id -> topic
            self._blocked: set[int] = set()
            self._messages: dict[tuple[int, int], JsonDict] = {}
            self._last_message_id: dict[int, int] = {}
            self._callback_queries: dict[str, bool] = {}  # id -> answered
            self._files: dict[str, UploadedFile] = {}
            self._commands: dict[tuple[str, str], list[JsonDict]] = {}
            self._history: dict[int, JsonDict] = {}
            self._queue: list[JsonDict] = []
            self._allowed_updates: list[str] | None = None
            self._webhook: _Webhook | None = None
            self._webhook_pending: list[int] = []
            self._buckets: dict[int, _Bucket] = {}
            self._group_sends: dict[int, deque[float]] = {}
            self._recent_sends: deque[float] = deque()
            self._forced_429: deque[int] = deque()
            self._held_chats: set[int] = set()
            self._holding: dict[int, int] = {}

    # ------------------------------------------------------------------ records

    @property
    def sent(self) -> list[SentMessage]:
        """Every message sent or edited successfully, oldest first."""
        with self._lock:
            return list(self._sent)

    def sent_to(self, chat_id: int) -> list[SentMessage]:
        """The messages sent or edited in one chat, oldest first."""
        with self._lock:
            return [message for message in self._sent if message.chat_id == chat_id]

    def sent_to_thread(self, chat_id: int, thread_id: int) -> list[SentMessage]:
        """The messages sent or edited in one forum topic of a chat, oldest first."""
        with self._lock:
            return [
                message
                for message in self._sent
                if message.chat_id == chat_id and message.message_thread_id == thread_id
            ]

    def topics(self, chat_id: int) -> list[JsonDict]:
        """The forum topics of a chat, oldest first, as
        ``{"message_thread_id", "name", "icon_color", "closed"}``."""
        with self._lock:
            return [
                {
                    "message_thread_id": topic["message_thread_id"],
                    "name": topic["name"],
                    "icon_color": topic["icon_color"],
                    "closed": topic["closed"],
                }
                for topic in self._topics.get(chat_id, {}).values()
            ]

    @property
    def answered_callbacks(self) -> list[AnsweredCallback]:
        """Every accepted ``answerCallbackQuery``."""
        with self._lock:
            return list(self._answered)

    @property
    def chat_actions(self) -> list[ChatAction]:
        """Every accepted ``sendChatAction``."""
        with self._lock:
            return list(self._chat_actions)

    @property
    def commands(self) -> dict[str, list[JsonDict]]:
        """The default-scope command lists by language code (``""`` = every language)."""
        with self._lock:
            return {
                language: [dict(command) for command in commands]
                for (scope, language), commands in self._commands.items()
                if scope == "default"
            }

    def commands_for(
        self, scope: Mapping[str, Any] | None, language_code: str = ""
    ) -> list[JsonDict]:
        """The command list set for a scope (a BotCommandScope dict) and language."""
        with self._lock:
            return list(self._commands.get((_scope_key(scope), language_code), []))

    @property
    def requests(self) -> list[ApiRequest]:
        """Every API call, in the order the fake answered them."""
        with self._lock:
            return list(self._requests)

    def calls(self, method: str) -> list[ApiRequest]:
        """The API calls of one method (case-insensitive, as Telegram matches methods)."""
        with self._lock:
            return [call for call in self._requests if call.method.lower() == method.lower()]

    @property
    def rejected(self) -> list[Rejection]:
        """Every call answered with an error (429s, 403s, 400s, 409s…)."""
        with self._lock:
            return list(self._rejected)

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        """Every attempt to POST an update to the webhook, failed ones included."""
        with self._lock:
            return list(self._deliveries)

    @property
    def pending_updates(self) -> list[JsonDict]:
        """Updates waiting for getUpdates to fetch and confirm them."""
        with self._lock:
            return [dict(update) for update in self._queue]

    @property
    def webhook_url(self) -> str:
        """The webhook set through the API, or ``""``."""
        with self._lock:
            return self._webhook.url if self._webhook else ""

    @property
    def long_poll_waiting(self) -> bool:
        """Whether a getUpdates request is currently holding for updates."""
        with self._lock:
            return self._long_poll is not None

    def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """Poll ``predicate`` until it returns something truthy and return it.

        Blocks the calling thread: from an ``async`` test whose bot runs on the same event
        loop use :meth:`wait_for_async`, or the bot never gets to answer.
        """
        return wait_until(predicate, timeout, lambda: self._timeout_report(timeout))

    async def wait_for_async(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """Like :meth:`wait_for`, but yields to the event loop between checks."""
        return await wait_until_async(predicate, timeout, lambda: self._timeout_report(timeout))

    def _timeout_report(self, timeout: float) -> str:
        with self._lock:
            sent = [(m.method, m.chat_id, m.text or m.caption) for m in self._sent[-5:]]
            rejected = [(r.method, r.error_code, r.description) for r in self._rejected[-5:]]
        return f"condition not met within {timeout} s; last sent: {sent}; last rejected: {rejected}"

    # ------------------------------------------------------------------ knobs

    def add_chat(
        self,
        chat_id: int,
        *,
        first_name: str = "Patient",
        last_name: str | None = None,
        username: str | None = None,
    ) -> JsonDict:
        """Make a private chat known (as if the user had started the bot); return the chat."""
        with self._lock:
            chat = self._chats.get(chat_id)
            if chat is None:
                chat = {"id": chat_id, "type": "private", "first_name": first_name}
                if last_name:
                    chat["last_name"] = last_name
                if username:
                    chat["username"] = username
                self._chats[chat_id] = chat
            return dict(chat)

    def add_supergroup(
        self,
        chat_id: int,
        title: str = "Équipe",
        is_forum: bool = True,
        *,
        username: str | None = None,
    ) -> JsonDict:
        """Make a supergroup known, with the bot as administrator; return the chat.

        Supergroup ids are negative, like ``-1001234567890``. With ``is_forum`` the group has
        topics (``createForumTopic`` works); without, it is a plain supergroup.
        """
        if chat_id >= 0:
            raise ValueError(f"supergroup ids are negative (-100…), not {chat_id}")
        with self._lock:
            existing = self._chats.get(chat_id)
            if existing is not None and existing["type"] != "supergroup":
                raise ValueError(f"chat {chat_id} is already a {existing['type']} chat")
            chat: JsonDict = {"id": chat_id, "title": title, "type": "supergroup"}
            if username:
                chat["username"] = username
            if is_forum:
                chat["is_forum"] = True
            self._chats[chat_id] = chat
            # Message 1 is the group's creation and thread 1 its General topic: never a topic.
            self._last_message_id.setdefault(chat_id, 1)
            return dict(chat)

    def add_user(
        self,
        user_id: int,
        first_name: str = "Membre",
        language_code: str | None = "fr",
        *,
        last_name: str | None = None,
        username: str | None = None,
    ) -> JsonDict:
        """Make a (staff) user known, to send group messages with ``from_user_id``.

        Group membership is not tracked: any known user may write in any supergroup. A
        private chat with the same id, if the user starts the bot, takes their first name.
        """
        with self._lock:
            user: JsonDict = {"id": user_id, "is_bot": False, "first_name": first_name}
            if last_name:
                user["last_name"] = last_name
            if username:
                user["username"] = username
            if language_code:
                user["language_code"] = language_code
            self._users[user_id] = user
            return dict(user)

    def block_chat(self, chat_id: int) -> None:
        """The user blocks the bot: sends to the chat answer 403 from now on."""
        with self._lock:
            self.add_chat(chat_id)
            self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        """The user unblocks the bot."""
        with self._lock:
            self._blocked.discard(chat_id)

    def force_429(self, times: int = 1, retry_after: int = 1) -> None:
        """Reject the next ``times`` sends (sendMessage/sendDocument) with 429."""
        with self._lock:
            self._forced_429.extend([retry_after] * times)

    def hold_sends(self, chat_id: int) -> None:
        """Keep what the bot sends to ``chat_id`` waiting, as a slow network would: each
        such request (``_HELD_METHODS``) is received but answered, and takes effect, only once
        :meth:`release_sends` is called. Makes a turn's delivery be in flight for as long as
        a test needs."""
        with self._lock:
            self._held_chats.add(chat_id)

    def release_sends(self, chat_id: int) -> None:
        """Let the requests held for ``chat_id`` through, in the order they came."""
        with self._lock:
            self._held_chats.discard(chat_id)

    def held_sends(self, chat_id: int) -> int:
        """How many requests to ``chat_id`` are waiting right now (see :meth:`hold_sends`)."""
        with self._lock:
            return self._holding.get(chat_id, 0)

    def push_message(
        self,
        chat_id: int,
        text: str,
        *,
        from_user: Mapping[str, Any] | None = None,
        language_code: str | None = "fr",
        reply_to_message_id: int | None = None,
    ) -> JsonDict:
        """The user writes ``text``; a leading ``/command`` gets its bot_command entity."""
        extra: JsonDict = {"text": text}
        command = _LEADING_COMMAND.match(text)
        if command:
            extra["entities"] = [
                {"offset": 0, "length": _utf16_len(command.group()), "type": "bot_command"}
            ]
        return self._push_user_message(
            chat_id, extra, from_user, language_code, reply_to_message_id
        )

    def push_contact(
        self,
        chat_id: int,
        phone: str,
        user_id: int | Literal[_Sender.SENDER] | None = SENDER,
        *,
        first_name: str | None = None,
        from_user: Mapping[str, Any] | None = None,
        language_code: str | None = "fr",
    ) -> JsonDict:
        """The user shares a contact; by default their own (``contact.user_id == from.id``).

        Pass another ``user_id`` for someone else's contact, or ``None`` for a contact
        without a Telegram account.
        """
        with self._lock:
            sender = self._user(chat_id, from_user, language_code)
            contact: JsonDict = {
                "phone_number": phone,
                "first_name": first_name or sender["first_name"],
            }
            if user_id is SENDER:
                contact["user_id"] = sender["id"]
            elif user_id is not None:
                contact["user_id"] = user_id
            return self._push_user_message(chat_id, {"contact": contact}, from_user, language_code)

    def push_sticker(
        self,
        chat_id: int,
        *,
        emoji: str = "👍",
        from_user: Mapping[str, Any] | None = None,
        language_code: str | None = "fr",
    ) -> JsonDict:
        """The user sends a sticker."""
        with self._lock:
            file_id, unique_id = self._new_file_ids("CAACAgIAAxkBAAI")
            sticker = {
                "file_id": file_id,
                "file_unique_id": unique_id,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": emoji,
                "set_name": "FakeStickers",
                "file_size": 24_310,
            }
            return self._push_user_message(chat_id, {"sticker": sticker}, from_user, language_code)

    def push_photo(
        self,
        chat_id: int,
        *,
        caption: str | None = None,
        width: int = 1280,
        height: int = 960,
        from_user: Mapping[str, Any] | None = None,
        language_code: str | None = "fr",
    ) -> JsonDict:
        """The user sends a photo (Telegram sends several sizes, smallest first)."""
        with self._lock:
            sizes = []
            for scale in (8, 4, 1):
                file_id, unique_id = self._new_file_ids("AgACAgQAAxkBAAI")
                sizes.append(
                    {
                        "file_id": file_id,
                        "file_unique_id": unique_id,
                        "width": max(1, width // scale),
                        "height": max(1, height // scale),
                        "file_size": max(1, width * height // (scale * scale * 10)),
                    }
                )
            extra: JsonDict = {"photo": sizes}
            if caption is not None:
                extra["caption"] = caption
            return self._push_user_message(chat_id, extra, from_user, language_code)

    def push_edited_message(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        *,
        from_user: Mapping[str, Any] | None = None,
        language_code: str | None = "fr",
    ) -> JsonDict:
        """The user edits one of their earlier text messages (also one in a supergroup)."""
        with self._lock:
            original = self._messages.get((chat_id, message_id))
            if original is None or original["from"]["id"] == self.bot_user["id"]:
                raise ValueError(f"no message {message_id} of the user in chat {chat_id}")
            original["text"] = text
            original["edit_date"] = _unix_now()
            if self._chats[chat_id]["type"] == "private":
                original["from"] = self._user(chat_id, from_user, language_code)
            else:
                original["from"] = {**original["from"], **(from_user or {})}
            return self._push({"edited_message": dict(original)})

    def push_callback(
        self,
        chat_id: int,
        data: str,
        message_id: int | None = None,
        *,
        from_user: Mapping[str, Any] | None = None,
        language_code: str | None = "fr",
    ) -> JsonDict:
        """The user presses an inline button of a bot message (by default the latest one
        with an inline keyboard); ``update["callback_query"]["id"]`` is the query id."""
        with self._lock:
            self.add_chat(chat_id)
            if message_id is None:
                message_id = self._latest_inline_keyboard_message(chat_id)
            sender = self._user(chat_id, from_user, language_code)
            return self._push_callback_query(chat_id, message_id, data, sender)

    def push_group_message(
        self,
        chat_id: int,
        text: str,
        *,
        from_user_id: int,
        message_thread_id: int | None = None,
        reply_to_message_id: int | None = None,
    ) -> JsonDict:
        """A staff member (see :meth:`add_user`) writes ``text`` in a supergroup.

        With ``message_thread_id`` (a topic of the chat) the message is in that forum topic:
        ``message_thread_id`` and ``is_topic_message`` are set and, as on Telegram, the
        message replies to the topic's ``forum_topic_created`` service message unless
        ``reply_to_message_id`` names another one. Without it the message is in the General
        topic; a reply there carries the reply chain's ``message_thread_id`` but no
        ``is_topic_message`` (that id is not a topic). A leading ``/command``, also in the
        group form ``/done@carebot_test_bot``, gets its bot_command entity.
        """
        extra: JsonDict = {"text": text}
        command = _LEADING_COMMAND.match(text)
        if command:
            extra["entities"] = [
                {"offset": 0, "length": _utf16_len(command.group()), "type": "bot_command"}
            ]
        with self._lock:
            self._group(chat_id)
            sender = self._known_user(from_user_id)
            if message_thread_id is not None and message_thread_id not in self._topics.get(
                chat_id, {}
            ):
                raise ValueError(f"no forum topic {message_thread_id} in chat {chat_id}")
            message: JsonDict = {
                "message_id": self._new_message_id(chat_id),
                "from": sender,
                "chat": dict(self._chats[chat_id]),
                "date": _unix_now(),
            }
            replied = (
                self._messages.get((chat_id, reply_to_message_id))
                if reply_to_message_id is not None
                else None
            )
            if message_thread_id is not None:
                message["message_thread_id"] = message_thread_id
                message["is_topic_message"] = True
                if replied is None:
                    replied = self._messages.get((chat_id, message_thread_id))
            elif replied is not None:
                message["message_thread_id"] = replied.get(
                    "message_thread_id", replied["message_id"]
                )
            if replied is not None:
                message["reply_to_message"] = _as_reply(replied)
            message.update(extra)
            self._messages[(chat_id, message["message_id"])] = message
            return self._push({"message": dict(message)})

    def push_group_callback(
        self, chat_id: int, data: str, message_id: int, *, from_user_id: int
    ) -> JsonDict:
        """A staff member presses an inline button of a bot message in a supergroup."""
        with self._lock:
            self._group(chat_id)
            sender = self._known_user(from_user_id)
            return self._push_callback_query(chat_id, message_id, data, sender)

    def push_raw_update(self, update: Mapping[str, Any]) -> JsonDict:
        """Enqueue an update as given; ``update_id`` is assigned when missing."""
        with self._lock:
            body = dict(update)
            if "update_id" in body:
                self._next_update_id = max(self._next_update_id, int(body["update_id"]) + 1)
            return self._push(body)

    def deliver_again(self, update_id: int) -> JsonDict:
        """Deliver an already delivered update once more, with the same ``update_id``.

        With a webhook it is POSTed again. With getUpdates it is queued again; like on
        Telegram only a consumer polling with ``offset <= update_id`` (e.g. a restarted
        process) sees it, because a higher offset confirms it.
        """
        with self._lock:
            update = self._history[update_id]
            if self._webhook is not None:
                self._schedule_delivery(update)
            elif all(pending["update_id"] != update_id for pending in self._queue):
                self._queue.append(update)
                self._queue.sort(key=lambda pending: int(pending["update_id"]))
            return dict(update)

    # ------------------------------------------------------------------ pushing

    def _user(
        self, chat_id: int, from_user: Mapping[str, Any] | None, language_code: str | None
    ) -> JsonDict:
        known = self._users.get(chat_id)
        chat = self._chats.get(chat_id) or self.add_chat(
            chat_id,
            first_name=known["first_name"] if known else "Patient",
            last_name=known.get("last_name") if known else None,
            username=known.get("username") if known else None,
        )
        if chat["type"] != "private":
            raise ValueError(
                f"chat {chat_id} is a {chat['type']}: use push_group_message/push_group_callback"
            )
        user: JsonDict = {"id": chat_id, "is_bot": False, "first_name": chat["first_name"]}
        for key in ("last_name", "username"):
            if key in chat:
                user[key] = chat[key]
        if language_code:
            user["language_code"] = language_code
        user.update(from_user or {})
        return user

    def _push_user_message(
        self,
        chat_id: int,
        content: JsonDict,
        from_user: Mapping[str, Any] | None,
        language_code: str | None,
        reply_to_message_id: int | None = None,
    ) -> JsonDict:
        with self._lock:
            sender = self._user(chat_id, from_user, language_code)
            message: JsonDict = {
                "message_id": self._new_message_id(chat_id),
                "from": sender,
                "chat": dict(self._chats[chat_id]),
                "date": _unix_now(),
                **content,
            }
            if reply_to_message_id is not None:
                replied = self._messages.get((chat_id, reply_to_message_id))
                if replied is not None:
                    message["reply_to_message"] = _as_reply(replied)
            self._messages[(chat_id, message["message_id"])] = message
            return self._push({"message": dict(message)})

    def _push_callback_query(
        self, chat_id: int, message_id: int, data: str, sender: JsonDict
    ) -> JsonDict:
        message = self._messages.get((chat_id, message_id))
        if message is None:  # Telegram's InaccessibleMessage
            message = {"chat": dict(self._chats[chat_id]), "message_id": message_id, "date": 0}
        self._counter += 1
        query_id = str(4_000_000_000_000_000_000 + self._counter)
        self._callback_queries[query_id] = False
        callback = {
            "id": query_id,
            "from": sender,
            "message": dict(message),
            "chat_instance": str(-8_000_000_000_000_000_000 - chat_id),
            "data": data,
        }
        return self._push({"callback_query": callback})

    def _group(self, chat_id: int) -> JsonDict:
        chat = self._chats.get(chat_id)
        if chat is None or chat["type"] != "supergroup":
            raise ValueError(f"no supergroup {chat_id}: call add_supergroup first")
        return chat

    def _known_user(self, user_id: int) -> JsonDict:
        user = self._users.get(user_id)
        if user is None:
            raise ValueError(f"no user {user_id}: call add_user first")
        return dict(user)

    def _push(self, body: JsonDict) -> JsonDict:
        if "update_id" not in body:
            body = {"update_id": self._next_update_id, **body}
            self._next_update_id += 1
        self._history[int(body["update_id"])] = body
        if self._webhook is not None:
            self._schedule_delivery(body)
        else:
            self._queue.append(body)
        return dict(body)

    def _latest_inline_keyboard_message(self, chat_id: int) -> int:
        for (chat, message_id), message in sorted(self._messages.items(), reverse=True):
            if chat == chat_id and "inline_keyboard" in message.get("reply_markup", {}):
                return message_id
        raise ValueError(f"no bot message with an inline keyboard in chat {chat_id}")

    def _new_message_id(self, chat_id: int) -> int:
        message_id = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = message_id
        return message_id

    def _new_file_ids(self, prefix: str) -> tuple[str, str]:
        self._counter += 1
        return f"{prefix}{self._counter:08d}", f"AQAD{self._counter:08d}"

    # ------------------------------------------------------------------ webhook delivery

    def _schedule_delivery(self, update: JsonDict) -> None:
        loop, queue = self._loop, self._webhook_queue
        if loop is None or queue is None or self._closing:
            return
        self._webhook_pending.append(int(update["update_id"]))
        loop.call_soon_threadsafe(queue.put_nowait, update)

    async def _webhook_worker(self, client: httpx.AsyncClient) -> None:
        assert self._webhook_queue is not None
        while True:
            update = await self._webhook_queue.get()
            try:
                await self._deliver(client, update)
            finally:
                with self._lock, contextlib.suppress(ValueError):
                    self._webhook_pending.remove(int(update["update_id"]))

    async def _deliver(self, client: httpx.AsyncClient, update: JsonDict) -> None:
        """POST one update until the receiver answers 2xx, like Telegram retrying."""
        update_id = int(update["update_id"])
        for attempt in range(1, self.webhook_max_attempts + 1):
            with self._lock:
                webhook = self._webhook
                if webhook is None:  # deleted meanwhile: back to getUpdates
                    self._queue.append(update)
                    return
                url, secret = webhook.url, webhook.secret_token
            headers = {"Content-Type": "application/json"}
            if secret:
                headers[SECRET_TOKEN_HEADER] = secret
            status: int | None = None
            error: str | None = None
            try:
                response = await client.post(url, content=json.dumps(update), headers=headers)
            except httpx.ConnectError:
                error = "Connection refused"
            except httpx.TimeoutException:
                error = "Read timeout expired"
            except httpx.HTTPError as exc:
                error = f"{exc.__class__.__name__}: {exc}"
            else:
                status = response.status_code
                if not 200 <= status < 300:
                    error = f"Wrong response from the webhook: {status} {response.reason_phrase}"
            with self._lock:
                self._deliveries.append(
                    WebhookDelivery(update_id, attempt, url, secret, status, error, time.time())
                )
                if error is None:
                    return
                webhook.last_error_date = _unix_now()
                webhook.last_error_message = error
            await asyncio.sleep(self.webhook_retry_delay)

    # ------------------------------------------------------------------ app

    def _build_app(self) -> FastAPI:
        def start() -> None:
            self._loop = asyncio.get_running_loop()
            self._webhook_queue = asyncio.Queue()

        app = app_with_worker(start, self._webhook_worker)
        app.add_api_route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"])
        return app

    async def _endpoint(self, request: Request) -> JSONResponse:
        token = request.path_params["token"]
        method = request.path_params["method"]
        params: JsonDict = {}
        try:
            params, files = await _read_params(request)
            if token != self.token:
                # Telegram: 401 for a well-formed but unknown token, 404 for a malformed one.
                if _TOKEN_FORMAT.match(token):
                    raise TelegramApiError(401, UNAUTHORIZED)
                raise TelegramApiError(404, NOT_FOUND)
            handler = self._methods.get(method.lower())
            if method.lower() in _HELD_METHODS:
                await self._while_held(_chat_id_or_none(params.get("chat_id")))
            if method.lower() == "getupdates":
                result: Any = await self._get_updates(params, request)
            elif handler is None:
                raise TelegramApiError(404, NOT_FOUND)
            else:
                with self._lock:
                    result = handler(params, files)
        except TelegramApiError as error:
            status, body = error.error_code, error.to_json()
            with self._lock:
                self._rejected.append(
                    Rejection(
                        method,
                        _chat_id_or_none(params.get("chat_id")),
                        error.error_code,
                        error.description,
                        (error.parameters or {}).get("retry_after"),
                        time.time(),
                    )
                )
        else:
            status, body = 200, {"ok": True, "result": result}
            if isinstance(result, _Described):
                body = {"ok": True, "result": result.result, "description": result.description}
        with self._lock:
            self._requests.append(
                ApiRequest(method, request.method, status, time.time(), _loggable(params))
            )
        return JSONResponse(body, status_code=status)

    async def _while_held(self, chat_id: int | None) -> None:
        """Wait while sends to ``chat_id`` are held (or until the server closes)."""
        with self._lock:
            if chat_id is None or chat_id not in self._held_chats:
                return
            self._holding[chat_id] = self._holding.get(chat_id, 0) + 1
        try:
            while True:
                await asyncio.sleep(_POLL_INTERVAL)
                with self._lock:
                    if chat_id not in self._held_chats or self._closing:
                        return
        finally:
            with self._lock:  # a reset() meanwhile released it and forgot the count
                self._holding[chat_id] = max(self._holding.get(chat_id, 0) - 1, 0)

    # ------------------------------------------------------------------ getUpdates

    async def _get_updates(self, params: JsonDict, request: Request) -> list[JsonDict]:
        offset = _int_param(params, "offset") or 0
        limit = min(max(_int_param(params, "limit") or 100, 1), 100)
        timeout = min(max(_float_param(params, "timeout") or 0.0, 0.0), LONG_POLL_MAX_TIMEOUT)
        allowed = _json_param(params, "allowed_updates", "Bad Request: can't parse allowed_updates")
        with self._lock:
            if self._webhook is not None:
                raise TelegramApiError(409, CONFLICT_WEBHOOK_ACTIVE)
            if allowed is not None:
                self._allowed_updates = [str(kind) for kind in allowed] or None
            updates = self._take_updates(offset, limit)
            if updates or timeout == 0:
                return updates
            # As the official server: a new long poll ends the one already waiting.
            if self._long_poll is not None:
                self._long_poll.aborted_with = CONFLICT_OTHER_GET_UPDATES
            poll = self._long_poll = _LongPoll()
        deadline = time.monotonic() + timeout
        try:
            while True:
                await asyncio.sleep(_POLL_INTERVAL)
                with self._lock:
                    if poll.aborted_with is not None:
                        raise TelegramApiError(409, poll.aborted_with)
                    updates = self._take_updates(offset, limit)
                    if updates or self._closing:
                        return updates
                if time.monotonic() >= deadline or await request.is_disconnected():
                    return []
        finally:
            with self._lock:
                if self._long_poll is poll:
                    self._long_poll = None

    def _take_updates(self, offset: int, limit: int) -> list[JsonDict]:
        """Confirm updates below ``offset`` and return up to ``limit`` of the rest."""
        if offset > 0:
            self._queue = [update for update in self._queue if update["update_id"] >= offset]
        elif offset < 0:
            self._queue = self._queue[offset:]
        self._queue = [update for update in self._queue if self._is_allowed(update)]
        return [dict(update) for update in self._queue[:limit]]

    def _is_allowed(self, update: JsonDict) -> bool:
        kind = next((key for key in update if key != "update_id"), "")
        if self._allowed_updates is None:
            return kind not in _OPT_IN_UPDATE_TYPES
        return kind in self._allowed_updates

    # ------------------------------------------------------------------ webhook methods

    def _set_webhook(self, params: JsonDict, _files: dict[str, UploadedFile]) -> Any:
        url = str(params.get("url") or "")
        if not url:
            return self._delete_webhook(params, _files)
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            raise TelegramApiError(400, HTTPS_URL_REQUIRED)
        secret = str(params.get("secret_token") or "") or None
        if secret is not None:
            if len(secret) > MAX_SECRET_TOKEN_LENGTH:
                raise TelegramApiError(400, SECRET_TOKEN_TOO_LONG)
            if not _SECRET_TOKEN_FORMAT.match(secret):
                raise TelegramApiError(400, SECRET_TOKEN_BAD_CHARACTERS)
        allowed = _json_param(params, "allowed_updates", "Bad Request: can't parse allowed_updates")
        webhook = _Webhook(
            url=url,
            secret_token=secret,
            max_connections=_int_param(params, "max_connections") or 40,
            allowed_updates=[str(kind) for kind in allowed] if allowed else None,
        )
        previous = self._webhook
        unchanged = previous is not None and (previous.url, previous.secret_token) == (url, secret)
        if self._long_poll is not None:
            self._long_poll.aborted_with = CONFLICT_SET_WEBHOOK
        if _bool_param(params, "drop_pending_updates"):
            self._queue.clear()
        self._webhook = webhook
        pending, self._queue = self._queue, []
        for update in pending:  # what getUpdates did not fetch goes to the webhook
            self._schedule_delivery(update)
        return _Described(True, "Webhook is already set" if unchanged else "Webhook was set")

    def _delete_webhook(self, params: JsonDict, _files: dict[str, UploadedFile]) -> Any:
        was_set = self._webhook is not None
        self._webhook = None
        if _bool_param(params, "drop_pending_updates"):
            self._queue.clear()
        return _Described(True, "Webhook was deleted" if was_set else "Webhook is already deleted")

    def _get_webhook_info(self, _params: JsonDict, _files: dict[str, UploadedFile]) -> JsonDict:
        webhook = self._webhook
        if webhook is None:
            return {
                "url": "",
                "has_custom_certificate": False,
                "pending_update_count": len(self._queue),
            }
        info: JsonDict = {
            "url": webhook.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._webhook_pending),
            "max_connections": webhook.max_connections,
            "ip_address": "127.0.0.1",
        }
        if webhook.allowed_updates:
            info["allowed_updates"] = list(webhook.allowed_updates)
        if webhook.last_error_date is not None:
            info["last_error_date"] = webhook.last_error_date
            info["last_error_message"] = webhook.last_error_message
        return info

    # ------------------------------------------------------------------ sending

    def _get_me(self, _params: JsonDict, _files: dict[str, UploadedFile]) -> JsonDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _send_message(self, params: JsonDict, _files: dict[str, UploadedFile]) -> JsonDict:
        text = str(params.get("text") or "")
        parse_mode = _str_or_none(params.get("parse_mode"))
        visible = _visible_text(text, parse_mode)
        if not visible.strip():
            raise TelegramApiError(400, MESSAGE_TEXT_EMPTY)
        markup = self._reply_markup(params)
        chat_id = self._writable_chat(params)
        thread_id = self._thread(params, chat_id)
        if len(visible) > MAX_TEXT_LENGTH:
            raise TelegramApiError(400, MESSAGE_TOO_LONG)
        self._check_rate_limits("sendMessage", chat_id)
        message = self._new_bot_message(chat_id, {"text": visible}, markup, thread_id, params)
        self._record("sendMessage", message, text, visible, None, parse_mode, markup, None, params)
        return message

    def _send_document(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        document = self._input_file(params, files, "document")
        caption = _str_or_none(params.get("caption"))
        parse_mode = _str_or_none(params.get("parse_mode"))
        visible_caption = _visible_text(caption, parse_mode) if caption is not None else None
        if visible_caption is not None and len(visible_caption) > MAX_CAPTION_LENGTH:
            raise TelegramApiError(400, CAPTION_TOO_LONG)
        markup = self._reply_markup(params)
        chat_id = self._writable_chat(params)
        thread_id = self._thread(params, chat_id)
        self._check_rate_limits("sendDocument", chat_id)
        if not document.file_id:
            file_id, unique_id = self._new_file_ids("BQACAgIAAxkBAAI")
            document = UploadedFile(
                document.field, document.filename, document.content_type, document.data, file_id
            )
            self._files[file_id] = document
        else:
            unique_id = "AQAD" + document.file_id[-8:]
        content: JsonDict = {
            "document": {
                "file_id": document.file_id,
                "file_unique_id": unique_id,
                "file_name": document.filename or "document",
                "mime_type": document.content_type or "application/octet-stream",
                "file_size": len(document.data or b""),
            }
        }
        if visible_caption:
            content["caption"] = visible_caption
        message = self._new_bot_message(chat_id, content, markup, thread_id, params)
        self._record(
            "sendDocument", message, None, None, caption, parse_mode, markup, document, params
        )
        return message

    def _input_file(
        self, params: JsonDict, files: dict[str, UploadedFile], name: str
    ) -> UploadedFile:
        if name in files:
            return files[name]
        reference = str(params.get(name) or "")
        if reference.startswith("attach://") and reference[len("attach://") :] in files:
            return files[reference[len("attach://") :]]
        if not reference:
            raise TelegramApiError(400, NO_DOCUMENT)
        if reference in self._files:
            return self._files[reference]
        if urlsplit(reference).scheme in ("http", "https"):
            filename = urlsplit(reference).path.rsplit("/", 1)[-1] or None
            return UploadedFile(name, filename, None, None)
        raise TelegramApiError(400, WRONG_FILE_ID)

    def _edit_message_text(self, params: JsonDict, _files: dict[str, UploadedFile]) -> Any:
        text = str(params.get("text") or "")
        parse_mode = _str_or_none(params.get("parse_mode"))
        visible = _visible_text(text, parse_mode)
        if not visible.strip():
            raise TelegramApiError(400, MESSAGE_TEXT_EMPTY)
        if len(visible) > MAX_TEXT_LENGTH:
            raise TelegramApiError(400, MESSAGE_TOO_LONG)
        markup = self._reply_markup(params, inline_only=True)
        if params.get("inline_message_id"):
            return True  # inline messages are not tracked by the fake
        message = self._message_to_edit(params)
        # Telegram drops the inline keyboard when an edit does not repeat it.
        if message.get("text") == visible and message.get("reply_markup") == markup:
            raise TelegramApiError(400, MESSAGE_NOT_MODIFIED)
        message["text"] = visible
        return self._apply_edit("editMessageText", message, markup, text, parse_mode, params)

    def _edit_message_reply_markup(self, params: JsonDict, _files: dict[str, UploadedFile]) -> Any:
        markup = self._reply_markup(params, inline_only=True)
        if params.get("inline_message_id"):
            return True
        message = self._message_to_edit(params)
        if message.get("reply_markup") == markup:
            raise TelegramApiError(400, MESSAGE_NOT_MODIFIED)
        return self._apply_edit(
            "editMessageReplyMarkup", message, markup, message.get("text"), None, params
        )

    def _message_to_edit(self, params: JsonDict) -> JsonDict:
        chat_id = self._writable_chat(params)
        message = self._messages.get((chat_id, _int_param(params, "message_id") or 0))
        if message is None:
            raise TelegramApiError(400, MESSAGE_TO_EDIT_NOT_FOUND)
        if message["from"]["id"] != self.bot_user["id"]:
            raise TelegramApiError(400, MESSAGE_CANT_BE_EDITED)
        return message

    def _apply_edit(
        self,
        method: str,
        message: JsonDict,
        markup: JsonDict | None,
        text: str | None,
        parse_mode: str | None,
        params: JsonDict,
    ) -> JsonDict:
        message["edit_date"] = _unix_now()
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        visible = message.get("text")
        self._record(method, message, text, visible, None, parse_mode, markup, None, params)
        return dict(message)

    def _answer_callback_query(self, params: JsonDict, _files: dict[str, UploadedFile]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if self._callback_queries.get(query_id, True):  # unknown or already answered
            raise TelegramApiError(400, QUERY_ID_INVALID)
        self._callback_queries[query_id] = True
        self._answered.append(
            AnsweredCallback(
                query_id,
                _str_or_none(params.get("text")),
                _bool_param(params, "show_alert"),
                _str_or_none(params.get("url")),
                _int_param(params, "cache_time"),
                time.time(),
            )
        )
        return True

    def _send_chat_action(self, params: JsonDict, _files: dict[str, UploadedFile]) -> bool:
        chat_id = self._writable_chat(params)
        action = str(params.get("action") or "")
        if action not in CHAT_ACTIONS:
            raise TelegramApiError(400, WRONG_CHAT_ACTION)
        self._chat_actions.append(ChatAction(chat_id, action, time.time()))
        return True

    # ------------------------------------------------------------------ chats and topics

    def _get_chat(self, params: JsonDict, _files: dict[str, UploadedFile]) -> JsonDict:
        """A ChatFullInfo with the fields Telegram always sends (no photo, bio, …)."""
        chat = dict(self._chats[self._known_chat(params)])
        chat.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": chat["type"] == "private",
                "limited_gifts": chat["type"] == "private",
                "unique_gifts": chat["type"] == "private",
                "premium_subscription": chat["type"] == "private",
                "gifts_from_channels": chat["type"] == "private",
            },
        )
        return chat

    def _create_forum_topic(self, params: JsonDict, _files: dict[str, UploadedFile]) -> JsonDict:
        chat_id = self._forum(params)
        name = _topic_name(params)
        if not name:
            raise TelegramApiError(400, TOPIC_TITLE_EMPTY)
        icon_color = _int_param(params, "icon_color")
        if icon_color is None:
            icon_color = DEFAULT_TOPIC_ICON_COLOR
        elif not 0 <= icon_color <= 0xFFFFFF:
            raise TelegramApiError(400, ICON_COLOR_INVALID)
        icon: JsonDict = {"name": name, "icon_color": icon_color}
        emoji = _str_or_none(params.get("icon_custom_emoji_id"))
        if emoji:
            icon["icon_custom_emoji_id"] = emoji
        # The topic is the thread of its service message, so its id is that message's id.
        created = self._service_message(chat_id, None, {"forum_topic_created": dict(icon)})
        thread_id = created["message_thread_id"] = created["message_id"]
        created["is_topic_message"] = True
        topic = {"message_thread_id": thread_id, **icon}
        self._topics.setdefault(chat_id, {})[thread_id] = {**topic, "closed": False}
        return topic

    def _edit_forum_topic(self, params: JsonDict, _files: dict[str, UploadedFile]) -> bool:
        chat_id = self._forum(params)
        topic = self._topic(params, chat_id)
        name = _topic_name(params)
        emoji = _str_or_none(params.get("icon_custom_emoji_id"))
        if not name and emoji is None:
            return True  # nothing to change: TDLib answers without asking Telegram
        edited: JsonDict = {}
        if name and name != topic["name"]:
            edited["name"] = name
        if emoji is not None and emoji != topic.get("icon_custom_emoji_id", ""):
            edited["icon_custom_emoji_id"] = emoji
        if not edited:
            raise TelegramApiError(400, TOPIC_NOT_MODIFIED)
        topic.update(edited)
        self._service_message(chat_id, topic["message_thread_id"], {"forum_topic_edited": edited})
        return True

    def _close_forum_topic(self, params: JsonDict, _files: dict[str, UploadedFile]) -> bool:
        return self._set_topic_closed(params, closed=True)

    def _reopen_forum_topic(self, params: JsonDict, _files: dict[str, UploadedFile]) -> bool:
        return self._set_topic_closed(params, closed=False)

    def _set_topic_closed(self, params: JsonDict, *, closed: bool) -> bool:
        chat_id = self._forum(params)
        topic = self._topic(params, chat_id)
        if topic["closed"] == closed:
            raise TelegramApiError(400, TOPIC_NOT_MODIFIED)
        topic["closed"] = closed
        service = "forum_topic_closed" if closed else "forum_topic_reopened"
        self._service_message(chat_id, topic["message_thread_id"], {service: {}})
        return True

    def _forum(self, params: JsonDict) -> int:
        chat_id = self._known_chat(params)
        if not self._chats[chat_id].get("is_forum"):
            raise TelegramApiError(400, CHAT_NOT_A_FORUM)
        return chat_id

    def _topic(self, params: JsonDict, chat_id: int) -> JsonDict:
        thread_id = _int_param(params, "message_thread_id") or 0
        if thread_id <= 0:
            raise TelegramApiError(400, THREAD_ID_INVALID)
        topic = self._topics.get(chat_id, {}).get(thread_id)
        if topic is None:
            raise TelegramApiError(400, TOPIC_ID_INVALID)
        return topic

    def _thread(self, params: JsonDict, chat_id: int) -> int | None:
        """The forum topic a message is sent into, or the error for an unknown thread."""
        thread_id = _int_param(params, "message_thread_id")
        if not thread_id:
            return None
        if thread_id not in self._topics.get(chat_id, {}):
            raise TelegramApiError(400, MESSAGE_THREAD_NOT_FOUND)
        return thread_id

    def _service_message(self, chat_id: int, thread_id: int | None, content: JsonDict) -> JsonDict:
        """A service message of the bot's action; bots get no update for their own."""
        message: JsonDict = {
            "message_id": self._new_message_id(chat_id),
            "from": dict(self.bot_user),
            "chat": dict(self._chats[chat_id]),
            "date": _unix_now(),
            **content,
        }
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        self._messages[(chat_id, message["message_id"])] = message
        return message

    # ------------------------------------------------------------------ commands

    def _set_my_commands(self, params: JsonDict, _files: dict[str, UploadedFile]) -> bool:
        commands = _json_param(params, "commands", "Bad Request: can't parse commands JSON object")
        if not isinstance(commands, list):
            raise TelegramApiError(400, "Bad Request: can't parse commands JSON object")
        cleaned = []
        for command in commands:
            name = str(command.get("command", "")).removeprefix("/").lower()
            description = str(command.get("description", ""))
            if not _BOT_COMMAND_FORMAT.match(name):
                raise TelegramApiError(400, BOT_COMMAND_INVALID)
            if not 1 <= len(description) <= 256:
                raise TelegramApiError(400, BOT_COMMAND_DESCRIPTION_INVALID)
            cleaned.append({"command": name, "description": description})
        self._commands[self._commands_key(params)] = cleaned
        return True

    def _delete_my_commands(self, params: JsonDict, _files: dict[str, UploadedFile]) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    def _get_my_commands(self, params: JsonDict, _files: dict[str, UploadedFile]) -> list[JsonDict]:
        return [dict(command) for command in self._commands.get(self._commands_key(params), [])]

    def _commands_key(self, params: JsonDict) -> tuple[str, str]:
        scope = _json_param(params, "scope", "Bad Request: can't parse scope JSON object")
        return _scope_key(scope), str(params.get("language_code") or "")

    # ------------------------------------------------------------------ helpers

    def _writable_chat(self, params: JsonDict) -> int:
        """The target chat id, or the error Telegram gives for an unknown or blocked chat."""
        chat_id = self._known_chat(params)
        if chat_id in self._blocked:
            raise TelegramApiError(403, BOT_BLOCKED)
        return chat_id

    def _known_chat(self, params: JsonDict) -> int:
        """The target chat id (by id or @username), or "chat not found"."""
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise TelegramApiError(400, CHAT_ID_EMPTY)
        chat_id = _chat_id_or_none(raw)
        if chat_id is None and isinstance(raw, str) and raw.startswith("@"):
            chat_id = next(
                (cid for cid, chat in self._chats.items() if chat.get("username") == raw[1:]),
                None,
            )
        if chat_id is None or chat_id not in self._chats:
            raise TelegramApiError(400, CHAT_NOT_FOUND)
        return chat_id

    def _reply_markup(self, params: JsonDict, *, inline_only: bool = False) -> JsonDict | None:
        markup = _json_param(params, "reply_markup", BAD_REPLY_MARKUP)
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise TelegramApiError(400, BAD_REPLY_MARKUP)
        if not markup:  # PTB sends InlineKeyboardMarkup([]) as {}: no keyboard
            return None
        if "inline_keyboard" in markup:
            _check_inline_keyboard(markup["inline_keyboard"])
            return markup
        if inline_only:
            raise TelegramApiError(400, BAD_REPLY_MARKUP)
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise TelegramApiError(400, BAD_REPLY_MARKUP)
            return markup
        if markup.get("remove_keyboard") or markup.get("force_reply"):
            return markup
        raise TelegramApiError(400, BAD_REPLY_MARKUP)

    def _check_rate_limits(self, method: str, chat_id: int) -> None:
        """Answer 429 when forced to, or past the per-chat or global flood limits."""
        if method not in _RATE_LIMITED_METHODS:
            return
        if self._forced_429:
            raise _too_many_requests(self._forced_429.popleft())
        if not self.rate_limits:
            return
        now = self._clock()
        while self._recent_sends and now - self._recent_sends[0] >= 1.0:
            self._recent_sends.popleft()
        if len(self._recent_sends) >= self.global_per_second:
            raise _too_many_requests(max(1, math.ceil(1.0 - (now - self._recent_sends[0]))))
        bucket = self._buckets.get(chat_id) or _Bucket(float(self.per_chat_burst), now)
        tokens = min(
            float(self.per_chat_burst),
            bucket.tokens + (now - bucket.updated) * self.per_chat_per_second,
        )
        if tokens < 1.0:
            raise _too_many_requests(max(1, math.ceil((1.0 - tokens) / self.per_chat_per_second)))
        group_sends: deque[float] | None = None
        if self._chats[chat_id]["type"] != "private":
            group_sends = self._group_sends.setdefault(chat_id, deque())
            while group_sends and now - group_sends[0] >= GROUP_RATE_WINDOW:
                group_sends.popleft()
            if len(group_sends) >= self.group_per_minute:
                wait = GROUP_RATE_WINDOW - (now - group_sends[0])
                raise _too_many_requests(max(1, math.ceil(wait)))
        self._buckets[chat_id] = _Bucket(tokens - 1.0, now)
        self._recent_sends.append(now)
        if group_sends is not None:
            group_sends.append(now)

    def _new_bot_message(
        self,
        chat_id: int,
        content: JsonDict,
        markup: JsonDict | None,
        thread_id: int | None = None,
        params: JsonDict | None = None,
    ) -> JsonDict:
        message: JsonDict = {
            "message_id": self._new_message_id(chat_id),
            "from": dict(self.bot_user),
            "chat": dict(self._chats[chat_id]),
            "date": _unix_now(),
        }
        replied = self._replied_message(params or {}, chat_id)
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
            # In a topic, a message that replies to nothing replies to the topic's creation.
            replied = replied or self._messages.get((chat_id, thread_id))
        if replied is not None:
            message["reply_to_message"] = _as_reply(replied)
        message.update(content)
        if markup is not None and "inline_keyboard" in markup:
            message["reply_markup"] = markup  # only inline keyboards come back in a Message
        self._messages[(chat_id, message["message_id"])] = message
        return dict(message)

    def _replied_message(self, params: JsonDict, chat_id: int) -> JsonDict | None:
        """The message of this chat that ``reply_parameters`` (or the older
        ``reply_to_message_id``) names, if it exists; a missing one is not an error here."""
        reply = _json_param(
            params, "reply_parameters", "Bad Request: can't parse reply parameters JSON object"
        )
        if isinstance(reply, dict):
            if _chat_id_or_none(reply.get("chat_id", chat_id)) != chat_id:
                return None
            message_id = _chat_id_or_none(reply.get("message_id"))
        else:
            message_id = _int_param(params, "reply_to_message_id")
        if message_id is None:
            return None
        return self._messages.get((chat_id, message_id))

    def _record(
        self,
        method: str,
        message: JsonDict,
        text: str | None,
        visible_text: str | None,
        caption: str | None,
        parse_mode: str | None,
        markup: JsonDict | None,
        document: UploadedFile | None,
        params: JsonDict,
    ) -> None:
        self._sent.append(
            SentMessage(
                method=method,
                chat_id=int(message["chat"]["id"]),
                message_id=int(message["message_id"]),
                text=text,
                visible_text=visible_text,
                caption=caption,
                parse_mode=parse_mode,
                reply_markup=markup,
                document=document,
                at=time.time(),
                params=_loggable(params),
                message_thread_id=(
                    int(message["message_thread_id"]) if message.get("is_topic_message") else None
                ),
            )
        )


@dataclass(frozen=True)
class _Described:
    """A result that Telegram answers with a ``description`` beside it."""

    result: Any
    description: str


# ---------------------------------------------------------------------- server


@contextlib.contextmanager
def running_fake_telegram(
    token: str = DEFAULT_TOKEN, *, clock: Callable[[], float] | None = None
) -> Iterator[FakeTelegram]:
    """Serve a :class:`FakeTelegram` on 127.0.0.1 (a free port) for the ``with`` block.

    ``clock`` (monotonic seconds) drives the rate limits, so tests can move time instead of
    sleeping.
    """
    fake = FakeTelegram(token, clock=clock or time.monotonic)

    def close() -> None:
        fake._closing = True  # ends waiting long polls at once

    with serve_in_thread(fake.app, name="fake-telegram", on_close=close) as port:
        fake.api_root = f"http://127.0.0.1:{port}"
        fake.base_url = f"{fake.api_root}/bot"
        yield fake


# ---------------------------------------------------------------------- parsing


async def _read_params(request: Request) -> tuple[JsonDict, dict[str, UploadedFile]]:
    """Query string plus body (JSON, urlencoded or multipart), as Telegram accepts them."""
    params: JsonDict = dict(request.query_params)
    files: dict[str, UploadedFile] = {}
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    mime = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return params, files
    if mime == "application/json":
        try:
            data = json.loads(body)
        except ValueError as error:
            raise TelegramApiError(400, "Bad Request: can't parse JSON object") from error
        if not isinstance(data, dict):
            raise TelegramApiError(400, "Bad Request: can't parse JSON object")
        params.update(data)
    elif mime == "application/x-www-form-urlencoded":
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    elif mime == "multipart/form-data":
        boundary = header_param(content_type, "boundary")
        if not boundary:
            raise TelegramApiError(400, "Bad Request: can't parse multipart/form-data")
        for part in parse_multipart(body, boundary):
            if part.filename is None:
                params[part.name] = part.data.decode("utf-8")
            else:
                files[part.name] = UploadedFile(
                    part.name, part.filename, part.content_type, part.data
                )
    return params, files


def _json_param(params: JsonDict, name: str, error: str) -> Any:
    """A nested parameter: JSON-encoded in forms (as PTB sends it), native in JSON bodies."""
    value = params.get(name)
    if not isinstance(value, str):
        return value
    if value == "":
        return None
    try:
        return json.loads(value)
    except ValueError as exc:
        raise TelegramApiError(400, error) from exc


def _int_param(params: JsonDict, name: str) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise TelegramApiError(400, f"Bad Request: wrong parameter {name} in request") from exc


def _float_param(params: JsonDict, name: str) -> float | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise TelegramApiError(400, f"Bad Request: wrong parameter {name} in request") from exc


def _bool_param(params: JsonDict, name: str) -> bool:
    value = params.get(name)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _chat_id_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _scope_key(scope: Any) -> str:
    if not scope or scope == {"type": "default"}:
        return "default"
    return json.dumps(scope, sort_keys=True)


def _loggable(params: JsonDict) -> JsonDict:
    """Parameters as recorded: nested JSON fields decoded, for readable assertions."""
    decoded: JsonDict = {}
    for key, value in params.items():
        if isinstance(value, str) and value[:1] in ("{", "["):
            try:
                decoded[key] = json.loads(value)
                continue
            except ValueError:
                pass
        decoded[key] = value
    return decoded


def _topic_name(params: JsonDict) -> str:
    """A topic name as given (``""`` when missing); longer than 128 characters is a 400."""
    name = str(params.get("name") or "").strip()
    if len(name) > MAX_TOPIC_NAME_LENGTH:
        raise TelegramApiError(400, TOPIC_TITLE_TOO_LONG)
    return name


def _as_reply(message: JsonDict) -> JsonDict:
    """A message as ``reply_to_message``: Telegram never nests a further reply in it."""
    return {key: value for key, value in message.items() if key != "reply_to_message"}


def _check_inline_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise TelegramApiError(400, BAD_REPLY_MARKUP)
    actions = (
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    )
    for row in rows:
        for button in row:
            if not isinstance(button, dict):
                raise TelegramApiError(400, BAD_REPLY_MARKUP)
            if not any(action in button for action in actions):
                raise TelegramApiError(400, TEXT_BUTTONS_IN_INLINE_KEYBOARD)
            if "callback_data" in button:
                size = len(str(button["callback_data"]).encode("utf-8"))
                if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                    raise TelegramApiError(400, BUTTON_DATA_INVALID)


def _visible_text(text: str, parse_mode: str | None) -> str:
    """The text a user sees once Telegram has parsed the markup of ``parse_mode``."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return _html_visible(text)
    if mode == "markdownv2":
        return _markdown_v2_visible(text)
    if mode == "markdown":
        without_links = _MARKDOWN_LINK.sub(r"\1", text)
        return re.sub(r"[*_`]", "", without_links)
    return text


def _html_visible(text: str) -> str:
    for match in _HTML_TAG.finditer(text):
        if match.group(2).lower() not in _HTML_TAGS:
            kind = "end" if match.group(1) else "start"
            offset = len(text[: match.start()].encode("utf-8"))
            raise TelegramApiError(
                400,
                f"Bad Request: can't parse entities: Unsupported {kind} tag "
                f'"{match.group(2)}" at byte offset {offset}',
            )
    return html.unescape(_HTML_TAG.sub("", text))


def _markdown_v2_visible(text: str) -> str:
    visible: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        link = _MARKDOWN_V2_LINK.match(text, index) if char in "[!" else None
        if char == "\\" and index + 1 < len(text):
            visible.append(text[index + 1])
            index += 2
        elif link is not None:
            visible.append(_markdown_v2_visible(link.group(1)))
            index = link.end()
        elif text.startswith("```", index):
            end = text.find("```", index + 3)
            end = len(text) if end == -1 else end
            block = text[index + 3 : end]
            first_line, newline, rest = block.partition("\n")
            code = rest if newline and first_line and " " not in first_line else block
            visible.append(re.sub(r"\\([`\\])", r"\1", code))
            index = end + 3
        elif char == "`":
            end = text.find("`", index + 1)
            end = len(text) if end == -1 else end
            visible.append(re.sub(r"\\([`\\])", r"\1", text[index + 1 : end]))
            index = end + 1
        elif char in "*_~|" or (char == ">" and (index == 0 or text[index - 1] == "\n")):
            index += 1  # formatting markers and quote starts are not shown
        elif char in _MARKDOWN_V2_RESERVED:
            raise TelegramApiError(
                400,
                f"Bad Request: can't parse entities: Character '{char}' is reserved and must "
                "be escaped with the preceding '\\'",
            )
        else:
            visible.append(char)
            index += 1
    return "".join(visible)


def _utf16_len(text: str) -> int:
    """Entity offsets and lengths count UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _unix_now() -> int:
    return int(time.time())
