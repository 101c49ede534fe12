"""What a patient's message asks for, as typed commands (the idea of Rasa CALM's command
generator): understanding turns a message plus the conversation's step into a short list
of commands; the flows carry them out and never read raw text to decide where to go.

Two implementations produce them: the rules (``bot.understanding``, offline, the
default) and the LLM (``faq.llm_understanding``, one forced tool call). Safety triage
runs before both; the rules' medical and grounding checks run on what the LLM returns.

Order matters: ``[AskQuestion(), StartFlow("book")]`` means "answer it from the
clinic's knowledge if it can; otherwise start booking" — a question comes before a
flow unless the message clearly asks for the action.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Flow = Literal["book", "move", "cancel", "list"]
FLOWS: tuple[Flow, ...] = ("book", "move", "cancel", "list")
Chat = Literal["human", "help", "language", "greeting", "menu", "thanks", "stop"]
CHATS: tuple[Chat, ...] = ("human", "help", "language", "greeting", "menu", "thanks", "stop")
Slot = Literal["service", "practitioner", "when"]
SLOTS: tuple[Slot, ...] = ("service", "practitioner", "when")


@dataclass(frozen=True)
class StartFlow:
    """Book, move, cancel or list appointments."""

    flow: Flow


@dataclass(frozen=True)
class SetSlot:
    """A detail of a booking: a service id, a practitioner id, or a day/time as written."""

    name: Slot
    value: str


@dataclass(frozen=True)
class AskQuestion:
    """A question for the clinic's knowledge (FAQ and clinic facts)."""


@dataclass(frozen=True)
class SmallTalk:
    """Greeting, thanks, help, the menu, a person, the language, or stop."""

    kind: Chat


@dataclass(frozen=True)
class Confirm:
    """Yes: to the question asked, or "I'll be there" to a reminder."""


@dataclass(frozen=True)
class Decline:
    """No."""


@dataclass(frozen=True)
class Refuse:
    """The message tries to override the assistant or reach other people's data."""


@dataclass(frozen=True)
class Clarify:
    """Unsure between a few readings: offer them (FAQ entry ids or flows) as buttons."""

    options: tuple[str, ...]


Command = StartFlow | SetSlot | AskQuestion | SmallTalk | Confirm | Decline | Refuse | Clarify


@dataclass(frozen=True)
class Understanding:
    """A message understood: its commands in order, and whether it may be an emergency."""

    commands: tuple[Command, ...]
    urgent: bool = False
    #: Where it came from ("rules" or "llm"), for metrics and the evaluation.
    source: str = "rules"

    def first(self, kind: type[Command]) -> Command | None:
        """The first command of a kind, if any."""
        return next((c for c in self.commands if isinstance(c, kind)), None)

    def slots(self) -> dict[str, str]:
        """The slots set, by name (the last value wins)."""
        return {c.name: c.value for c in self.commands if isinstance(c, SetSlot)}
