"""Staff commands: the day's agenda, no-shows, arrivals, cancellations, blocked time and
open handoffs, from the clinic's Telegram group or a private chat with the bot.

Channel-neutral like the flows: the Telegram adapter checks :func:`is_staff`, then
calls :func:`run_staff_command` for a ``/command`` or :func:`run_staff_button` for a
``st:…`` button, **commits the unit of work**, and only then sends the replies (nothing
is claimed before it is committed). A patient told of a cancellation is told through
the outbox, in the same transaction as the cancellation.

Every change is audited with ids only; bad input gets a one-line answer and changes
nothing. Staff texts are in the clinic's language, patients' texts in theirs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import cached_property
from pathlib import Path

from bot.faq_gaps import DEFAULT_DAYS, add_gap, gap_lines, since_days
from bot.i18n import Translator
from bot.messages import Choice, Reply
from bot.nlu import match_practitioner, understand_when
from bot.stats import MAX_DAYS, last_week, report_from, summary_text
from clinic.config import ClinicConfig
from faq.editing import FaqEditError
from scheduler.messages import mark_no_show, unplan_appointment
from storage.db import UnitOfWork
from storage.models import Appointment, AppointmentStatus, Handoff

#: Callback-data prefix of every button this module makes.
PREFIX = "st:"
#: The longest time one /block may cover.
MAX_BLOCK = timedelta(days=31)
#: A patient may be marked arrived this long before their appointment's start.
ARRIVAL_EARLY = timedelta(hours=1)
#: At most this many appointment buttons under one message (Telegram allows 100).
MAX_BUTTONS = 20
_REASON_LENGTH = 200
_MAX_ID = 2**31 - 1  # an INTEGER column: a larger number would fail in PostgreSQL

_BOOKED = AppointmentStatus.BOOKED.value
_CONFIRMED = AppointmentStatus.CONFIRMED.value
_CANCELLED = AppointmentStatus.CANCELLED.value
_COMPLETED = AppointmentStatus.COMPLETED.value
_NO_SHOW = AppointmentStatus.NO_SHOW.value
UPCOMING = frozenset({_BOOKED, _CONFIRMED})
_MARKS = {_BOOKED: "⏳", _CONFIRMED: "✅", _NO_SHOW: "❌", _COMPLETED: "✔️", _CANCELLED: "🚫"}
_HANDOFF_REASONS = ("asked", "medical", "not_covered", "unsure", "emergency")
#: Days further than this from today are typing mistakes (and would overflow at year 9999).
_PLAUSIBLE = timedelta(days=3660)
_CLOCK = re.compile(r"^(\d{1,2})(?:[:h.](\d{2})|h)$", re.IGNORECASE)


@dataclass
class StaffContext:
    """One staff command: who gives it, when, and the transaction it works in."""

    uow: UnitOfWork
    clinic: ClinicConfig
    staff_user_id: int
    staff_name: str  # first name, signed under messages to patients
    now: datetime  # aware UTC
    language: str  # the clinic's default language
    faq_file: Path | None = None  # where /faqadd writes; None: not offered

    @property
    def actor(self) -> str:
        """Who the audit and appointment history name for this staff member."""
        return f"staff:{self.staff_user_id}"

    @cached_property
    def t(self) -> Translator:
        """Staff texts, in the clinic's language and timezone."""
        return Translator(self.language, self.clinic.zone)


def is_staff(clinic: ClinicConfig, user_id: int | None) -> bool:
    """Whether a Telegram user is on the clinic's staff list."""
    return user_id is not None and user_id in clinic.staff.telegram_user_ids


def command_name(text: str) -> str:
    """The command of a message, lower case, without ``/`` or ``@botname``."""
    first = text.strip().split(maxsplit=1)[0] if text.strip() else ""
    return first.lstrip("/").split("@", 1)[0].lower()


def _arguments(text: str) -> str:
    parts = text.strip().split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


def run_staff_command(ctx: StaffContext, text: str) -> list[Reply]:
    """Answer a staff ``/command`` (the caller commits, then sends the replies)."""
    name = command_name(text)
    handler = _COMMANDS.get(name)
    if handler is None:
        return [Reply(ctx.t("staffcmd.unknown", command=name[:32]) + "\n\n" + _help_text(ctx))]
    return handler(ctx, _arguments(text))


