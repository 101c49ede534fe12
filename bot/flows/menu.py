"""The welcome menu, free-text routing, language choice, help and asking for a person.

See ``menu.mmd``. Free text at the menu goes to the flow it names ("je
voudrais un rendez-vous mardi" → booking with the day pre-filled); other
questions go to the question answerer.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from bot import nlu
from bot.flows import appointments, booking
from bot.flows.base import (
    IDLE,
    Outcome,
    State,
    Step,
    TurnContext,
    go,
    menu_choices,
    misunderstood,
    say,
)
from bot.i18n import LANGUAGE_NAMES
from bot.messages import Choice, Reply
from clinic.config import WEEKDAYS
from clinic.hours import next_opening


class MenuStep(StrEnum):
    """The steps of the menu flow."""

    IDLE = "idle"
    QUESTION = "question"
    LANGUAGE = "language"


def welcome(ctx: TurnContext) -> list[Reply]:
    """First contact and /start: who we are, what I can do, the menu."""
    text = ctx.t("menu.welcome", clinic=ctx.clinic.clinic.name)
    return [Reply(text, menu_choices(ctx))]


def prompt_idle(ctx: TurnContext, state: State) -> list[Reply]:
    """The menu."""
    return [Reply(ctx.t("menu.prompt"), menu_choices(ctx))]


def handle_idle(ctx: TurnContext, state: State) -> Outcome:
    """Free text that names no flow: a service named without a question ("une prise de
    sang") is a booking request; anything else is a question."""
    if not ctx.text:
        return misunderstood(state)
    service = nlu.match_service(ctx.text, ctx.clinic, ctx.language)
    if service and not nlu.is_question(ctx.text):
        return start_booking_from_text(ctx)
    return answer_question(ctx)


def route_intent(ctx: TurnContext, intent: nlu.Intent) -> Outcome | None:
    """Start the flow an intent names; None for questions and unknown text."""
    if intent is nlu.Intent.BOOK:
        return start_booking_from_text(ctx)
    handlers: dict[nlu.Intent, Callable[[TurnContext], Outcome]] = {
        nlu.Intent.MY_APPOINTMENTS: appointments.show_list,
        nlu.Intent.CANCEL: lambda c: appointments.pick_for(c, "cx"),
        nlu.Intent.RESCHEDULE: lambda c: appointments.pick_for(c, "mv"),
        nlu.Intent.HUMAN: ask_for_person,
        nlu.Intent.HELP: show_help,
        nlu.Intent.LANGUAGE: lambda c: choose_language(c, IDLE),
        nlu.Intent.GREETING: lambda c: say(IDLE, *welcome(c)),
        nlu.Intent.MENU: lambda c: go(IDLE),
        nlu.Intent.THANKS: lambda c: say(IDLE, Reply(c.t("menu.thanks"), menu_choices(c))),
    }
    handler = handlers.get(intent)
    return handler(ctx) if handler else None


def start_booking_from_text(ctx: TurnContext) -> Outcome:
    """Begin booking with what the sentence already says (service, who, when)."""
    service = nlu.match_service(ctx.text, ctx.clinic, ctx.language)
    practitioner = nlu.match_practitioner(ctx.text, ctx.clinic)
    if service and practitioner and service not in ctx.clinic.practitioner(practitioner).services:
        practitioner = None
    if practitioner and not service:
        offered = ctx.clinic.practitioner(practitioner).services
        service = offered[0] if len(offered) == 1 else None
    outcome = booking.start(ctx, service=service, practitioner=practitioner)
    when = nlu.understand_when(ctx.text, now=ctx.now, zone=ctx.clinic.zone, language=ctx.language)
    if when is None or when.problem or outcome.state.flow != booking.FLOW:
        return outcome
    # Keep the date for when the service and practitioner are known.
    state, echo = booking.apply_when(ctx, outcome.state, when)
    state = booking.skip_answered(ctx, State(booking.FLOW, outcome.state.step, state.data))
    return go(state, echo)


def answer_question(ctx: TurnContext) -> Outcome:
    """A question: the answerer's reply, or an honest "I'll pass it on"."""
    replies = ctx.answerer(ctx) if ctx.answerer else None
    if replies or ctx.pending_question:
        return say(IDLE, *(replies or []))
    ctx.events.append("question.unanswered")
    return say(IDLE, passed_on(ctx))


def passed_on(ctx: TurnContext) -> Reply:
    """ "I'll pass your question to the team, who answer during opening hours"."""
    return Reply(ctx.t("question.passed_on", when=when_team_answers(ctx)), menu_choices(ctx))


def prompt_question(ctx: TurnContext, state: State) -> list[Reply]:
    """ "Type your question"."""
    return [Reply(ctx.t("question.ask"), (Choice("m:menu", ctx.t("common.menu")),))]


def ask_for_person(ctx: TurnContext, reason: str = "asked") -> Outcome:
    """The patient wants (or needs) a person: record it and say when the team answers."""
    ctx.events.append(f"handoff.requested:{reason}")
    text = ctx.t("handoff.noted", when=when_team_answers(ctx), phone=ctx.clinic.clinic.phone)
    return say(IDLE, Reply(text, (Choice("m:menu", ctx.t("common.menu")),)))


def when_team_answers(ctx: TurnContext) -> str:
    """ "shortly (our desk is open Mon–Fri 08:00–19:00)" or "from Monday at 08:00"."""
    opening = next_opening(ctx.clinic, ctx.now)
    if opening is None:
        return ctx.t("handoff.soon", hours=opening_hours_text(ctx))
    return ctx.t("handoff.from", when=ctx.t.when(opening))


def link_accounts(ctx: TurnContext, data: str) -> Outcome:
    """ "Is this you on WhatsApp too?" — yes joins the two records, no leaves them apart."""
    _, answer, other = [*data.split(":"), "", ""][:3]
    if answer == "y" and other.isdigit() and ctx.desk.link(ctx.patient, int(other)):
        ctx.events.append("patient.linked")
        return say(IDLE, Reply(ctx.t("link.done"), menu_choices(ctx)))
    return say(IDLE, Reply(ctx.t("link.refused"), menu_choices(ctx)))


def opt_out(ctx: TurnContext) -> Outcome:
    """/stop or "STOP": no more reminders or other messages we start."""
    ctx.desk.set_opted_out(ctx.patient, True)
    ctx.events.append("patient.opted_out")
    keep = (Choice("rk:keep", ctx.t("stop.keep_reminders")),)
    return say(IDLE, Reply(ctx.t("stop.done"), keep))


def keep_reminders(ctx: TurnContext) -> Outcome:
    """After /stop: appointment reminders only, nothing else."""
    if not ctx.patient.opted_out:
        return say(IDLE, Reply(ctx.t("common.stale"), menu_choices(ctx)))
    ctx.desk.set_opted_out(ctx.patient, True, keeps_reminders=True)
    ctx.events.append("patient.keeps_reminders")
    return say(IDLE, Reply(ctx.t("stop.reminders_kept")))


def restart(ctx: TurnContext) -> Outcome:
    """/start: the welcome and menu; it also turns messages back on after /stop."""
    replies = welcome(ctx)
    if ctx.patient.opted_out:
        ctx.desk.set_opted_out(ctx.patient, False)
        ctx.events.append("patient.opted_in")
        replies = [Reply(ctx.t("stop.resumed")), *replies]
    return say(IDLE, *replies)


def show_help(ctx: TurnContext) -> Outcome:
    """What the bot understands."""
    return say(IDLE, Reply(ctx.t("menu.help", phone=ctx.clinic.clinic.phone), menu_choices(ctx)))


def prompt_language(ctx: TurnContext, state: State) -> list[Reply]:
    """Which language?"""
    choices = tuple(
        Choice(f"lang:{code}", LANGUAGE_NAMES[code]) for code in ctx.clinic.clinic.languages
    )
    return [Reply(ctx.t("language.ask"), choices)]


def choose_language(ctx: TurnContext, resume: State) -> Outcome:
    """Ask for a language, then come back to ``resume`` (the step the patient was at)."""
    saved = {"flow": resume.flow, "step": resume.step, "data": resume.data}
    return go(State("menu", MenuStep.LANGUAGE, {"resume": saved}))


def handle_language(ctx: TurnContext, state: State) -> Outcome:
    """Switch language from a button or a typed name ("english", "français")."""
    languages = list(ctx.clinic.clinic.languages)
    chosen = None
    if ctx.button and ctx.button.startswith("lang:") and ctx.button[5:] in languages:
        chosen = ctx.button[5:]
    elif ctx.text:
        index = nlu.match_choice(ctx.text, [LANGUAGE_NAMES[c] for c in languages])
        chosen = languages[index] if index is not None else None
    if chosen is None:
        return misunderstood(state)
    return switch_language(ctx, chosen, state)


def switch_language(ctx: TurnContext, language: str, state: State) -> Outcome:
    """Speak ``language`` from now on and show the step the patient was at again."""
    ctx.switch_language(language)
    saved = state.data.get("resume") or {}
    resume = State(saved.get("flow", "menu"), saved.get("step", "idle"), saved.get("data", {}))
    return go(resume, Reply(ctx.t("language.switched")))


def opening_hours_text(ctx: TurnContext) -> str:
    """The desk's hours, grouped: "lun.–ven. 08:00–19:00, sam. 09:00–12:30"."""
    groups: list[tuple[list[int], str]] = []
    for index, _ in enumerate(WEEKDAYS):
        day = ctx.clinic.opening_hours.for_weekday(index)
        if day is None:
            continue
        hours = ", ".join(f"{r.start:%H:%M}–{r.end:%H:%M}" for r in day.working_ranges())
        if groups and groups[-1][1] == hours and groups[-1][0][-1] == index - 1:
            groups[-1][0].append(index)
        else:
            groups.append(([index], hours))
    names = ctx.t("format.weekdays").split(",")
    parts = []
    for days, hours in groups:
        span = names[days[0]] if len(days) == 1 else f"{names[days[0]]}–{names[days[-1]]}"
        parts.append(f"{span} {hours}")
    return ", ".join(parts)


STEPS: dict[str, Step] = {
    MenuStep.IDLE: Step(prompt_idle, handle_idle, takes_intents=True),
    MenuStep.QUESTION: Step(prompt_question, handle_idle, takes_intents=True),
    MenuStep.LANGUAGE: Step(prompt_language, handle_language),
}
