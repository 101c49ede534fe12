"""The fake Telegram Bot API, driven by the real python-telegram-bot over HTTP.

These tests pin down what the fake answers so that the bot's own tests can trust it:
result shapes PTB parses, error texts PTB turns into its exceptions, long polling,
webhooks, rate limits and what the fake records.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections import deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    ChatFullInfo,
    ForumTopic,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatAction
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

from tests.fakes.telegram_api import (
    SECRET_TOKEN_HEADER,
    FakeTelegram,
    running_fake_telegram,
)

TOKEN = "123456:TEST-token"
PATIENT = 42
STAFF_GROUP = -1001234567890
PLAIN_GROUP = -1009876543210
NURSE = 7001


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's timedelta periods.

    Without PTB_TIMEDELTA, building ``RetryAfter`` emits a PTBDeprecationWarning, which
    ``filterwarnings = error`` turns into the exception the caller sees instead of
    RetryAfter.
    """
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeTelegram]:
    """One server for the module: starting and stopping uvicorn costs ~0.2 s."""
    with running_fake_telegram(TOKEN) as server:
        yield server


@pytest.fixture
def fake(fake_server: FakeTelegram) -> FakeTelegram:
    fake_server.reset()
    return fake_server


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=fake.base_url) as client:
        yield client


class ManualClock:
    """Monotonic seconds that only move when the test says so."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class WebhookReceiver:
    url: str
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def updates(self) -> list[dict[str, object]]:
        return [json.loads(body) for _, body in self.received]


@contextlib.contextmanager
def running_webhook_receiver(statuses: list[int]) -> Iterator[WebhookReceiver]:
    """An HTTP endpoint that answers ``statuses`` in turn, then 200, recording requests."""
    answers = deque(statuses)
    lock = threading.Lock()
    receiver = WebhookReceiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with lock:
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = answers.popleft() if answers else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            """Keep the test output quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # A short poll interval: shutdown() waits up to one interval (0.5 s by default).
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_port}/telegram"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# ---------------------------------------------------------------------- identity


async def test_get_me_describes_the_bot_of_the_token(bot: Bot) -> None:
    """getMe answers a bot user whose id is the token's prefix."""
    me = await bot.get_me()
    assert me.id == 123456
    assert me.is_bot
    assert me.username == "carebot_test_bot"


async def test_a_wrong_token_is_unauthorized_and_an_unknown_method_not_found(
    fake: FakeTelegram,
) -> None:
    """401 for a well-formed unknown token (PTB: InvalidToken), 404 for unknown methods."""
    # PTB replaces the description of a 401 with its own text.
    with pytest.raises(InvalidToken, match="was rejected by the server"):
        async with Bot("999:wrong-token", base_url=fake.base_url):
            pass
    async with httpx.AsyncClient(base_url=fake.api_root) as client:
        unknown = await client.post(f"/bot{TOKEN}/sendCarrierPigeon")
        lowercase = await client.get(f"/bot{TOKEN}/getme")
    assert unknown.status_code == 404
    assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert lowercase.json()["result"]["id"] == 123456  # method names are case-insensitive


# ---------------------------------------------------------------------- sendMessage


async def test_send_message_with_inline_keyboard_returns_and_records_it(
    fake: FakeTelegram, bot: Bot
) -> None:
    """The Message comes back from the bot with its inline keyboard, and is recorded."""
    fake.add_chat(PATIENT)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Mardi 9h", callback_data="slot:1")]])

    message = await bot.send_message(PATIENT, "Quel créneau ?", reply_markup=keyboard)

    assert message.from_user is not None and message.from_user.id == bot.id
    assert message.chat.id == PATIENT and message.chat.type == "private"
    assert message.text == "Quel créneau ?"
    assert message.reply_markup == keyboard
    (sent,) = fake.sent_to(PATIENT)
    assert sent.message_id == message.message_id
    assert sent.reply_markup == {
        "inline_keyboard": [[{"text": "Mardi 9h", "callback_data": "slot:1"}]]
    }
    assert sent.button_texts == ["Mardi 9h"]