def run_staff_button(ctx: StaffContext, data: str) -> list[Reply]:
    """Answer a ``st:…`` button this module made (the caller commits, then sends)."""
    action, _, argument = data.removeprefix(PREFIX).partition(":")
    handler = _BUTTONS.get(action) if data.startswith(PREFIX) else None
    if handler is None:
        return [Reply(ctx.t("staffcmd.bad_button"))]
    return handler(ctx, argument)


def refuse(
    clinic: ClinicConfig, uow: UnitOfWork, user_id: int | None, text: str, now: datetime
) -> list[Reply]:
    """A polite no to someone not on the staff list; audited with the command name only."""
    name = command_name(text)
    command = name if name in _COMMANDS else "other"
    actor = f"telegram:{user_id}" if user_id is not None else "unknown"
    uow.audit.record(actor, "staff.refused", f"command:{command}", {"command": command}, now)
    t = Translator(clinic.clinic.default_language, clinic.zone)
    return [Reply(t("staffcmd.refused"))]


# --- /help ---------------------------------------------------------------------------


def _help_text(ctx: StaffContext) -> str:
    return ctx.t("staffcmd.help")


def show_help(ctx: StaffContext, _argument: str = "") -> list[Reply]:
    """The list of staff commands."""
    return [Reply(_help_text(ctx))]


# --- reading appointments ------------------------------------------------------------


def _local_midnight(ctx: StaffContext, day: date) -> datetime:
    return datetime.combine(day, time(0), ctx.clinic.zone)


def _today(ctx: StaffContext) -> date:
    return ctx.now.astimezone(ctx.clinic.zone).date()


def _plausible(ctx: StaffContext, day: date | None) -> date | None:
    """The day, unless it is years away from today (a typo, or out of range)."""
    return day if day is not None and abs(day - _today(ctx)) <= _PLAUSIBLE else None


def _overlapping(
    ctx: StaffContext,
    start: datetime,
    end: datetime,
    statuses: Sequence[str],
    practitioner_id: str | None = None,
) -> list[Appointment]:
    """Appointments in these statuses whose patient time overlaps ``[start, end)``."""
    return ctx.uow.appointments.between(start, end, statuses, practitioner_id)


def _on_day(ctx: StaffContext, day: date, statuses: Sequence[str]) -> list[Appointment]:
    start = _local_midnight(ctx, day)
    return _overlapping(ctx, start, _local_midnight(ctx, day + timedelta(days=1)), statuses)


def _patient_name(ctx: StaffContext, patient_id: int) -> str:
    patient = ctx.uow.patients.get(patient_id)
    if patient is None or patient.erased_at is not None or not patient.display_name:
        return ctx.t("staffcmd.unnamed")
    return patient.display_name


def _service_name(ctx: StaffContext, appointment: Appointment, language: str = "") -> str:
    try:
        return ctx.clinic.service(appointment.service_id).name.get(language or ctx.language)
    except KeyError:  # a service removed from clinic.yaml since
        return appointment.service_id


def _practitioner_name(ctx: StaffContext, practitioner_id: str) -> str:
    try:
        return ctx.clinic.practitioner(practitioner_id).name
    except KeyError:
        return practitioner_id


def _line(ctx: StaffContext, appointment: Appointment) -> str:
    """One agenda line: time, status mark, service, patient, id."""
    return ctx.t(
        "staffcmd.agenda.line",
        time=ctx.t.time(appointment.start),
        mark=_MARKS.get(appointment.status, "?"),
        service=_service_name(ctx, appointment),
        patient=_patient_name(ctx, appointment.patient_id),
        id=appointment.id,
    )


def _describe(ctx: StaffContext, appointment: Appointment) -> str:
    """An appointment in a confirmation: id, patient, when, service, practitioner."""
    return ctx.t(
        "staffcmd.appointment",
        id=appointment.id,
        patient=_patient_name(ctx, appointment.patient_id),
        when=ctx.t.when(appointment.start),
        service=_service_name(ctx, appointment),
        practitioner=_practitioner_name(ctx, appointment.practitioner_id),
    )


def _button(ctx: StaffContext, action: str, appointment: Appointment) -> Choice:
    """A button acting on one appointment, labelled with its time, patient and id (and
    its day, unless it is today)."""
    day = appointment.start.astimezone(ctx.clinic.zone).date()
    label = ctx.t(
        "staffcmd.button",
        time=ctx.t.time(appointment.start),
        patient=_patient_name(ctx, appointment.patient_id),
        id=appointment.id,
    )
    if day != _today(ctx):
        label = f"{ctx.t.short_day(day)} {label}"
    return Choice(f"{PREFIX}{action}:{appointment.id}", label[:60])


