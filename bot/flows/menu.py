"""The welcome menu, free-text routing, language choice, help and asking for a person.

See ``menu.mmd``. Free text at the menu goes to the flow it names ("je
voudrais un rendez-vous mardi" → booking with the day pre-filled); other
questions go to the question answerer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from enum import StrEnum

from bot import nlu, understanding
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
from common.commands import (
    AskQuestion,
    Confirm,
    Flow,
    Refuse,
    SetSlot,
    SmallTalk,
    StartFlow,
    Understanding,
)
from faq.manipulation import is_manipulation
from faq.medical import is_medical_question
from storage.models import AppointmentStatus


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
    """Free text at the menu: see :func:`route_free_text`."""
    if not ctx.text:
        return misunderstood(state)
    return route_free_text(ctx)


def route_free_text(ctx: TurnContext) -> Outcome:
    """What a patient typed at the menu: understood as commands, then carried out."""
    return carry_out(ctx, understanding.reconcile(ctx, understanding.understand(ctx)))


def carry_out(ctx: TurnContext, understood: Understanding) -> Outcome:
    """Carry out commands in order; a question first falls back on what follows it.

    ``[AskQuestion(), StartFlow("book")]`` answers from the knowledge if it can and
    books otherwise. A command that cannot apply here (a "yes" with no reminder to
    confirm) gives way to the next one; with nothing left, the knowledge is asked.
    """
    commands = understood.commands
    for index, command in enumerate(commands):
        rest = Understanding(commands[index + 1 :], understood.urgent, understood.source)
        ctx.understood.append(f"command:{type(command).__name__}")
        if isinstance(command, Refuse):
            return refuse(ctx)
        if isinstance(command, SmallTalk):
            return _SMALL_TALK[command.kind](ctx)
        if isinstance(command, Confirm):
            reminded = _reminded_appointment(ctx)
            if reminded is not None:
                return appointments.confirm(ctx, f"cf:{reminded}")
            continue
        if isinstance(command, AskQuestion):
            return answer_question(ctx, fallback=_then(ctx, rest))
        if isinstance(command, StartFlow):
            return start_action(ctx, command.flow, understood.slots())
        if isinstance(command, SetSlot):
            return start_action(ctx, "book", understood.slots())
    return answer_question(ctx)


def _then(ctx: TurnContext, rest: Understanding) -> Callable[[], Outcome] | None:
    """What to do if the knowledge has nothing: the commands after the question, if they
    would do something (start a flow, small talk)."""
    acts = any(isinstance(c, StartFlow | SmallTalk | SetSlot) for c in rest.commands)
    return (lambda: carry_out(ctx, rest)) if acts else None


def route_intent(ctx: TurnContext, intent: nlu.Intent) -> Outcome | None:
    """Inside a flow: start the flow a clear request names, or answer small talk; None
    for anything else (the step reads it)."""
    chat = understanding.CHAT_OF.get(intent)
    if chat is not None:
        return _SMALL_TALK[chat](ctx)
    action = understanding.ACTION_OF.get(intent)
    return start_action(ctx, action) if action else None


#: Small talk, answered the same way wherever the patient is.
_SMALL_TALK: dict[str, Callable[[TurnContext], Outcome]] = {
    "human": lambda c: ask_for_person(c),
    "help": lambda c: show_help(c),
    "language": lambda c: choose_language(c, IDLE),
    "greeting": lambda c: say(IDLE, *welcome(c)),
    "menu": lambda c: go(IDLE),
    "thanks": lambda c: say(IDLE, Reply(c.t("menu.thanks"), menu_choices(c))),
    "stop": lambda c: opt_out(c),
}


def _reminded_appointment(ctx: TurnContext) -> int | None:
    """The one unconfirmed appointment a reminder is about, if there is exactly one."""
    horizon = max(ctx.clinic.reminders.offsets, default=timedelta(hours=48))
    due = [
        appointment.id
        for appointment in ctx.desk.upcoming(ctx.patient.id or 0)
        if appointment.start - ctx.now <= horizon + timedelta(days=1)
        and appointment.status == AppointmentStatus.BOOKED
    ]
    return due[0] if len(due) == 1 else None


def start_action(ctx: TurnContext, action: Flow, given: Mapping[str, str] | None = None) -> Outcome:
    """Start the flow an action names, with the details the message gave (``given``; by
    default read from the message itself)."""
    slots = {str(k): v for k, v in understanding.slots_of(ctx).items()} if given is None else given
    if action == "book":
        return start_booking(ctx, slots)
    ctx.understood.append(f"flow.started:{action}")
    if action == "list":
        return appointments.show_list(ctx)
    outcome = appointments.pick_for(ctx, "cx" if action == "cancel" else "mv")
    return _with_when(ctx, outcome, slots.get("when")) if action == "move" else outcome


def refuse(ctx: TurnContext) -> Outcome:
    """A message that tries to reach beyond the patient's own: a polite no, nothing done."""
    ctx.events.append("question.refused")
    return say(
        IDLE, Reply(ctx.t("question.refused", phone=ctx.clinic.clinic.phone), menu_choices(ctx))
    )