async def test_reply_keyboard_with_contact_request_and_its_removal_are_recorded(
    fake: FakeTelegram, bot: Bot
) -> None:
    """Reply keyboards are accepted and recorded but, as on Telegram, not echoed back."""
    fake.add_chat(PATIENT)
    share = ReplyKeyboardMarkup(
        [[KeyboardButton("Partager mon numéro", request_contact=True)]], one_time_keyboard=True
    )

    asked = await bot.send_message(PATIENT, "Votre numéro ?", reply_markup=share)
    await bot.send_message(PATIENT, "Merci", reply_markup=ReplyKeyboardRemove())

    assert asked.reply_markup is None
    first, second = fake.sent_to(PATIENT)
    assert first.buttons == [{"text": "Partager mon numéro", "request_contact": True}]
    assert second.reply_markup == {"remove_keyboard": True}


async def test_text_longer_than_4096_characters_is_too_long(fake: FakeTelegram, bot: Bot) -> None:
    """4096 visible characters pass (markup not counted); 4097 give "Message is too long"."""
    fake.add_chat(PATIENT)
    await bot.send_message(PATIENT, "é" * 4096)
    await bot.send_message(PATIENT, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")

    with pytest.raises(BadRequest) as caught:
        await bot.send_message(PATIENT, "a" * 4097)

    # PTB strips "Bad Request: " and capitalizes the rest.
    assert str(caught.value) == "Message is too long"
    assert fake.rejected[-1].description == "Bad Request: message is too long"
    assert len(fake.sent_to(PATIENT)) == 2


async def test_empty_text_and_bad_markdown_are_rejected(fake: FakeTelegram, bot: Bot) -> None:
    """Empty text (also after markup) and unescaped MarkdownV2 characters are 400s."""
    fake.add_chat(PATIENT)
    with pytest.raises(BadRequest, match=r"^Message text is empty$"):
        await bot.send_message(PATIENT, "<b> </b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"^Can't parse entities: character '\.' is reserved"):
        await bot.send_message(PATIENT, "*RDV* confirmé.", parse_mode="MarkdownV2")
    await bot.send_message(PATIENT, r"*RDV* confirmé\.", parse_mode="MarkdownV2")
    assert fake.sent_to(PATIENT)[-1].visible_text == "RDV confirmé."


async def test_callback_data_over_64_bytes_is_button_data_invalid(
    fake: FakeTelegram, bot: Bot
) -> None:
    """callback_data is limited in bytes, not characters; PTB does not check it itself."""
    fake.add_chat(PATIENT)

    def keyboard(data: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([[InlineKeyboardButton("Oui", callback_data=data)]])

    await bot.send_message(PATIENT, "ok", reply_markup=keyboard("é" * 32))  # 64 bytes
    for data in ("x" * 65, "é" * 33):
        with pytest.raises(BadRequest, match=r"^Button_data_invalid$"):
            await bot.send_message(PATIENT, "trop long", reply_markup=keyboard(data))

    async with httpx.AsyncClient(base_url=fake.api_root) as client:
        raw = await client.post(
            f"/bot{TOKEN}/sendMessage",
            json={
                "chat_id": PATIENT,
                "text": "json body",
                "reply_markup": {"inline_keyboard": [[{"text": "x", "callback_data": "y" * 65}]]},
            },
        )
    assert raw.status_code == 400
    assert raw.json() == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: BUTTON_DATA_INVALID",
    }


async def test_blocked_and_unknown_chats(fake: FakeTelegram, bot: Bot) -> None:
    """A chat that blocked the bot is 403 Forbidden; a chat never seen is "chat not found"."""
    fake.block_chat(PATIENT)
    with pytest.raises(Forbidden, match=r"^Forbidden: bot was blocked by the user$"):
        await bot.send_message(PATIENT, "Rappel")
    with pytest.raises(BadRequest, match=r"^Chat not found$"):
        await bot.send_message(7_777, "Rappel")
    fake.unblock_chat(PATIENT)
    await bot.send_message(PATIENT, "Rappel")
    assert [r.error_code for r in fake.rejected] == [403, 400]


# ---------------------------------------------------------------------- rate limits


async def test_forced_429_raises_retry_after_with_the_given_delay(
    fake: FakeTelegram, bot: Bot
) -> None:
    """A 429 carries parameters.retry_after; PTB raises RetryAfter (a timedelta here)."""
    fake.add_chat(PATIENT)
    fake.force_429(times=1, retry_after=3)

    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(PATIENT, "Rappel")
    await bot.send_message(PATIENT, "Rappel")

    assert caught.value.retry_after == timedelta(seconds=3)
    rejection = fake.rejected[-1]
    assert (rejection.error_code, rejection.retry_after) == (429, 3)
    assert rejection.description == "Too Many Requests: retry after 3"
    assert len(fake.sent_to(PATIENT)) == 1


async def test_flood_limits_per_chat_and_overall_follow_the_clock() -> None:
    """A burst of 3 per chat, then 1 per second; the overall limit is per second too."""
    clock = ManualClock()
    with running_fake_telegram(TOKEN, clock=clock) as fake:
        async with Bot(TOKEN, base_url=fake.base_url) as bot:
            for chat in (1, 2, 3):
                fake.add_chat(chat)
            for _ in range(3):
                await bot.send_message(1, "burst")
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(1, "one too many")
            assert caught.value.retry_after == timedelta(seconds=1)

            clock.now += 1.0
            await bot.send_message(1, "a second later")

            fake.global_per_second = 2
            await bot.send_message(2, "other chat")
            with pytest.raises(RetryAfter):
                await bot.send_message(3, "past the overall limit")

            fake.rate_limits = False
            for _ in range(5):
                await bot.send_message(1, "unlimited")
    assert len(fake.sent_to(1)) == 9


# ---------------------------------------------------------------------- getUpdates


async def test_long_poll_returns_a_pushed_message_and_offset_confirms_it(
    fake: FakeTelegram, bot: Bot
) -> None:
    """getUpdates holds until an update arrives; updates stay until a higher offset."""
    polling = asyncio.create_task(bot.get_updates(timeout=5))
    await fake.wait_for_async(lambda: fake.long_poll_waiting)

    pushed = fake.push_message(PATIENT, "Bonjour", language_code="fr")
    updates = await asyncio.wait_for(polling, timeout=2)

    (update,) = updates
    assert update.update_id == pushed["update_id"]
    assert update.message is not None and update.message.text == "Bonjour"
    assert update.message.from_user is not None
    assert update.message.from_user.language_code == "fr"
    assert update.message.chat.type == "private"
    assert [u.update_id for u in await bot.get_updates()] == [update.update_id]
    assert await bot.get_updates(offset=update.update_id + 1) == ()
    assert fake.pending_updates == []


async def test_limit_and_update_ids_increase(fake: FakeTelegram, bot: Bot) -> None:
    """update_id increases by one per update; ``limit`` caps a batch."""
    ids = [fake.push_message(PATIENT, f"m{i}")["update_id"] for i in range(3)]
    assert ids == [ids[0], ids[0] + 1, ids[0] + 2]
    batch = await bot.get_updates(limit=2)
    assert [u.update_id for u in batch] == ids[:2]


async def test_a_second_poller_ends_the_waiting_one_with_conflict(
    fake: FakeTelegram, bot: Bot
) -> None:
    """As on Telegram, the newer long poll wins and the older one gets 409."""
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await fake.wait_for_async(lambda: fake.long_poll_waiting)
    async with Bot(TOKEN, base_url=fake.base_url) as other_instance:
        second = asyncio.create_task(other_instance.get_updates(timeout=5))
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await asyncio.wait_for(first, timeout=2)
        fake.push_message(PATIENT, "Bonjour")
        updates = await asyncio.wait_for(second, timeout=2)
    assert [u.message.text for u in updates if u.message] == ["Bonjour"]


async def test_get_updates_conflicts_while_a_webhook_is_set(fake: FakeTelegram, bot: Bot) -> None:
    """getUpdates answers 409 until deleteWebhook."""
    assert await bot.set_webhook("http://127.0.0.1:9/telegram")
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook()
    assert await bot.get_updates() == ()


async def test_every_kind_of_pushed_update_parses_in_ptb(fake: FakeTelegram, bot: Bot) -> None:
    """Contacts, stickers, photos, commands and edits arrive as PTB objects."""
    fake.push_contact(PATIENT, "+33612345678")
    fake.push_contact(PATIENT, "+33700000000", user_id=99)
    fake.push_sticker(PATIENT)
    fake.push_photo(PATIENT, caption="ordonnance")
    start = fake.push_message(PATIENT, "/start", language_code="en")
    fake.push_edited_message(PATIENT, start["message"]["message_id"], "/start rdv")

    own, other, sticker, photo, command, edit = await bot.get_updates()

    assert own.message and own.message.contact and own.message.from_user
    assert own.message.contact.user_id == own.message.from_user.id == PATIENT
    assert other.message and other.message.contact and other.message.contact.user_id == 99
    assert sticker.message and sticker.message.sticker and sticker.message.sticker.emoji
    assert photo.message and photo.message.caption == "ordonnance"
    assert photo.message.photo[-1].width == 1280
    assert command.message and command.message.text == "/start"
    assert command.message.entities[0].type == "bot_command"
    assert command.message.from_user and command.message.from_user.language_code == "en"
    assert edit.edited_message and edit.edited_message.text == "/start rdv"
    assert edit.edited_message.edit_date is not None


async def test_deliver_again_requeues_the_same_update(fake: FakeTelegram, bot: Bot) -> None:
    """A duplicate delivery carries the same update_id (the documented dedupe key)."""
    pushed = fake.push_message(PATIENT, "Bonjour")
    (first,) = await bot.get_updates()
    await bot.get_updates(offset=first.update_id + 1)

    fake.deliver_again(pushed["update_id"])

    (again,) = await bot.get_updates()  # a restarted consumer, polling without offset
    assert again.update_id == first.update_id
    assert again.message and again.message.text == "Bonjour"


# ---------------------------------------------------------------------- callbacks and edits


async def test_callback_query_is_answered_once_and_unknown_ids_are_rejected(
    fake: FakeTelegram, bot: Bot
) -> None:
    """The pressed button's message comes with the query; answering twice fails."""
    fake.add_chat(PATIENT)
    asked = await bot.send_message(
        PATIENT,
        "Quel créneau ?",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("9h", callback_data="slot:9")]]),
    )
    fake.push_callback(PATIENT, "slot:9")

    (update,) = await bot.get_updates()
    query = update.callback_query
    assert query is not None and query.data == "slot:9"
    assert query.message is not None and query.message.message_id == asked.message_id
    assert await bot.answer_callback_query(query.id, text="Noté")

    # PTB lowercases the rest of the description: "...or query id is invalid".
    with pytest.raises(BadRequest, match=r"^Query is too old and response timeout expired"):
        await bot.answer_callback_query(query.id)
    with pytest.raises(BadRequest, match=r"^Query is too old"):
        await bot.answer_callback_query("1234")
    assert [(a.callback_query_id, a.text) for a in fake.answered_callbacks] == [(query.id, "Noté")]