def _buttons(ctx: StaffContext, action: str, found: Sequence[Appointment]) -> tuple[Choice, ...]:
    return tuple(_button(ctx, action, a) for a in found[:MAX_BUTTONS])


# --- /agenda -------------------------------------------------------------------------


def agenda(ctx: StaffContext, argument: str) -> list[Reply]:
    """``/agenda [date]``: a day's appointments per practitioner (today by default)."""
    day = _read_day(ctx, argument) if argument else _today(ctx)
    if day is None:
        return [Reply(ctx.t("staffcmd.agenda.bad_date", text=argument[:40]))]
    return agenda_for_day(ctx, day)


def _read_day(ctx: StaffContext, text: str) -> date | None:
    """A day as staff write it: ``2026-12-07``, ``demain``, ``lundi``, ``7/12``."""
    try:
        return _plausible(ctx, date.fromisoformat(text.strip()))
    except ValueError:
        pass
    when = understand_when(text, now=ctx.now, zone=ctx.clinic.zone, language=ctx.language)
    return _plausible(ctx, when.day) if when is not None else None


def agenda_for_day(ctx: StaffContext, day: date) -> list[Reply]:
    """The agenda of one local day, with previous/next day buttons."""
    found = _on_day(ctx, day, [_BOOKED, _CONFIRMED, _COMPLETED, _NO_SHOW])
    sections = [_section(ctx, p.id, p.name, day, found) for p in ctx.clinic.practitioners]
    body = "\n\n".join(s for s in sections if s) or ctx.t("staffcmd.agenda.empty")
    text = ctx.t("staffcmd.agenda.title", day=ctx.t.day(day)) + "\n\n" + body
    if found:
        text += "\n\n" + ctx.t("staffcmd.agenda.legend")
    return [Reply(text, _day_buttons(ctx, day))]


def _section(
    ctx: StaffContext, practitioner_id: str, name: str, day: date, found: list[Appointment]
) -> str:
    """One practitioner's part of the agenda: appointments and blocked time, in order."""
    start = _local_midnight(ctx, day)
    end = _local_midnight(ctx, day + timedelta(days=1))
    blocks = ctx.uow.blocks.busy_between(start, end, [practitioner_id])
    entries = [(a.start, _line(ctx, a)) for a in found if a.practitioner_id == practitioner_id]
    for b in blocks:
        shown = (max(b.start, start), min(b.end, end))
        entries.append((shown[0], _block_line(ctx, *shown, whole=shown == (start, end))))
    if not entries:
        return ""
    return "\n".join([f"👤 {name}", *(line for _, line in sorted(entries))])


def _block_line(ctx: StaffContext, start: datetime, end: datetime, *, whole: bool) -> str:
    if whole:
        return ctx.t("staffcmd.agenda.blocked_day")
    if end.astimezone(ctx.clinic.zone).time() == time(0):
        return ctx.t("staffcmd.agenda.blocked_from", start=ctx.t.time(start))
    return ctx.t("staffcmd.agenda.blocked", start=ctx.t.time(start), end=ctx.t.time(end))


def _day_buttons(ctx: StaffContext, day: date) -> tuple[Choice, ...]:
    before, after = day - timedelta(days=1), day + timedelta(days=1)
    return (
        Choice(f"{PREFIX}ag:{before.isoformat()}", f"◀️ {ctx.t.short_day(before)}"),
        Choice(f"{PREFIX}ag:{after.isoformat()}", f"{ctx.t.short_day(after)} ▶️"),
    )


def _agenda_button(ctx: StaffContext, argument: str) -> list[Reply]:
    try:
        day = _plausible(ctx, date.fromisoformat(argument))
    except ValueError:
        day = None
    return agenda_for_day(ctx, day) if day else [Reply(ctx.t("staffcmd.bad_button"))]


# --- finding the appointment a command names ----------------------------------------


def _parse_id(text: str) -> int | None:
    """``12`` or ``#12`` as an appointment id; None if it is not one."""
    digits = text.strip().removeprefix("#")
    if not digits.isascii() or not digits.isdigit():
        return None
    number = int(digits)
    return number if 0 < number <= _MAX_ID else None


