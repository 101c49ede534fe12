"""The waitlist: a freed time goes to the first patient waiting, held for them a while,
and however many say yes at once, it is booked once."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from bot.delivery import Delivery
from bot.desk import Desk, SlotQuery
from bot.engine import Engine
from clinic.config import ClinicConfig
from scheduler.dispatcher import OutboxDispatcher
from scheduler.waitlist import offer_freed_slots
from storage.db import Database
from storage.models import Appointment, WaitlistEntry
from tests.chat import MovableClock, ScriptedPatient
from tests.fakes.collecting import CollectingSender

PARIS = ZoneInfo("Europe/Paris")
#: Monday 7 December 2026, 09:00 in Paris.
START = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> MovableClock:
    """The test's clock."""
    return MovableClock(START)


def book_martin(patient: ScriptedPatient, day: str, time: str) -> None:
    """A GP consultation with Dr Martin, by buttons (typing the time if not shown)."""
    patient.says("/book")
    patient.presses("médecine générale")
    patient.presses("Claire Martin")
    patient.presses(day)
    if not any(c.label == time for c in patient.choices):
        patient.says(time.replace(":", "h"))
    patient.presses(time)
    if patient.sees("nom"):
        patient.says(f"Patient {patient.sender_id}")
    if patient.sees("téléphone"):
        patient.says("06 12 34 56 78")
    patient.presses("Confirmer")
    assert patient.sees("C'est réservé")


def sweep(engine: Engine, clinic: ClinicConfig, clock: MovableClock) -> int:
    """One waitlist sweep, as the scheduler runs it."""
    with engine.database.unit_of_work() as uow:
        offers = offer_freed_slots(uow, clinic, clock.now)
        uow.commit()
    return offers


def test_a_freed_earlier_time_is_offered_held_and_taken(
    engine: Engine, clinic: ClinicConfig, clock: MovableClock, database: Database
) -> None:
    """Bob cancels Tuesday 10:00; Alice, waiting for earlier than her Thursday, is offered
    it and it is held for her (Carol cannot book it meanwhile); Alice's yes moves her
    appointment there."""
    alice, bob, carol = (ScriptedPatient(engine, n) for n in ("alice", "bob", "carol"))
    book_martin(bob, "mar. 8 déc.", "10:00")
    book_martin(alice, "jeu. 10 déc.", "10:00")
    # Fill Dr Martin's other times before Thursday: Bob's will be the only one freed.
    with database.unit_of_work() as uow:
        filler = uow.patients.create_with_identity("terminal", "filler", "fr", now=clock.now)
        desk = Desk(uow, clinic, clock.now, filler.id)
        for slot in desk.free_slots(SlotQuery("consult-gp", "dr-martin"), limit=200):
            if slot.start < datetime(2026, 12, 10, 10, 0, tzinfo=PARIS):
                desk.book(filler.id or 0, slot)
        uow.commit()
    alice.presses("Prévenez-moi si plus tôt")
    assert alice.sees("je vous préviens dès qu'une place se libère")
    assert sweep(engine, clinic, clock) == 0, "nothing earlier is free before Bob cancels"
    bob.says("mes rendez-vous")
    bob.presses("Annuler n°1")
    bob.presses("Oui, annuler")
    assert sweep(engine, clinic, clock) == 1
    sender = CollectingSender()
    dispatcher = OutboxDispatcher(
        database, Delivery(database, [sender], clock), clock, lambda: clinic
    )
    asyncio.run(dispatcher.run_once())
    [offer] = [r for to, r in sender.sent if to == "alice"]
    assert "une place s'est libérée plus tôt" in offer.text
    assert "mardi 8 décembre à 10:00" in offer.text and "jusqu'à 09:15" in offer.text
    carol.says("/book")
    carol.presses("médecine générale")
    carol.presses("Claire Martin")
    assert not any(c.label.startswith("mar. 8 déc.") for c in carol.choices), "held for Alice"
    alice.press_data(offer.choices[0].data)
    assert alice.sees("Je déplace votre rendez-vous") and alice.sees("mardi 8 décembre à 10:00")
    alice.presses("Confirmer")
    assert alice.sees("C'est déplacé")
    with database.unit_of_work(read_only=True) as uow:
        record = uow.patients.by_identity("terminal", "alice")
        assert record is not None and record.id is not None
        mine = uow.appointments.upcoming_for_patient(record.id, clock.now)
        [entry] = uow.session.exec(select(WaitlistEntry)).all()
    assert [a.start.astimezone(PARIS).strftime("%a %H:%M") for a in mine] == ["Tue 10:00"]
    assert entry.status == "done"