async def test_edits_replace_text_and_keyboard(fake: FakeTelegram, bot: Bot) -> None:
    """An edit without reply_markup drops the keyboard; an identical edit is "not modified"."""
    fake.add_chat(PATIENT)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("9h", callback_data="slot:9")]])
    asked = await bot.send_message(PATIENT, "Quel créneau ?", reply_markup=keyboard)

    marked = await bot.edit_message_reply_markup(
        PATIENT, asked.message_id, reply_markup=InlineKeyboardMarkup([])
    )
    edited = await bot.edit_message_text("Mardi 9h retenu", PATIENT, asked.message_id)

    # PTB sends InlineKeyboardMarkup([]) as {}, which removes the keyboard.
    assert not isinstance(marked, bool) and marked.reply_markup is None
    assert not isinstance(edited, bool) and edited.text == "Mardi 9h retenu"
    assert edited.reply_markup is None and edited.edit_date is not None
    with pytest.raises(BadRequest, match=r"^Message is not modified"):
        await bot.edit_message_text("Mardi 9h retenu", PATIENT, asked.message_id)
    with pytest.raises(BadRequest, match=r"^Message to edit not found$"):
        await bot.edit_message_text("?", PATIENT, 999)
    assert [s.method for s in fake.sent_to(PATIENT)] == [
        "sendMessage",
        "editMessageReplyMarkup",
        "editMessageText",
    ]


