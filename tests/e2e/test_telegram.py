"""Patients on Telegram: the real python-telegram-bot client against the fake Bot API.

carebot runs as it does in production (``bot.runner.start``: polling or
webhook, the outbox dispatcher, the web app), on a SQLite file; the fake
Bot API on 127.0.0.1 plays Telegram and its users.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from bot.bootstrap import System, bootstrap
from bot.consent import ACCEPT as CONSENT
from bot.runner import Running, readiness, start, stop_running
from bot.settings import Settings
from bot.web import SECRET_HEADER, TELEGRAM_WEBHOOK_PATH
from storage.models import OutboxMessage, Patient, ProcessedInbound
from tests.e2e.turns import turn_done
from tests.fakes.telegram_api import FakeTelegram, SentMessage, running_fake_telegram
from tests.ports import free_port


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    """The fake Bot API, serving for one test."""
    with running_fake_telegram() as server:
        yield server


def _settings(fake: FakeTelegram, tmp_path: Path, **extra: object) -> Settings:
    return Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'carebot.db'}",
        telegram_bot_token=fake.token,
        telegram_base_url=fake.base_url,
        web_port=free_port(),
        **extra,  # type: ignore[arg-type]
    )


@asynccontextmanager
async def carebot(settings: Settings) -> AsyncIterator[tuple[System, Running]]:
    """carebot running as `carebot run` would, until the block ends."""
    system = bootstrap(settings, configure_logs=False)
    running = await start(system, asyncio.Event())
    try:
        yield system, running
    finally:
        await stop_running(running, timeout=5)
        system.database.dispose()


class TelegramPatient:
    """A Telegram user in a private chat with the bot."""

    def __init__(self, fake: FakeTelegram, system: System, chat_id: int, language: str = "fr"):
        self.fake = fake
        self.system = system
        self.chat_id = chat_id
        self.language = language
        self.seen = 0

    async def _settled(self, update: dict[str, object]) -> list[SentMessage]:
        """Wait until the update was processed and its replies left the outbox."""
        update_id = str(update["update_id"])
        await self.fake.wait_for_async(
            lambda: turn_done(self.system.database, "telegram", update_id), timeout=10
        )
        new = self.fake.sent_to(self.chat_id)[self.seen :]
        self.seen += len(new)
        consent = [m for m in new if any(b.get("callback_data") == CONSENT for b in m.buttons)]
        if consent:  # agree to the privacy notice, as most patients do
            update = self.fake.push_callback(
                self.chat_id, CONSENT, consent[-1].message_id, language_code=self.language
            )
            return await self._settled(update)
        return [m for m in new if m.method in ("sendMessage", "sendDocument")]

    async def says(self, text: str) -> list[SentMessage]:
        """Type a message."""
        update = self.fake.push_message(self.chat_id, text, language_code=self.language)
        return await self._settled(update)

    async def presses(self, label: str) -> list[SentMessage]:
        """Press the inline button whose label contains ``label`` in the latest keyboard."""
        message = self.latest_keyboard()
        for button in message.buttons:
            if label.casefold() in str(button["text"]).casefold().replace("\xa0", " "):
                update = self.fake.push_callback(
                    self.chat_id,
                    str(button["callback_data"]),
                    message.message_id,
                    language_code=self.language,
                )
                return await self._settled(update)
        raise AssertionError(f"no button {label!r} in {message.button_texts}")

    async def presses_nth(self, index: int) -> list[SentMessage]:
        """Press the n-th inline button of the latest keyboard."""
        message = self.latest_keyboard()
        button = message.buttons[index]
        update = self.fake.push_callback(
            self.chat_id,
            str(button["callback_data"]),
            message.message_id,
            language_code=self.language,
        )
        return await self._settled(update)

    async def shares_contact(self, phone: str, *, own: bool = True) -> list[SentMessage]:
        """Tap "share my number" (or forward someone else's contact card)."""
        if own:
            update = self.fake.push_contact(self.chat_id, phone, language_code=self.language)
        else:
            update = self.fake.push_contact(self.chat_id, phone, 999, language_code=self.language)
        return await self._settled(update)

    def latest_keyboard(self) -> SentMessage:
        """The bot's latest message with an inline keyboard."""
        for message in reversed(self.fake.sent_to(self.chat_id)):
            if message.reply_markup and "inline_keyboard" in message.reply_markup:
                return message
        raise AssertionError("no inline keyboard was sent")


def texts(messages: list[SentMessage]) -> str:
    """All texts of some sent messages, with Babel's non-breaking spaces made plain."""
    return "\n".join(m.text or "" for m in messages).replace("\xa0", " ").replace("\u202f", " ")


async def test_a_patient_books_moves_and_cancels_on_telegram(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    """The whole journey by buttons: welcome, booking with a shared contact and an .ics,
    moving it, cancelling it; every button press answered and its message marked."""
    async with carebot(_settings(fake, tmp_path)) as (system, _):
        assert {"fr", "en", ""} <= set(fake.commands)
        alice = TelegramPatient(fake, system, 1001)
        sent = await alice.says("/start")  # the privacy notice is agreed to on the way
        assert "bienvenue au Centre médical Lumière" in texts(sent)
        assert "📅 Prendre rendez-vous" in sent[0].button_texts
        menu = sent[0]
        await alice.presses("Prendre rendez-vous")
        assert len(fake.answered_callbacks) == 2, "the notice's button and the menu's"
        edited = [
            m
            for m in fake.sent_to(1001)
            if m.method == "editMessageText" and m.message_id == menu.message_id
        ]
        assert edited and (edited[0].text or "").endswith("✓ 📅 Prendre rendez-vous")
        await alice.presses("médecine générale")
        await alice.presses("premier disponible")
        await alice.presses_nth(2)  # a day far enough to move and cancel later
        sent = await alice.presses_nth(0)
        assert "À quel nom" in texts(sent)
        sent = await alice.says("Alice Martin")
        assert sent[0].reply_markup is not None
        assert sent[0].reply_markup["keyboard"][0][0]["request_contact"] is True
        sent = await alice.shares_contact("+33612345678")
        assert sent[0].reply_markup == {"remove_keyboard": True}
        assert "Je récapitule" in texts(sent)
        sent = await alice.presses("Confirmer")
        assert "C'est réservé ✅" in texts(sent)
        [ics] = [m for m in sent if m.method == "sendDocument"]
        assert ics.document is not None
        assert (ics.document.filename or "").endswith(".ics")
        assert b"LOCATION:12 rue des Lilas" in (ics.document.data or b"")
        sent = await alice.says("/appointments")
        assert "Vos prochains rendez-vous" in texts(sent)
        await alice.presses("Déplacer n°1")
        await alice.presses_nth(1)
        await alice.presses_nth(0)
        sent = await alice.presses("Confirmer")
        assert "C'est déplacé ✅" in texts(sent)
        await alice.says("/appointments")
        await alice.presses("Annuler n°1")
        sent = await alice.presses("Oui, annuler")
        assert "C'est annulé" in texts(sent)
        presses = len([u for u in fake.requests if u.method == "answerCallbackQuery"])
        assert len(fake.answered_callbacks) == presses == 13


async def test_stickers_photos_edits_and_foreign_contacts_get_a_clear_answer(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    """Anything but text gets "I can only read text"; someone else's contact card is not
    taken as the patient's phone number."""
    async with carebot(_settings(fake, tmp_path)) as (system, _):
        bob = TelegramPatient(fake, system, 2002, language="en")
        hello = fake.push_message(2002, "/start", language_code="en")
        assert "welcome" in texts(await bob._settled(hello))
        update = fake.push_sticker(2002, language_code="en")
        assert "only read written messages" in texts(await bob._settled(update))
        update = fake.push_photo(2002, language_code="en")
        assert "only read written messages" in texts(await bob._settled(update))
        message_id = int(hello["message"]["message_id"])
        update = fake.push_edited_message(2002, message_id, "/book", language_code="en")
        assert "only read written messages" in texts(await bob._settled(update))
        await bob.says("/book")
        await bob.presses("Vaccination")
        await bob.presses("Sophie Petit")
        await bob.presses_nth(0)
        await bob.presses_nth(0)
        await bob.says("Bob Smith")
        sent = await bob.shares_contact("+447911123456", own=False)
        assert "doesn't look valid" in texts(sent)
        sent = await bob.shares_contact("+447911123456")
        assert "Let me sum up" in texts(sent)


async def test_an_update_delivered_twice_is_answered_once(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    """Telegram may deliver an update again (e.g. after a restart): one answer only."""
    async with carebot(_settings(fake, tmp_path)) as (system, _):
        carol = TelegramPatient(fake, system, 3003)
        update = fake.push_message(3003, "/start")
        await carol._settled(update)
        count = len(fake.sent_to(3003))
    # A restarted process polls from the last confirmed offset and may see it again.
    async with carebot(_settings(fake, tmp_path)):
        fake.deliver_again(int(update["update_id"]))
        await fake.wait_for_async(lambda: not fake.pending_updates and fake.long_poll_waiting)
        await asyncio.sleep(0.2)
        assert len(fake.sent_to(3003)) == count


async def test_a_burst_of_429_loses_no_message(fake: FakeTelegram, tmp_path: Path) -> None:
    """Telegram says "retry after 1 s" three times: the replies arrive later, once each,
    in order."""
    async with carebot(_settings(fake, tmp_path)) as (system, _):
        fake.force_429(times=3, retry_after=1)
        update = fake.push_message(4004, "/start")
        dora = TelegramPatient(fake, system, 4004)
        sent = await dora._settled(update)  # the notice (held back by the 429s), then agreed
        assert len(fake.rejected) >= 3
        texts_sent = [m.text or "" for m in fake.sent_to(4004) if m.method == "sendMessage"]
        assert texts_sent[0].startswith("Bonjour ! Avant de commencer"), "the notice, first"
        assert sum("Avant de commencer" in t for t in texts_sent) == 1
        assert sum("bienvenue" in t for t in texts_sent) == 1
        assert "bienvenue" in texts(sent)


async def test_a_patient_who_blocked_the_bot_is_no_longer_written_to(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    """403 "bot was blocked by the user": recorded against the patient, not retried."""
    async with carebot(_settings(fake, tmp_path)) as (system, _):
        erin = TelegramPatient(fake, system, 5005)
        await erin.says("/start")
        fake.block_chat(5005)
        update = fake.push_message(5005, "/book")
        await erin._settled(update)
        with system.database.unit_of_work(read_only=True) as uow:
            patient = uow.patients.by_identity("telegram", "5005")
            assert patient is not None and patient.unreachable
            failed = uow.session.exec(
                select(OutboxMessage).where(OutboxMessage.status == "failed")
            ).all()
            assert failed and all("blocked" in (m.last_error or "") for m in failed)


async def test_a_restart_in_the_middle_of_a_conversation_continues_it(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    """The process stops mid-booking; the new one picks up at the same step."""
    settings = _settings(fake, tmp_path)
    async with carebot(settings) as (system, _):
        frank = TelegramPatient(fake, system, 6006)
        await frank.says("/book")
        await frank.presses("Vaccination")
    async with carebot(settings) as (system, _):
        frank.system = system
        sent = await frank.presses("Sophie Petit")
        assert "Quel jour" in texts(sent)


async def test_webhook_mode_rejects_forged_calls_and_processes_real_ones(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    """With TELEGRAM_WEBHOOK_URL set, updates arrive by webhook with the secret header;
    a call without it, or with a wrong one, gets 403 and is not processed."""
    port = free_port()
    settings = _settings(fake, tmp_path, telegram_webhook_url=f"http://127.0.0.1:{port}")
    settings = settings.model_copy(update={"web_port": port})
    async with carebot(settings) as (system, _):
        assert fake.webhook_url.endswith(TELEGRAM_WEBHOOK_PATH)
        gina = TelegramPatient(fake, system, 7007)
        sent = await gina.says("/start")
        assert "bienvenue" in texts(sent)
        assert all(d.ok for d in fake.webhook_deliveries)
        forged = {
            "update_id": 99_999,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 7007, "type": "private"},
                "from": {"id": 7007, "is_bot": False, "first_name": "Mallory"},
                "text": "/start",
            },
        }
        url = f"http://127.0.0.1:{port}{TELEGRAM_WEBHOOK_PATH}"
        async with httpx.AsyncClient() as client:
            missing = await client.post(url, json=forged)
            wrong = await client.post(url, json=forged, headers={SECRET_HEADER: "guess"})
        assert (missing.status_code, wrong.status_code) == (403, 403)
        with system.database.unit_of_work(read_only=True) as uow:
            assert uow.session.get(ProcessedInbound, ("telegram", "99999")) is None
            assert uow.session.exec(select(Patient)).all()


@pytest.mark.parametrize("length", [4096, 4097, 9000])
async def test_long_texts_are_split_into_messages_telegram_accepts(
    fake: FakeTelegram, length: int
) -> None:
    """A reply longer than 4,096 characters arrives as several messages, none rejected."""
    from telegram import Bot

    from bot.handlers.telegram import TelegramSender
    from bot.messages import Reply

    fake.add_chat(8008)
    async with Bot(fake.token, base_url=fake.base_url) as bot:
        sender = TelegramSender(bot)
        fake.rate_limits = False
        result = await sender.send("8008", Reply(("word " * length)[:length]))
    assert type(result).__name__ == "Sent"
    parts = [m.text or "" for m in fake.sent_to(8008)]
    assert len(parts) == -(-length // 4096)
    assert all(len(p) <= 4096 for p in parts)
    assert not fake.rejected


async def test_readiness_goes_red_when_telegram_stops_answering_the_long_poll(
    tmp_path: Path,
) -> None:
    """/readyz's "channels" check: ready while Telegram answers the long poll; once the Bot
    API is gone (here the fake is shut down) and no poll has come back for longer than the
    allowed silence, not ready — though the poller itself keeps retrying."""
    with running_fake_telegram() as fake:
        settings = _settings(fake, tmp_path)
        system = bootstrap(settings, configure_logs=False)
        running = await start(system, asyncio.Event())
        await fake.wait_for_async(lambda: fake.long_poll_waiting, timeout=5)
        running.poll_silence = 1.0
        assert readiness(system, running)["channels"] is True
    try:
        # The Bot API is unreachable now: polls fail, none comes back.
        await asyncio.sleep(2.5)
        checks = readiness(system, running)
        assert checks["channels"] is False
        assert checks["database"] is True
        assert all(not task.done() for task in running.tasks)  # still retrying
    finally:
        await stop_running(running, timeout=5)
        system.database.dispose()
