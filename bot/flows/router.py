"""One turn of a conversation: global commands and buttons first, then the current step.

Order matters: commands and "menu"/"annuler" get the patient out of any flow;
buttons that belong to no step (menu, move, cancel, language) work anywhere
and are re-validated; then the step of the current flow reads the input.
Safety triage runs before all of this, in the engine.
"""

from __future__ import annotations

from collections.abc import Callable

from bot import nlu, privacy
from bot.answers import SUGGESTION
from bot.flows import appointments, booking, menu, waitlist
from bot.flows.base import IDLE, Outcome, State, Step, TurnContext, go, say
from bot.messages import Choice, InboundKind, Reply

FLOWS: dict[str, dict[str, Step]] = {
    "menu": menu.STEPS,
    booking.FLOW: booking.STEPS,
    appointments.FLOW: appointments.STEPS,
}

#: Misunderstandings in a row after which a person is offered.
OFFER_PERSON_AFTER = 2

Action = Callable[[TurnContext, State], Outcome]


def step_of(state: State) -> Step | None:
    """The step a state is at, or None if the state is unknown (e.g. after an upgrade)."""
    return FLOWS.get(state.flow, {}).get(state.step)


def prompt_for(ctx: TurnContext, state: State) -> list[Reply]:
    """The question a state asks."""
    step = step_of(state) or menu.STEPS[menu.MenuStep.IDLE]
    return step.prompt(ctx, state)


def _commands() -> dict[str, Action]:
    return {
        "/start": lambda c, s: menu.restart(c),
        "/stop": lambda c, s: menu.opt_out(c),
        "/book": lambda c, s: booking.start(c),
        "/appointments": lambda c, s: appointments.show_list(c),
        "/help": lambda c, s: menu.show_help(c),
        "/human": lambda c, s: menu.ask_for_person(c),
        "/language": lambda c, s: menu.choose_language(c, s),
        "/menu": lambda c, s: go(IDLE),
        "/cancel": lambda c, s: go(IDLE),
        "/mydata": lambda c, s: privacy.send_my_data(c),
        "/forget": lambda c, s: privacy.ask_to_forget(c),
    }


COMMANDS = _commands()


def _command(ctx: TurnContext, state: State) -> Outcome | None:
    text = ctx.text
    if not text.startswith("/"):
        return None
    name = text.split()[0].split("@")[0].lower()
    action = COMMANDS.get(name)
    if action is None:
        return say(state, Reply(ctx.t("common.unknown_command")), *prompt_for(ctx, state))
    return action(ctx, state)


def _global_button(ctx: TurnContext, state: State) -> Outcome | None:
    data = ctx.button or ""
    fixed: dict[str, Action] = {
        "m:menu": lambda c, s: go(IDLE),
        "m:book": lambda c, s: booking.start(c),
        "m:appts": lambda c, s: appointments.show_list(c),
        "m:faq": lambda c, s: go(State("menu", menu.MenuStep.QUESTION)),
        "m:human": lambda c, s: menu.ask_for_person(c),
        "rk:keep": lambda c, s: menu.keep_reminders(c),
    }
    if data in fixed:
        return fixed[data](ctx, state)
    if data.startswith(SUGGESTION):
        return menu.answer_suggestion(ctx, state, data.removeprefix(SUGGESTION))
    if data.startswith("mv:"):
        return appointments.start_move(ctx, data)
    if data.startswith("cx:"):
        return appointments.start_cancel(ctx, data)
    if data.startswith("cf:"):
        return appointments.confirm(ctx, data)
    if data.startswith("bk:"):
        return booking.start_at_slot(ctx, data)
    if data.startswith("wl:"):
        return waitlist.handle(ctx, data)
    if data.startswith("lk:"):
        return menu.link_accounts(ctx, data)
    if data.startswith("pv:"):
        return privacy.handle_button(ctx, data)
    language = data.removeprefix("lang:")
    if data.startswith("lang:") and language in ctx.clinic.clinic.languages:
        return menu.switch_language(ctx, language, state)
    return None


def _exit_word(ctx: TurnContext, state: State) -> Outcome | None:
    """ "STOP" anywhere opts out; "menu"/"annuler" leaves the current flow."""
    intent = nlu.detect_intent(ctx.text) if ctx.text else None
    if intent is nlu.Intent.STOP:
        return menu.opt_out(ctx)
    if intent is nlu.Intent.MENU and state != IDLE:
        return go(IDLE, Reply(ctx.t("common.left_flow")))
    return None


def _routed_intent(ctx: TurnContext, state: State, step: Step) -> Outcome | None:
    """Inside a flow, a step that takes intents lets a clear request start another flow (at
    the menu, :func:`menu.route_free_text` weighs requests against questions itself)."""
    if not (step.takes_intents and ctx.text) or state.flow == "menu":
        return None
    return menu.route_intent(ctx, nlu.detect_intent(ctx.text))


def run_turn(ctx: TurnContext, state: State, misunderstandings: int) -> tuple[Outcome, list[Reply]]:
    """Decide the next state and every reply of this turn."""
    step = step_of(state)
    if step is None:
        state, step = IDLE, menu.STEPS[menu.MenuStep.IDLE]
    if ctx.inbound.kind is InboundKind.UNSUPPORTED:
        notice = Reply(ctx.t("common.text_only"))
        return Outcome(state), [notice, *prompt_for(ctx, state)]
    outcome = (
        _command(ctx, state)
        or _global_button(ctx, state)
        or _exit_word(ctx, state)
        or _routed_intent(ctx, state, step)
        or step.handle(ctx, state)
    )
    if not outcome.understood and ctx.inbound.kind is InboundKind.TEXT and state != IDLE:
        outcome = _mid_flow(ctx, state) or outcome
    replies = list(outcome.replies)
    if not outcome.understood:
        replies += _reprompt(ctx, outcome.state, misunderstandings + 1)
    elif outcome.prompt:
        replies += prompt_for(ctx, outcome.state)
    return outcome, [r for r in replies if r.text or r.document]


def _mid_flow(ctx: TurnContext, state: State) -> Outcome | None:
    """Text a step could not use: a detail for another step ("vendredi", "avec le Dr
    Benali"), or a question — answered, then the step is asked again."""
    if state.flow == booking.FLOW:
        absorbed = booking.absorb_details(ctx, state)
        if absorbed is not None:
            return absorbed
    replies = menu.answer_interjection(ctx)
    if replies:
        return Outcome(state, replies, prompt=True)
    return None


def _reprompt(ctx: TurnContext, state: State, count: int) -> list[Reply]:
    """Say we did not understand (or that a button is stale) and ask again."""
    if ctx.inbound.kind is InboundKind.BUTTON:
        return [Reply(ctx.t("common.stale")), *prompt_for(ctx, state)]
    replies = [Reply(ctx.t("common.not_understood")), *prompt_for(ctx, state)]
    if count < OFFER_PERSON_AFTER:
        return replies
    if ctx.clinic.staff.telegram_group_id is not None:
        # Staff can take over: hand the conversation to them rather than loop.
        return [
            Reply(ctx.t("common.not_understood")),
            *menu.ask_for_person(ctx, "misunderstood").replies,
        ]
    offer = (Choice("m:human", ctx.t("menu.human")), Choice("m:menu", ctx.t("common.menu")))
    return [*replies, Reply(ctx.t("common.offer_person"), offer)]