# ---------------------------------------------------------------------- files, actions, commands


async def test_send_document_upload_is_recorded_byte_for_byte(fake: FakeTelegram, bot: Bot) -> None:
    """The multipart upload keeps filename and bytes; its file_id can be sent again."""
    fake.add_chat(PATIENT)
    payload = bytes(range(256)) + b"\r\n--not-a-boundary\r\n\r\n"

    message = await bot.send_document(
        PATIENT, document=payload, filename="consignes.pdf", caption="Avant votre visite"
    )

    assert message.document is not None
    assert message.document.file_name == "consignes.pdf"
    assert message.document.file_size == len(payload)
    assert message.caption == "Avant votre visite"
    (sent,) = fake.sent_to(PATIENT)
    assert sent.document is not None
    assert (sent.document.filename, sent.document.data) == ("consignes.pdf", payload)
    assert sent.document.content_type == "application/pdf"

    await bot.send_document(PATIENT, document=message.document.file_id)
    resent = fake.sent_to(PATIENT)[-1].document
    assert resent is not None and resent.data == payload


async def test_chat_actions_are_recorded_and_checked(fake: FakeTelegram, bot: Bot) -> None:
    """sendChatAction accepts Telegram's actions only."""
    fake.add_chat(PATIENT)
    assert await bot.send_chat_action(PATIENT, ChatAction.TYPING)
    with pytest.raises(BadRequest, match=r"^Wrong parameter action in request$"):
        await bot.send_chat_action(PATIENT, "dancing")
    assert [(a.chat_id, a.action) for a in fake.chat_actions] == [(PATIENT, "typing")]


