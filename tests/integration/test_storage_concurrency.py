"""Double booking is impossible under real concurrency, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlmodel import select

from clinic.model import Slot
from storage.db import Database
from storage.models import Appointment, AppointmentStatus
from storage.repositories import SlotTaken
from tests.integration.conftest import MakeSlot

THREADS = 50


def _book_all_at_once(
    database: Database, patient_id: int, slots: list[Slot], now: datetime
) -> list[Appointment | SlotTaken]:
    """Book every slot from its own thread and unit of work, all released together."""
    barrier = threading.Barrier(len(slots))

    def attempt(slot: Slot) -> Appointment | SlotTaken:
        barrier.wait(timeout=30)
        with database.unit_of_work() as uow:
            result = uow.appointments.book(
                patient_id=patient_id, slot=slot, actor="patient", now=now
            )
            uow.commit()
        return result

    with ThreadPoolExecutor(max_workers=len(slots)) as pool:
        # list() re-raises the first exception a thread hit, failing the test.
        return list(pool.map(attempt, slots))


def _stored_active(database: Database) -> list[Appointment]:
    """Every active appointment in the database, by start."""
    with database.unit_of_work() as uow:
        rows = uow.session.exec(select(Appointment)).all()
    return sorted(
        (a for a in rows if a.status != AppointmentStatus.CANCELLED), key=lambda a: a.start
    )


def test_fifty_threads_booking_one_slot_make_one_appointment(
    database: Database, patient_id: int, now: datetime, make_slot: MakeSlot
) -> None:
    """Exactly one of 50 simultaneous bookings of one slot wins; 49 get SlotTaken."""
    slot = make_slot(9, 0, minutes=30, buffer=10)
    results = _book_all_at_once(database, patient_id, [slot] * THREADS, now)
    booked = [r for r in results if isinstance(r, Appointment)]
    taken = [r for r in results if isinstance(r, SlotTaken)]
    assert (len(booked), len(taken)) == (1, THREADS - 1)
    assert [a.id for a in _stored_active(database)] == [booked[0].id]


def test_fifty_threads_booking_overlapping_slots_never_overlap(
    database: Database, patient_id: int, now: datetime, make_slot: MakeSlot
) -> None:
    """Starts every 5 minutes, 20-45 minutes long: what gets booked is pairwise disjoint."""
    slots = [make_slot(8, 0, minutes=20 + 5 * (i % 6), buffer=5 * (i % 2)) for i in range(THREADS)]
    slots = [
        Slot(
            s.start + timedelta(minutes=5 * i),
            s.end + timedelta(minutes=5 * i),
            s.busy_until + timedelta(minutes=5 * i),
            s.practitioner_id,
            s.service_id,
        )
        for i, s in enumerate(slots)
    ]
    results = _book_all_at_once(database, patient_id, slots, now)
    booked = sorted((r for r in results if isinstance(r, Appointment)), key=lambda a: a.start)
    assert booked, "at least one booking must succeed"
    assert len(booked) + sum(isinstance(r, SlotTaken) for r in results) == THREADS
    for earlier, later in itertools.pairwise(booked):
        assert earlier.busy_until <= later.start, f"{earlier} overlaps {later}"
    stored = _stored_active(database)
    assert [(a.id, a.start, a.busy_until) for a in stored] == [
        (a.id, a.start, a.busy_until) for a in booked
    ]


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_crossing_reschedule_and_booking_end_in_slot_taken_not_deadlock_error(
    database: Database, patient_id: int, now: datetime, make_slot: MakeSlot
) -> None:
    """A move to 10:00-10:30 and a booking of 10:15-10:45 that wait on each other's cells
    (PostgreSQL detects a deadlock): one wins, the other gets SlotTaken, nothing raises."""
    [old] = _book_all_at_once(database, patient_id, [make_slot(10, 30)], now)  # 10:30-11:00
    assert isinstance(old, Appointment)
    assert old.id is not None
    old_id, moved_to, theirs = old.id, make_slot(10, 0), make_slot(10, 15)
    old_cells_released = threading.Event()

    def move() -> Appointment | SlotTaken:
        with database.unit_of_work() as uow:
            connection = uow.session.connection()

            @event.listens_for(connection, "before_cursor_execute")
            def hold(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
                # The old cells are deleted, the new not yet claimed: let the
                # booking claim 10:15-10:25 and block on 10:30 before going on.
                if (
                    statement.startswith("INSERT INTO slot_claim")
                    and not old_cells_released.is_set()
                ):
                    old_cells_released.set()
                    _wait_for_a_blocked_backend(database)

            result = uow.appointments.reschedule(old_id, moved_to, "patient", now)
            uow.commit()
        return result

    def book() -> Appointment | SlotTaken:
        assert old_cells_released.wait(timeout=30)
        with database.unit_of_work() as uow:
            result = uow.appointments.book(patient_id=patient_id, slot=theirs, actor="p", now=now)
            uow.commit()
        return result

    with ThreadPoolExecutor(max_workers=2) as pool:
        moving, booking = pool.submit(move), pool.submit(book)
        results = [moving.result(timeout=60), booking.result(timeout=60)]
    assert sorted(type(r).__name__ for r in results) == ["Appointment", "SlotTaken"]
    stored = _stored_active(database)
    assert len(stored) == 1
    assert (stored[0].start, stored[0].busy_until) in {
        (moved_to.start, moved_to.busy_until),
        (theirs.start, theirs.busy_until),
    }


def _wait_for_a_blocked_backend(database: Database) -> None:
    """Return once another session of this database waits on a lock (at most 10 s)."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    with database.engine.connect() as probe:
        for _ in range(1000):
            if probe.execute(query).scalar_one():
                return
            probe.rollback()  # a fresh snapshot of pg_stat_activity on the next read
            threading.Event().wait(0.01)
    raise AssertionError("the booking never blocked on the released cells")
