"""Planned messages in the outbox: written when an appointment changes, rendered when due.

The outbox row of a planned message holds only what it is about (kind,
appointment, label); its text is written at send time, in the patient's
language then, and a message that no longer makes sense (the appointment
was cancelled or has started, the patient opted out, replied or rebooked) is
dropped instead of sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog

from bot.i18n import Translator
from bot.messages import Choice, Reply
from clinic.config import ClinicConfig
from clinic.model import Slot
from clinic.slots import next_free_slots
from scheduler.busy import busy_calendar, held_slot
from scheduler.planning import (
    MessageKind,
    PlannedMessage,
    appointment_prefix,
    outside_quiet_hours,
    plan_for_appointment,
    plan_no_show,
    quiet_period_around,
)
from storage.db import UnitOfWork
from storage.models import Appointment, AppointmentStatus, OutboxMessage, WaitlistStatus

log = structlog.get_logger("carebot.scheduler")

UPCOMING = frozenset({AppointmentStatus.BOOKED.value, AppointmentStatus.CONFIRMED.value})


def _recipient(uow: UnitOfWork, patient_id: int) -> tuple[str, str] | None:
    """The channel and chat the patient was last seen on."""
    identities = uow.patients.identities(patient_id)
    if not identities:
        return None
    latest = identities[-1]
    return latest.channel, latest.external_id


def enqueue_planned(
    uow: UnitOfWork, patient_id: int, planned: list[PlannedMessage], now: datetime
) -> int:
    """Put planned messages in the outbox (idempotent: a key already there is kept)."""
    recipient = _recipient(uow, patient_id)
    if recipient is None:
        return 0
    channel, external_id = recipient
    added = 0
    for message in planned:
        row = uow.outbox.enqueue(
            idempotency_key=message.key,
            channel=channel,
            external_id=external_id,
            kind=message.kind.value,
            payload={"appointment_id": message.appointment_id, "label": message.label},
            not_before=message.send_at,
            patient_id=patient_id,
            now=now,
        )
        added += row is not None
    return added


def plan_appointment(
    uow: UnitOfWork, clinic: ClinicConfig, appointment: Appointment, now: datetime
) -> int:
    """Plan the reminders and instructions of a booked appointment."""
    planned = plan_for_appointment(
        clinic,
        appointment_id=appointment.id or 0,
        service_id=appointment.service_id,
        start=appointment.start,
        now=now,
    )
    return enqueue_planned(uow, appointment.patient_id, planned, now)


def unplan_appointment(uow: UnitOfWork, appointment_id: int) -> int:
    """Cancel every message still pending about an appointment (moved or cancelled)."""
    return uow.outbox.cancel_pending(appointment_prefix(appointment_id))


def mark_no_show(
    uow: UnitOfWork, clinic: ClinicConfig, appointment_id: int, *, actor: str, now: datetime
) -> Appointment:
    """Record a missed appointment and plan the kind follow-up messages."""
    current = uow.appointments.get(appointment_id)
    if current is None:
        raise LookupError(f"no appointment {appointment_id}")
    if current.start > now:
        raise ValueError("it has not started yet: a no-show is marked after its start")
    appointment = uow.appointments.set_status(appointment_id, AppointmentStatus.NO_SHOW, actor, now)
    unplan_appointment(uow, appointment_id)
    planned = plan_no_show(clinic, appointment_id=appointment_id, marked_at=now)
    enqueue_planned(uow, appointment.patient_id, planned, now)
    uow.audit.record(actor, "appointment.no_show", f"appointment:{appointment_id}", {}, now)
    return appointment


# --- rendering at send time ---


@dataclass(frozen=True)
class Drop:
    """A due message that no longer makes sense, and why."""

    reason: str


@dataclass(frozen=True)
class Postpone:
    """A due message that must wait (it came due during the quiet hours)."""

    until: datetime


Rendered = Reply | Drop | Postpone


def render(uow: UnitOfWork, clinic: ClinicConfig, row: OutboxMessage, now: datetime) -> Rendered:
    """What a due planned message becomes now: a reply, a later time, or nothing."""
    if row.kind == MessageKind.WAITLIST.value:
        return _render_waitlist_offer(uow, clinic, row, now)
    appointment = uow.appointments.get(int(row.payload.get("appointment_id", 0)))
    if appointment is None:
        return Drop("appointment gone")
    patient = uow.patients.get(appointment.patient_id)
    if patient is None or patient.erased_at is not None:
        return Drop("patient gone")
    kind = MessageKind(row.kind)
    if patient.opted_out and not (patient.keeps_reminders and kind is MessageKind.REMINDER):
        return Drop("patient opted out")
    if kind is not MessageKind.NO_SHOW:
        if appointment.status not in UPCOMING:
            return Drop(f"appointment {appointment.status}")
        if appointment.start <= now:
            return Drop("appointment already started")
    quiet = _quiet_now(clinic, appointment, kind, now)
    if quiet is not None:
        return quiet
    t = Translator(patient.language, clinic.zone)
    if kind is MessageKind.NO_SHOW:
        return _render_no_show(uow, clinic, appointment, t, row, now)
    if kind is MessageKind.INSTRUCTIONS:
        return _render_instructions(clinic, appointment, t)
    return _render_reminder(clinic, appointment, t)


def _quiet_now(
    clinic: ClinicConfig, appointment: Appointment, kind: MessageKind, now: datetime
) -> Postpone | Drop | None:
    """After downtime a message may come due at night: wait for the morning if it still
    makes sense then, else drop it."""
    if quiet_period_around(now, clinic.reminders.quiet_hours, clinic) is None:
        return None
    deadline = now + timedelta(days=2) if kind is MessageKind.NO_SHOW else appointment.start
    later = outside_quiet_hours(now, deadline=deadline, now=now, clinic=clinic, earlier=False)
    return Postpone(later) if later is not None else Drop("quiet hours until the visit")


def _render_instructions(
    clinic: ClinicConfig, appointment: Appointment, t: Translator
) -> Reply | Drop:
    preparation = clinic.service(appointment.service_id).preparation
    if preparation is None:
        return Drop("no instructions any more")
    text = t(
        "instructions.text",
        service=clinic.service(appointment.service_id).name.get(t.language),
        when=t.when(appointment.start),
        text=preparation.text.get(t.language),
    )
    values = {
        "service": clinic.service(appointment.service_id).name.get(t.language),
        "when": t.when(appointment.start),
        "text": preparation.text.get(t.language),
    }
    return Reply(text, template="instructions", template_values=values)


def _render_reminder(clinic: ClinicConfig, appointment: Appointment, t: Translator) -> Reply:
    service = clinic.service(appointment.service_id)
    practitioner = clinic.practitioner(appointment.practitioner_id)
    text = t(
        "reminder.text",
        service=service.name.get(t.language),
        practitioner=practitioner.name,
        when=t.when(appointment.start),
        address=clinic.clinic.address,
    )
    choices: tuple[Choice, ...] = (
        Choice(f"mv:{appointment.id}", t("reminder.reschedule")),
        Choice(f"cx:{appointment.id}", t("reminder.cancel")),
    )
    if appointment.status != AppointmentStatus.CONFIRMED.value:
        choices = (Choice(f"cf:{appointment.id}", t("reminder.confirm")), *choices)
    values = {
        "service": service.name.get(t.language),
        "practitioner": practitioner.name,
        "when": t.when(appointment.start),
        "address": clinic.clinic.address,
    }
    return Reply(text, choices, template="reminder", template_values=values)


def _render_no_show(
    uow: UnitOfWork,
    clinic: ClinicConfig,
    appointment: Appointment,
    t: Translator,
    row: OutboxMessage,
    now: datetime,
) -> Reply | Drop:
    """The kind message after a missed visit, unless the patient already came back."""
    if appointment.status != AppointmentStatus.NO_SHOW.value:
        return Drop(f"appointment {appointment.status}")
    marked = appointment.updated_at
    if any(
        a.created_at >= marked
        for a in uow.appointments.upcoming_for_patient(appointment.patient_id, now)
    ):
        return Drop("patient booked again")
    last_turn = uow.turns.last_turn_at(appointment.patient_id)
    if last_turn is not None and last_turn >= marked:
        return Drop("patient replied")
    busy = busy_calendar(
        uow, clinic, now, now + NO_SHOW_SEARCH, [appointment.practitioner_id], now=now
    )
    slots = next_free_slots(
        clinic,
        appointment.service_id,
        # Read later than sent: offer times that stay bookable for a while.
        now=now + OFFER_MARGIN,
        busy=busy,
        practitioner_id=appointment.practitioner_id,
        until=now + NO_SHOW_SEARCH,
        limit=3,
    )
    choices = (
        *(Choice(slot_button(s), t.when(s.start)) for s in slots),
        Choice("m:book", t("noshow.other_time")),
    )
    key = "noshow.first" if row.idempotency_key.endswith(":1") else "noshow.follow_up"
    service = clinic.service(appointment.service_id).name.get(t.language)
    values = {"service": service, "when": t.when(appointment.start)}
    return Reply(t(key, **values), choices, template="noshow", template_values=values)


def _render_waitlist_offer(
    uow: UnitOfWork, clinic: ClinicConfig, row: OutboxMessage, now: datetime
) -> Reply | Drop:
    """ "An earlier time is free, held for you until…": yes / no thanks."""
    entry = uow.waitlist.get(int(row.payload.get("entry_id", 0)))
    if entry is None or entry.status != WaitlistStatus.OFFERED.value:
        return Drop("offer no longer held")
    slot = held_slot(clinic, entry)
    patient = uow.patients.get(entry.patient_id)
    if slot is None or patient is None or entry.hold_until is None or entry.hold_until <= now:
        return Drop("hold ran out")
    if patient.opted_out or patient.erased_at is not None:
        return Drop("patient opted out")
    t = Translator(patient.language, clinic.zone)
    values = {
        "service": clinic.service(entry.service_id).name.get(t.language),
        "practitioner": clinic.practitioner(slot.practitioner_id).name,
        "when": t.when(slot.start),
        "until": t.time(entry.hold_until),
    }
    choices = (
        Choice(f"wl:y:{entry.id}", t("waitlist.take")),
        Choice(f"wl:n:{entry.id}", t("waitlist.decline")),
    )
    return Reply(
        t("waitlist.offer", **values), choices, template="waitlist", template_values=values
    )


#: How far the no-show message looks for free slots to offer.
NO_SHOW_SEARCH = timedelta(days=14)
#: Slots offered in a message must still be bookable when the patient reads it.
OFFER_MARGIN = timedelta(hours=1)


def slot_button(slot: Slot) -> str:
    """A button that starts a booking at this slot, from any conversation state."""
    return f"bk:{slot.service_id}:{slot.practitioner_id}:{int(slot.start.timestamp()) // 60:x}"
