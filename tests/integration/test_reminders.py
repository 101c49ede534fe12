"""Reminders, instructions and no-show messages: planned in the database, sent on time,
in the patient's language, never at night, never after a cancellation, never twice."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from bot.delivery import Delivery
from bot.engine import Engine
from clinic.config import ClinicConfig
from scheduler.dispatcher import OutboxDispatcher
from scheduler.messages import mark_no_show
from storage.db import Database
from storage.models import Appointment, OutboxMessage
from tests.chat import MovableClock, ScriptedPatient
from tests.fakes.collecting import CollectingSender

PARIS = ZoneInfo("Europe/Paris")
#: Monday 7 December 2026, 09:00 in Paris.
START = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> MovableClock:
    """The test's clock."""
    return MovableClock(START)


@pytest.fixture
def sender() -> CollectingSender:
    """The terminal channel, collecting what is sent."""
    return CollectingSender()


@pytest.fixture
def dispatcher(
    database: Database, clinic: ClinicConfig, clock: MovableClock, sender: CollectingSender
) -> OutboxDispatcher:
    """The outbox dispatcher over the collecting channel."""
    return OutboxDispatcher(database, Delivery(database, [sender], clock), clock, lambda: clinic)


def book(patient: ScriptedPatient, service: str, practitioner: str, day: str, time: str) -> None:
    """Book by buttons."""
    patient.says("/book")
    patient.presses(service)
    if any("premier disponible" in c.label for c in patient.choices):
        patient.presses(practitioner)
    patient.presses(day)
    if not any(c.label == time for c in patient.choices):
        patient.says(time.replace(":", "h"))  # a full day shows a sample: type the time
    patient.presses(time)
    if patient.sees("nom"):
        patient.says("Alice Martin")
    if patient.sees("téléphone"):
        patient.says("06 12 34 56 78")
    patient.presses("Confirmer")
    assert patient.sees("C'est réservé")


def run_until(dispatcher: OutboxDispatcher, clock: MovableClock, moment: datetime) -> None:
    """Move the clock forward in 5-minute steps to ``moment``, sweeping at each step."""
    while clock.now < moment:
        clock.advance(timedelta(minutes=5))
        asyncio.run(dispatcher.run_once())


def test_reminders_and_instructions_arrive_on_time_with_buttons(
    engine: Engine, dispatcher: OutboxDispatcher, sender: CollectingSender, clock: MovableClock
) -> None:
    """Blood test Thursday 10 Dec 09:15: the 48 h reminder on Tuesday, instructions on
    Wednesday, the 2 h reminder the evening before (07:15 is in the quiet hours), each once."""
    alice = ScriptedPatient(engine, "alice")
    book(alice, "Prise de sang", "Sophie Petit", "jeu. 10 déc.", "09:15")
    timeline: list[tuple[str, str]] = []
    while clock.now < datetime(2026, 12, 10, 7, 0, tzinfo=UTC):
        clock.advance(timedelta(minutes=5))
        before = len(sender.sent)
        asyncio.run(dispatcher.run_once())
        for _, reply in sender.sent[before:]:
            timeline.append((clock.now.astimezone(PARIS).strftime("%a %H:%M"), reply.text[:20]))
    assert timeline == [
        ("Tue 09:15", "Rappel : vous avez r"),
        ("Wed 09:15", "Pour votre rendez-vo"),
        ("Wed 20:45", "Rappel : vous avez r"),
    ]
    reminder = sender.sent[0][1]
    assert "jeudi 10 décembre à 09:15" in reminder.text
    assert "12 rue des Lilas" in reminder.text and "Sophie Petit" in reminder.text
    assert [c.label for c in reminder.choices] == ["✅ Je viendrai", "🔁 Déplacer", "✖️ Annuler"]
    assert "à jeun" in sender.sent[1][1].text


def test_confirming_from_a_reminder_is_recorded(
    engine: Engine, dispatcher: OutboxDispatcher, sender: CollectingSender, clock: MovableClock
) -> None:
    """The reminder's "I'll be there" confirms the appointment; the next reminder no
    longer asks."""
    alice = ScriptedPatient(engine, "alice")
    book(alice, "médecine générale", "Claire Martin", "jeu. 10 déc.", "10:00")
    run_until(dispatcher, clock, datetime(2026, 12, 8, 9, 5, tzinfo=UTC))
    reminder = sender.sent[-1][1]
    alice.press_data(reminder.choices[0].data)
    assert alice.sees("c'est confirmé")
    with engine.database.unit_of_work(read_only=True) as uow:
        [appointment] = uow.session.exec(select(Appointment)).all()
        assert appointment.status == "confirmed" and appointment.confirmed_at == clock.now
    run_until(dispatcher, clock, datetime(2026, 12, 10, 8, 5, tzinfo=UTC))
    last = sender.sent[-1][1]
    assert last.text.startswith("Rappel") and "Je viendrai" not in [c.label for c in last.choices]


