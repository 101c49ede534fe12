"""When planned messages go out: reminders, pre-visit instructions, no-show follow-ups.

Pure functions of the clinic's policy, an appointment's times and ``now``
(no clock, no database). Local times are computed with ``zoneinfo``, so a
"48 hours before" reminder is 48 real hours before, and quiet hours are
wall-clock hours of the clinic, on both sides of a DST change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum

from clinic.config import ClinicConfig, QuietHours
from clinic.model import utc


class MessageKind(StrEnum):
    """What a planned message is."""

    REMINDER = "reminder"
    INSTRUCTIONS = "instructions"
    NO_SHOW = "noshow"
    WAITLIST = "waitlist"


@dataclass(frozen=True)
class PlannedMessage:
    """A message to send about an appointment, and when."""

    key: str
    kind: MessageKind
    appointment_id: int
    send_at: datetime
    #: e.g. "48h" for a reminder, "1" / "2" for the no-show sequence.
    label: str


def appointment_prefix(appointment_id: int) -> str:
    """The idempotency-key prefix of every planned message about an appointment."""
    return f"appt:{appointment_id}:"


def offset_label(offset: timedelta) -> str:
    """ "48h", "90m": a short, stable name for an offset (part of idempotency keys)."""
    minutes = int(offset.total_seconds() // 60)
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


def _local(moment: datetime, clinic: ClinicConfig) -> datetime:
    return moment.astimezone(clinic.zone)


def _at_local(day: datetime, clock: time, clinic: ClinicConfig) -> datetime:
    """The instant of a wall-clock time on a local day (first occurrence if repeated)."""
    return utc(datetime.combine(day.date(), clock, clinic.zone))


def quiet_period_around(
    moment: datetime, quiet: QuietHours, clinic: ClinicConfig
) -> tuple[datetime, datetime] | None:
    """The quiet period (start, end as instants) containing ``moment``, or None."""
    local = _local(moment, clinic)
    if not quiet.contains(local.time().replace(tzinfo=None)):
        return None
    if quiet.start <= quiet.end:
        return _at_local(local, quiet.start, clinic), _at_local(local, quiet.end, clinic)
    if local.time() >= quiet.start:  # the evening part: the period ends tomorrow morning
        tomorrow = local + timedelta(days=1)
        return _at_local(local, quiet.start, clinic), _at_local(tomorrow, quiet.end, clinic)
    yesterday = local - timedelta(days=1)
    return _at_local(yesterday, quiet.start, clinic), _at_local(local, quiet.end, clinic)


#: A message moved out of the quiet hours goes this long before they start.
BEFORE_QUIET = timedelta(minutes=15)


def outside_quiet_hours(
    due: datetime,
    *,
    deadline: datetime,
    now: datetime,
    clinic: ClinicConfig,
    earlier: bool = True,
) -> datetime | None:
    """When a message due at ``due`` may go out, never during the quiet hours: before they
    start if ``earlier`` and that is still ahead, else when they end; always before
    ``deadline`` (None if no moment works)."""
    due = max(due, now)
    period = quiet_period_around(due, clinic.reminders.quiet_hours, clinic)
    if period is None:
        return due if due < deadline else None
    start, end = period
    candidates = [start - BEFORE_QUIET, end] if earlier else [end]
    for moment in candidates:
        if now <= moment < deadline:
            return moment
    return None


def plan_for_appointment(
    clinic: ClinicConfig,
    *,
    appointment_id: int,
    service_id: str,
    start: datetime,
    now: datetime,
) -> list[PlannedMessage]:
    """Reminders and pre-visit instructions of a booked appointment that can still be sent."""
    planned: list[PlannedMessage] = []
    prefix = appointment_prefix(appointment_id)
    for offset in sorted(set(clinic.reminders.offsets), reverse=True):
        label = offset_label(offset)
        send_at = outside_quiet_hours(start - offset, deadline=start, now=now, clinic=clinic)
        if send_at is not None:
            planned.append(
                PlannedMessage(
                    f"{prefix}reminder:{label}",
                    MessageKind.REMINDER,
                    appointment_id,
                    send_at,
                    label,
                )
            )
    preparation = clinic.service(service_id).preparation
    if preparation is not None:
        label = offset_label(preparation.send_before)
        due = start - preparation.send_before
        send_at = outside_quiet_hours(due, deadline=start, now=now, clinic=clinic)
        if send_at is not None:
            planned.append(
                PlannedMessage(
                    f"{prefix}instructions",
                    MessageKind.INSTRUCTIONS,
                    appointment_id,
                    send_at,
                    label,
                )
            )
    return _without_redundant(planned)


def _without_redundant(planned: list[PlannedMessage]) -> list[PlannedMessage]:
    """Two reminders pushed to the same moment (booked late) make one: keep the nearest."""
    by_time: dict[datetime, PlannedMessage] = {}
    for message in planned:
        if message.kind is MessageKind.REMINDER:
            by_time[message.send_at] = message
    reminders = list(by_time.values())
    others = [m for m in planned if m.kind is not MessageKind.REMINDER]
    return sorted(reminders + others, key=lambda m: (m.send_at, m.key))


def plan_no_show(
    clinic: ClinicConfig, *, appointment_id: int, marked_at: datetime
) -> list[PlannedMessage]:
    """The kind message after a missed appointment, and its one follow-up."""
    policy = clinic.no_show
    prefix = appointment_prefix(appointment_id)
    moments = [marked_at + policy.first_message_after, marked_at + policy.follow_up_after]
    planned = []
    for number, due in enumerate(moments, start=1):
        send_at = outside_quiet_hours(
            due, deadline=due + timedelta(days=1), now=marked_at, clinic=clinic, earlier=False
        )
        if send_at is None:
            continue
        planned.append(
            PlannedMessage(
                f"{prefix}noshow:{number}",
                MessageKind.NO_SHOW,
                appointment_id,
                send_at,
                str(number),
            )
        )
    return planned
