"""Handing a conversation to a person, and giving it back.

While a person holds a conversation the bot answers nothing automatically
(emergency triage still runs): the patient's messages go to the staff
group's forum topic of that conversation, and what staff write there goes
back to the patient, signed, on whatever channel they use. Everything goes
through the outbox; the topic itself is created by the Telegram adapter.
"""

from __future__ import annotations

from datetime import datetime

import structlog

from bot.i18n import Translator
from bot.messages import Choice, Reply
from clinic.config import ClinicConfig
from storage.db import UnitOfWork
from storage.models import Conversation, Handoff, Patient

log = structlog.get_logger("carebot.handoff")

STAFF_RELAY = "staff_relay"


def staff_group(clinic: ClinicConfig) -> int | None:
    """The staff group's chat id, if the clinic has one."""
    return clinic.staff.telegram_group_id


def open_handoff(
    uow: UnitOfWork,
    clinic: ClinicConfig,
    conversation: Conversation,
    patient: Patient,
    *,
    reason: str,
    last_message: str,
    now: datetime,
) -> Handoff | None:
    """Hand the conversation to staff (None if the clinic has no staff group to hand to)."""
    if staff_group(clinic) is None or conversation.id is None or patient.id is None:
        return None
    already = uow.handoffs.open_for(conversation.id)
    handoff = uow.handoffs.open(
        conversation_id=conversation.id, patient_id=patient.id, reason=reason, now=now
    )
    conversation.handoff = True
    if already is None:
        uow.audit.record(
            "patient", "handoff.opened", f"handoff:{handoff.id}", {"reason": reason}, now
        )
        summary = _summary(uow, clinic, handoff, patient, last_message, now)
        relay_to_staff(uow, clinic, handoff, summary, now, key="summary")
    return handoff


def _summary(
    uow: UnitOfWork,
    clinic: ClinicConfig,
    handoff: Handoff,
    patient: Patient,
    last_message: str,
    now: datetime,
) -> str:
    """What staff need first: who, why, what they asked, what is booked."""
    t = Translator(clinic.clinic.default_language, clinic.zone)
    upcoming = [
        t(
            "appointments.item",
            when=t.when(a.start),
            service=clinic.service(a.service_id).name.get(t.language),
            practitioner=clinic.practitioner(a.practitioner_id).name,
        )
        for a in uow.appointments.upcoming_for_patient(patient.id or 0, now)
    ]
    return t(
        "handoff.summary",
        patient=patient.id,
        name=patient.display_name or "—",
        phone=patient.phone or "—",
        language=patient.language,
        reason=t(f"handoff.reason.{_known_reason(handoff.reason)}"),
        message=last_message[:500] or "—",
        appointments="\n".join(f"• {line}" for line in upcoming) or "—",
    )


REASONS = ("asked", "medical", "not_covered", "unsure", "emergency", "misunderstood")


def _known_reason(reason: str) -> str:
    if reason.startswith("llm") or reason == "needs_human":
        return "unsure"
    return reason if reason in REASONS else "asked"


def relay_to_staff(
    uow: UnitOfWork,
    clinic: ClinicConfig,
    handoff: Handoff,
    text: str,
    now: datetime,
    *,
    key: str,
) -> None:
    """A message for the conversation's staff topic (sent once the topic exists)."""
    group = staff_group(clinic)
    if group is None:
        return
    uow.outbox.enqueue(
        idempotency_key=f"handoff:{handoff.id}:{key}",
        channel="telegram",
        external_id=str(group),
        kind=STAFF_RELAY,
        payload={"handoff_id": handoff.id, **Reply(text).to_payload()},
        not_before=now,
        now=now,
    )


def relay_to_patient(
    uow: UnitOfWork,
    clinic: ClinicConfig,
    handoff: Handoff,
    *,
    staff_name: str,
    text: str,
    key: str,
    now: datetime,
) -> bool:
    """What a staff member wrote in the topic, signed, to the patient's channel."""
    patient = uow.patients.get(handoff.patient_id)
    identities = uow.patients.identities(handoff.patient_id)
    if patient is None or not identities:
        return False
    target = identities[-1]
    signed = f"{text}\n— {staff_name}, {clinic.clinic.name}"
    uow.outbox.enqueue(
        idempotency_key=f"handoff:{handoff.id}:staff:{key}",
        channel=target.channel,
        external_id=target.external_id,
        kind="reply",
        payload=Reply(signed).to_payload(),
        not_before=now,
        patient_id=patient.id,
        now=now,
    )
    if handoff.staff_replied_at is None:
        handoff.staff_replied_at = now
        uow.handoffs.save(handoff)
    return True


def close_handoff(
    uow: UnitOfWork,
    clinic: ClinicConfig,
    handoff: Handoff,
    *,
    by: str,
    now: datetime,
    apology: bool = False,
) -> None:
    """Give the conversation back to the bot and tell the patient."""
    uow.handoffs.close(handoff, by=by, now=now)
    conversation = uow.conversations.get(handoff.conversation_id)
    patient = uow.patients.get(handoff.patient_id)
    if conversation is not None:
        conversation.handoff = False
        conversation.flow, conversation.step, conversation.data = "menu", "idle", {}
        uow.conversations.save(conversation, now=now)
    uow.audit.record(by, "handoff.closed", f"handoff:{handoff.id}", {"apology": apology}, now)
    identities = uow.patients.identities(handoff.patient_id)
    if patient is None or not identities:
        return
    t = Translator(patient.language, clinic.zone)
    key = "handoff.released" if apology else "handoff.done"
    menu = (Choice("m:menu", t("common.menu")),)
    uow.outbox.enqueue(
        idempotency_key=f"handoff:{handoff.id}:closed",
        channel=identities[-1].channel,
        external_id=identities[-1].external_id,
        kind="reply",
        payload=Reply(t(key, phone=clinic.clinic.phone), menu).to_payload(),
        not_before=now,
        patient_id=patient.id,
        now=now,
    )


def handoff_timers(uow: UnitOfWork, clinic: ClinicConfig, now: datetime) -> int:
    """Remind the staff of handoffs nobody answered; release the ones left too long."""
    acted = 0
    t = Translator(clinic.clinic.default_language, clinic.zone)
    for handoff in uow.handoffs.open_ones():
        if handoff.staff_replied_at is not None:
            continue
        waited = now - handoff.opened_at
        if waited >= clinic.handoff.release_after:
            close_handoff(uow, clinic, handoff, by="system", now=now, apology=True)
            acted += 1
        elif handoff.reminded_at is None and waited >= clinic.handoff.remind_staff_after:
            text = t("handoff.reminder", minutes=int(waited.total_seconds() // 60))
            relay_to_staff(uow, clinic, handoff, text, now, key="reminder")
            handoff.reminded_at = now
            uow.handoffs.save(handoff)
            acted += 1
    return acted