def test_a_cancelled_appointment_gets_no_reminder_and_a_moved_one_only_new_times(
    engine: Engine, dispatcher: OutboxDispatcher, sender: CollectingSender, clock: MovableClock
) -> None:
    """Cancel one, move another: only the moved appointment's new reminders go out."""
    alice = ScriptedPatient(engine, "alice")
    bob = ScriptedPatient(engine, "bob")
    book(alice, "médecine générale", "Claire Martin", "jeu. 10 déc.", "10:00")
    book(bob, "médecine générale", "Claire Martin", "jeu. 10 déc.", "11:00")
    alice.says("mes rendez-vous")
    alice.presses("Annuler n°1")
    alice.presses("Oui, annuler")
    bob.says("mes rendez-vous")
    bob.presses("Déplacer n°1")
    bob.presses("ven. 11 déc.")
    bob.says("11h")
    bob.presses("11:00")
    bob.presses("Confirmer")
    run_until(dispatcher, clock, datetime(2026, 12, 11, 10, 0, tzinfo=UTC))
    assert sender.texts_to("alice") == []
    bob_texts = sender.texts_to("bob")
    assert len(bob_texts) == 2 and all("vendredi 11 décembre à 11:00" in t for t in bob_texts)
    with engine.database.unit_of_work(read_only=True) as uow:
        statuses = {
            m.idempotency_key: m.status
            for m in uow.session.exec(select(OutboxMessage).where(OutboxMessage.kind == "reminder"))
        }
    assert statuses["appt:1:reminder:48h"] == "cancelled"
    assert statuses["appt:2:reminder:48h"] == "cancelled"
    assert statuses["appt:3:reminder:48h"] == "sent"


def test_after_downtime_late_reminders_are_dropped_and_night_ones_wait(
    engine: Engine, dispatcher: OutboxDispatcher, sender: CollectingSender, clock: MovableClock
) -> None:
    """The process was down: a reminder for a visit that has started is dropped (logged in
    the outbox), and one coming due at night waits for 08:00."""
    alice = ScriptedPatient(engine, "alice")
    bob = ScriptedPatient(engine, "bob")
    book(alice, "médecine générale", "Claire Martin", "jeu. 10 déc.", "10:00")
    book(bob, "médecine générale", "Claire Martin", "ven. 11 déc.", "11:00")
    clock.set(datetime(2026, 12, 10, 23, 30, tzinfo=PARIS))  # down since Monday
    asyncio.run(dispatcher.run_once())
    assert sender.sent == []
    with engine.database.unit_of_work(read_only=True) as uow:
        alice_rows = uow.session.exec(
            select(OutboxMessage).where(col(OutboxMessage.idempotency_key).startswith("appt:1:"))
        ).all()
    assert {m.status for m in alice_rows} == {"cancelled"}
    assert {m.last_error for m in alice_rows} == {"appointment already started"}
    run_until(dispatcher, clock, datetime(2026, 12, 11, 8, 5, tzinfo=PARIS))
    [(to, reminder)] = sender.sent
    assert to == "bob" and "vendredi 11 décembre à 11:00" in reminder.text


def test_two_dispatchers_on_one_database_send_each_message_once(
    engine: Engine, database: Database, clinic: ClinicConfig, clock: MovableClock
) -> None:
    """Two workers sweeping at the same moment: every due reminder goes out exactly once."""
    for name in ("p1", "p2", "p3", "p4"):
        book(
            ScriptedPatient(engine, name),
            "médecine générale",
            "Karim Benali",
            "jeu. 10 déc.",
            "09:00"
            if name == "p1"
            else "09:30"
            if name == "p2"
            else "10:00"
            if name == "p3"
            else "10:30",
        )
    clock.set(datetime(2026, 12, 8, 12, 0, tzinfo=PARIS))
    senders = [CollectingSender(), CollectingSender()]
    workers = [
        OutboxDispatcher(database, Delivery(database, [s], clock), clock, lambda: clinic, batch=2)
        for s in senders
    ]

    async def sweep_together() -> None:
        for _ in range(4):
            await asyncio.gather(*(w.run_once() for w in workers))

    asyncio.run(sweep_together())
    recipients = sorted(to for s in senders for to, _ in s.sent)
    assert recipients == ["p1", "p2", "p3", "p4"]