async def test_commands_are_recorded_per_language(fake: FakeTelegram, bot: Bot) -> None:
    """setMyCommands keeps one list per language; getMyCommands reads it back."""
    assert await bot.set_my_commands(
        [BotCommand("start", "Commencer"), BotCommand("rdv", "Prendre rendez-vous")]
    )
    assert await bot.set_my_commands([BotCommand("start", "Start")], language_code="en")

    assert fake.commands == {
        "": [
            {"command": "start", "description": "Commencer"},
            {"command": "rdv", "description": "Prendre rendez-vous"},
        ],
        "en": [{"command": "start", "description": "Start"}],
    }
    assert [c.command for c in await bot.get_my_commands(language_code="en")] == ["start"]
    assert await bot.delete_my_commands(language_code="en")
    assert set(fake.commands) == {""}
    with pytest.raises(BadRequest, match=r"^Bot_command_invalid$"):
        await bot.set_my_commands([BotCommand("Prendre-RDV", "x")])


# ---------------------------------------------------------------------- webhooks


async def test_webhook_delivery_carries_the_secret_and_is_retried(
    fake: FakeTelegram, bot: Bot
) -> None:
    """Updates are POSTed with the secret header; a 500 is retried, then shown in the info."""
    with running_webhook_receiver([500]) as receiver:
        assert await bot.set_webhook(receiver.url, secret_token="s3cret-TOKEN_1")
        pushed = fake.push_message(PATIENT, "Bonjour")
        await fake.wait_for_async(lambda: any(d.ok for d in fake.webhook_deliveries))

        fake.deliver_again(pushed["update_id"])
        await fake.wait_for_async(lambda: len(receiver.received) == 3)
        info = await bot.get_webhook_info()

    assert [(d.attempt, d.status_code) for d in fake.webhook_deliveries] == [
        (1, 500),
        (2, 200),
        (1, 200),
    ]
    assert {headers[SECRET_TOKEN_HEADER.lower()] for headers, _ in receiver.received} == {
        "s3cret-TOKEN_1"
    }
    assert {update["update_id"] for update in receiver.updates()} == {pushed["update_id"]}
    assert receiver.updates()[0] == pushed
    assert info.url == receiver.url
    assert info.pending_update_count == 0
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"


async def test_set_webhook_checks_the_secret_and_can_drop_pending_updates(
    fake: FakeTelegram, bot: Bot
) -> None:
    """secret_token is 1-256 of [A-Za-z0-9_-]; drop_pending_updates empties the queue."""
    with pytest.raises(BadRequest, match=r"^Secret token contains unallowed characters$"):
        await bot.set_webhook("http://127.0.0.1:9/telegram", secret_token="pas bon!")
    with pytest.raises(BadRequest, match=r"^Secret token is too long$"):
        await bot.set_webhook("http://127.0.0.1:9/telegram", secret_token="a" * 257)

    fake.push_message(PATIENT, "un")
    fake.push_message(PATIENT, "deux")
    assert (await bot.get_webhook_info()).pending_update_count == 2
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert (await bot.get_webhook_info()).pending_update_count == 0
    assert fake.webhook_url == ""


