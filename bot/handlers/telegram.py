"""The Telegram channel: updates in, replies out, through python-telegram-bot's typed ``Bot``.

PTB's ``Application``/``ConversationHandler`` and its persistence are not
used: conversation state lives in our database, across processes. This
module translates ``Update`` ⇄ ``Inbound``/``Reply``, paces sends, and runs
long polling; the webhook route lives in ``bot.web``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import timedelta
from typing import TypeVar

import structlog
from telegram import Bot as TelegramBot
from telegram import (
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatAction, ChatType
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.delivery import Delivery, Rejected, RetryLater, SendResult, Sent, Unreachable
from bot.engine import Engine
from bot.handlers.telegram_staff import StaffDesk
from bot.i18n import LANGUAGES, catalogue
from bot.messages import Choice, Inbound, InboundKind, Reply
from bot.pacing import Pacing

# PTB 22.2+ warns whenever a time period is read as an int -- even inside RetryAfter's own
# constructor, so under warnings-as-errors a 429 surfaced as a warning instead of RetryAfter.
# Opt in to the timedelta behaviour PTB is moving to (read at call time, so set it here).
os.environ.setdefault("PTB_TIMEDELTA", "true")

CHANNEL = "telegram"
MAX_TEXT = 4096
MAX_CALLBACK_BYTES = 64
#: Updates we ask Telegram for; everything else is never delivered.
ALLOWED_UPDATES = ("message", "edited_message", "callback_query")
COMMANDS = ("start", "book", "appointments", "help", "human", "language", "stop")
#: A turn slower than this shows "typing…" (the LLM may be thinking).
TYPING_AFTER = 0.4

log = structlog.get_logger("carebot.telegram")
T = TypeVar("T")


def webhook_secret(token: str, configured: str | None) -> str:
    """The secret Telegram sends back on each webhook call: configured, or derived from
    the token so that every worker of one bot agrees on it."""
    if configured:
        return configured
    return hmac.new(token.encode(), b"carebot-webhook", hashlib.sha256).hexdigest()


# --- updates in ---


def inbound_from_update(update: Update) -> Inbound | None:
    """The Inbound an update stands for; None for what is not for the patient flows."""
    message_id = str(update.update_id)
    if update.callback_query is not None:
        return _from_callback(update.callback_query, message_id)
    message = update.message or update.edited_message
    if message is None or message.chat.type != ChatType.PRIVATE:
        return None
    sender = message.from_user
    base = {
        "channel": CHANNEL,
        "sender_id": str(message.chat.id),
        "message_id": message_id,
        "locale": sender.language_code if sender else None,
        "first_name": sender.first_name if sender else None,
    }
    if update.edited_message is not None:
        return Inbound(kind=InboundKind.UNSUPPORTED, **base)  # type: ignore[arg-type]
    if message.text is not None:
        return Inbound(kind=InboundKind.TEXT, text=message.text, **base)  # type: ignore[arg-type]
    if message.contact is not None:
        # Only the patient's own number: a forwarded contact card is someone else's.
        own = sender is not None and message.contact.user_id == sender.id
        phone = message.contact.phone_number if own else None
        return Inbound(kind=InboundKind.CONTACT, contact_phone=phone, **base)  # type: ignore[arg-type]
    return Inbound(kind=InboundKind.UNSUPPORTED, **base)  # type: ignore[arg-type]


def _from_callback(query: CallbackQuery, message_id: str) -> Inbound | None:
    chat = query.message.chat if query.message else None
    if chat is None or chat.type != ChatType.PRIVATE:
        return None
    return Inbound(
        CHANNEL,
        str(chat.id),
        message_id,
        InboundKind.BUTTON,
        button=query.data or "",
        locale=query.from_user.language_code,
        first_name=query.from_user.first_name,
    )


# --- replies out ---


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut a long text into messages Telegram accepts, at paragraph, line or word ends."""
    chunks: list[str] = []
    while _length(text) > limit:
        cut = _cut_point(text, limit)
        chunks.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text or not chunks:
        chunks.append(text)
    return chunks


