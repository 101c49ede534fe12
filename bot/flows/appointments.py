"""My appointments, and cancelling one: list → confirm → (optional) reason.

Each upcoming appointment has its own move and cancel buttons; those buttons
work from any state, and are re-checked (the appointment may be past or
already cancelled by then). See ``appointments.mmd``.
"""

from __future__ import annotations

from enum import StrEnum

from bot import nlu
from bot.flows import booking
from bot.flows.base import IDLE, Outcome, State, Step, TurnContext, go, misunderstood, say
from bot.messages import Choice, Reply
from storage.models import Appointment

FLOW = "cancel"
REASONS = ("better", "cannot", "elsewhere", "other")
MAX_REASON = 300


class CancelStep(StrEnum):
    """The steps of the cancel flow."""

    CONFIRM = "confirm"
    REASON = "reason"


def describe(ctx: TurnContext, appointment: Appointment) -> str:
    """ "mardi 3 décembre à 15:30 — Consultation, Dr Martin"."""
    service = ctx.clinic.service(appointment.service_id).name.get(ctx.language)
    practitioner = ctx.clinic.practitioner(appointment.practitioner_id).name
    return ctx.t(
        "appointments.item",
        when=ctx.t.when(appointment.start),
        service=service,
        practitioner=practitioner,
    )


def show_list(ctx: TurnContext) -> Outcome:
    """The patient's upcoming appointments, each with move and cancel buttons."""
    upcoming = ctx.desk.upcoming(ctx.patient.id or 0)
    if not upcoming:
        offer = (Choice("m:book", ctx.t("menu.book")), Choice("m:menu", ctx.t("common.menu")))
        return say(IDLE, Reply(ctx.t("appointments.none"), offer))
    lines = [f"{i}. {describe(ctx, a)}" for i, a in enumerate(upcoming, start=1)]
    choices: list[Choice] = []
    for i, appointment in enumerate(upcoming, start=1):
        choices.append(Choice(f"mv:{appointment.id}", ctx.t("appointments.move", n=i)))
        choices.append(Choice(f"cx:{appointment.id}", ctx.t("appointments.cancel", n=i)))
    choices.append(Choice("m:menu", ctx.t("common.menu")))
    text = ctx.t("appointments.list") + "\n" + "\n".join(lines)
    return say(IDLE, Reply(text, tuple(choices)))


def _owned(ctx: TurnContext, data: str) -> Appointment | None:
    try:
        appointment_id = int(data.split(":", 1)[1])
    except (IndexError, ValueError):
        return None
    return ctx.desk.owned_upcoming(ctx.patient.id or 0, appointment_id)


