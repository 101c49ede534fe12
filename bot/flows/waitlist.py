"""The waitlist, from the patient's side: ask to hear of an earlier time, take or let go an offer.

Buttons only (``wl:…``), valid from any state and checked against the
database each time: an offer may have run out or gone to someone else.
"""

from __future__ import annotations

from bot.flows import booking
from bot.flows.base import IDLE, Outcome, State, TurnContext, menu_choices, say
from bot.messages import Choice, Reply
from scheduler.busy import held_slot
from storage.models import WaitlistEntry, WaitlistStatus


def handle(ctx: TurnContext, data: str) -> Outcome:
    """Every ``wl:`` button."""
    parts = data.split(":")
    action, arguments = (parts[1], parts[2:]) if len(parts) > 2 else ("", [])
    if action == "a" and arguments:
        return _wait_for_earlier(ctx, arguments[0])
    if action == "s" and len(arguments) == 2:
        return _wait_for_any(ctx, arguments[0], arguments[1])
    entry = _own_entry(ctx, arguments[0] if arguments else "")
    if entry is None:
        return _gone(ctx)
    if action == "y":
        return _take(ctx, entry)
    if action == "n":
        ctx.desk.uow.waitlist.release(entry)
        stop = Choice(f"wl:x:{entry.id}", ctx.t("waitlist.stop"))
        return say(IDLE, Reply(ctx.t("waitlist.declined"), (stop, *menu_choices(ctx)[:1])))
    if action == "x":
        ctx.desk.uow.waitlist.close(entry, WaitlistStatus.CANCELLED)
        return say(IDLE, Reply(ctx.t("waitlist.stopped"), menu_choices(ctx)))
    return _gone(ctx)


def _own_entry(ctx: TurnContext, entry_id: str) -> WaitlistEntry | None:
    if not entry_id.isdigit():
        return None
    entry = ctx.desk.uow.waitlist.get(int(entry_id))
    if entry is None or entry.patient_id != ctx.patient.id:
        return None
    if entry.status not in (WaitlistStatus.WAITING.value, WaitlistStatus.OFFERED.value):
        return None
    return entry


def _gone(ctx: TurnContext) -> Outcome:
    return say(IDLE, Reply(ctx.t("waitlist.gone"), menu_choices(ctx)))


def _wait_for_earlier(ctx: TurnContext, appointment_id: str) -> Outcome:
    """After booking: tell me if something earlier frees up."""
    appointment = (
        ctx.desk.owned_upcoming(ctx.patient.id or 0, int(appointment_id))
        if appointment_id.isdigit()
        else None
    )
    if appointment is None:
        return _gone(ctx)
    ctx.desk.uow.waitlist.add(
        patient_id=ctx.patient.id or 0,
        service_id=appointment.service_id,
        practitioner_id=appointment.practitioner_id,
        appointment_id=appointment.id,
        before=appointment.start,
        now=ctx.now,
    )
    ctx.events.append("waitlist.joined")
    return say(IDLE, Reply(ctx.t("waitlist.joined"), menu_choices(ctx)))


def _wait_for_any(ctx: TurnContext, service_id: str, practitioner_id: str) -> Outcome:
    """Nothing free now: tell me as soon as something frees up."""
    try:
        ctx.clinic.service(service_id)
        who = (
            None if practitioner_id == booking.ANY else ctx.clinic.practitioner(practitioner_id).id
        )
    except KeyError:
        return _gone(ctx)
    ctx.desk.uow.waitlist.add(
        patient_id=ctx.patient.id or 0,
        service_id=service_id,
        practitioner_id=who,
        appointment_id=None,
        before=ctx.now + ctx.clinic.booking.max_horizon,
        now=ctx.now,
    )
    ctx.events.append("waitlist.joined")
    return say(IDLE, Reply(ctx.t("waitlist.joined"), menu_choices(ctx)))


def _take(ctx: TurnContext, entry: WaitlistEntry) -> Outcome:
    """Yes: the held time goes to the summary (moving the appointment if there is one);
    confirming claims it like any booking, so only one patient can ever get it."""
    slot = held_slot(ctx.clinic, entry)
    if slot is None:
        return _gone(ctx)
    data: dict[str, object] = {
        "service": entry.service_id,
        "practitioner": slot.practitioner_id,
        "waitlist": entry.id,
    }
    if entry.appointment_id is not None and ctx.desk.owned_upcoming(
        ctx.patient.id or 0, entry.appointment_id
    ):
        data["moving"] = entry.appointment_id
    state = State(booking.FLOW, booking.BookingStep.TIME, data)
    return booking.choose_slot(ctx, state, slot)