def test_a_missed_visit_brings_a_kind_message_with_free_times_and_rebooking_stops_it(
    engine: Engine,
    dispatcher: OutboxDispatcher,
    sender: CollectingSender,
    clock: MovableClock,
    clinic: ClinicConfig,
) -> None:
    """Marked no-show: 2 h later a message with the next free times; booking one of them
    from the message stops the follow-up."""
    alice = ScriptedPatient(engine, "alice")
    book(alice, "médecine générale", "Claire Martin", "jeu. 10 déc.", "10:00")
    clock.set(datetime(2026, 12, 10, 10, 30, tzinfo=PARIS))
    with engine.database.unit_of_work() as uow:
        mark_no_show(uow, clinic, 1, actor="staff:1", now=clock.now)
        uow.commit()
    run_until(dispatcher, clock, datetime(2026, 12, 10, 12, 35, tzinfo=PARIS))
    message = sender.sent[-1][1]
    assert message.text.startswith("Nous ne vous avons pas vu à votre rendez-vous du jeudi 10")
    slots = [c for c in message.choices if c.data.startswith("bk:")]
    assert len(slots) == 3
    alice.press_data(slots[0].data)
    assert alice.sees("Je récapitule")
    alice.presses("Confirmer")
    assert alice.sees("C'est réservé")
    count = len(sender.sent)
    run_until(dispatcher, clock, datetime(2026, 12, 13, 12, 0, tzinfo=PARIS))
    assert all("reprogrammé" not in r.text for _, r in sender.sent[count:])


def test_a_patient_who_opted_out_gets_no_reminders(
    engine: Engine, dispatcher: OutboxDispatcher, sender: CollectingSender, clock: MovableClock
) -> None:
    """After /stop, planned messages are dropped, not sent."""
    alice = ScriptedPatient(engine, "alice")
    book(alice, "médecine générale", "Claire Martin", "jeu. 10 déc.", "10:00")
    alice.says("/stop")
    run_until(dispatcher, clock, datetime(2026, 12, 10, 9, 0, tzinfo=UTC))
    assert sender.texts_to("alice") == []


def test_the_replan_sweep_plans_only_what_has_no_plan(
    database: Database, clinic: ClinicConfig, clock: MovableClock
) -> None:
    """An appointment booked without its reminders (imported, or before the policy) gets
    them from the sweep; a second sweep adds nothing; cancelled ones are left alone."""
    from clinic.model import Slot
    from scheduler.jobs import replan_upcoming

    def slot(hour: int) -> Slot:
        start = datetime(2026, 12, 10, hour, 0, tzinfo=UTC)
        return Slot(
            start,
            start + timedelta(minutes=20),
            start + timedelta(minutes=25),
            "dr-martin",
            "consult-gp",
        )

    with database.unit_of_work() as uow:
        patient = uow.patients.create_with_identity("terminal", "imported", "fr", now=clock.now)
        kept = uow.appointments.book(
            patient_id=patient.id or 0, slot=slot(9), actor="import", now=clock.now
        )
        gone = uow.appointments.book(
            patient_id=patient.id or 0, slot=slot(10), actor="import", now=clock.now
        )
        assert isinstance(kept, Appointment) and isinstance(gone, Appointment)
        uow.appointments.cancel(gone.id or 0, reason="test", actor="import", now=clock.now)
        uow.commit()
    assert replan_upcoming(database, clinic, clock.now) == 2
    assert replan_upcoming(database, clinic, clock.now) == 0
    with database.unit_of_work(read_only=True) as uow:
        keys = sorted(m.idempotency_key for m in uow.session.exec(select(OutboxMessage)))
    assert keys == [f"appt:{kept.id}:reminder:2h", f"appt:{kept.id}:reminder:48h"]


def test_after_stop_a_patient_may_keep_only_their_appointment_reminders(
    engine: Engine, dispatcher: OutboxDispatcher, sender: CollectingSender, clock: MovableClock
) -> None:
    """/stop, then "keep appointment reminders": the reminders come, the instructions
    (and anything else we would start) do not."""
    alice = ScriptedPatient(engine, "alice")
    book(alice, "Prise de sang", "Sophie Petit", "jeu. 10 déc.", "09:15")
    alice.says("/stop")
    alice.presses("Garder les rappels")
    assert alice.sees("plus que les rappels de vos rendez-vous")
    run_until(dispatcher, clock, datetime(2026, 12, 10, 8, 0, tzinfo=UTC))
    texts = sender.texts_to("alice")
    assert len(texts) == 2 and all(t.startswith("Rappel") for t in texts)