def _find(ctx: StaffContext, text: str) -> Appointment | Reply:
    """The appointment a staff member named, or the one-line answer why there is none."""
    number = _parse_id(text)
    if number is None:
        return Reply(ctx.t("staffcmd.error.not_an_id", text=text[:40]))
    appointment = ctx.uow.appointments.get(number)
    if appointment is None:
        return Reply(ctx.t("staffcmd.error.unknown_appointment", id=number))
    return appointment


def _wrong_status(ctx: StaffContext, appointment: Appointment) -> Reply:
    status = ctx.t(f"staffcmd.status.{appointment.status}")
    return Reply(ctx.t("staffcmd.error.status", id=appointment.id, status=status))


# --- /noshow -------------------------------------------------------------------------


def noshow(ctx: StaffContext, argument: str) -> list[Reply]:
    """``/noshow <id>``: mark a missed visit; without an id, buttons of today's candidates."""
    if not argument:
        return _noshow_choices(ctx)
    found = _find(ctx, argument.split()[0])
    if isinstance(found, Reply):
        return [found]
    return [_mark_no_show(ctx, found)]


def _noshow_choices(ctx: StaffContext) -> list[Reply]:
    started = [a for a in _on_day(ctx, _today(ctx), sorted(UPCOMING)) if a.start <= ctx.now]
    if not started:
        return [Reply(ctx.t("staffcmd.noshow.none"))]
    return [Reply(ctx.t("staffcmd.noshow.pick"), _buttons(ctx, "ns", started))]


def _mark_no_show(ctx: StaffContext, appointment: Appointment) -> Reply:
    if appointment.status not in UPCOMING:
        return _wrong_status(ctx, appointment)
    if appointment.start > ctx.now:
        when = ctx.t.when(appointment.start)
        return Reply(ctx.t("staffcmd.noshow.too_early", id=appointment.id, when=when))
    # mark_no_show plans the follow-up messages and audits "appointment.no_show".
    mark_no_show(ctx.uow, ctx.clinic, appointment.id or 0, actor=ctx.actor, now=ctx.now)
    return Reply(ctx.t("staffcmd.noshow.done", appointment=_describe(ctx, appointment)))


def _noshow_button(ctx: StaffContext, argument: str) -> list[Reply]:
    return noshow(ctx, argument) if _parse_id(argument) else [Reply(ctx.t("staffcmd.bad_button"))]


# --- /arrived ------------------------------------------------------------------------


def arrived(ctx: StaffContext, argument: str) -> list[Reply]:
    """``/arrived <id>``: the patient came; without an id, buttons of who is due now."""
    if not argument:
        return _arrived_choices(ctx)
    found = _find(ctx, argument.split()[0])
    if isinstance(found, Reply):
        return [found]
    return [_mark_arrived(ctx, found)]


def _arrived_choices(ctx: StaffContext) -> list[Reply]:
    statuses = sorted(UPCOMING | {_NO_SHOW})
    due = [a for a in _on_day(ctx, _today(ctx), statuses) if a.start <= ctx.now + ARRIVAL_EARLY]
    if not due:
        return [Reply(ctx.t("staffcmd.arrived.none"))]
    return [Reply(ctx.t("staffcmd.arrived.pick"), _buttons(ctx, "ar", due))]


def _mark_arrived(ctx: StaffContext, appointment: Appointment) -> Reply:
    # A patient marked no-show who turns up late did come after all.
    if appointment.status not in UPCOMING | {_NO_SHOW}:
        return _wrong_status(ctx, appointment)
    if appointment.start > ctx.now + ARRIVAL_EARLY:
        when = ctx.t.when(appointment.start)
        return Reply(ctx.t("staffcmd.arrived.too_early", id=appointment.id, when=when))
    number = appointment.id or 0
    ctx.uow.appointments.set_status(number, AppointmentStatus.COMPLETED, ctx.actor, ctx.now)
    # Reminders and no-show follow-ups about a visit that happened must not go out.
    unplan_appointment(ctx.uow, number)
    subject = f"appointment:{number}"
    ctx.uow.audit.record(ctx.actor, "appointment.completed", subject, {}, ctx.now)
    return Reply(ctx.t("staffcmd.arrived.done", appointment=_describe(ctx, appointment)))


def _arrived_button(ctx: StaffContext, argument: str) -> list[Reply]:
    return arrived(ctx, argument) if _parse_id(argument) else [Reply(ctx.t("staffcmd.bad_button"))]


# --- /cancel -------------------------------------------------------------------------