# ---------------------------------------------------------------------- end to end


async def test_a_ptb_application_polls_and_answers_through_the_fake(fake: FakeTelegram) -> None:
    """A whole PTB Application (Updater polling, CommandHandler) runs against the fake."""

    async def start(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("Bonjour !")

    fake.push_message(PATIENT, "/start")
    application = ApplicationBuilder().token(TOKEN).base_url(fake.base_url).build()
    application.add_handler(CommandHandler("start", start))
    async with application:
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=timedelta(seconds=1))
        await application.start()
        replies = await fake.wait_for_async(lambda: fake.sent_to(PATIENT))
        await application.updater.stop()
        await application.stop()

    assert [reply.text for reply in replies] == ["Bonjour !"]
    assert fake.pending_updates == []  # PTB confirmed the update when it stopped


# ---------------------------------------------------------------------- staff group and topics


@pytest.fixture
def staff_group(fake: FakeTelegram) -> FakeTelegram:
    """The clinic's forum supergroup, a plain supergroup, a nurse and a patient chat."""
    fake.add_supergroup(STAFF_GROUP, "Équipe")
    fake.add_supergroup(PLAIN_GROUP, "Sans sujets", is_forum=False)
    fake.add_user(NURSE, "Claire", "fr")
    fake.add_chat(PATIENT)
    return fake


async def test_a_created_topic_receives_messages_and_documents(
    staff_group: FakeTelegram, bot: Bot
) -> None:
    """createForumTopic answers a ForumTopic; sends into it carry the thread id back."""
    topic = await bot.create_forum_topic(STAFF_GROUP, "Dupont — RDV")

    message = await bot.send_message(
        STAFF_GROUP, "Nouveau patient", message_thread_id=topic.message_thread_id
    )
    document = await bot.send_document(
        STAFF_GROUP, b"%PDF", filename="dossier.pdf", message_thread_id=topic.message_thread_id
    )
    general = await bot.send_message(STAFF_GROUP, "Bonjour l'équipe")

    assert isinstance(topic, ForumTopic)
    assert (topic.name, topic.icon_color) == ("Dupont — RDV", 0x6FB9F0)
    assert message.message_thread_id == topic.message_thread_id and message.is_topic_message
    assert message.chat.type == "supergroup" and message.chat.is_forum
    # As on Telegram, a topic message replies to the topic's creation service message.
    assert message.reply_to_message is not None
    assert message.reply_to_message.forum_topic_created is not None
    assert message.reply_to_message.message_id == topic.message_thread_id
    assert document.message_thread_id == topic.message_thread_id
    assert general.message_thread_id is None and not general.is_topic_message
    assert [(s.method, s.message_thread_id) for s in staff_group.sent_to(STAFF_GROUP)] == [
        ("sendMessage", topic.message_thread_id),
        ("sendDocument", topic.message_thread_id),
        ("sendMessage", None),
    ]
    assert [s.text for s in staff_group.sent_to_thread(STAFF_GROUP, topic.message_thread_id)] == [
        "Nouveau patient",
        None,
    ]
    assert staff_group.topics(STAFF_GROUP) == [
        {
            "message_thread_id": topic.message_thread_id,
            "name": "Dupont — RDV",
            "icon_color": 0x6FB9F0,
            "closed": False,
        }
    ]