def _length(text: str) -> int:
    """Telegram counts UTF-16 code units (an emoji counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def _cut_point(text: str, limit: int) -> int:
    window = limit
    while _length(text[:window]) > limit:
        window -= 1
    for separator in ("\n\n", "\n", " "):
        position = text.rfind(separator, 0, window)
        if position > window // 2:
            return position + len(separator)
    return window


def inline_keyboard(choices: tuple[Choice, ...]) -> InlineKeyboardMarkup:
    """Buttons in rows a phone shows well: short labels side by side, long ones alone."""
    rows: list[list[InlineKeyboardButton]] = []
    for choice in choices:
        if len(choice.data.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes: {choice.data!r}")
        button = InlineKeyboardButton(choice.label, callback_data=choice.data)
        row = rows[-1] if rows else None
        if row and len(row) < 4 and sum(len(b.text) for b in row) + len(choice.label) <= 24:
            row.append(button)
        else:
            rows.append([button])
    return InlineKeyboardMarkup(rows)


def _markup(
    reply: Reply,
) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None:
    if reply.contact_button:
        return ReplyKeyboardMarkup(
            [[KeyboardButton(reply.contact_button, request_contact=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    if reply.choices:
        return inline_keyboard(reply.choices)
    if reply.remove_keyboard:
        return ReplyKeyboardRemove()
    return None


def _retry_seconds(error: RetryAfter) -> float:
    """Seconds Telegram asked us to wait (a timedelta with PTB_TIMEDELTA, an int without)."""
    value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramSender:
    """Sends replies with the Bot API and says how each send went."""

    channel = CHANNEL

    def __init__(self, bot: TelegramBot, pacing: Pacing | None = None) -> None:
        self.bot = bot
        self.pacing = pacing or Pacing()

    async def send(self, recipient: str, reply: Reply) -> SendResult:
        """Send text (split if long), buttons and document; classify any failure."""
        try:
            message_id = await self._send(int(recipient), reply)
        except RetryAfter as error:
            return RetryLater(_retry_seconds(error), "telegram: 429 too many requests")
        except Forbidden as error:
            return Unreachable(f"telegram: {error.message}")
        except BadRequest as error:
            if "chat not found" in error.message.lower():
                return Unreachable(f"telegram: {error.message}")
            return Rejected(f"telegram: {error.message}")
        except NetworkError as error:
            return RetryLater(5.0, f"telegram: network: {type(error).__name__}")
        except TelegramError as error:
            return RetryLater(30.0, f"telegram: {type(error).__name__}: {error.message}")
        except ValueError as error:
            return Rejected(f"telegram: {error}")
        return Sent(str(message_id) if message_id is not None else None)

    async def _send(self, chat_id: int, reply: Reply) -> int | None:
        message_id = None
        chunks = split_text(reply.text) if reply.text else []
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            await self.pacing(str(chat_id))
            message = await self.bot.send_message(
                chat_id,
                chunk,
                reply_markup=_markup(reply) if last else None,
                message_thread_id=reply.thread_id,
            )
            message_id = message.message_id
        if reply.document is not None:
            await self.pacing(str(chat_id))
            document = InputFile(reply.document.content, filename=reply.document.filename)
            message = await self.bot.send_document(
                chat_id, document, message_thread_id=reply.thread_id
            )
            message_id = message_id or message.message_id
        return message_id

    async def typing(self, chat_id: str) -> None:
        """Show "typing…" in the chat (best effort)."""
        with suppress(TelegramError):
            await self.bot.send_chat_action(int(chat_id), ChatAction.TYPING)

    async def acknowledge(self, query: CallbackQuery) -> None:
        """Stop the button's spinner and mark the choice in its message, removing the
        buttons so an old choice cannot be pressed twice (best effort)."""
        with suppress(TelegramError):
            await self.bot.answer_callback_query(query.id)
        message = query.message
        if not isinstance(message, Message) or not message.text:
            return
        label = _pressed_label(message, query.data or "")
        with suppress(TelegramError):
            text = f"{message.text}\n\n✓ {label}" if label else message.text
            await self.bot.edit_message_text(
                split_text(text)[0], chat_id=message.chat.id, message_id=message.message_id
            )

    async def set_commands(self, default_language: str) -> None:
        """The command menu in each language Telegram users may have, and a default."""
        for language in LANGUAGES:
            await self.bot.set_my_commands(_commands(language), language_code=language)
        await self.bot.set_my_commands(_commands(default_language))


def _pressed_label(message: Message, data: str) -> str | None:
    markup = message.reply_markup
    if markup is None:
        return None
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return None


def _commands(language: str) -> list[BotCommand]:
    texts = catalogue(language)
    return [BotCommand(name, texts[f"command.{name}"]) for name in COMMANDS]


class TelegramChannel:
    """Turns Telegram updates into engine turns and delivers the replies."""

    def __init__(
        self,
        bot: TelegramBot,
        engine: Engine,
        delivery: Delivery,
        staff: StaffDesk | None = None,
    ) -> None:
        self.bot = bot
        self.engine = engine
        self.delivery = delivery
        self.staff = staff
        sender = delivery.senders.get(CHANNEL)
        if not isinstance(sender, TelegramSender):
            raise ValueError("the delivery has no Telegram sender")
        self.sender = sender
        self._chat_locks: dict[str, asyncio.Lock] = {}
        #: When a long poll last came back from Telegram (monotonic seconds); None when
        #: not polling (webhook mode). Readiness reads it: polling that fails is not "up".
        self.last_poll: float | None = None

    async def process(self, update: Update) -> None:
        """Handle one update: acknowledge a button, run the turn, deliver the replies.
        Never raises: one bad update must not stop the others (it is logged)."""
        try:
            await self._process(update)
        except Exception:
            log.exception("telegram.update_failed", update_id=update.update_id)

    async def _process(self, update: Update) -> None:
        if update.callback_query is not None:
            await self.sender.acknowledge(update.callback_query)
        if self.staff is not None and self.staff.is_staff_update(update):
            await self.staff.process(update)
            return
        inbound = inbound_from_update(update)
        if inbound is None:
            return
        async with self._lock(inbound.sender_id):
            outgoing = await _with_typing(
                asyncio.to_thread(self.engine.handle, inbound),
                lambda: self.sender.typing(inbound.sender_id),
            )
            await self.delivery.deliver(outgoing)

    def _lock(self, chat_id: str) -> asyncio.Lock:
        """One turn at a time per chat in this process (the database locks across them)."""
        if len(self._chat_locks) > 10_000:
            self._chat_locks = {k: v for k, v in self._chat_locks.items() if v.locked()}
        return self._chat_locks.setdefault(chat_id, asyncio.Lock())

    async def process_batch(self, updates: tuple[Update, ...]) -> None:
        """Process updates concurrently across chats, in order within a chat."""
        await asyncio.gather(*(self.process(update) for update in updates))

    async def poll(self, stop: asyncio.Event, *, timeout: int = 30) -> None:
        """Long polling until ``stop`` is set. An update is confirmed to Telegram (by the
        next call's offset) only after it was processed, so a crash loses none; the
        database's processed-id check makes a redelivery harmless."""
        offset: int | None = None
        self.last_poll = time.monotonic()
        while not stop.is_set():
            try:
                updates = await _unless_stopped(
                    self.bot.get_updates(
                        offset=offset,
                        timeout=timeout,
                        allowed_updates=list(ALLOWED_UPDATES),
                        read_timeout=timeout + 10,
                    ),
                    stop,
                )
            except RetryAfter as error:
                await asyncio.sleep(_retry_seconds(error))
                continue
            except Conflict as error:
                # Another poller, or a webhook is set: say so loudly, and keep trying.
                log.error("telegram.poll_conflict", error=error.message)
                await asyncio.sleep(5)
                continue
            except NetworkError as error:
                log.warning("telegram.poll_failed", error=type(error).__name__)
                await asyncio.sleep(2)
                continue
            if updates is None:
                break
            self.last_poll = time.monotonic()
            if updates:
                await self.process_batch(updates)
                offset = updates[-1].update_id + 1
        if offset is not None:  # the last call may not have reached Telegram before the stop
            await self._confirm(offset)

    async def _confirm(self, offset: int) -> None:
        """At the stop, tell Telegram the updates processed last are done, so the next start
        is not handed them again (what this call returns stays unconfirmed: it is
        delivered again then)."""
        with suppress(TelegramError, TimeoutError):
            await asyncio.wait_for(
                self.bot.get_updates(offset=offset, limit=1, timeout=0), CONFIRM_SECONDS
            )


#: How long the stop waits for Telegram to take the last confirmation.
CONFIRM_SECONDS = 2.0


async def _unless_stopped(work: Awaitable[T], stop: asyncio.Event) -> T | None:
    """Await ``work`` unless ``stop`` is set first (then cancel it and return None): a long
    poll is abandoned at shutdown, but updates already received are processed."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        stopped.cancel()
        return task.result()
    task.cancel()
    with suppress(asyncio.CancelledError, TelegramError):
        await task
    return None


async def _with_typing(work: Awaitable[T], show_typing: Callable[[], Awaitable[None]]) -> T:
    """Await ``work``; if it takes a while, show "typing…" meanwhile."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=TYPING_AFTER)
    if not done:
        await show_typing()
    return await task