def cancel(ctx: StaffContext, argument: str) -> list[Reply]:
    """``/cancel <id> [reason]``: cancel and tell the patient; without an id, pick one."""
    if not argument:
        return _cancel_choices(ctx)
    first, *rest = argument.split(maxsplit=1)
    found = _find(ctx, first)
    if isinstance(found, Reply):
        return [found]
    return [_cancel(ctx, found, rest[0].strip() if rest else None)]


def _cancel_choices(ctx: StaffContext) -> list[Reply]:
    today = _today(ctx)
    start = _local_midnight(ctx, today)
    end = _local_midnight(ctx, today + timedelta(days=2))
    coming = [a for a in _overlapping(ctx, start, end, sorted(UPCOMING)) if a.start > ctx.now]
    if not coming:
        return [Reply(ctx.t("staffcmd.cancel.none"))]
    return [Reply(ctx.t("staffcmd.cancel.pick"), _buttons(ctx, "cx", coming))]


def _cancellable(ctx: StaffContext, appointment: Appointment) -> Reply | None:
    """Why this appointment cannot be cancelled, if it cannot."""
    if appointment.status not in UPCOMING:
        return _wrong_status(ctx, appointment)
    if appointment.start <= ctx.now:
        return Reply(ctx.t("staffcmd.cancel.started", id=appointment.id))
    return None


def _ask_cancel(ctx: StaffContext, argument: str) -> list[Reply]:
    """A cancel button: show the appointment and ask to confirm."""
    if _parse_id(argument) is None:
        return [Reply(ctx.t("staffcmd.bad_button"))]
    found = _find(ctx, argument)
    if isinstance(found, Reply):
        return [found]
    refusal = _cancellable(ctx, found)
    if refusal is not None:
        return [refusal]
    choices = (
        Choice(f"{PREFIX}cy:{found.id}", ctx.t("staffcmd.cancel.yes")),
        Choice(f"{PREFIX}no", ctx.t("staffcmd.cancel.keep")),
    )
    return [Reply(ctx.t("staffcmd.cancel.ask", appointment=_describe(ctx, found)), choices)]


def _confirm_cancel(ctx: StaffContext, argument: str) -> list[Reply]:
    if _parse_id(argument) is None:
        return [Reply(ctx.t("staffcmd.bad_button"))]
    found = _find(ctx, argument)
    return [found if isinstance(found, Reply) else _cancel(ctx, found, None)]


def _cancel(ctx: StaffContext, appointment: Appointment, reason: str | None) -> Reply:
    """Cancel, free the time, drop its reminders, tell the patient, audit."""
    refusal = _cancellable(ctx, appointment)
    if refusal is not None:
        return refusal
    number = appointment.id or 0
    # The reason stays in the clinic's records: it may hold notes not meant for the patient.
    note = f"staff: {reason[:_REASON_LENGTH]}" if reason else "staff"
    ctx.uow.appointments.cancel(number, reason=note, actor=ctx.actor, now=ctx.now)
    unplan_appointment(ctx.uow, number)
    told = _tell_patient_cancelled(ctx, appointment)
    detail = {"patient_id": appointment.patient_id, "patient_told": told}
    ctx.uow.audit.record(
        ctx.actor, "appointment.cancelled", f"appointment:{number}", detail, ctx.now
    )
    key = "staffcmd.cancel.done" if told else "staffcmd.cancel.done_call"
    return Reply(ctx.t(key, appointment=_describe(ctx, appointment)))


def _tell_patient_cancelled(ctx: StaffContext, appointment: Appointment) -> bool:
    """Queue a kind message to the patient on their latest channel; False if unreachable."""
    patient = ctx.uow.patients.get(appointment.patient_id)
    identities = ctx.uow.patients.identities(appointment.patient_id)
    if patient is None or patient.erased_at is not None or not identities:
        return False
    t = Translator(patient.language, ctx.clinic.zone)
    text = t(
        "staffcmd.patient.cancelled",
        when=t.when(appointment.start),
        service=_service_name(ctx, appointment, t.language),
        practitioner=_practitioner_name(ctx, appointment.practitioner_id),
        phone=ctx.clinic.clinic.phone,
        staff=ctx.staff_name,
        clinic=ctx.clinic.clinic.name,
    )
    ctx.uow.outbox.enqueue(
        idempotency_key=f"staffcancel:{appointment.id}",
        channel=identities[-1].channel,
        external_id=identities[-1].external_id,
        kind="reply",
        payload=Reply(text, (Choice("m:book", t("cancel.rebook")),)).to_payload(),
        not_before=ctx.now,
        patient_id=patient.id,
        now=ctx.now,
    )
    return True


