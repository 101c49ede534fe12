"""What time is taken: appointments, staff blocks and waitlist holds, as one calendar."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from clinic.config import ClinicConfig
from clinic.model import Busy, Slot
from clinic.slots import BusyCalendar
from storage.db import UnitOfWork
from storage.models import WaitlistEntry


def held_slot(clinic: ClinicConfig, entry: WaitlistEntry) -> Slot | None:
    """The time held for (or last offered to) a waiting patient."""
    if entry.offered_start is None or entry.offered_practitioner_id is None:
        return None
    service = clinic.service(entry.service_id)
    end = entry.offered_start + service.duration
    return Slot(
        entry.offered_start,
        end,
        end + service.buffer_after,
        entry.offered_practitioner_id,
        entry.service_id,
    )


def holds_as_busy(
    uow: UnitOfWork, clinic: ClinicConfig, now: datetime, *, except_patient: int | None
) -> list[Busy]:
    """Times held for waiting patients, as busy time for everyone else."""
    busy = []
    for entry in uow.waitlist.holds(now):
        slot = held_slot(clinic, entry)
        if slot is not None and entry.patient_id != except_patient:
            busy.append(Busy(slot.practitioner_id, slot.start, slot.busy_until))
    return busy


def busy_calendar(
    uow: UnitOfWork,
    clinic: ClinicConfig,
    start: datetime,
    end: datetime,
    practitioner_ids: Sequence[str] | None,
    *,
    now: datetime,
    except_patient: int | None = None,
    ignore: Busy | None = None,
) -> BusyCalendar:
    """Busy time in ``[start, end)``; times held for ``except_patient`` count as free, and
    so does ``ignore`` (the appointment being moved, which must not block its new time)."""
    taken = uow.appointments.busy_between(start, end, practitioner_ids)
    calendar = BusyCalendar(busy for busy in taken if busy != ignore)
    for busy in uow.blocks.busy_between(start, end, practitioner_ids):
        calendar.add(busy)
    for held in holds_as_busy(uow, clinic, now, except_patient=except_patient):
        calendar.add(held)
    return calendar