def start_booking(ctx: TurnContext, slots: Mapping[str, str]) -> Outcome:
    """Begin booking with the details already given (service, who, when)."""
    ctx.understood.append("flow.started:book")
    service = slots.get("service")
    service = service if service in {s.id for s in ctx.clinic.services} else None
    practitioner = slots.get("practitioner")
    practitioner = (
        practitioner if practitioner in {p.id for p in ctx.clinic.practitioners} else None
    )
    if service and practitioner and service not in ctx.clinic.practitioner(practitioner).services:
        practitioner = None
    if practitioner and not service:
        offered = ctx.clinic.practitioner(practitioner).services
        service = offered[0] if len(offered) == 1 else None
    outcome = booking.start(ctx, service=service, practitioner=practitioner)
    return _with_when(ctx, outcome, slots.get("when"))


def _with_when(ctx: TurnContext, outcome: Outcome, written: str | None) -> Outcome:
    """A booking or a move just started: keep the day and time the message gave."""
    if not written:
        return outcome
    when = nlu.understand_when(written, now=ctx.now, zone=ctx.clinic.zone, language=ctx.language)
    if when is None or when.problem or outcome.state.flow != booking.FLOW:
        return outcome
    state, echo = booking.apply_when(ctx, outcome.state, when)
    state = booking.skip_answered(ctx, State(booking.FLOW, outcome.state.step, state.data))
    return go(state, *outcome.replies, echo)


def answer_question(ctx: TurnContext, fallback: Callable[[], Outcome] | None = None) -> Outcome:
    """A question: the knowledge's reply; else ``fallback`` (a flow the message hinted
    at), the LLM after the commit, or an honest "I'll pass it on"."""
    knowledge = ctx.answerer
    replies = knowledge.answer_locally(ctx) if knowledge else None
    if replies:
        return say(IDLE, *replies)
    if fallback is not None:
        return fallback()
    if knowledge is not None and knowledge.defer_to_llm(ctx):
        return say(IDLE)
    ctx.events.append("handoff.requested:not_covered")
    ctx.events.append("question.unanswered")
    ctx.desk.note_faq_question(ctx.patient.id, ctx.language, ctx.text)
    return say(IDLE, passed_on(ctx))


def answer_suggestion(ctx: TurnContext, state: State, data: str) -> Outcome:
    """A pressed "Is your question about: …" button: that entry's answer; the patient stays
    where they were (a flow goes on after it)."""
    replies = ctx.answerer.entry_reply(ctx, data) if ctx.answerer else None
    if not replies:
        return go(state, Reply(ctx.t("common.stale")))
    return Outcome(state, replies, prompt=state != IDLE)


def answer_interjection(ctx: TurnContext) -> list[Reply] | None:
    """A question asked in the middle of a flow: its answer (or suggestions), or None."""
    if not ctx.text or ctx.answerer is None or is_manipulation(ctx.text):
        return None
    if not (nlu.is_question(ctx.text) or is_medical_question(ctx.text)):
        return None
    return ctx.answerer.answer_locally(ctx)


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
