"""Patients' data is theirs (DESIGN.md, principle 8): export it, erase it, keep it briefly.

``/mydata`` sends a plain-text document of everything stored about the patient;
``/forget`` (after a confirmation) cancels their upcoming appointments, tells
the staff which times are free again, and cuts every tie between our records
and the person. ``purge_old_messages`` is the daily retention sweep.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.flows.base import IDLE, Outcome, TurnContext, menu_choices, say
from bot.i18n import Translator, catalogue
from bot.messages import Choice, Document, Reply
from clinic.config import ClinicConfig
from scheduler.alerts import alert_staff
from scheduler.messages import unplan_appointment
from storage.db import UnitOfWork
from storage.models import Appointment, AppointmentStatus
from storage.repositories import NotFoundError

#: Days sent messages and processed-message records are kept (a setting will replace it).
RETENTION_DAYS = 90
DEFAULT_KEEP = timedelta(days=RETENTION_DAYS)

FORGET_YES = "pv:forget:yes"
FORGET_NO = "pv:forget:no"

_CANCELLABLE = (AppointmentStatus.BOOKED.value, AppointmentStatus.CONFIRMED.value)


# --- export ---


def export_patient(
    uow: UnitOfWork, clinic: ClinicConfig, patient_id: int, language: str
) -> Document:
    """Everything we store about a patient, as a readable UTF-8 text document."""
    patient = uow.patients.get(patient_id)
    if patient is None:
        raise NotFoundError(f"no patient {patient_id}")
    t = Translator(language, clinic.zone)
    none = t("privacy.export.none")
    profile = t(
        "privacy.export.profile",
        patient=patient_id,
        name=patient.display_name or none,
        phone=patient.phone or none,
        language=patient.language,
        opted_out=t("privacy.export.yes" if patient.opted_out else "privacy.export.no"),
        created=t.when(patient.created_at),
    )
    sections = [
        t("privacy.export.title", clinic=clinic.clinic.name),
        profile,
        _section(t, "privacy.export.identities", _identity_lines(uow, patient_id)),
        _section(t, "privacy.export.appointments", _appointment_lines(uow, clinic, t, patient_id)),
        _section(t, "privacy.export.consents", _consent_lines(uow, t, patient_id)),
        _section(t, "privacy.export.waitlist", _waitlist_lines(uow, clinic, t, patient_id)),
        _section(t, "privacy.export.messages", _message_lines(uow, t, patient_id)),
        _section(t, "privacy.export.questions", _question_lines(uow, t, patient_id)),
        t("privacy.export.inbound", count=uow.turns.count_for_patient(patient_id)),
        t("privacy.export.footer"),
    ]
    text = "\n\n".join(sections) + "\n"
    return Document(t("privacy.export.filename"), "text/plain", text.encode("utf-8"))


def _section(t: Translator, title: str, lines: list[str]) -> str:
    """A titled list, or the title and "—" when it is empty."""
    body = "\n".join(f"• {line}" for line in lines) or t("privacy.export.none")
    return f"{t(title)}\n{body}"


def _identity_lines(uow: UnitOfWork, patient_id: int) -> list[str]:
    return [f"{i.channel}: {i.external_id}" for i in uow.patients.identities(patient_id)]


def _appointment_lines(
    uow: UnitOfWork, clinic: ClinicConfig, t: Translator, patient_id: int
) -> list[str]:
    lines = []
    for appointment in uow.appointments.of_patient(patient_id):
        lines.append(_describe(clinic, t, appointment))
        for event in uow.appointments.history(appointment.id or 0):
            lines.append(f"  {t.when(event.at)}: {event.from_status or '—'} → {event.to_status}")
    return lines


def _describe(clinic: ClinicConfig, t: Translator, appointment: Appointment) -> str:
    """ "n°12 — Tuesday, December 8 at 11:00 — GP consultation, Dr X (booked)"."""
    item = t(
        "appointments.item",
        when=t.when(appointment.start),
        service=clinic.service(appointment.service_id).name.get(t.language),
        practitioner=clinic.practitioner(appointment.practitioner_id).name,
    )
    return f"n°{appointment.id} — {item} ({appointment.status})"


def _consent_lines(uow: UnitOfWork, t: Translator, patient_id: int) -> list[str]:
    return [
        t(
            "privacy.export.consent",
            version=record.notice_version,
            accepted=t.when(record.accepted_at),
            withdrawn=t.when(record.withdrawn_at) if record.withdrawn_at else "—",
        )
        for record in uow.consents.all_for(patient_id)
    ]


def _waitlist_lines(
    uow: UnitOfWork, clinic: ClinicConfig, t: Translator, patient_id: int
) -> list[str]:
    return [
        t(
            "privacy.export.wait",
            service=clinic.service(entry.service_id).name.get(t.language) or entry.service_id,
            before=t.when(entry.before),
            status=entry.status,
        )
        for entry in uow.waitlist.of_patient(patient_id)
    ]


def _message_lines(uow: UnitOfWork, t: Translator, patient_id: int) -> list[str]:
    return [
        f"{t.when(row.sent_at or row.created_at)}: {str(row.payload.get('text', '')).strip()}"
        for row in uow.outbox.sent_to_patient(patient_id)
    ]


def _question_lines(uow: UnitOfWork, t: Translator, patient_id: int) -> list[str]:
    """Questions kept (masked) for the staff to improve the FAQ."""
    return [f"{t.when(row.at)}: {row.text}" for row in uow.faq_questions.of_patient(patient_id)]


# --- erasure ---


def forget_patient(
    uow: UnitOfWork, clinic: ClinicConfig, patient_id: int, now: datetime, actor: str
) -> list[int]:
    """Erase a patient: cancel their upcoming appointments (staff are told which times are
    free, by patient number only), then delete or anonymise everything tied to the person.
    Past appointments, turn counts and handoffs stay as anonymous records. The ids of the
    cancelled appointments."""
    if uow.patients.get(patient_id) is None:
        raise NotFoundError(f"no patient {patient_id}")
    cancelled = _cancel_upcoming(uow, patient_id, now, actor)
    if cancelled:
        _tell_staff(uow, clinic, patient_id, cancelled, now)
    chats = {(i.channel, i.external_id) for i in uow.patients.identities(patient_id)}
    chats |= {(c.channel, c.external_id) for c in uow.patients.conversations(patient_id)}
    handoffs = [f"handoff:{h.id}:" for h in uow.handoffs.of_patient(patient_id)]
    deleted = uow.outbox.delete_about_patient(patient_id, chats, handoffs)
    for channel in {channel for channel, _ in chats}:
        # Reply keys are "reply:<channel>:<inbound message id>:<n>": those inbound ids.
        prefix = f"reply:{channel}:"
        ids = {
            row.idempotency_key.removeprefix(prefix).rpartition(":")[0]
            for row in deleted
            if row.idempotency_key.startswith(prefix)
        }
        uow.inbound.forget(channel, ids)
    uow.patients.erase(patient_id, now)
    uow.appointments.forget_reasons(patient_id=patient_id)
    detail = {"cancelled": [a.id for a in cancelled]}
    uow.audit.record(actor, "patient.erased", f"patient:{patient_id}", detail, now)
    return [a.id or 0 for a in cancelled]


def _cancel_upcoming(
    uow: UnitOfWork, patient_id: int, now: datetime, actor: str
) -> list[Appointment]:
    cancelled = []
    for appointment in uow.appointments.upcoming_for_patient(patient_id, now):
        if appointment.status in _CANCELLABLE and appointment.id is not None:
            uow.appointments.cancel(appointment.id, reason="erased", actor=actor, now=now)
            unplan_appointment(uow, appointment.id)
            cancelled.append(appointment)
    return cancelled


def _tell_staff(
    uow: UnitOfWork,
    clinic: ClinicConfig,
    patient_id: int,
    cancelled: list[Appointment],
    now: datetime,
) -> None:
    """Which times are free again, with the patient's number and nothing else about them."""
    t = Translator(clinic.clinic.default_language, clinic.zone)
    lines = "\n".join(f"• {_describe(clinic, t, a)}" for a in cancelled)
    text = catalogue(t.language)["privacy.staff.erased"].format(
        patient=patient_id, appointments=lines
    )
    detail = {"patient": patient_id, "appointments": [a.id for a in cancelled]}
    key = f"erased:{patient_id}"
    alert_staff(uow, clinic, key=key, text=text, now=now, detail=detail)


