"""The front desk's slot search through the database, across its search windows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.desk import SEARCH_WINDOW, Desk, SlotQuery
from bot.settings import DEFAULT_CLINIC_FILE
from clinic.loader import load_clinic_file
from storage.db import Database

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def test_a_practitioner_booked_solid_for_three_weeks_is_found_free_after(
    database: Database,
) -> None:
    """Days and slots beyond the first search window are found, once each, in order."""
    clinic = load_clinic_file(DEFAULT_CLINIC_FILE)
    query = SlotQuery("blood-test", "ide-petit")
    with database.unit_of_work() as uow:
        patient = uow.patients.create_with_identity("terminal", "filler", "fr", now=NOW)
        desk = Desk(uow, clinic, NOW)
        # Fill every slot of the nurse's first three weeks.
        while True:
            slots = desk.free_slots(query, limit=50)
            if slots[0].start - NOW > SEARCH_WINDOW + timedelta(days=7):
                break
            for slot in slots:
                desk.book(patient.id or 0, slot)
        uow.commit()
    with database.unit_of_work(read_only=True) as uow:
        desk = Desk(uow, clinic, NOW)
        days = desk.free_days(query, limit=6)
        slots = desk.free_slots(query, limit=20)
    assert len(days) == 6 and days == sorted(set(days))
    assert days[0] >= date(2026, 12, 23)
    assert slots[0].start.astimezone(clinic.zone).date() == days[0]
    assert slots == sorted(set(slots))
