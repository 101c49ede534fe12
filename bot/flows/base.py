"""What every flow step shares: the conversation state, the turn's context, the outcome.

A step is a pair of small functions, as in python-telegram-bot's
``examples/conversationbot.py``: ``prompt`` shows the question (again), and
``handle`` reads the patient's answer and returns the next state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from bot.desk import Desk
from bot.i18n import Translator
from bot.messages import Choice, Inbound, InboundKind, Reply
from clinic.config import ClinicConfig
from common.commands import Understanding
from storage.models import Patient


@dataclass(frozen=True)
class State:
    """Where a conversation is: a flow, a step in it, and what was gathered so far."""

    flow: str = "menu"
    step: str = "idle"
    data: dict[str, Any] = field(default_factory=dict)

    def at(self, step: str, **data: Any) -> State:
        """The same flow at another step, with ``data`` merged in."""
        return replace(self, step=step, data={**self.data, **data})

    def without(self, *keys: str) -> State:
        """The same state with some gathered values forgotten."""
        return replace(self, data={k: v for k, v in self.data.items() if k not in keys})


IDLE = State()


class QuestionAnswerer(Protocol):
    """The knowledge a turn may consult (the FAQ and, after the commit, the LLM)."""

    def answer_locally(self, ctx: TurnContext) -> list[Reply] | None:
        """A medical question's handoff, the FAQ's sure answer, or entries to choose from;
        None when the FAQ has nothing for it."""

    def defer_to_llm(self, ctx: TurnContext) -> bool:
        """Ask the LLM after the turn commits; False when there is no LLM."""

    def entry_reply(self, ctx: TurnContext, data: str) -> list[Reply] | None:
        """The answer of a pressed suggestion (``<entry id>[:<question id>]``); None if the
        entry no longer exists."""


@dataclass
class TurnContext:
    """Everything a step may use during one turn."""

    clinic: ClinicConfig
    desk: Desk
    t: Translator
    patient: Patient
    inbound: Inbound
    now: datetime
    answerer: QuestionAnswerer | None = None
    events: list[str] = field(default_factory=list)
    #: What the turn understood and started, as commands ("flow.started:book"): read by
    #: the evaluation and the tests, never stored (``events`` are the audited ones).
    understood: list[str] = field(default_factory=list)
    #: A question only the LLM can answer: asked after the turn commits.
    pending_question: str | None = None
    #: The LLM's reading of the message (asked before the turn, when it is on).
    llm_understanding: Understanding | None = None

    def switch_language(self, language: str) -> None:
        """Speak another language from this reply on."""
        self.t = Translator(language, self.t.zone)

    @property
    def language(self) -> str:
        """The conversation's language."""
        return self.t.language

    @property
    def text(self) -> str:
        """The patient's text, trimmed ('' for buttons and contacts)."""
        return self.inbound.text.strip() if self.inbound.kind is InboundKind.TEXT else ""

    @property
    def button(self) -> str | None:
        """The data of the pressed button, if the patient pressed one."""
        return self.inbound.button if self.inbound.kind is InboundKind.BUTTON else None


@dataclass
class Outcome:
    """What a step decided: the next state, what to say, and whether it understood."""

    state: State
    replies: list[Reply] = field(default_factory=list)
    understood: bool = True
    #: Show the new state's prompt after ``replies``.
    prompt: bool = False


Prompt = Callable[[TurnContext, State], list[Reply]]
Handle = Callable[[TurnContext, State], Outcome]


@dataclass(frozen=True)
class Step:
    """One state of a flow."""

    prompt: Prompt
    handle: Handle
    #: Free text here may name another flow ("je veux un rdv"): route it first.
    takes_intents: bool = False


def misunderstood(state: State) -> Outcome:
    """The step could not use the input: the router re-prompts."""
    return Outcome(state, understood=False)


def go(state: State, *replies: Reply) -> Outcome:
    """Move to ``state`` and show its prompt after ``replies``."""
    return Outcome(state, list(replies), prompt=True)


def say(state: State, *replies: Reply) -> Outcome:
    """Move to ``state`` saying only ``replies``."""
    return Outcome(state, list(replies))


def menu_choices(ctx: TurnContext) -> tuple[Choice, ...]:
    """The main menu's buttons."""
    t = ctx.t
    return (
        Choice("m:book", t("menu.book")),
        Choice("m:appts", t("menu.appointments")),
        Choice("m:faq", t("menu.question")),
        Choice("m:human", t("menu.human")),
    )