# --- retention ---


def purge_old_messages(uow: UnitOfWork, now: datetime, keep: timedelta = DEFAULT_KEEP) -> int:
    """Delete messages done with (sent, failed, cancelled; never pending) older than
    ``keep``, or to erased patients, the processed-message records and the FAQ's kept
    questions older than ``keep``, and reduce older free-text cancellation reasons to their
    kind; the count of rows deleted. Turn logs stay: they hold no text and no names."""
    cutoff = now - keep
    purged = uow.outbox.purge_before(cutoff) + uow.inbound.forget_before(cutoff)
    uow.appointments.forget_reasons(before=cutoff)  # free-text reasons reduced to their kind
    return purged + uow.faq_questions.purge_before(cutoff)


# --- the patient's commands ---


def send_my_data(ctx: TurnContext) -> Outcome:
    """/mydata: the document of everything we store about the patient."""
    patient_id = ctx.patient.id or 0
    document = export_patient(ctx.desk.uow, ctx.clinic, patient_id, ctx.language)
    ctx.desk.uow.audit.record("patient", "privacy.exported", f"patient:{patient_id}", {}, ctx.now)
    return say(IDLE, Reply(ctx.t("privacy.mydata.sent"), menu_choices(ctx), document=document))


def ask_to_forget(ctx: TurnContext) -> Outcome:
    """/forget: what erasing means, and a yes/no."""
    choices = (
        Choice(FORGET_YES, ctx.t("privacy.forget.yes")),
        Choice(FORGET_NO, ctx.t("privacy.forget.no")),
    )
    return say(IDLE, Reply(ctx.t("privacy.forget.ask"), choices))


def handle_button(ctx: TurnContext, data: str) -> Outcome | None:
    """The answer to "erase everything?"; None for an unknown ``pv:`` button."""
    if data == FORGET_NO:
        return say(IDLE, Reply(ctx.t("privacy.forget.kept"), menu_choices(ctx)))
    if data != FORGET_YES or ctx.patient.id is None:
        return None
    if ctx.patient.erased_at is None:
        forget_patient(ctx.desk.uow, ctx.clinic, ctx.patient.id, ctx.now, "patient")
    # This press's own record would otherwise outlive the chat's other ones.
    ctx.desk.uow.inbound.forget(ctx.inbound.channel, [ctx.inbound.message_id])
    return say(IDLE, Reply(ctx.t("privacy.forget.done")))
