"""Handoffs over time: the bot stays quiet, the staff are reminded, a forgotten handoff
is given back to the bot with an apology (a moved clock, never sleeping)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.answers import Knowledge
from bot.engine import Engine
from bot.handoff import handoff_timers
from bot.settings import DEFAULT_CLINIC_FILE, Settings
from clinic.config import ClinicConfig
from clinic.loader import load_clinic_file
from storage.db import Database
from storage.models import Handoff, OutboxMessage
from tests.chat import MovableClock, ScriptedPatient, with_staff

START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # Monday 10:00 in Paris


@pytest.fixture(scope="module")
def clinic() -> ClinicConfig:
    """The sample clinic with a staff group (remind after 30 min, release after 24 h)."""
    return with_staff(load_clinic_file(DEFAULT_CLINIC_FILE), group=-100555)


@pytest.fixture
def clock() -> MovableClock:
    """The test's clock."""
    return MovableClock(START)


@pytest.fixture
def engine(database: Database, clinic: ClinicConfig, clock: MovableClock) -> Engine:
    """The engine with the FAQ."""
    knowledge = Knowledge(Settings(_env_file=None), clinic)
    return Engine(database, lambda: clinic, clock=clock, knowledge=knowledge)


def staff_rows(database: Database) -> list[OutboxMessage]:
    """Messages for the staff topic, in order."""
    with database.unit_of_work(read_only=True) as uow:
        return list(
            uow.session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.kind == "staff_relay")
                .order_by(col(OutboxMessage.id))
            )
        )


def sweep(database: Database, clinic: ClinicConfig, clock: MovableClock) -> int:
    """The handoff timers, as the scheduler runs them."""
    with database.unit_of_work() as uow:
        acted = handoff_timers(uow, clinic, clock.now)
        uow.commit()
    return acted


def test_the_bot_is_quiet_during_a_handoff_and_a_forgotten_one_is_released(
    engine: Engine, database: Database, clinic: ClinicConfig, clock: MovableClock
) -> None:
    """/human opens a handoff with a summary for staff; the patient's next messages are
    relayed, unanswered by the bot; after 30 min the staff are reminded once; after 24 h
    the bot takes over again with an apology."""
    alice = ScriptedPatient(engine, "alice")
    alice.says("/human")
    assert alice.sees("une personne de l'équipe va vous répondre")
    assert alice.says("Allô ? Il y a quelqu'un ?") == []
    rows = staff_rows(database)
    assert rows[0].idempotency_key.endswith(":summary")
    assert any("Il y a quelqu'un" in r.payload["text"] for r in rows)
    clock.advance(timedelta(minutes=29))
    assert sweep(database, clinic, clock) == 0
    clock.advance(timedelta(minutes=2))
    assert sweep(database, clinic, clock) == 1
    assert sweep(database, clinic, clock) == 0, "reminded once"
    assert "attend une réponse depuis 31 min" in staff_rows(database)[-1].payload["text"]
    clock.advance(timedelta(hours=24))
    assert sweep(database, clinic, clock) == 1
    with database.unit_of_work(read_only=True) as uow:
        [handoff] = uow.session.exec(select(Handoff)).all()
        apology = uow.session.exec(
            select(OutboxMessage).where(col(OutboxMessage.idempotency_key).endswith(":closed"))
        ).one()
    assert handoff.status == "closed" and handoff.closed_by == "system"
    assert "l'équipe n'a pas pu vous répondre à temps" in apology.payload["text"]
    alice.says("/book")
    assert alice.sees("Pour quel type de rendez-vous")


def test_an_emergency_is_answered_even_during_a_handoff(engine: Engine, database: Database) -> None:
    """While a person holds the conversation, triage still runs: the numbers at once."""
    alice = ScriptedPatient(engine, "alice")
    alice.says("/human")
    alice.says("je n'arrive plus à respirer")
    assert alice.sees("15") and alice.sees("112")
    assert any("respirer" in r.payload["text"] for r in staff_rows(database))


def test_a_medical_question_is_handed_to_staff(engine: Engine, database: Database) -> None:
    """No advice from the bot: the question opens a handoff with its reason."""
    alice = ScriptedPatient(engine, "alice")
    alice.says("/start")
    alice.says("est-ce que je peux prendre de l'ibuprofène avec mon traitement ?")
    [summary] = staff_rows(database)
    assert "question médicale" in summary.payload["text"]


def test_outside_opening_hours_the_patient_is_told_when_to_expect_an_answer(
    engine: Engine, clock: MovableClock
) -> None:
    """Saturday evening: the desk reopens on Monday at 08:00, and the patient is told so."""
    clock.set(datetime(2026, 12, 12, 19, 0, tzinfo=UTC))
    alice = ScriptedPatient(engine, "alice")
    alice.says("/human")
    assert alice.sees("à partir du lundi 14 décembre à 08:00, quand l'accueil rouvre")
    clock.set(datetime(2026, 12, 14, 9, 0, tzinfo=UTC))
    bob = ScriptedPatient(engine, "bob", locale="en")
    bob.says("/human")
    assert bob.sees("shortly (the desk is open Mon–Fri 08:00–19:00, Sat 09:00–12:30)")


def test_two_misunderstandings_in_a_row_hand_the_patient_to_a_person(
    engine: Engine, database: Database
) -> None:
    """With a staff group to hand to, the second misunderstanding opens a handoff instead
    of looping on the same question."""
    alice = ScriptedPatient(engine, "alice")
    alice.says("/book")
    alice.says("blorp")
    assert staff_rows(database) == []
    alice.says("zzzz qqq")
    assert alice.sees("une personne de l'équipe va vous répondre")
    [summary] = staff_rows(database)
    assert "n'a pas compris deux fois de suite" in summary.payload["text"]