def test_twenty_patients_saying_yes_at_once_book_the_freed_time_once(
    engine: Engine, clinic: ClinicConfig, clock: MovableClock, database: Database
) -> None:
    """The time goes round the waitlist in order (each hold runs out); then all twenty
    confirm at the same moment: exactly one booking, nineteen clear answers."""
    patients = [ScriptedPatient(engine, f"w{i:02d}") for i in range(20)]
    first = ScriptedPatient(engine, "owner")
    book_martin(first, "mar. 8 déc.", "10:00")
    with database.unit_of_work() as uow:
        for patient in patients:
            record = uow.patients.create_with_identity(
                "terminal", patient.sender_id, "fr", now=clock.now
            )
            uow.patients.update(record.id or 0, display_name="W", phone="+33612345678")
            uow.waitlist.add(
                patient_id=record.id or 0,
                service_id="consult-gp",
                practitioner_id="dr-martin",
                appointment_id=None,
                before=datetime(2026, 12, 8, 12, 0, tzinfo=PARIS),
                now=clock.now,
            )
            clock.advance(timedelta(seconds=1))
        desk = Desk(uow, clinic, clock.now)
        filler = uow.patients.create_with_identity("terminal", "filler", "fr", now=clock.now)
        for slot in desk.free_slots(SlotQuery("consult-gp", "dr-martin"), limit=100):
            if slot.start < datetime(2026, 12, 8, 12, 0, tzinfo=PARIS):
                desk.book(filler.id or 0, slot)
        uow.commit()
    first.says("mes rendez-vous")
    first.presses("Annuler n°1")
    first.presses("Oui, annuler")
    offered_to: list[str] = []
    for _ in patients:
        assert sweep(engine, clinic, clock) == 1
        with database.unit_of_work(read_only=True) as uow:
            [held] = uow.waitlist.holds(clock.now)
            offered_to.append(held.patient_id)  # type: ignore[arg-type]
        clock.advance(timedelta(minutes=16))  # nobody answers: the hold runs out
    assert offered_to == sorted(offered_to), "first come, first served"
    assert len(set(offered_to)) == 20
    for patient in patients:
        with database.unit_of_work(read_only=True) as uow:
            waiting = uow.patients.by_identity("terminal", patient.sender_id)
            assert waiting is not None
            entry = uow.session.exec(
                select(WaitlistEntry).where(WaitlistEntry.patient_id == waiting.id)
            ).one()
        patient.press_data(f"wl:y:{entry.id}")
        assert patient.sees("Je récapitule")
    barrier = threading.Barrier(len(patients))

    def confirm(patient: ScriptedPatient) -> None:
        barrier.wait()
        patient.presses("Confirmer")

    threads = [threading.Thread(target=confirm, args=(p,)) for p in patients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [p for p in patients if p.sees("C'est réservé")]
    losers = [p for p in patients if p.sees("vient d'être pris")]
    assert len(winners) == 1 and len(losers) == 19
    with database.unit_of_work(read_only=True) as uow:
        at_ten = uow.session.exec(
            select(Appointment).where(
                col(Appointment.start) == datetime(2026, 12, 8, 9, 0, tzinfo=UTC),
                Appointment.status == "booked",
            )
        ).all()
    assert len(at_ten) == 1
