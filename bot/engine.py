"""The conversation engine: one turn per conversation at a time, all-or-nothing.

A turn claims the inbound message id (so a redelivery is processed once),
locks the conversation row, runs the flows, and commits the new state, the
replies (as outbox rows) and the turn log in one transaction. Replies are
handed to the channel only after that commit: nothing is claimed before it is
committed (DESIGN.md, principle 2).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import structlog

from bot.answers import Knowledge, emergency_in, emergency_replies
from bot.consent import Agreed, ConsentCache, agreed_to, consent_gate
from bot.desk import Desk
from bot.flows.base import IDLE, Outcome, State, TurnContext
from bot.flows.menu import welcome
from bot.flows.router import run_turn
from bot.handoff import open_handoff, relay_to_staff
from bot.i18n import Translator, catalogue, pick_language
from bot.messages import Inbound, InboundKind, Reply
from bot.metrics import TURN_SECONDS, TURNS
from clinic.config import ClinicConfig
from common.commands import Understanding
from faq.triage import Emergency
from scheduler.alerts import alert_staff
from storage.db import Database, UnitOfWork
from storage.models import Conversation, Patient

log = structlog.get_logger("carebot.engine")

Clock = Callable[[], datetime]

#: The whole message is read up to Telegram's limit (WhatsApp allows more): a request or a
#: red flag may come after a long story. Beyond it, the rest is cut.
MAX_TEXT = 4096
#: Replies are sent by the channel right after the turn; the outbox dispatcher
#: only takes them over if that did not happen within this delay (a crash).
DIRECT_SEND_GRACE = timedelta(seconds=30)


def system_clock() -> datetime:
    """The current time, in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class _LlmReading:
    """The LLM's understanding of a message and the step it was read at."""

    flow: str
    step: str
    understood: Understanding | None  # None: slow or unsure, the rules decide
    #: How long the model took: the answer, if one is asked, gets what is left.
    seconds: float = 0.0


@dataclass(frozen=True)
class Outgoing:
    """A committed reply, ready to send: its outbox row id and content."""

    outbox_id: int
    channel: str
    recipient: str
    reply: Reply
    #: Taken by the dispatcher (marked sending): given back to the outbox if it cannot go now.
    claimed: bool = False
    #: The outbox row's kind ("reply", "reminder"…), for the sent-messages metric.
    kind: str = "reply"