async def test_unknown_threads_and_chats_without_topics_are_bad_requests(
    staff_group: FakeTelegram, bot: Bot
) -> None:
    """Only created topics take messages; topics need a forum; names are 1-128 characters."""
    topic = await bot.create_forum_topic(STAFF_GROUP, "Urgences", icon_color=0xFB6F5F)

    with pytest.raises(BadRequest, match=r"^Message thread not found$"):
        await bot.send_message(STAFF_GROUP, "?", message_thread_id=topic.message_thread_id + 99)
    with pytest.raises(BadRequest, match=r"^Message thread not found$"):
        await bot.send_message(STAFF_GROUP, "?", message_thread_id=1)  # General is no thread
    with pytest.raises(BadRequest, match=r"^Message thread not found$"):
        await bot.send_document(
            PATIENT, b"x", filename="a.txt", message_thread_id=topic.message_thread_id
        )
    for chat in (PLAIN_GROUP, PATIENT):
        with pytest.raises(BadRequest, match=r"^The chat is not a forum$"):
            await bot.create_forum_topic(chat, "Sujet")
    with pytest.raises(BadRequest, match=r"^Title must be non-empty$"):
        await bot.create_forum_topic(STAFF_GROUP, "   ")
    with pytest.raises(BadRequest, match="longer than 128"):
        await bot.create_forum_topic(STAFF_GROUP, "x" * 129)
    await bot.create_forum_topic(STAFF_GROUP, "é" * 128)

    assert staff_group.sent == []
    assert staff_group.rejected[0].description == "Bad Request: message thread not found"
    assert [t["name"] for t in staff_group.topics(STAFF_GROUP)] == ["Urgences", "é" * 128]
    assert staff_group.topics(STAFF_GROUP)[0]["icon_color"] == 0xFB6F5F


async def test_closing_reopening_and_renaming_topics_are_recorded(
    staff_group: FakeTelegram, bot: Bot
) -> None:
    """close/reopen flip the state (a no-op change is TOPIC_NOT_MODIFIED); the admin bot may
    still post in a closed topic."""
    topic = await bot.create_forum_topic(STAFF_GROUP, "Dupont")
    thread = topic.message_thread_id

    assert await bot.close_forum_topic(STAFF_GROUP, thread)
    assert staff_group.topics(STAFF_GROUP)[0]["closed"] is True
    with pytest.raises(BadRequest, match=r"^Topic_not_modified$"):
        await bot.close_forum_topic(STAFF_GROUP, thread)
    await bot.send_message(STAFF_GROUP, "Dossier clos", message_thread_id=thread)
    assert await bot.reopen_forum_topic(STAFF_GROUP, thread)
    assert await bot.edit_forum_topic(STAFF_GROUP, thread, name="Dupont (rappel)")
    with pytest.raises(BadRequest, match=r"^Topic_not_modified$"):
        await bot.edit_forum_topic(STAFF_GROUP, thread, name="Dupont (rappel)")
    with pytest.raises(BadRequest, match=r"^Topic_id_invalid$"):
        await bot.close_forum_topic(STAFF_GROUP, thread + 99)
    with pytest.raises(BadRequest, match=r"^The chat is not a forum$"):
        await bot.close_forum_topic(PLAIN_GROUP, thread)

    assert staff_group.topics(STAFF_GROUP) == [
        {
            "message_thread_id": thread,
            "name": "Dupont (rappel)",
            "icon_color": 0x6FB9F0,
            "closed": False,
        }
    ]
    # Each action is a service message, so message ids move on as on Telegram.
    later = await bot.send_message(STAFF_GROUP, "Suite", message_thread_id=thread)
    assert later.message_id == thread + 5


async def test_a_staff_topic_message_arrives_as_ptb_parses_it(
    staff_group: FakeTelegram, bot: Bot
) -> None:
    """A group command with @botusername in a topic: thread id, is_topic_message, sender and
    a bot_command entity PTB's CommandHandler accepts; reply_text answers in the topic."""
    topic = await bot.create_forum_topic(STAFF_GROUP, "Dupont")
    thread = topic.message_thread_id
    staff_group.push_group_message(
        STAFF_GROUP, "/done@carebot_test_bot merci", from_user_id=NURSE, message_thread_id=thread
    )
    general = staff_group.push_group_message(STAFF_GROUP, "Qui est de garde ?", from_user_id=NURSE)
    staff_group.push_group_message(
        STAFF_GROUP,
        "Moi",
        from_user_id=NURSE,
        reply_to_message_id=general["message"]["message_id"],
    )

    in_topic, in_general, reply = await bot.get_updates()

    message = in_topic.message
    assert message is not None and message.text == "/done@carebot_test_bot merci"
    assert message.message_thread_id == thread and message.is_topic_message is True
    assert message.chat.id == STAFF_GROUP and message.chat.type == "supergroup"
    assert message.chat.is_forum is True and message.chat.title == "Équipe"
    assert message.from_user is not None and message.from_user.id == NURSE
    assert message.from_user.first_name == "Claire" and message.from_user.language_code == "fr"
    assert message.entities[0].type == "bot_command"
    assert message.entities[0].length == len("/done@carebot_test_bot")
    assert message.reply_to_message and message.reply_to_message.forum_topic_created
    assert CommandHandler("done", _noop).check_update(in_topic)
    assert not CommandHandler("start", _noop).check_update(in_topic)

    assert in_general.message and in_general.message.message_thread_id is None
    assert not in_general.message.is_topic_message
    # A reply chain in General has a thread id too, but it is no topic (PTB knows).
    assert reply.message and reply.message.message_thread_id == in_general.message.message_id
    assert not reply.message.is_topic_message

    await message.reply_text("Noté")
    await reply.message.reply_text("Merci")
    assert [s.text for s in staff_group.sent_to_thread(STAFF_GROUP, thread)] == ["Noté"]
    assert staff_group.sent_to(STAFF_GROUP)[-1].message_thread_id is None