def _too_late(ctx: TurnContext) -> Outcome:
    hours = int(ctx.clinic.booking.cancellation_cutoff.total_seconds() // 3600)
    choices = (Choice("m:human", ctx.t("menu.human")), Choice("m:menu", ctx.t("common.menu")))
    text = ctx.t("cancel.too_late", hours=hours, phone=ctx.clinic.clinic.phone)
    return say(IDLE, Reply(text, choices))


def _gone(ctx: TurnContext) -> Outcome:
    choices = (
        Choice("m:appts", ctx.t("menu.appointments")),
        Choice("m:menu", ctx.t("common.menu")),
    )
    return say(IDLE, Reply(ctx.t("appointments.gone"), choices))


def start_move(ctx: TurnContext, data: str) -> Outcome:
    """A "move" button: check the appointment, then the booking flow picks a new time."""
    appointment = _owned(ctx, data)
    if appointment is None:
        return _gone(ctx)
    if ctx.desk.inside_cutoff(appointment):
        return _too_late(ctx)
    return booking.start_reschedule(ctx, appointment)


def start_cancel(ctx: TurnContext, data: str) -> Outcome:
    """A "cancel" button: check the appointment, then ask for confirmation."""
    appointment = _owned(ctx, data)
    if appointment is None:
        return _gone(ctx)
    if ctx.desk.inside_cutoff(appointment):
        return _too_late(ctx)
    return go(State(FLOW, CancelStep.CONFIRM, {"appointment": appointment.id}))


def confirm(ctx: TurnContext, data: str) -> Outcome:
    """The "I'll come" button of a reminder: recorded for the staff to see."""
    appointment = _owned(ctx, data)
    if appointment is None:
        return _gone(ctx)
    ctx.desk.confirm(appointment.id or 0)
    ctx.events.append("appointment.confirmed")
    text = ctx.t("reminder.confirmed", appointment=describe(ctx, appointment))
    return say(IDLE, Reply(text, _menu(ctx)))


def pick_for(ctx: TurnContext, action: str) -> Outcome:
    """ "I want to cancel/move my appointment": straight to it if there is only one."""
    upcoming = ctx.desk.upcoming(ctx.patient.id or 0)
    if len(upcoming) == 1:
        data = f"{action}:{upcoming[0].id}"
        return start_cancel(ctx, data) if action == "cx" else start_move(ctx, data)
    return show_list(ctx)


def prompt_confirm(ctx: TurnContext, state: State) -> list[Reply]:
    """ "Cancel this appointment?" yes / keep it."""
    appointment = ctx.desk.owned_upcoming(ctx.patient.id or 0, int(state.data["appointment"]))
    if appointment is None:
        return _gone(ctx).replies
    choices = (
        Choice("ok", ctx.t("cancel.yes")),
        Choice("m:menu", ctx.t("cancel.keep")),
    )
    return [Reply(ctx.t("cancel.ask", appointment=describe(ctx, appointment)), choices)]


def handle_confirm(ctx: TurnContext, state: State) -> Outcome:
    """Cancel at once on "yes" (one tap), then ask why, optionally."""
    answer = ctx.button or ""
    if ctx.text:
        intent = nlu.detect_intent(ctx.text)
        answer = {nlu.Intent.YES: "ok", nlu.Intent.NO: "keep"}.get(intent, "")
    if answer == "keep":
        return say(IDLE, Reply(ctx.t("cancel.kept"), _menu(ctx)))
    if answer != "ok":
        return misunderstood(state)
    appointment = ctx.desk.owned_upcoming(ctx.patient.id or 0, int(state.data["appointment"]))
    if appointment is None:
        return _gone(ctx)
    if ctx.desk.inside_cutoff(appointment):
        return _too_late(ctx)
    ctx.desk.cancel(appointment.id or 0, reason="patient")
    ctx.events.append("appointment.cancelled")
    text = ctx.t("cancel.done", appointment=describe(ctx, appointment))
    return go(state.at(CancelStep.REASON), Reply(text))


def prompt_reason(ctx: TurnContext, state: State) -> list[Reply]:
    """Why? (optional: buttons, free text, or skip)."""
    choices = tuple(Choice(f"why:{r}", ctx.t(f"cancel.reason.{r}")) for r in REASONS)
    return [Reply(ctx.t("cancel.ask_reason"), (*choices, Choice("m:menu", ctx.t("cancel.skip"))))]


def handle_reason(ctx: TurnContext, state: State) -> Outcome:
    """Record the reason given, thank the patient and offer to book again."""
    button = ctx.button or ""
    if button.startswith("why:") and button[4:] in REASONS:
        reason = button[4:]
    elif ctx.text:
        reason = "text:" + ctx.text[:MAX_REASON]
    else:
        return misunderstood(state)
    ctx.desk.record_cancel_reason(int(state.data["appointment"]), reason)
    choices = (Choice("m:book", ctx.t("cancel.rebook")), Choice("m:menu", ctx.t("common.menu")))
    return say(IDLE, Reply(ctx.t("cancel.thanks"), choices))


def _menu(ctx: TurnContext) -> tuple[Choice, ...]:
    return (Choice("m:menu", ctx.t("common.menu")),)


STEPS: dict[str, Step] = {
    CancelStep.CONFIRM: Step(prompt_confirm, handle_confirm),
    CancelStep.REASON: Step(prompt_reason, handle_reason, takes_intents=True),
}
