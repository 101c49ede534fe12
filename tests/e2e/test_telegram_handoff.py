"""A patient asks for a person: the staff answer in their Telegram group's topic, the bot
stays quiet meanwhile, and /done gives the conversation back. Real PTB client, fake API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlmodel import select

from bot.bootstrap import System, bootstrap
from bot.runner import start, stop_running
from bot.settings import DEFAULT_CLINIC_FILE, Settings
from storage.models import AuditLog
from tests.e2e.test_telegram import TelegramPatient, texts
from tests.fakes.telegram_api import FakeTelegram, running_fake_telegram
from tests.ports import free_port

GROUP = -1001234567890
CLAIRE = 777
STRANGER = 888


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    """The fake Bot API with the clinic's staff group (a forum) and two of its members."""
    with running_fake_telegram() as server:
        server.add_supergroup(GROUP, "Équipe Lumière")
        server.add_user(CLAIRE, "Claire")
        server.add_user(STRANGER, "Max")
        yield server


@asynccontextmanager
async def carebot(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[System]:
    """carebot running with a staff group and one staff member (Claire)."""
    clinic_file = tmp_path / "clinic.yaml"
    clinic_file.write_text(
        DEFAULT_CLINIC_FILE.read_text(encoding="utf-8")
        .replace("telegram_group_id: null", f"telegram_group_id: {GROUP}")
        .replace("telegram_user_ids: []", f"telegram_user_ids: [{CLAIRE}]"),
        encoding="utf-8",
    )
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'carebot.db'}",
        clinic_file=clinic_file,
        telegram_bot_token=fake.token,
        telegram_base_url=fake.base_url,
        web_port=free_port(),
    )
    system = bootstrap(settings, configure_logs=False)
    running = await start(system, asyncio.Event())
    try:
        yield system
    finally:
        await stop_running(running, timeout=5)
        system.database.dispose()


def topic_texts(fake: FakeTelegram, thread: int) -> list[str]:
    """What the bot posted in a staff topic."""
    return [m.text or "" for m in fake.sent_to_thread(GROUP, thread)]


async def test_a_person_takes_over_and_gives_the_conversation_back(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    """Ask for a person → a topic with a summary → the patient's messages reach it and the
    bot says nothing → Claire's answer reaches the patient signed → /done → the bot is back."""
    async with carebot(fake, tmp_path) as system:
        alice = TelegramPatient(fake, system, 1001)
        await alice.says("/start")
        sent = await alice.presses("Parler à quelqu'un")
        assert "une personne de l'équipe va vous répondre" in texts(sent)
        await fake.wait_for_async(lambda: fake.topics(GROUP), timeout=10)
        [topic] = fake.topics(GROUP)
        thread = int(topic["message_thread_id"])
        await fake.wait_for_async(lambda: topic_texts(fake, thread), timeout=10)
        summary = topic_texts(fake, thread)[0]
        assert "Patient n°1" in summary and "demande à parler à quelqu'un" in summary
        silent = await alice.says("Bonjour, c'est au sujet de ma facture")
        assert silent == [], "the bot stays quiet while a person holds the conversation"
        await fake.wait_for_async(
            lambda: any("facture" in t for t in topic_texts(fake, thread)), timeout=10
        )
        before = len(fake.sent_to(1001))
        fake.push_group_message(
            GROUP, "Je regarde ça tout de suite.", from_user_id=CLAIRE, message_thread_id=thread
        )
        await fake.wait_for_async(lambda: len(fake.sent_to(1001)) > before, timeout=10)
        relayed = fake.sent_to(1001)[-1].text or ""
        assert relayed.startswith("Je regarde ça tout de suite.")
        assert "— Claire, Centre médical Lumière" in relayed
        alice.seen = len(fake.sent_to(1001))
        fake.push_group_message(
            GROUP, "/done@carebot_test_bot", from_user_id=CLAIRE, message_thread_id=thread
        )
        await fake.wait_for_async(
            lambda: any(
                "l'assistant reprend la main" in (m.text or "") for m in fake.sent_to(1001)
            ),
            timeout=10,
        )
        await fake.wait_for_async(
            lambda: any("rendue à l'assistant" in t for t in topic_texts(fake, thread)), timeout=10
        )
        alice.seen = len(fake.sent_to(1001))
        sent = await alice.says("/book")
        assert "Pour quel type de rendez-vous" in texts(sent)


async def test_someone_not_on_the_staff_cannot_use_staff_commands(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    """A group member who is not staff gets a refusal, and the attempt is audited."""
    async with carebot(fake, tmp_path) as system:
        fake.push_group_message(GROUP, "/agenda", from_user_id=STRANGER)
        await fake.wait_for_async(lambda: fake.sent_to(GROUP), timeout=10)

        def audited() -> bool:
            with system.database.unit_of_work(read_only=True) as uow:
                actions = [a.action for a in uow.session.exec(select(AuditLog))]
            return "staff.refused" in actions

        await fake.wait_for_async(audited, timeout=5)
        fake.push_group_message(GROUP, "/agenda", from_user_id=CLAIRE)
        await fake.wait_for_async(lambda: len(fake.sent_to(GROUP)) >= 2, timeout=10)
