"""The tables: patients, appointments and the claims that keep them apart,
conversations, the outbox, and the logs.

Every timestamp is a :class:`storage.types.UTCDateTime` (aware UTC in Python).
Statuses are stored as short strings (portable, easy to read in SQL) and named
by the ``StrEnum`` classes below; a CHECK constraint keeps them honest.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime

# Deterministic constraint names, so migrations render the same on SQLite and
# PostgreSQL and a later migration can drop a constraint by name.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class AppointmentStatus(StrEnum):
    """Where an appointment is in its life."""

    BOOKED = "booked"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"


#: Statuses whose time is taken: everything but cancelled (a no-show still
#: occupied the practitioner's time).
ACTIVE_STATUSES: frozenset[str] = frozenset(AppointmentStatus) - {AppointmentStatus.CANCELLED}


class OutboxStatus(StrEnum):
    """Delivery state of an outgoing message."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


#: SQLite reuses the largest rowid after a delete unless told not to; ids end up
#: in idempotency keys and staff links, so they must never be reused.
_AUTOINCREMENT: dict[str, Any] = {"sqlite_autoincrement": True}


def _one_of(column: str, values: type[StrEnum]) -> str:
    """SQL for ``column IN (...)`` over an enum's values."""
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Patient(SQLModel, table=True):
    """A person who talks to the bot; holds as little about them as we can."""

    __tablename__ = "patient"
    __table_args__ = (_AUTOINCREMENT,)

    id: int | None = Field(default=None, primary_key=True)
    display_name: str | None = None
    phone: str | None = None  # E.164, e.g. +33612345678
    language: str = "fr"
    created_at: datetime = Field(sa_type=UTCDateTime)
    opted_out: bool = False
    #: After /stop, the patient chose to keep appointment reminders (only those).
    keeps_reminders: bool = False
    unreachable: bool = False  # set after repeated delivery failures
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ChannelIdentity(SQLModel, table=True):
    """How a patient is reached on one channel (a Telegram chat, a WhatsApp number)."""

    __tablename__ = "channel_identity"
    __table_args__ = (UniqueConstraint("channel", "external_id"), _AUTOINCREMENT)

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    channel: str
    external_id: str
    created_at: datetime = Field(sa_type=UTCDateTime)


class Appointment(SQLModel, table=True):
    """A booked visit: the patient's time is ``[start, end)``, the practitioner's
    ``[start, busy_until)``."""

    __tablename__ = "appointment"
    __table_args__ = (
        Index("ix_appointment_practitioner_id_start", "practitioner_id", "start"),
        Index("ix_appointment_patient_id_start", "patient_id", "start"),
        # The KPI report reads appointments by when they were booked and when they were due.
        Index("ix_appointment_created_at", "created_at"),
        Index("ix_appointment_start", "start"),
        CheckConstraint(_one_of("status", AppointmentStatus), name="status"),
        CheckConstraint('start < "end" AND "end" <= busy_until', name="times"),
        _AUTOINCREMENT,
    )

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id")
    practitioner_id: str
    service_id: str
    start: datetime = Field(sa_type=UTCDateTime)
    end: datetime = Field(sa_type=UTCDateTime)
    busy_until: datetime = Field(sa_type=UTCDateTime)
    status: str = AppointmentStatus.BOOKED.value
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    cancel_reason: str | None = None
    rescheduled_from_id: int | None = Field(default=None, foreign_key="appointment.id")
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AppointmentEvent(SQLModel, table=True):
    """One status change of an appointment, and who made it."""

    __tablename__ = "appointment_event"
    __table_args__ = (_AUTOINCREMENT,)

    id: int | None = Field(default=None, primary_key=True)
    appointment_id: int = Field(foreign_key="appointment.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)  # the KPI report reads by period
    from_status: str | None = None
    to_status: str
    actor: str  # "patient", "staff:<id>", "system"
    note: str | None = None


class SlotClaim(SQLModel, table=True):
    """One ``GRANULE`` cell of a practitioner's time held by an active appointment.

    The primary key is what makes double booking impossible by construction:
    two appointments overlapping by even one cell cannot both hold it, on any
    database, whatever the application code does.
    """

    __tablename__ = "slot_claim"

    practitioner_id: str = Field(primary_key=True)
    cell_start: datetime = Field(primary_key=True, sa_type=UTCDateTime)
    appointment_id: int = Field(foreign_key="appointment.id", index=True)


class Conversation(SQLModel, table=True):
    """The state of one chat: which flow and step it is in, and the flow's data."""

    __tablename__ = "conversation"
    __table_args__ = (UniqueConstraint("channel", "external_id"), _AUTOINCREMENT)

    id: int | None = Field(default=None, primary_key=True)
    channel: str
    external_id: str
    patient_id: int | None = Field(default=None, foreign_key="patient.id", index=True)
    language: str = "fr"
    flow: str = "idle"
    step: str = "start"
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    misunderstandings: int = 0
    handoff: bool = False
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class OutboxMessage(SQLModel, table=True):
    """A message to send, written in the same transaction as what caused it."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        UniqueConstraint("idempotency_key"),
        Index("ix_outbox_message_status_not_before", "status", "not_before"),
        # The KPI report: replies by when they were written, reminders by when they went.
        Index("ix_outbox_message_kind_created_at", "kind", "created_at"),
        Index("ix_outbox_message_kind_sent_at", "kind", "sent_at"),
        CheckConstraint(_one_of("status", OutboxStatus), name="status"),
        _AUTOINCREMENT,
    )

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str
    channel: str
    external_id: str  # the recipient's chat id
    patient_id: int | None = Field(default=None, foreign_key="patient.id")
    conversation_id: int | None = Field(default=None, foreign_key="conversation.id")
    kind: str  # "reply", "reminder", ...
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    not_before: datetime = Field(sa_type=UTCDateTime)
    status: str = OutboxStatus.PENDING.value
    attempts: int = 0
    last_error: str | None = None
    provider_message_id: str | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: When a worker took it for sending (to tell a dead worker's claim from a live one).
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ProcessedInbound(SQLModel, table=True):
    """An inbound platform message already handled, so a redelivery is ignored."""

    __tablename__ = "processed_inbound"

    channel: str = Field(primary_key=True)
    message_id: str = Field(primary_key=True)
    processed_at: datetime = Field(sa_type=UTCDateTime)


class ConsentRecord(SQLModel, table=True):
    """A patient's acceptance (and maybe later withdrawal) of a privacy notice version."""

    __tablename__ = "consent_record"
    __table_args__ = (_AUTOINCREMENT,)

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    notice_version: str
    accepted_at: datetime = Field(sa_type=UTCDateTime)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuditLog(SQLModel, table=True):
    """Who did what to which record (staff actions, exports, erasures)."""

    __tablename__ = "audit_log"
    __table_args__ = (_AUTOINCREMENT,)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    actor: str
    action: str
    subject: str  # e.g. "appointment:42" — an id, never a name
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class TurnLog(SQLModel, table=True):
    """Timing and outcome of one conversation turn; no message text, no names."""

    __tablename__ = "turn_log"
    __table_args__ = (_AUTOINCREMENT,)

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)  # the KPI report reads by period
    inbound_kind: str
    flow: str
    step: str
    latency_ms: float
    replies: int
    outcome: str | None = None