def _keep(ctx: StaffContext, _argument: str) -> list[Reply]:
    return [Reply(ctx.t("staffcmd.cancel.kept"))]


# --- /block --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Moment:
    """A day and maybe a time, as written in a /block command."""

    day: date | None
    at: time | None


@dataclass(frozen=True)
class _BlockRequest:
    practitioner_id: str
    start: datetime
    end: datetime
    reason: str | None


def block(ctx: StaffContext, argument: str) -> list[Reply]:
    """``/block <practitioner> <from> <to> [reason]``: no booking in that time any more."""
    request = _read_block(ctx, argument.split())
    if isinstance(request, Reply):
        return [request]
    refusal = _block_refusal(ctx, request)
    if refusal is not None:
        return [refusal]
    # "Block today" starts now: the part of the day already gone needs no blocking.
    request = replace(request, start=max(request.start, ctx.now))
    added = ctx.uow.blocks.add(
        practitioner_id=request.practitioner_id,
        start=request.start,
        end=request.end,
        reason=request.reason,
        by=ctx.actor,
        now=ctx.now,
    )
    affected = _overlapping(
        ctx, request.start, request.end, sorted(UPCOMING), request.practitioner_id
    )
    detail = {"practitioner_id": request.practitioner_id, "appointments": [a.id for a in affected]}
    ctx.uow.audit.record(ctx.actor, "practitioner.blocked", f"block:{added.id}", detail, ctx.now)
    return [_block_report(ctx, request, affected)]


def _read_block(ctx: StaffContext, words: list[str]) -> _BlockRequest | Reply:
    """Practitioner, start, end and reason out of the command's words."""
    if not words:
        return Reply(ctx.t("staffcmd.block.usage"))
    for split in range(1, min(len(words), 4)):
        practitioner_id = _practitioner(ctx, words[:split])
        span = _read_span(ctx, words[split:]) if practitioner_id else None
        if practitioner_id and span is not None:
            start, end, used = span
            if split + used < len(words) and _CLOCK.match(words[split + used]):
                break  # "25:00" is a bad time, not the start of a reason
            reason = " ".join(words[split + used :])[:_REASON_LENGTH] or None
            return _BlockRequest(practitioner_id, start, end, reason)
    if not any(_practitioner(ctx, words[:n]) for n in range(1, min(len(words), 4) + 1)):
        names = ", ".join(f"{p.id} ({p.name})" for p in ctx.clinic.practitioners)
        return Reply(ctx.t("staffcmd.block.unknown_practitioner", text=words[0][:40], names=names))
    return Reply(ctx.t("staffcmd.block.usage"))


def _practitioner(ctx: StaffContext, words: Sequence[str]) -> str | None:
    """A practitioner named by id ("dr-martin") or by name ("martin", "Dr Benali")."""
    text = " ".join(words)
    for practitioner in ctx.clinic.practitioners:
        if practitioner.id == text.lower():
            return practitioner.id
    return match_practitioner(text, ctx.clinic)


def _read_span(ctx: StaffContext, words: list[str]) -> tuple[datetime, datetime, int] | None:
    """``from [to]`` at the start of ``words``: start, end, and how many words they took."""
    first, used = _read_moment(ctx, words, 0)
    if first is None:
        return None
    start_day = first.day or _today(ctx)
    start = _local(ctx, start_day, first.at or time(0))
    second, more = _read_moment(ctx, words, used)
    if second is None:
        if first.at is not None:
            return None  # "from 14:00" needs an end
        return start, _local(ctx, start_day + timedelta(days=1), time(0)), used
    if second.day is None:
        return (start, _local(ctx, start_day, second.at), used + more) if second.at else None
    if second.at is None:  # a date as the end includes that whole day
        return start, _local(ctx, second.day + timedelta(days=1), time(0)), used + more
    return start, _local(ctx, second.day, second.at), used + more


def _read_moment(ctx: StaffContext, words: list[str], index: int) -> tuple[_Moment | None, int]:
    """A day and optional clock time (``2026-12-08 14:00``, ``demain 14h``) or a clock
    time alone (``18h``), from ``words[index]`` on; the moment and the words used."""
    if index >= len(words):
        return None, 0
    clock = _clock(words[index])
    if clock is not None:
        return _Moment(None, clock), 1
    day = _day_word(ctx, words[index])
    if day is None:
        return None, 0
    at = _clock(words[index + 1]) if index + 1 < len(words) else None
    return _Moment(day, at), 2 if at is not None else 1


