"""The rules' understanding: a patient's message at the menu, turned into commands.

One of the two implementations of understanding (:mod:`common.commands`); the
other is the LLM's. Offline, no network, a few milliseconds. In order:

1. a manipulation ("ignore your instructions", other patients' data) → ``Refuse``;
2. small talk (hello, thanks, help, a person, the language) → ``SmallTalk`` — unless a
   longer question only looks like it ("does anyone there speak English?");
3. "yes" / "I'll be there" → ``Confirm`` (to a reminder), then whatever else it says;
4. a medical question → ``AskQuestion`` alone: the knowledge hands it to the team, and
   it can never start a booking;
5. an action the message clearly asks for ("je voudrais annuler mon rdv", "book me
   with Dr Benali on Friday") → ``StartFlow`` with its details as ``SetSlot``;
6. anything else → ``AskQuestion`` first, then — for a statement, not a question — the
   action it hints at: "comment annuler ?" or "what if I'm late for my appointment?" are
   questions about the rules, answered or passed to a person, never a flow.

Safety triage has run before (in the engine). When the LLM is on, its reading of the
message (asked before the turn) replaces these commands, checked by the same rules
(:func:`reconcile`).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import nlu
from bot.flows.base import TurnContext
from common.commands import (
    AskQuestion,
    Command,
    Confirm,
    Flow,
    Refuse,
    SetSlot,
    Slot,
    SmallTalk,
    StartFlow,
    Understanding,
)
from common.commands import Chat as ChatKind
from faq.manipulation import is_manipulation
from faq.medical import is_medical_question

#: Intents that are small talk, and their kind.
CHAT_OF: dict[nlu.Intent, ChatKind] = {
    nlu.Intent.HUMAN: "human",
    nlu.Intent.HELP: "help",
    nlu.Intent.LANGUAGE: "language",
    nlu.Intent.GREETING: "greeting",
    nlu.Intent.MENU: "menu",
    nlu.Intent.THANKS: "thanks",
}
#: Intents that name a flow.
ACTION_OF: dict[nlu.Intent, Flow] = {
    nlu.Intent.BOOK: "book",
    nlu.Intent.MY_APPOINTMENTS: "list",
    nlu.Intent.CANCEL: "cancel",
    nlu.Intent.RESCHEDULE: "move",
}
#: A question with more content words than this is more than small talk ("can I talk to
#: someone?" is small talk; "does anyone there speak English?" is a question for the FAQ).
SMALL_TALK_WORDS = 2
#: At most this many content words beside a service's name make a bare booking request.
SERVICE_ONLY_WORDS = 4


def understand(ctx: TurnContext) -> Understanding:
    """The commands a message at the menu asks for (see the module's docstring)."""
    text = ctx.text
    if is_manipulation(text):
        return Understanding((Refuse(),))
    reading = nlu.read(text)
    chat = CHAT_OF.get(reading.intent)
    if chat is not None and not _asks_more(text, reading):
        return Understanding((SmallTalk(chat),))
    lead: tuple[Command, ...] = (Confirm(),) if nlu.confirms_coming(text, reading) else ()
    if is_medical_question(text):
        return Understanding((*lead, AskQuestion()))
    if chat is not None:
        return Understanding((*lead, AskQuestion(), SmallTalk(chat)))
    details = _Details.of(ctx)
    action = _action_named(reading, details)
    if action is None:
        return Understanding((*lead, AskQuestion()))
    slots = tuple(SetSlot(name, value) for name, value in details.slots(ctx.text).items())
    if _clearly_asks(ctx.text, reading, action, details):
        return Understanding((*lead, StartFlow(action), *slots))
    if reading.question:
        # A question the knowledge cannot answer goes to a person (the reply's menu offers
        # the flow in one tap): starting a flow nobody asked for answers nothing.
        return Understanding((*lead, AskQuestion()))
    return Understanding((*lead, AskQuestion(), StartFlow(action), *slots))


def reconcile(ctx: TurnContext, rules: Understanding) -> Understanding:
    """The LLM's commands when it read the message, checked by the rules: a manipulation is
    refused and a medical question goes to the team whatever the model says, and only the
    rules may opt a patient out of messages ("stop" is too costly to guess)."""
    llm = ctx.llm_understanding
    if llm is None or not llm.commands:
        return rules
    if isinstance(rules.first(Refuse), Refuse) or is_medical_question(ctx.text):
        return rules
    kept = tuple(c for c in llm.commands if not (isinstance(c, SmallTalk) and c.kind == "stop"))
    return Understanding(kept, llm.urgent, llm.source) if kept else rules


@dataclass(frozen=True)
class _Details:
    """The booking details a message names, each read once."""

    service: str | None
    practitioner: str | None
    when: nlu.When | None

    @classmethod
    def of(cls, ctx: TurnContext) -> _Details:
        """Read a message's service, practitioner, and day or time."""
        return cls(
            nlu.match_service(ctx.text, ctx.clinic, ctx.language),
            nlu.match_practitioner(ctx.text, ctx.clinic),
            nlu.understand_when(ctx.text, now=ctx.now, zone=ctx.clinic.zone, language=ctx.language),
        )

    @property
    def names_day(self) -> bool:
        """A day or a clock time ("demain", "mardi 15h"): what one says to want a slot."""
        return self.when is not None and (self.when.day is not None or self.when.at is not None)

    def slots(self, text: str) -> dict[Slot, str]:
        """The details as slots; the day or time as written (read again where applied)."""
        found: dict[Slot, str | None] = {
            "service": self.service,
            "practitioner": self.practitioner,
            "when": text if self.when is not None else None,
        }
        return {name: value for name, value in found.items() if value}


def slots_of(ctx: TurnContext) -> dict[Slot, str]:
    """The booking details a message names: a service, a practitioner, a day or time."""
    return _Details.of(ctx).slots(ctx.text)


def _asks_more(text: str, reading: nlu.Reading) -> bool:
    """Whether a message the small-talk rules caught is really a question for the FAQ."""
    return reading.question and nlu.content_words(text) > SMALL_TALK_WORDS


def _action_named(reading: nlu.Reading, details: _Details) -> Flow | None:
    """The flow a message points at: its intent's, or booking when it names a service."""
    action = ACTION_OF.get(reading.intent)
    if action is None and reading.intent is nlu.Intent.UNKNOWN:
        action = "book" if details.service and not reading.question else None
    return action


def _clearly_asks(text: str, reading: nlu.Reading, action: Flow, details: _Details) -> bool:
    """Whether a message asks for the action itself rather than about it.

    "Je voudrais annuler mon rdv" asks for it; "comment annuler ?" and "what if I'm
    late for my appointment?" ask about the rules, and "I need a doctor's note" names
    a doctor, not an appointment: those go to the knowledge first.
    """
    if reading.procedure:
        return False
    if reading.question and not reading.request:
        return action == "book" and details.names_day
    if action != "book":
        return True
    # "Une prise de sang": a service named and little else is a booking request.
    service_only = details.service is not None and nlu.content_words(text) <= SERVICE_ONLY_WORDS
    named = details.practitioner is not None
    return reading.names_appointment or named or details.names_day or service_only
