"""Consent before anything personal is kept: a short notice and an explicit "I agree".

Until the patient agrees to the clinic's current notice, a message is not
processed: it is kept aside, the notice is shown, and once they agree the
message is answered as if it had just arrived. Emergencies are answered
before this (in the engine), consent or not.
"""

from __future__ import annotations

from dataclasses import replace

from bot.flows.base import Outcome, State, TurnContext
from bot.messages import Choice, Inbound, InboundKind, Reply
from storage.db import UnitOfWork
from storage.models import Conversation

ACCEPT = "cs:yes"
DECLINE = "cs:no"

Gate = tuple[Outcome, list[Reply]]


class ConsentCache:
    """Patients known to have agreed to a notice version: saves a query on most turns.
    Only a cache (the database is the truth): a consent is never withdrawn in place —
    erasure gives the chat a new patient — so an entry cannot go stale."""

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self._agreed: dict[int, str] = {}

    def knows(self, patient_id: int, version: str) -> bool:
        """Whether this patient is known to have agreed to this version."""
        return self._agreed.get(patient_id) == version

    def remember(self, patient_id: int, version: str) -> None:
        """Note an agreement (forgetting everything when full: it is only a cache)."""
        if len(self._agreed) >= self.size:
            self._agreed.clear()
        self._agreed[patient_id] = version


def has_consented(uow: UnitOfWork, ctx: TurnContext, cache: ConsentCache) -> bool:
    """Whether the patient agreed to the clinic's current notice."""
    patient_id, version = ctx.patient.id or 0, ctx.clinic.privacy.notice_version
    if cache.knows(patient_id, version):
        return True
    record = uow.consents.current(patient_id)
    if record is not None and record.notice_version == version:
        cache.remember(patient_id, version)
        return True
    return False


def consent_gate(
    uow: UnitOfWork,
    ctx: TurnContext,
    conversation: Conversation,
    state: State,
    cache: ConsentCache,
) -> Gate | Inbound | None:
    """None when consent is in force; the message to answer now that the patient agreed;
    or what to say while they have not."""
    if has_consented(uow, ctx, cache):
        return None
    if ctx.button == ACCEPT:
        uow.consents.record(ctx.patient.id or 0, ctx.clinic.privacy.notice_version, ctx.now)
        ctx.events.append("consent.accepted")
        pending = conversation.data.get("consent_pending") or {"text": "/start"}
        return replace(
            ctx.inbound,
            kind=InboundKind(pending.get("kind", InboundKind.TEXT.value)),
            text=str(pending.get("text", "")),
            button=pending.get("button"),
        )
    keep = State(conversation.flow, conversation.step, dict(conversation.data))
    if ctx.button == DECLINE:
        ctx.events.append("consent.declined")
        text = ctx.t("consent.declined", phone=ctx.clinic.clinic.phone)
        return Outcome(keep), [Reply(text, _buttons(ctx))]
    if ctx.inbound.kind in (InboundKind.TEXT, InboundKind.BUTTON):
        keep.data["consent_pending"] = {
            "kind": ctx.inbound.kind.value,
            "text": ctx.inbound.text[:1000],
            "button": ctx.inbound.button,
        }
    return Outcome(keep), [notice(ctx)]


def notice(ctx: TurnContext) -> Reply:
    """The privacy notice, with its accept and decline buttons."""
    clinic = ctx.clinic
    days = int(clinic.privacy.message_retention.total_seconds() // 86400)
    text = ctx.t("consent.notice", clinic=clinic.clinic.name, days=days)
    if clinic.clinic.privacy_policy_url:
        text += "\n" + ctx.t("consent.policy", url=clinic.clinic.privacy_policy_url)
    return Reply(text, _buttons(ctx))


def _buttons(ctx: TurnContext) -> tuple[Choice, ...]:
    return (Choice(ACCEPT, ctx.t("consent.accept")), Choice(DECLINE, ctx.t("consent.decline")))
