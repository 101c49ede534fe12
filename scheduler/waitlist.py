"""Offering freed times to waiting patients, first come first served, each held a while.

A sweep looks, for every waiting patient in order, for a free time earlier
than what they have (or before the date they gave); the first such time is
held for them (others do not see it while the hold runs) and offered by
message. The booking itself goes through the usual slot claims, so however
many patients say yes at once, one gets it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog

from clinic.config import ClinicConfig
from clinic.model import Busy, Slot
from clinic.slots import BusyCalendar, next_free_slots
from scheduler.busy import busy_calendar, held_slot
from scheduler.planning import MessageKind, quiet_period_around
from storage.db import UnitOfWork
from storage.models import AppointmentStatus, WaitlistEntry, WaitlistStatus

log = structlog.get_logger("carebot.waitlist")

#: Offered times start at least this long after the offer, so "yes" still fits.
OFFER_MARGIN = timedelta(hours=1)
UPCOMING = (AppointmentStatus.BOOKED.value, AppointmentStatus.CONFIRMED.value)


def _limit(uow: UnitOfWork, entry: WaitlistEntry, now: datetime) -> datetime | None:
    """Only times before this interest the patient; None if the wait is over."""
    if entry.before <= now:
        return None
    if entry.appointment_id is None:
        return entry.before
    appointment = uow.appointments.get(entry.appointment_id)
    if appointment is None or appointment.status not in UPCOMING or appointment.start <= now:
        return None
    return min(entry.before, appointment.start)


def offer_freed_slots(uow: UnitOfWork, clinic: ClinicConfig, now: datetime) -> int:
    """One sweep: release expired holds, then offer each waiting patient the earliest
    free time before their limit. Returns how many offers were made."""
    if quiet_period_around(now, clinic.reminders.quiet_hours, clinic) is not None:
        return 0  # a hold running out at night would be a hold no one saw
    entries = uow.waitlist.active()
    for entry in entries:
        if entry.status == WaitlistStatus.OFFERED.value and (entry.hold_until or now) <= now:
            uow.waitlist.release(entry)
    calendar = busy_calendar(uow, clinic, now, now + clinic.booking.max_horizon, None, now=now)
    offers = 0
    for entry in entries:
        if entry.status != WaitlistStatus.WAITING.value:
            continue
        slot = _earliest_for(uow, clinic, entry, calendar, now)
        if slot is None:
            continue
        uow.waitlist.offer(entry, slot.practitioner_id, slot.start, now + clinic.waitlist.hold_for)
        calendar.add(Busy(slot.practitioner_id, slot.start, slot.busy_until))
        _enqueue_offer(uow, entry, slot, now)
        offers += 1
    if offers:
        log.info("waitlist.offered", offers=offers)
    return offers


def _earliest_for(
    uow: UnitOfWork,
    clinic: ClinicConfig,
    entry: WaitlistEntry,
    calendar: BusyCalendar,
    now: datetime,
) -> Slot | None:
    limit = _limit(uow, entry, now)
    if limit is None:
        uow.waitlist.close(entry, WaitlistStatus.CANCELLED)
        return None
    last_offered = held_slot(clinic, entry)
    for slot in next_free_slots(
        clinic,
        entry.service_id,
        now=now + OFFER_MARGIN,
        busy=calendar,
        practitioner_id=entry.practitioner_id,
        until=limit,
        limit=2,
    ):
        # A time the patient let go by is not offered again; the next one may be.
        if slot.start < limit and slot != last_offered:
            return slot
    return None


def _enqueue_offer(uow: UnitOfWork, entry: WaitlistEntry, slot: Slot, now: datetime) -> None:
    identities = uow.patients.identities(entry.patient_id)
    if not identities:
        return
    recipient = identities[-1]
    minutes = int(slot.start.timestamp()) // 60
    uow.outbox.enqueue(
        idempotency_key=f"waitlist:{entry.id}:{minutes:x}",
        channel=recipient.channel,
        external_id=recipient.external_id,
        kind=MessageKind.WAITLIST.value,
        payload={"entry_id": entry.id},
        not_before=now,
        patient_id=entry.patient_id,
        now=now,
    )