def _clock(word: str) -> time | None:
    """A 24-hour clock time as staff write it: ``14:00``, ``14h``, ``9h30``."""
    match = _CLOCK.match(word)
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    return time(hour, minute) if hour < 24 and minute < 60 else None


def _day_word(ctx: StaffContext, word: str) -> date | None:
    """One word naming a day: ``2026-12-08``, ``8/12``, ``demain``, ``lundi``."""
    if not any(ch.isalnum() for ch in word):
        return None
    when = understand_when(word, now=ctx.now, zone=ctx.clinic.zone, language=ctx.language)
    if when is None or when.at is not None or when.part is not None:
        return None
    return _plausible(ctx, when.day)


def _local(ctx: StaffContext, day: date, at: time) -> datetime:
    """A local day and time as an aware datetime (converted to UTC when stored)."""
    return datetime.combine(day, at, ctx.clinic.zone)


def _block_refusal(ctx: StaffContext, request: _BlockRequest) -> Reply | None:
    """Why this block cannot be made (end first, too long, in the past), if so."""
    if request.end <= request.start:
        return Reply(ctx.t("staffcmd.block.backwards"))
    if request.end - request.start > MAX_BLOCK:
        return Reply(ctx.t("staffcmd.block.too_long", days=MAX_BLOCK.days))
    if request.start < ctx.now and not _is_today_from_midnight(ctx, request):
        return Reply(ctx.t("staffcmd.block.past"))
    return None


def _is_today_from_midnight(ctx: StaffContext, request: _BlockRequest) -> bool:
    """Whether this is a "block today" (whole days from today): allowed, from now on."""
    return request.start == _local_midnight(ctx, _today(ctx)) and request.end > ctx.now


def _block_report(
    ctx: StaffContext, request: _BlockRequest, affected: Sequence[Appointment]
) -> Reply:
    """What was blocked, and the booked patients inside it, each with a cancel button."""
    name = _practitioner_name(ctx, request.practitioner_id)
    span = _span(ctx, request.start, request.end)
    text = ctx.t("staffcmd.block.done", practitioner=name, span=span)
    if not affected:
        return Reply(text + "\n" + ctx.t("staffcmd.block.nobody"))
    lines = [ctx.t("staffcmd.block.affected", count=len(affected))]
    lines += [f"• {_describe(ctx, a)}" for a in affected]
    if len(affected) > MAX_BUTTONS:
        lines.append(ctx.t("staffcmd.block.more_buttons", count=MAX_BUTTONS))
    return Reply(text + "\n\n" + "\n".join(lines), _buttons(ctx, "cx", affected))


def _span(ctx: StaffContext, start: datetime, end: datetime) -> str:
    """A time range as staff read it: "mardi 8 décembre, 14:00–18:00", a whole day, whole
    days, the rest of a day, or "… à 14:00 → … à 09:00"."""
    local_start, local_end = start.astimezone(ctx.clinic.zone), end.astimezone(ctx.clinic.zone)
    if local_start.time() == local_end.time() == time(0):
        last = local_end.date() - timedelta(days=1)
        if last == local_start.date():
            return ctx.t("staffcmd.span.whole_day", day=ctx.t.day(last))
        return ctx.t(
            "staffcmd.span.whole_days", start=ctx.t.day(local_start.date()), end=ctx.t.day(last)
        )
    if local_end.time() == time(0) and local_end.date() == local_start.date() + timedelta(days=1):
        return ctx.t("staffcmd.span.rest_of_day", day=ctx.t.day(start), start=ctx.t.time(start))
    if local_start.date() == local_end.date():
        return ctx.t(
            "staffcmd.span.day", day=ctx.t.day(start), start=ctx.t.time(start), end=ctx.t.time(end)
        )
    return ctx.t("staffcmd.span.days", start=ctx.t.when(start), end=ctx.t.when(end))


# --- /handoffs -----------------------------------------------------------------------


def handoffs(ctx: StaffContext, _argument: str = "") -> list[Reply]:
    """``/handoffs``: conversations waiting for a person, oldest first."""
    waiting = ctx.uow.handoffs.open_ones()
    if not waiting:
        return [Reply(ctx.t("staffcmd.handoffs.none"))]
    lines = [_handoff_line(ctx, h) for h in waiting]
    title = ctx.t("staffcmd.handoffs.title", count=len(waiting))
    return [Reply("\n".join([title, *lines]))]


