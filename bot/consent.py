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


def has_consented(uow: UnitOfWork, ctx: TurnContext) -> bool:
    """Whether the patient agreed to the clinic's current notice."""
    record = uow.consents.current(ctx.patient.id or 0)
    return record is not None and record.notice_version == ctx.clinic.privacy.notice_version


def consent_gate(
    uow: UnitOfWork, ctx: TurnContext, conversation: Conversation, state: State
) -> Gate | Inbound | None:
    """None when consent is in force; the message to answer now that the patient agreed;
    or what to say while they have not."""
    if has_consented(uow, ctx):
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