class WaitlistStatus(StrEnum):
    """Where a waitlist request stands."""

    WAITING = "waiting"
    OFFERED = "offered"
    DONE = "done"
    CANCELLED = "cancelled"


class WaitlistEntry(SQLModel, table=True):
    """A patient who wants to hear of an earlier time for a service (and practitioner)."""

    __tablename__ = "waitlist_entry"
    __table_args__ = (
        CheckConstraint(_one_of("status", WaitlistStatus), name="status"),
        Index("ix_waitlist_entry_status_created_at", "status", "created_at"),
        _AUTOINCREMENT,
    )

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    service_id: str
    practitioner_id: str | None = None  # None: any practitioner doing the service
    #: The appointment an earlier time would replace, if the patient has one.
    appointment_id: int | None = Field(default=None, foreign_key="appointment.id")
    #: Only times starting before this interest the patient.
    before: datetime = Field(sa_type=UTCDateTime)
    status: str = WaitlistStatus.WAITING.value
    created_at: datetime = Field(sa_type=UTCDateTime)
    #: The time offered last, held for this patient until ``hold_until``.
    offered_practitioner_id: str | None = None
    offered_start: datetime | None = Field(default=None, sa_type=UTCDateTime)
    hold_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class HandoffStatus(StrEnum):
    """Whether a person holds the conversation."""

    OPEN = "open"
    CLOSED = "closed"


class Handoff(SQLModel, table=True):
    """A conversation handed to a person: its staff topic, and how it went."""

    __tablename__ = "handoff"
    __table_args__ = (
        CheckConstraint(_one_of("status", HandoffStatus), name="status"),
        Index("ix_handoff_status_opened_at", "status", "opened_at"),
        _AUTOINCREMENT,
    )

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    patient_id: int = Field(foreign_key="patient.id")
    reason: str  # "asked", "medical", "not_covered", "emergency", ... (no text)
    status: str = HandoffStatus.OPEN.value
    opened_at: datetime = Field(sa_type=UTCDateTime)
    #: The staff group's forum topic (message_thread_id) once created.
    topic_id: int | None = Field(default=None, index=True)
    staff_replied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by: str | None = None


class PractitionerBlock(SQLModel, table=True):
    """Time staff blocked for a practitioner from the chat (on top of clinic.yaml)."""

    __tablename__ = "practitioner_block"
    __table_args__ = (
        Index("ix_practitioner_block_practitioner_id_start", "practitioner_id", "start"),
        _AUTOINCREMENT,
    )

    id: int | None = Field(default=None, primary_key=True)
    practitioner_id: str
    start: datetime = Field(sa_type=UTCDateTime)
    end: datetime = Field(sa_type=UTCDateTime)
    reason: str | None = None
    created_by: str
    created_at: datetime = Field(sa_type=UTCDateTime)


class FaqQuestionOutcome(StrEnum):
    """What became of a question the FAQ could not answer with certainty."""

    UNANSWERED = "unanswered"  # nothing matched: passed to the team
    SUGGESTED = "suggested"  # entries were offered, none pressed (yet)
    CHOSEN = "chosen"  # the patient pressed one: their wording belongs to that entry
    ADDED = "added"  # staff added the wording to faq.yaml


class FaqQuestion(SQLModel, table=True):
    """A question the FAQ did not answer for sure, for staff to improve faq.yaml.

    The text is masked (no names, phone numbers, emails or dates) and capped; the row
    is tied to the patient only so that erasure removes it, and goes with the message
    retention.
    """

    __tablename__ = "faq_question"
    __table_args__ = (
        CheckConstraint(_one_of("outcome", FaqQuestionOutcome), name="outcome"),
        _AUTOINCREMENT,
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    patient_id: int | None = Field(default=None, foreign_key="patient.id", index=True)
    language: str
    text: str
    outcome: str
    suggested: list[str] = Field(default_factory=list, sa_type=JSON)
    entry_id: str | None = None