def _handoff_line(ctx: StaffContext, handoff: Handoff) -> str:
    minutes = max(0, int((ctx.now - handoff.opened_at).total_seconds() // 60))
    reason = handoff.reason if handoff.reason in _HANDOFF_REASONS else "asked"
    if handoff.reason.startswith("llm") or handoff.reason == "needs_human":
        reason = "unsure"  # as bot.handoff reads them
    if handoff.staff_replied_at is None:
        replied = ctx.t("staffcmd.handoffs.no_reply")
    else:
        replied = ctx.t("staffcmd.handoffs.replied", time=ctx.t.time(handoff.staff_replied_at))
    return ctx.t(
        "staffcmd.handoffs.line",
        id=handoff.id,
        patient=_patient_name(ctx, handoff.patient_id),
        waited=ctx.t.minutes(minutes).strip(),  # "2 h " has a trailing space
        reason=ctx.t(f"staffcmd.handoffs.reason.{reason}"),
        replied=replied,
    )


# --- /stats --------------------------------------------------------------------------


def stats(ctx: StaffContext, argument: str) -> list[Reply]:
    """The front desk's figures: last week by default, or ``/stats <from> <to>``."""
    words = argument.split()
    days = [_read_day(ctx, word) for word in words] if len(words) == 2 else []
    if not words:
        start, end = last_week(_today(ctx))
    elif len(days) == 2 and days[0] is not None and days[1] is not None:
        start, end = days[0], days[1]
    else:
        return [Reply(ctx.t("staffcmd.stats.usage"))]
    if end < start or (end - start).days >= MAX_DAYS:
        return [Reply(ctx.t("staffcmd.stats.usage"))]
    report = report_from(ctx.uow, ctx.clinic, start, end, now=ctx.now)
    return [Reply(summary_text(report, ctx.clinic, ctx.language, ctx.now))]


def faq_gaps(ctx: StaffContext, argument: str = "") -> list[Reply]:
    """``/faqgaps [days]``: the questions the FAQ did not answer for sure (masked)."""
    days = int(argument) if argument.strip().isdigit() else DEFAULT_DAYS
    lines = gap_lines(ctx.uow, ctx.t, since_days(ctx.now, days))
    if not lines:
        return [Reply(ctx.t("faqgaps.none", days=days))]
    title = ctx.t("faqgaps.title", count=len(lines), days=days)
    return [Reply("\n".join([title, *lines[-MAX_GAP_LINES:], ctx.t("faqgaps.how")]))]


def faq_add(ctx: StaffContext, argument: str = "") -> list[Reply]:
    """``/faqadd ID [entry]``: add a patient's wording to an entry of faq.yaml."""
    words = argument.split()
    if not words or not words[0].lstrip("#").isdigit() or ctx.faq_file is None:
        return [Reply(ctx.t("faqgaps.usage"))]
    chosen = words[1] if len(words) > 1 else None
    try:
        entry = add_gap(ctx.uow, ctx.clinic, ctx.faq_file, int(words[0].lstrip("#")), chosen)
    except FaqEditError as error:
        return [Reply(ctx.t("faqgaps.refused", reason=str(error)))]
    ctx.uow.audit.record(ctx.actor, "faq.phrasing_added", f"faq:{entry}", {}, ctx.now)
    return [Reply(ctx.t("faqgaps.added", entry=entry))]


#: The newest lines /faqgaps shows (a Telegram message holds 4,096 characters).
MAX_GAP_LINES = 20


# --- dispatch ------------------------------------------------------------------------

_Handler = Callable[[StaffContext, str], list[Reply]]

_COMMANDS: dict[str, _Handler] = {
    "agenda": agenda,
    "noshow": noshow,
    "arrived": arrived,
    "cancel": cancel,
    "block": block,
    "handoffs": handoffs,
    "stats": stats,
    "faqgaps": faq_gaps,
    "faqadd": faq_add,
    "help": show_help,
    "staff": show_help,
    "start": show_help,
}

_BUTTONS: dict[str, _Handler] = {
    "ag": _agenda_button,
    "ns": _noshow_button,
    "ar": _arrived_button,
    "cx": _ask_cancel,
    "cy": _confirm_cancel,
    "no": _keep,
}