class Engine:
    """Turns inbound messages into committed state and replies."""

    def __init__(
        self,
        database: Database,
        clinic: Callable[[], ClinicConfig],
        *,
        clock: Clock = system_clock,
        knowledge: Knowledge | None = None,
        log_texts: bool = False,
    ) -> None:
        self.database = database
        self.clinic = clinic
        self.clock = clock
        self.knowledge = knowledge
        #: Debug only (LOG_PERSONAL_DATA): message texts in the turn log lines.
        self.log_texts = log_texts
        self.consents = ConsentCache()
        #: Called with each committed turn's context (the evaluation reads what was understood).
        self.observer: Callable[[TurnContext], None] | None = None

    def handle(self, inbound: Inbound) -> list[Outgoing]:
        """Process one inbound message; return the replies to send (none for a duplicate)."""
        started = time.perf_counter()
        inbound = _sanitized(inbound)
        reading = self._llm_reading(inbound)  # slow: before any transaction holds a lock
        now = self.clock()
        try:
            with self.database.unit_of_work() as uow:
                if not uow.inbound.claim(inbound.channel, inbound.message_id, now):
                    log.info("turn.duplicate", channel=inbound.channel)
                    return []
                outgoing, ctx, conversation_id = self._turn(uow, inbound, now, started, reading)
                uow.commit()
        except Exception:
            log.exception("turn.failed", channel=inbound.channel)
            TURNS.labels(inbound.channel, "error").inc()
            return self._apologize(inbound, now, started)
        TURNS.labels(inbound.channel, "ok").inc()
        TURN_SECONDS.labels(inbound.channel).observe(time.perf_counter() - started)
        if ctx.pending_question and self.knowledge is not None:
            spent = reading.seconds if reading is not None else 0.0
            outgoing += self._answer_after_commit(ctx, inbound, conversation_id, spent)
        if self.observer is not None:
            self.observer(ctx)
        return outgoing

    def _answer_after_commit(
        self, ctx: TurnContext, inbound: Inbound, conversation_id: int, spent: float = 0.0
    ) -> list[Outgoing]:
        """The LLM's answer, asked with no transaction open, sent in a second one."""
        assert self.knowledge is not None and ctx.pending_question is not None
        ctx.events.clear()
        try:
            replies = self.knowledge.answer_after_commit(ctx, ctx.pending_question, spent)
            now = self.clock()
            with self.database.unit_of_work() as uow:
                conversation = uow.conversations.get(conversation_id)
                if conversation is None:
                    return []
                self._record_events(uow, ctx, conversation, now)
                patient = uow.patients.get(conversation.patient_id or 0)
                if patient is not None:
                    ctx.patient = patient
                    self._open_requested_handoff(uow, ctx, conversation, now)
                    uow.conversations.save(conversation, now=now)
                outgoing = self._enqueue(uow, conversation, inbound, replies, now, tag="llm")
                uow.commit()
                return outgoing
        except Exception:
            log.exception("turn.llm_phase_failed", conversation=conversation_id)
            return []

    def _llm_reading(self, inbound: Inbound) -> _LlmReading | None:
        """The LLM's commands for a consented patient's text at the menu, with the step they
        were read at and the time it took; None when the model was not asked."""
        understanding = self.knowledge.understanding if self.knowledge else None
        text = inbound.text.strip() if inbound.kind is InboundKind.TEXT else ""
        if understanding is None or not text or text.startswith("/"):
            return None
        version = self.clinic().privacy.notice_version
        with self.database.unit_of_work(read_only=True) as uow:
            conversation = uow.conversations.peek(inbound.channel, inbound.sender_id)
            patient = uow.patients.by_identity(inbound.channel, inbound.sender_id)
            if conversation is None or patient is None or conversation.handoff:
                return None  # new, or a person holds it: nothing for the model
            if not agreed_to(uow, patient.id or 0, version, self.consents):
                return None  # nothing goes anywhere before consent
            flow, step, language = conversation.flow, conversation.step, conversation.language
        if flow != "menu":
            return None  # inside a flow the steps read names, phones, times: not for the model
        started = time.monotonic()
        read = understanding.understand(text, flow=flow, step=step, language=language)
        return _LlmReading(flow, step, read, time.monotonic() - started)

    def _turn(
        self,
        uow: UnitOfWork,
        inbound: Inbound,
        now: datetime,
        started: float,
        reading: _LlmReading | None = None,
    ) -> tuple[list[Outgoing], TurnContext, int]:
        clinic = self.clinic()
        default = pick_language(
            inbound.locale, clinic.clinic.languages, clinic.clinic.default_language
        )
        conversation = uow.conversations.get_or_create_locked(
            inbound.channel, inbound.sender_id, default, now=now
        )
        first_contact = _is_new(conversation)
        patient = self._patient(uow, conversation, inbound, now)
        ctx = TurnContext(
            clinic=clinic,
            desk=Desk(uow, clinic, now, patient.id),
            t=Translator(conversation.language, clinic.zone),
            patient=patient,
            inbound=inbound,
            now=now,
            answerer=self.knowledge,
        )
        state = (
            IDLE
            if first_contact
            else State(conversation.flow, conversation.step, conversation.data)
        )
        if reading is not None and (reading.flow, reading.step) == (state.flow, state.step):
            ctx.llm_understanding = reading.understood  # read at this very step
        emergency = emergency_in(ctx.text) or _urgent_for_the_llm(ctx.llm_understanding)
        held = uow.handoffs.open_for(conversation.id or 0) if conversation.handoff else None
        answered_by_flows = False
        if emergency is not None:
            # A sure one hands the chat to a person; an unsure one only tells the staff.
            event = "emergency" if emergency.certain else "emergency.possible"
            ctx.events.append(f"{event}:{emergency.kind}")
            self._alert_emergency(uow, clinic, conversation, emergency.kind, inbound, now)
        if emergency is not None and emergency.certain:
            # Before any flow, any LLM, any consent: the numbers at once, the staff told.
            outcome, replies = Outcome(state if held else IDLE), emergency_replies(ctx, emergency)
        elif held is not None:
            # A person holds the conversation: no automatic answer, the message goes to them.
            outcome, replies = Outcome(state), []
        else:
            gate = consent_gate(uow, ctx, conversation, state, self.consents)
            if isinstance(gate, Agreed):  # agreed just now: answer what was kept aside, in order
                outcome, replies = gate.replay(ctx, run_turn, conversation.misunderstandings)
                answered_by_flows = True
            elif gate is None:
                outcome, replies = run_turn(ctx, state, conversation.misunderstandings)
                answered_by_flows = True
            else:
                outcome, replies = gate
        if emergency is not None and not emergency.certain:
            # Unsure (a past event? the model's doubt?): the numbers first, and the
            # request is still answered — never dropped.
            replies = [*emergency_replies(ctx, emergency), *replies]
        if held is not None:
            relay_to_staff(uow, clinic, held, _as_relayed(inbound), now, key=inbound.message_id)
        else:
            self._open_requested_handoff(uow, ctx, conversation, now)
        greet = answered_by_flows and first_contact and bool(replies)
        if greet and replies[0].text != welcome(ctx)[0].text:
            # A first message that already asks for something: greet, then answer it.
            replies = [Reply(ctx.t("menu.hello", clinic=clinic.clinic.name)), *replies]
        conversation.flow, conversation.step = outcome.state.flow, outcome.state.step
        conversation.data = outcome.state.data
        conversation.misunderstandings = (
            0 if outcome.understood else conversation.misunderstandings + 1
        )
        conversation.language = patient.language = ctx.language
        conversation.updated_at = now
        uow.conversations.save(conversation, now=now)
        self._record_events(uow, ctx, conversation, now)
        outgoing = self._enqueue(uow, conversation, inbound, replies, now)
        latency = (time.perf_counter() - started) * 1000
        uow.turns.record(
            conversation_id=conversation.id or 0,
            at=now,
            inbound_kind=inbound.kind.value,
            flow=outcome.state.flow,
            step=outcome.state.step,
            latency_ms=latency,
            replies=len(replies),
            outcome="ok" if outcome.understood else "misunderstood",
        )
        log.info(
            "turn",
            conversation=conversation.id,
            channel=inbound.channel,
            kind=inbound.kind.value,
            flow=outcome.state.flow,
            step=outcome.state.step,
            understood=outcome.understood,
            replies=len(replies),
            latency_ms=round(latency, 2),
            **({"text": ctx.inbound.text} if self.log_texts else {}),
        )
        return outgoing, ctx, conversation.id or 0

    def _open_requested_handoff(
        self, uow: UnitOfWork, ctx: TurnContext, conversation: Conversation, now: datetime
    ) -> None:
        """A turn that asked for a person (or met an emergency) opens the staff's topic."""
        for event in ctx.events:
            if event.startswith(("handoff.requested", "emergency:")):
                reason = "emergency" if event.startswith("emergency:") else event.partition(":")[2]
                open_handoff(
                    uow,
                    ctx.clinic,
                    conversation,
                    ctx.patient,
                    reason=reason or "asked",
                    last_message=ctx.text,
                    now=now,
                )
                return

    def _record_events(
        self, uow: UnitOfWork, ctx: TurnContext, conversation: Conversation, now: datetime
    ) -> None:
        """What happened in the turn, for the staff and the KPI report (ids, no texts)."""
        for event in ctx.events:
            uow.audit.record("patient", event, f"conversation:{conversation.id}", {}, now)

    def _alert_emergency(
        self,
        uow: UnitOfWork,
        clinic: ClinicConfig,
        conversation: Conversation,
        kind: str,
        inbound: Inbound,
        now: datetime,
    ) -> None:
        text = catalogue(clinic.clinic.default_language)["staff.emergency"].format(
            kind=kind, conversation=conversation.id, channel=inbound.channel
        )
        alert_staff(
            uow,
            clinic,
            key=f"emergency:{inbound.channel}:{inbound.message_id}",
            text=text,
            now=now,
            detail={"kind": kind, "conversation": conversation.id},
        )

    def _patient(
        self, uow: UnitOfWork, conversation: Conversation, inbound: Inbound, now: datetime
    ) -> Patient:
        patient = uow.patients.by_identity(inbound.channel, inbound.sender_id)
        if patient is None:
            patient = uow.patients.create_with_identity(
                inbound.channel, inbound.sender_id, conversation.language, now=now
            )
        elif patient.unreachable and patient.id is not None:
            # They wrote to us, so the chat works again (e.g. they unblocked the bot).
            patient = uow.patients.update(patient.id, unreachable=False)
        conversation.patient_id = patient.id
        return patient

    def _enqueue(
        self,
        uow: UnitOfWork,
        conversation: Conversation,
        inbound: Inbound,
        replies: list[Reply],
        now: datetime,
        tag: str = "",
    ) -> list[Outgoing]:
        outgoing = []
        for index, reply in enumerate(replies):
            number = f"{tag}{index}"
            row = uow.outbox.enqueue(
                idempotency_key=f"reply:{inbound.channel}:{inbound.message_id}:{number}",
                channel=inbound.channel,
                external_id=inbound.sender_id,
                kind="reply",
                payload=reply.to_payload(),
                not_before=now + DIRECT_SEND_GRACE,
                patient_id=conversation.patient_id,
                conversation_id=conversation.id,
                now=now,
            )
            if row is not None and row.id is not None:
                outgoing.append(Outgoing(row.id, inbound.channel, inbound.sender_id, reply))
        return outgoing

    def _apologize(self, inbound: Inbound, now: datetime, started: float) -> list[Outgoing]:
        """After a failed turn: keep the message id, reset the conversation, say sorry."""
        try:
            with self.database.unit_of_work() as uow:
                if not uow.inbound.claim(inbound.channel, inbound.message_id, now):
                    return []
                clinic = self.clinic()
                conversation = uow.conversations.get_or_create_locked(
                    inbound.channel, inbound.sender_id, clinic.clinic.default_language, now=now
                )
                conversation.flow, conversation.step, conversation.data = IDLE.flow, IDLE.step, {}
                conversation.updated_at = now
                uow.conversations.save(conversation, now=now)
                t = Translator(conversation.language, clinic.zone)
                reply = Reply(t("common.error", phone=clinic.clinic.phone))
                outgoing = self._enqueue(uow, conversation, inbound, [reply], now)
                uow.turns.record(
                    conversation_id=conversation.id or 0,
                    at=now,
                    inbound_kind=inbound.kind.value,
                    flow=IDLE.flow,
                    step=IDLE.step,
                    latency_ms=(time.perf_counter() - started) * 1000,
                    replies=1,
                    outcome="error",
                )
                uow.commit()
                return outgoing
        except Exception:
            log.exception("turn.apology_failed", channel=inbound.channel)
            return []

    def mark_sent(self, outgoing: Outgoing, provider_message_id: str | None) -> None:
        """Record that a reply reached the channel, so the dispatcher never resends it."""
        with self.database.unit_of_work() as uow:
            uow.outbox.mark_sent(outgoing.outbox_id, provider_message_id, self.clock())
            uow.commit()


def _urgent_for_the_llm(understood: Understanding | None) -> Emergency | None:
    """The LLM saw a possible emergency the rules did not: an unsure one (numbers given, the
    request still answered). The rules' flags never depend on the model."""
    if understood is None or not understood.urgent:
        return None
    return Emergency("urgent", "llm", certain=False)


def _as_relayed(inbound: Inbound) -> str:
    """A patient's message as staff read it in the topic."""
    if inbound.kind is InboundKind.TEXT:
        return inbound.text or "…"
    return f"[{inbound.kind.value}]"


def _sanitized(inbound: Inbound) -> Inbound:
    """Drop control characters and cut very long text, so nothing downstream chokes."""
    text = "".join(ch for ch in inbound.text if ch.isprintable() or ch in "\n\t")[:MAX_TEXT]
    if text == inbound.text:
        return inbound
    return replace(inbound, text=text)


def _is_new(conversation: Conversation) -> bool:
    """A conversation that has never had a turn (storage creates it at idle/start)."""
    return (conversation.flow, conversation.step) == ("idle", "start")