async def test_a_staff_member_presses_a_button_in_a_topic(
    staff_group: FakeTelegram, bot: Bot
) -> None:
    """push_group_callback: the query comes from the staff member, on the topic message."""
    topic = await bot.create_forum_topic(STAFF_GROUP, "Dupont")
    asked = await bot.send_message(
        STAFF_GROUP,
        "Rappeler le patient ?",
        message_thread_id=topic.message_thread_id,
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Oui", callback_data="call")]]),
    )
    staff_group.push_group_callback(STAFF_GROUP, "call", asked.message_id, from_user_id=NURSE)

    (update,) = await bot.get_updates()
    query = update.callback_query
    assert query is not None and query.data == "call" and query.from_user.id == NURSE
    assert query.message is not None and query.message.chat.id == STAFF_GROUP
    assert query.message.message_id == asked.message_id
    assert getattr(query.message, "message_thread_id", None) == topic.message_thread_id
    assert await bot.answer_callback_query(query.id)
    with pytest.raises(ValueError, match="add_user"):
        staff_group.push_group_callback(STAFF_GROUP, "call", asked.message_id, from_user_id=1)
    with pytest.raises(ValueError, match="push_group_message"):
        staff_group.push_message(STAFF_GROUP, "wrong helper")


async def test_get_chat_describes_private_chats_and_supergroups(
    staff_group: FakeTelegram, bot: Bot
) -> None:
    """getChat answers a ChatFullInfo; unknown chats are "chat not found"."""
    group = await bot.get_chat(STAFF_GROUP)
    patient = await bot.get_chat(PATIENT)

    assert isinstance(group, ChatFullInfo)
    assert (group.type, group.title, group.is_forum) == ("supergroup", "Équipe", True)
    assert (patient.type, patient.first_name) == ("private", "Patient")
    assert (await bot.get_chat(PLAIN_GROUP)).is_forum is None
    with pytest.raises(BadRequest, match=r"^Chat not found$"):
        await bot.get_chat(-100555)


async def test_a_group_takes_twenty_messages_a_minute() -> None:
    """Besides one message a second per chat, a group takes 20 a minute, then 429."""
    clock = ManualClock()
    with running_fake_telegram(TOKEN, clock=clock) as fake:
        fake.add_supergroup(STAFF_GROUP)
        fake.add_chat(PATIENT)
        async with Bot(TOKEN, base_url=fake.base_url) as bot:
            for _ in range(20):
                await bot.send_message(STAFF_GROUP, "point")
                clock.now += 1.0
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(STAFF_GROUP, "un de trop")
            assert caught.value.retry_after == timedelta(seconds=40)
            await bot.send_message(PATIENT, "private chats are not group-limited")

            clock.now += 40.0
            await bot.send_message(STAFF_GROUP, "une minute après le premier")

            fake.rate_limits = False
            for _ in range(25):
                await bot.send_message(STAFF_GROUP, "sans limite")
    assert len(fake.sent_to(STAFF_GROUP)) == 46
    assert [r.retry_after for r in fake.rejected] == [40]


async def _noop(_update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """A callback for handlers that are only asked whether they match."""
