"""Repositories: the only code that writes SQL. Reach them through a
``storage.db.UnitOfWork``; none of them commits, the unit of work does.

Every method takes ``now`` (or a time) from its caller rather than reading the
clock, except where a default is noted, so tests move time by passing it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, delete, func, insert, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session, SQLModel, col, select

from clinic.model import GRANULE, Busy, Slot, utc
from storage.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentEvent,
    AppointmentStatus,
    AuditLog,
    ChannelIdentity,
    ConsentRecord,
    Conversation,
    FaqQuestion,
    Handoff,
    HandoffStatus,
    OutboxMessage,
    OutboxStatus,
    Patient,
    PractitionerBlock,
    ProcessedInbound,
    SlotClaim,
    TurnLog,
    WaitlistEntry,
    WaitlistStatus,
)

#: Free-text reasons and notes, by prefix, and the kind they are reduced to when forgotten.
_FREE_TEXT_REASONS = (
    ("text:", "text"),
    ("staff: ", "staff"),
    ("reason: text:", "reason: text"),
)

#: The longest time one appointment may hold a practitioner. Bounding it lets
#: ``busy_between`` read a narrow range of the (practitioner_id, start) index
#: instead of every appointment that ever started before the window.
MAX_APPOINTMENT_SPAN = timedelta(hours=24)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_E164 = re.compile(r"^\+[1-9]\d{1,14}$")
_MAX_ERROR_LENGTH = 500
_DEADLOCK_DETECTED = "40P01"  # PostgreSQL SQLSTATE


class NotFoundError(LookupError):
    """The record asked for does not exist."""


@dataclass(frozen=True)
class SlotTaken:
    """The answer to booking a slot someone else holds (not an error: it happens)."""

    slot: Slot


class _CellTakenError(Exception):
    """Raised inside a savepoint to roll it back when a slot claim collides."""


class _Unset(Enum):
    """Marks an ``update`` argument that was not passed (``None`` is a value)."""

    UNSET = "unset"


UNSET = _Unset.UNSET


def _utcnow() -> datetime:
    """The current time, for the few callers that do not pass ``now``."""
    return datetime.now(UTC)


def _table(model: type[SQLModel]) -> Table:
    """The Core table behind a SQLModel table class."""
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


def _insert_ignoring_conflicts(
    session: Session, model: type[SQLModel], values: Mapping[str, Any], keys: list[str]
) -> Any:
    """``INSERT … ON CONFLICT (keys) DO NOTHING``; the row's primary key, or None if it existed."""
    statement = _insert_statement(model, session.get_bind().dialect.name, tuple(keys))
    return session.exec(statement, params=dict(values)).first()


@lru_cache(maxsize=64)
def _insert_statement(model: type[SQLModel], dialect: str, keys: tuple[str, ...]) -> Any:
    """The statement built once per table: rebuilding it with inline values on every call
    made SQLAlchemy re-coerce each value and recompute its cache key (a quarter of a turn)."""
    table = _table(model)
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        make(table)
        .on_conflict_do_nothing(index_elements=list(keys))
        .returning(*table.primary_key.columns)
    )


def claim_cells(start: datetime, busy_until: datetime) -> list[datetime]:
    """The ``GRANULE`` cells (aligned to the epoch) covering ``[start, busy_until)``."""
    cell = utc(start)
    cell -= (cell - _EPOCH) % GRANULE
    cells = []
    while cell < busy_until:
        cells.append(cell)
        cell += GRANULE
    return cells


def _check_slot(slot: Slot) -> None:
    """Refuse a slot that is not a sane, aware, bounded interval."""
    for value in (slot.start, slot.end, slot.busy_until):
        if value.tzinfo is None:
            raise ValueError("slot times must be timezone-aware")
    if not slot.start < slot.end <= slot.busy_until:
        raise ValueError("a slot needs start < end <= busy_until")
    if slot.busy_until - slot.start > MAX_APPOINTMENT_SPAN:
        raise ValueError(f"a slot may hold a practitioner for at most {MAX_APPOINTMENT_SPAN}")


class PatientRepository:
    """Patients and the channel identities they are reached by."""

    def __init__(self, session: Session) -> None:
        """Work in ``session``."""
        self.session = session

    def get(self, patient_id: int) -> Patient | None:
        """The patient with this id, if any."""
        return self.session.get(Patient, patient_id)

    def by_identity(self, channel: str, external_id: str) -> Patient | None:
        """The patient behind a channel identity (a chat id, a phone), if known."""
        statement = (
            select(Patient)
            .join(ChannelIdentity, col(ChannelIdentity.patient_id) == col(Patient.id))
            .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id)
        )
        return self.session.exec(statement).first()

    def create_with_identity(
        self, channel: str, external_id: str, language: str, *, now: datetime | None = None
    ) -> Patient:
        """A new patient reachable at this identity, or the existing one if it is known."""
        existing = self.by_identity(channel, external_id)
        if existing is not None:
            return existing
        at = now or _utcnow()
        patient = Patient(language=language, created_at=at)
        try:
            with self.session.begin_nested():
                self.session.add(patient)
                self.session.flush()
                assert patient.id is not None
                self.session.add(
                    ChannelIdentity(
                        patient_id=patient.id,
                        channel=channel,
                        external_id=external_id,
                        created_at=at,
                    )
                )
                self.session.flush()
        except IntegrityError:
            # Another transaction registered this identity meanwhile: use theirs.
            winner = self.by_identity(channel, external_id)
            if winner is None:
                raise
            return winner
        return patient

    def add_identity(
        self, patient_id: int, channel: str, external_id: str, *, now: datetime | None = None
    ) -> ChannelIdentity:
        """Link another identity to a patient; ``ValueError`` if it belongs to someone else."""
        statement = select(ChannelIdentity).where(
            ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id
        )
        existing = self.session.exec(statement).first()
        if existing is not None:
            if existing.patient_id != patient_id:
                raise ValueError(f"this {channel} identity already belongs to another patient")
            return existing
        identity = ChannelIdentity(
            patient_id=patient_id,
            channel=channel,
            external_id=external_id,
            created_at=now or _utcnow(),
        )
        self.session.add(identity)
        self.session.flush()
        return identity

    def identities(self, patient_id: int) -> list[ChannelIdentity]:
        """Every identity of a patient, oldest first."""
        statement = (
            select(ChannelIdentity)
            .where(ChannelIdentity.patient_id == patient_id)
            .order_by(col(ChannelIdentity.id))
        )
        return list(self.session.exec(statement).all())

    def by_phone(self, phone: str) -> list[Patient]:
        """Patients (not erased) with this E.164 phone number."""
        statement = select(Patient).where(Patient.phone == phone, col(Patient.erased_at).is_(None))
        return list(self.session.exec(statement).all())

    def merge(self, source_id: int, target_id: int, now: datetime) -> None:
        """Make ``source`` part of ``target``: its identities, conversations, appointments,
        waitlist and messages move over; ``source`` stays as an empty, closed record."""
        for model in (ChannelIdentity, Conversation, Appointment, WaitlistEntry, OutboxMessage):
            statement = (
                update(model)
                .where(col(model.patient_id) == source_id)
                .values(patient_id=target_id)
                .execution_options(synchronize_session="fetch")
            )
            self.session.exec(statement)
        source = self.get(source_id)
        if source is not None:
            source.display_name = None
            source.phone = None
            source.erased_at = now
            self.session.add(source)
        self.session.flush()

    def update(
        self,
        patient_id: int,
        *,
        display_name: str | _Unset | None = UNSET,
        phone: str | _Unset | None = UNSET,
        language: str | _Unset = UNSET,
        opted_out: bool | _Unset = UNSET,
        keeps_reminders: bool | _Unset = UNSET,
        unreachable: bool | _Unset = UNSET,
        erased_at: datetime | _Unset | None = UNSET,
    ) -> Patient:
        """Change the given fields of a patient; ``phone`` must be E.164 (``+33612345678``)."""
        patient = self.get(patient_id)
        if patient is None:
            raise NotFoundError(f"no patient {patient_id}")
        if isinstance(phone, str) and not _E164.match(phone):
            raise ValueError("phone must be in E.164 form, for example +33612345678")
        changes = {
            "display_name": display_name,
            "phone": phone,
            "language": language,
            "opted_out": opted_out,
            "keeps_reminders": keeps_reminders,
            "unreachable": unreachable,
            "erased_at": erased_at,
        }
        for name, value in changes.items():
            if value is not UNSET:
                setattr(patient, name, value)
        self.session.flush()
        return patient

    def conversations(self, patient_id: int) -> list[Conversation]:
        """Every conversation (chat) of a patient, oldest first."""
        statement = (
            select(Conversation)
            .where(Conversation.patient_id == patient_id)
            .order_by(col(Conversation.id))
        )
        return list(self.session.exec(statement).all())

    def erase(self, patient_id: int, now: datetime) -> None:
        """Cut every tie between a patient's records and the person: their identities,
        consents and waits go, their chats keep only a random name, the patient row is
        emptied (appointments, turn counts and handoffs stay, now anonymous)."""
        for model in (ChannelIdentity, ConsentRecord, WaitlistEntry, FaqQuestion):
            statement = delete(model).where(col(model.patient_id) == patient_id)
            self.session.exec(statement.execution_options(synchronize_session="fetch"))
        for conversation in self.conversations(patient_id):
            conversation.external_id = f"erased:{secrets.token_hex(12)}"
            conversation.flow, conversation.step, conversation.data = "menu", "idle", {}
            flag_modified(conversation, "data")
            self.session.add(conversation)
        self.update(patient_id, display_name=None, phone=None, opted_out=True, erased_at=now)


class AppointmentRepository:
    """Appointments, the slot claims that keep them apart, and their history."""

    def __init__(self, session: Session) -> None:
        """Work in ``session``."""
        self.session = session

    def get(self, appointment_id: int) -> Appointment | None:
        """The appointment with this id, if any."""
        return self.session.get(Appointment, appointment_id)

    def book(
        self, *, patient_id: int, slot: Slot, actor: str, now: datetime
    ) -> Appointment | SlotTaken:
        """Book ``slot`` for a patient, or return ``SlotTaken`` if any of its time is held."""
        _check_slot(slot)
        appointment = self._new(patient_id, slot, now)
        try:
            with self.session.begin_nested():
                self._insert_with_claims(appointment)
                self._record(appointment, None, actor, now)
                self.session.flush()
        except _CellTakenError:
            return SlotTaken(slot)
        return appointment

    def reschedule(
        self, appointment_id: int, new_slot: Slot, actor: str, now: datetime
    ) -> Appointment | SlotTaken:
        """Move an appointment to ``new_slot`` atomically; the old one is left as it was
        if the new slot is taken."""
        _check_slot(new_slot)
        old = self._get_locked(appointment_id)
        if old.status not in (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED):
            raise ValueError(f"cannot reschedule a {old.status} appointment")
        new = self._new(old.patient_id, new_slot, now)
        new.rescheduled_from_id = old.id
        try:
            with self.session.begin_nested():
                # Release first, in the same savepoint, so a move onto partly
                # overlapping time of the same practitioner does not collide
                # with itself; a collision with anyone else restores the claims.
                self._release(old)
                self._insert_with_claims(new)
                self._change(
                    old, AppointmentStatus.CANCELLED, actor, now, f"rescheduled to {new.id}"
                )
                old.cancel_reason = "rescheduled"
                self._record(new, None, actor, now, f"rescheduled from {old.id}")
                self.session.flush()
        except _CellTakenError:
            return SlotTaken(new_slot)
        return new

    def cancel(self, appointment_id: int, *, reason: str, actor: str, now: datetime) -> Appointment:
        """Cancel an appointment and free its time; cancelling twice changes nothing."""
        appointment = self._get_locked(appointment_id)
        if appointment.status == AppointmentStatus.CANCELLED:
            return appointment
        if appointment.status not in (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED):
            raise ValueError(f"cannot cancel a {appointment.status} appointment")
        self._release(appointment)
        appointment.cancel_reason = reason
        self._change(appointment, AppointmentStatus.CANCELLED, actor, now, reason)
        self.session.flush()
        return appointment

    def record_cancel_reason(
        self, appointment_id: int, reason: str, *, actor: str, now: datetime
    ) -> Appointment:
        """Note why a cancelled appointment was cancelled (asked after the cancel)."""
        appointment = self._get_locked(appointment_id)
        if appointment.status != AppointmentStatus.CANCELLED:
            raise ValueError("only a cancelled appointment has a cancellation reason")
        appointment.cancel_reason = reason
        appointment.updated_at = now
        self._record(appointment, appointment.status, actor, now, f"reason: {reason}")
        self.session.flush()
        return appointment

    def set_status(
        self,
        appointment_id: int,
        status: AppointmentStatus | str,
        actor: str,
        now: datetime,
        note: str | None = None,
    ) -> Appointment:
        """Confirm, complete or mark a no-show (time stays claimed); ``cancel`` cancels."""
        target = AppointmentStatus(status)
        if target == AppointmentStatus.CANCELLED:
            raise ValueError("use cancel() to cancel an appointment: it frees the time")
        appointment = self._get_locked(appointment_id)
        if appointment.status == AppointmentStatus.CANCELLED:
            raise ValueError("a cancelled appointment cannot change status: book again")
        if appointment.status == target:
            return appointment
        if target == AppointmentStatus.CONFIRMED:
            appointment.confirmed_at = now
        self._change(appointment, target, actor, now, note)
        self.session.flush()
        return appointment

    def between(
        self,
        start: datetime,
        end: datetime,
        statuses: Collection[str],
        practitioner_id: str | None = None,
    ) -> list[Appointment]:
        """Appointments in these statuses whose patient time overlaps ``[start, end)``."""
        statement = select(Appointment).where(
            col(Appointment.start) < end,
            col(Appointment.end) > start,
            col(Appointment.status).in_(list(statuses)),
        )
        if practitioner_id is not None:
            statement = statement.where(Appointment.practitioner_id == practitioner_id)
        statement = statement.order_by(col(Appointment.start), col(Appointment.id))
        return list(self.session.exec(statement).all())

    def busy_between(
        self, start: datetime, end: datetime, practitioner_ids: Collection[str] | None = None
    ) -> list[Busy]:
        """Time held by active appointments overlapping ``[start, end)``, buffers included."""
        if practitioner_ids is not None and not practitioner_ids:
            return []
        statement = select(
            Appointment.practitioner_id, Appointment.start, Appointment.busy_until
        ).where(
            col(Appointment.start) < end,
            # Redundant with busy_until > start, but it bounds the index scan.
            col(Appointment.start) > start - MAX_APPOINTMENT_SPAN,
            col(Appointment.busy_until) > start,
            col(Appointment.status) != AppointmentStatus.CANCELLED.value,
        )
        if practitioner_ids is not None:
            statement = statement.where(
                col(Appointment.practitioner_id).in_(list(practitioner_ids))
            )
        statement = statement.order_by(col(Appointment.practitioner_id), col(Appointment.start))
        return [Busy(p, s, until) for p, s, until in self.session.exec(statement).all()]

    def upcoming_for_patient(self, patient_id: int, now: datetime) -> list[Appointment]:
        """A patient's active appointments starting after ``now``, soonest first."""
        statement = (
            select(Appointment)
            .where(
                Appointment.patient_id == patient_id,
                col(Appointment.start) > now,
                col(Appointment.status).in_(ACTIVE_STATUSES),
            )
            .order_by(col(Appointment.start), col(Appointment.id))
        )
        return list(self.session.exec(statement).all())

    def history(self, appointment_id: int) -> list[AppointmentEvent]:
        """Every status change of an appointment, oldest first."""
        statement = (
            select(AppointmentEvent)
            .where(AppointmentEvent.appointment_id == appointment_id)
            .order_by(col(AppointmentEvent.at), col(AppointmentEvent.id))
        )
        return list(self.session.exec(statement).all())

    def _new(self, patient_id: int, slot: Slot, now: datetime) -> Appointment:
        """An unsaved booked appointment for ``slot``."""
        return Appointment(
            patient_id=patient_id,
            practitioner_id=slot.practitioner_id,
            service_id=slot.service_id,
            start=slot.start,
            end=slot.end,
            busy_until=slot.busy_until,
            status=AppointmentStatus.BOOKED.value,
            created_at=now,
            updated_at=now,
        )

    def _get_locked(self, appointment_id: int) -> Appointment:
        """Load an appointment, locking its row on PostgreSQL until the transaction ends."""
        statement = (
            select(Appointment)
            .where(Appointment.id == appointment_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        appointment = self.session.exec(statement).first()
        if appointment is None:
            raise NotFoundError(f"no appointment {appointment_id}")
        return appointment

    def _insert_with_claims(self, appointment: Appointment) -> None:
        """Insert an appointment and claim its cells; ``_CellTakenError`` on a collision."""
        self.session.add(appointment)
        self.session.flush()  # an error here (e.g. unknown patient) is a bug: let it raise
        # Ascending cell order: two writers on PostgreSQL then wait on each
        # other's first shared cell rather than deadlocking.
        rows = [
            {
                "practitioner_id": appointment.practitioner_id,
                "cell_start": cell,
                "appointment_id": appointment.id,
            }
            for cell in claim_cells(appointment.start, appointment.busy_until)
        ]
        try:
            self.session.exec(insert(SlotClaim), params=rows)
        except IntegrityError as error:
            raise _CellTakenError from error
        except OperationalError as error:
            # PostgreSQL: a reschedule (which releases then claims) and a booking
            # can wait on each other's cells. Both wanted the same time, so the
            # transaction the server picks as the deadlock victim lost the slot.
            if getattr(error.orig, "sqlstate", None) == _DEADLOCK_DETECTED:
                raise _CellTakenError from error
            raise

    def _release(self, appointment: Appointment) -> None:
        """Free every cell an appointment holds."""
        self.session.exec(delete(SlotClaim).where(col(SlotClaim.appointment_id) == appointment.id))

    def _change(
        self,
        appointment: Appointment,
        to: AppointmentStatus,
        actor: str,
        now: datetime,
        note: str | None,
    ) -> None:
        """Set a new status and record the change."""
        previous = appointment.status
        appointment.status = to.value
        appointment.updated_at = now
        self._record(appointment, previous, actor, now, note)

    def _record(
        self,
        appointment: Appointment,
        previous: str | None,
        actor: str,
        now: datetime,
        note: str | None = None,
    ) -> None:
        """Add an event for the appointment's current status."""
        assert appointment.id is not None
        self.session.add(
            AppointmentEvent(
                appointment_id=appointment.id,
                at=now,
                from_status=previous,
                to_status=appointment.status,
                actor=actor,
                note=note,
            )
        )

    def forget_reasons(
        self, *, patient_id: int | None = None, before: datetime | None = None
    ) -> int:
        """Reduce the free-text reasons of a patient's appointments (or of those changed
        before ``before``) to their kind: a patient's "text:<words>" becomes "text", a
        staff member's "staff: <words>" becomes "staff". Such words may be health data
        ("hospitalised for…"); the kind is all the figures need. The count changed."""
        changed = 0
        for model, column, when in (
            (Appointment, Appointment.cancel_reason, Appointment.updated_at),
            (AppointmentEvent, AppointmentEvent.note, AppointmentEvent.at),
        ):
            owner = Appointment.id if model is Appointment else AppointmentEvent.appointment_id
            for prefix, kind in _FREE_TEXT_REASONS:
                statement = update(model).where(col(column).like(f"{prefix}%"))
                if patient_id is not None:
                    mine = select(Appointment.id).where(Appointment.patient_id == patient_id)
                    statement = statement.where(col(owner).in_(mine))
                if before is not None:
                    statement = statement.where(col(when) < before)
                result = self.session.exec(
                    statement.values({column: kind}).execution_options(synchronize_session=False)
                )
                changed += result.rowcount
        return changed

    def of_patient(self, patient_id: int) -> list[Appointment]:
        """Every appointment of a patient, past and future, in time order."""
        statement = (
            select(Appointment)
            .where(Appointment.patient_id == patient_id)
            .order_by(col(Appointment.start), col(Appointment.id))
        )
        return list(self.session.exec(statement).all())


class ConversationRepository:
    """Conversation state, one row per chat."""

    def __init__(self, session: Session) -> None:
        """Work in ``session``."""
        self.session = session

    def get_or_create_locked(
        self, channel: str, external_id: str, language: str, *, now: datetime | None = None
    ) -> Conversation:
        """The chat's conversation, created if new, locked until the unit of work ends.

        The lock is what runs one turn per conversation at a time: ``FOR UPDATE``
        on PostgreSQL; on SQLite every unit of work already holds the write lock.
        """
        statement = (
            select(Conversation)
            .where(Conversation.channel == channel, Conversation.external_id == external_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        known = self.session.exec(statement).first()
        if known is not None:  # almost every turn: one statement
            return known
        at = now or _utcnow()
        fresh = Conversation(
            channel=channel,
            external_id=external_id,
            language=language,
            created_at=at,
            updated_at=at,
        )
        # Insert-or-nothing, then read: two first messages from one chat arriving
        # together must not both try to create it.
        _insert_ignoring_conflicts(
            self.session,
            Conversation,
            fresh.model_dump(exclude={"id"}),
            ["channel", "external_id"],
        )
        return self.session.exec(statement).one()

    def peek(self, channel: str, external_id: str) -> Conversation | None:
        """The chat's conversation as it is now, if any (not locked: a read before a turn)."""
        statement = select(Conversation).where(
            Conversation.channel == channel, Conversation.external_id == external_id
        )
        return self.session.exec(statement).first()

    def last_inbound_at(self, channel: str, external_id: str) -> datetime | None:
        """When the chat last had a turn (the patient's last message), if ever."""
        statement = select(Conversation.updated_at).where(
            Conversation.channel == channel, Conversation.external_id == external_id
        )
        value = self.session.exec(statement).first()
        return utc(value) if value is not None else None

    def get(self, conversation_id: int) -> Conversation | None:
        """The conversation with this id, if any (not locked)."""
        return self.session.get(Conversation, conversation_id)

    def save(self, conversation: Conversation, *, now: datetime | None = None) -> None:
        """Write a conversation's state, including changes made inside ``data``."""
        # ``data`` is usually changed in place, which the ORM cannot see.
        flag_modified(conversation, "data")
        conversation.updated_at = now or _utcnow()
        self.session.add(conversation)
        self.session.flush()


class InboundRepository:
    """Inbound platform messages already processed."""

    def __init__(self, session: Session) -> None:
        """Work in ``session``."""
        self.session = session

    def claim(self, channel: str, message_id: str, now: datetime) -> bool:
        """True the first time a message is seen, False for a redelivery."""
        values = {"channel": channel, "message_id": message_id, "processed_at": now}
        inserted = _insert_ignoring_conflicts(
            self.session, ProcessedInbound, values, ["channel", "message_id"]
        )
        return inserted is not None

    def forget_before(self, cutoff: datetime) -> int:
        """Delete records processed before ``cutoff`` (platforms stop redelivering); the count."""
        result = self.session.exec(
            delete(ProcessedInbound).where(col(ProcessedInbound.processed_at) < cutoff)
        )
        return result.rowcount

    def forget(self, channel: str, message_ids: Collection[str]) -> int:
        """Delete the records of these messages of a channel; the count."""
        if not message_ids:
            return 0
        statement = delete(ProcessedInbound).where(
            col(ProcessedInbound.channel) == channel,
            col(ProcessedInbound.message_id).in_(message_ids),
        )
        return self.session.exec(statement).rowcount


class OutboxRepository:
    """Outgoing messages, each sent at most once per idempotency key."""

    def __init__(self, session: Session) -> None:
        """Work in ``session``."""
        self.session = session

    def enqueue(
        self,
        idempotency_key: str,
        channel: str,
        external_id: str,
        kind: str,
        payload: dict[str, Any],
        not_before: datetime,
        patient_id: int | None = None,
        conversation_id: int | None = None,
        *,
        now: datetime | None = None,
    ) -> OutboxMessage | None:
        """Queue a message; None if one with this key was already queued (sent or not)."""
        message = OutboxMessage(
            idempotency_key=idempotency_key,
            channel=channel,
            external_id=external_id,
            kind=kind,
            payload=payload,
            not_before=not_before,
            patient_id=patient_id,
            conversation_id=conversation_id,
            created_at=now or _utcnow(),
        )
        row = _insert_ignoring_conflicts(
            self.session, OutboxMessage, message.model_dump(exclude={"id"}), ["idempotency_key"]
        )
        if row is None:
            return None
        # The message as written, with its new id: reading it back would cost a SELECT
        # per reply (it is not attached to the session; get() it to change it).
        message.id = row[0]
        return message

    def get(self, message_id: int) -> OutboxMessage | None:
        """The outbox message with this id, if any."""
        return self.session.get(OutboxMessage, message_id)

    def due(self, now: datetime, limit: int) -> list[OutboxMessage]:
        """Pending messages whose time has come, oldest ``not_before`` first.

        On PostgreSQL the rows are locked and rows locked by another sender are
        skipped, so two workers never pick the same message.
        """
        statement = (
            select(OutboxMessage)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING.value,
                col(OutboxMessage.not_before) <= now,
            )
            .order_by(col(OutboxMessage.not_before), col(OutboxMessage.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(self.session.exec(statement).all())

    def due_summary(self, now: datetime) -> tuple[int, datetime | None]:
        """How many messages are due and unsent, and since when the oldest has waited."""
        statement = select(func.count(), func.min(OutboxMessage.not_before)).where(
            OutboxMessage.status == OutboxStatus.PENDING.value,
            col(OutboxMessage.not_before) <= now,
        )
        count, oldest = self.session.exec(statement).one()
        return int(count), utc(oldest) if oldest is not None else None

    def mark_sending(self, message_id: int, now: datetime | None = None) -> OutboxMessage:
        """Mark a message as being handed to its channel (commit before sending); the claim
        time tells a worker that died with it from one still at work."""
        message = self._get(message_id)
        message.status = OutboxStatus.SENDING.value
        message.claimed_at = now or _utcnow()
        self.session.flush()
        return message

    def mark_sent(self, message_id: int, provider_message_id: str | None, now: datetime) -> None:
        """Record a successful delivery (one UPDATE: the row is not read first)."""
        statement = (
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == message_id)
            .values(
                status=OutboxStatus.SENT.value,
                attempts=OutboxMessage.attempts + 1,
                provider_message_id=provider_message_id,
                sent_at=now,
            )
            .execution_options(synchronize_session="evaluate")
        )
        if self.session.exec(statement).rowcount == 0:
            raise NotFoundError(f"no outbox message {message_id}")

    def mark_failed(
        self, message_id: int, error: str, now: datetime, retry_at: datetime | None
    ) -> None:
        """Record a failed attempt: pending again at ``retry_at``, or failed for good."""
        message = self._get(message_id)
        message.attempts += 1
        # The error text comes from the provider; keep it short (no payload echo).
        message.last_error = error[:_MAX_ERROR_LENGTH]
        if retry_at is None:
            message.status = OutboxStatus.FAILED.value
        else:
            message.status = OutboxStatus.PENDING.value
            message.not_before = retry_at
        self.session.flush()

    def by_provider_id(self, provider_message_id: str) -> OutboxMessage | None:
        """The message the channel knows by this id (e.g. WhatsApp's wamid)."""
        statement = select(OutboxMessage).where(
            OutboxMessage.provider_message_id == provider_message_id
        )
        return self.session.exec(statement).first()

    def latest_with_choices(self, channel: str, external_id: str) -> OutboxMessage | None:
        """The last reply with buttons sent to a chat (for paging a long list)."""
        statement = (
            select(OutboxMessage)
            .where(
                OutboxMessage.channel == channel,
                OutboxMessage.external_id == external_id,
                OutboxMessage.status == OutboxStatus.SENT.value,
            )
            .order_by(col(OutboxMessage.id).desc())
            .limit(20)
        )
        for message in self.session.exec(statement):
            if message.payload.get("choices"):
                return message
        return None

    def mark_dropped(self, message_id: int, reason: str) -> None:
        """A due message that no longer makes sense: cancelled, with the reason kept."""
        message = self._get(message_id)
        message.status = OutboxStatus.CANCELLED.value
        message.last_error = reason[:_MAX_ERROR_LENGTH]
        self.session.flush()

    def postpone(self, message_ids: Sequence[int], not_before: datetime) -> None:
        """Hold pending messages until ``not_before`` (keeps a turn's replies in order)."""
        if not message_ids:
            return
        statement = (
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id).in_(message_ids),
                col(OutboxMessage.status) == OutboxStatus.PENDING.value,
            )
            .values(not_before=not_before)
            .execution_options(synchronize_session="fetch")
        )
        self.session.exec(statement)

    def give_back(self, message_ids: Sequence[int], not_before: datetime | None = None) -> int:
        """Messages a worker claimed but did not send: pending again (not before
        ``not_before`` if given), no attempt counted; the count given back."""
        if not message_ids:
            return 0
        values: dict[str, Any] = {"status": OutboxStatus.PENDING.value, "claimed_at": None}
        if not_before is not None:
            values["not_before"] = not_before
        statement = (
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id).in_(message_ids),
                col(OutboxMessage.status) == OutboxStatus.SENDING.value,
            )
            .values(**values)
            .execution_options(synchronize_session="fetch")
        )
        return self.session.exec(statement).rowcount

    def cancel_pending(self, prefix: str) -> int:
        """Cancel pending messages whose key starts with ``prefix``; the count."""
        statement = (
            update(OutboxMessage)
            .where(
                col(OutboxMessage.status) == OutboxStatus.PENDING.value,
                col(OutboxMessage.idempotency_key).startswith(prefix, autoescape=True),
            )
            .values(status=OutboxStatus.CANCELLED.value)
            .execution_options(synchronize_session="fetch")
        )
        return self.session.exec(statement).rowcount

    def _get(self, message_id: int) -> OutboxMessage:
        """The message, or ``NotFoundError``."""
        message = self.session.get(OutboxMessage, message_id)
        if message is None:
            raise NotFoundError(f"no outbox message {message_id}")
        return message

    def sent_to_patient(self, patient_id: int) -> list[OutboxMessage]:
        """Messages sent to a patient, oldest first."""
        statement = (
            select(OutboxMessage)
            .where(
                OutboxMessage.patient_id == patient_id,
                OutboxMessage.status == OutboxStatus.SENT.value,
            )
            .order_by(col(OutboxMessage.created_at), col(OutboxMessage.id))
        )
        return list(self.session.exec(statement).all())

    def delete_about_patient(
        self,
        patient_id: int,
        recipients: Collection[tuple[str, str]],
        key_prefixes: Collection[str] = (),
    ) -> list[OutboxMessage]:
        """Delete every message to a patient, to one of their chats (``(channel,
        external_id)``), or whose key starts with one of ``key_prefixes``; the deleted rows."""
        about = [col(OutboxMessage.patient_id) == patient_id]
        about += [
            (col(OutboxMessage.channel) == channel) & (col(OutboxMessage.external_id) == chat)
            for channel, chat in recipients
        ]
        about += [
            col(OutboxMessage.idempotency_key).startswith(prefix, autoescape=True)
            for prefix in key_prefixes
        ]
        rows = list(self.session.exec(select(OutboxMessage).where(or_(*about))).all())
        for row in rows:
            self.session.delete(row)
        self.session.flush()
        return rows

    def purge_before(self, cutoff: datetime) -> int:
        """Delete messages done with (sent, failed, cancelled) created before ``cutoff``, and
        those done with to erased patients whatever their age; the count."""
        done = col(OutboxMessage.status).in_(
            [OutboxStatus.SENT.value, OutboxStatus.FAILED.value, OutboxStatus.CANCELLED.value]
        )
        erased = select(Patient.id).where(col(Patient.erased_at).is_not(None))
        statement = delete(OutboxMessage).where(
            done,
            or_(
                col(OutboxMessage.created_at) < cutoff,
                col(OutboxMessage.patient_id).in_(erased.scalar_subquery()),
            ),
        )
        return self.session.exec(statement.execution_options(synchronize_session=False)).rowcount


class ConsentRepository:
    """Which privacy notice each patient accepted, and when."""

    def __init__(self, session: Session) -> None:
        """Work in ``session``."""
        self.session = session

    def record(self, patient_id: int, notice_version: str, now: datetime) -> ConsentRecord:
        """Record that a patient accepted a notice version."""
        consent = ConsentRecord(
            patient_id=patient_id, notice_version=notice_version, accepted_at=now
        )
        self.session.add(consent)
        self.session.flush()
        return consent

    def current(self, patient_id: int) -> ConsentRecord | None:
        """The patient's latest consent still in force, if any."""
        statement = (
            select(ConsentRecord)
            .where(
                ConsentRecord.patient_id == patient_id, col(ConsentRecord.withdrawn_at).is_(None)
            )
            .order_by(col(ConsentRecord.accepted_at).desc(), col(ConsentRecord.id).desc())
        )
        return self.session.exec(statement).first()

    def withdraw(self, patient_id: int, now: datetime) -> int:
        """Withdraw every consent of a patient still in force; the count."""
        records = self.session.exec(
            select(ConsentRecord).where(
                ConsentRecord.patient_id == patient_id, col(ConsentRecord.withdrawn_at).is_(None)
            )
        ).all()
        for record in records:
            record.withdrawn_at = now
        self.session.flush()
        return len(records)

    def all_for(self, patient_id: int) -> list[ConsentRecord]:
        """Every consent record of a patient, oldest first."""
        statement = (
            select(ConsentRecord)
            .where(ConsentRecord.patient_id == patient_id)
            .order_by(col(ConsentRecord.accepted_at), col(ConsentRecord.id))
        )
        return list(self.session.exec(statement).all())


class AuditRepository:
    """The audit trail of staff and system actions."""

    def __init__(self, session: Session) -> None:
        """Work in ``session``."""
        self.session = session

    def record(
        self, actor: str, action: str, subject: str, detail: dict[str, Any], now: datetime
    ) -> AuditLog:
        """Append an audit entry; ``subject`` and ``detail`` hold ids, never names."""
        entry = AuditLog(at=now, actor=actor, action=action, subject=subject, detail=detail)
        self.session.add(entry)
        self.session.flush()
        return entry

    def recent(self, limit: int = 100) -> list[AuditLog]:
        """The latest entries, newest first."""
        statement = select(AuditLog).order_by(col(AuditLog.at).desc(), col(AuditLog.id).desc())
        return list(self.session.exec(statement.limit(limit)).all())


class TurnLogRepository:
    """Timing and outcome of conversation turns (no text, no names)."""

    def __init__(self, session: Session) -> None:
        """Work in ``session``."""
        self.session = session

    def last_turn_at(self, patient_id: int) -> datetime | None:
        """When the patient last wrote to us or pressed a button, on any channel."""
        statement = (
            select(func.max(TurnLog.at))
            .join(Conversation, col(Conversation.id) == col(TurnLog.conversation_id))
            .where(Conversation.patient_id == patient_id)
        )
        value = self.session.exec(statement).one()
        return utc(value) if value is not None else None

    def record(
        self,
        *,
        conversation_id: int,
        at: datetime,
        inbound_kind: str,
        flow: str,
        step: str,
        latency_ms: float,
        replies: int,
        outcome: str | None = None,
    ) -> TurnLog:
        """Append the log line of one turn."""
        entry = TurnLog(
            conversation_id=conversation_id,
            at=at,
            inbound_kind=inbound_kind,
            flow=flow,
            step=step,
            latency_ms=latency_ms,
            replies=replies,
            outcome=outcome,
        )
        self.session.add(entry)
        self.session.flush()
        return entry

    def count_for_patient(self, patient_id: int) -> int:
        """How many turns (messages and button presses) a patient's chats had."""
        statement = (
            select(func.count())
            .select_from(TurnLog)
            .join(Conversation, col(Conversation.id) == col(TurnLog.conversation_id))
            .where(Conversation.patient_id == patient_id)
        )
        return int(self.session.exec(statement).one())


class WaitlistRepository:
    """Patients waiting for an earlier time, and the times held for them."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        *,
        patient_id: int,
        service_id: str,
        practitioner_id: str | None,
        appointment_id: int | None,
        before: datetime,
        now: datetime,
    ) -> WaitlistEntry:
        """Start waiting (or update the patient's active wait for the same service)."""
        entry = self.session.exec(
            select(WaitlistEntry).where(
                WaitlistEntry.patient_id == patient_id,
                WaitlistEntry.service_id == service_id,
                col(WaitlistEntry.status).in_(_ACTIVE_WAIT),
            )
        ).first() or WaitlistEntry(
            patient_id=patient_id, service_id=service_id, before=before, created_at=now
        )
        entry.practitioner_id = practitioner_id
        entry.appointment_id = appointment_id
        entry.before = before
        self.session.add(entry)
        self.session.flush()
        return entry

    def get(self, entry_id: int) -> WaitlistEntry | None:
        """The entry with this id, if any."""
        return self.session.get(WaitlistEntry, entry_id)

    def active(self) -> list[WaitlistEntry]:
        """Everyone still waiting or holding an offer, first come first served."""
        statement = (
            select(WaitlistEntry)
            .where(col(WaitlistEntry.status).in_(_ACTIVE_WAIT))
            .order_by(col(WaitlistEntry.created_at), col(WaitlistEntry.id))
        )
        return list(self.session.exec(statement).all())

    def offer(
        self, entry: WaitlistEntry, practitioner_id: str, start: datetime, hold_until: datetime
    ) -> None:
        """Hold a time for this patient until ``hold_until``."""
        entry.status = WaitlistStatus.OFFERED.value
        entry.offered_practitioner_id = practitioner_id
        entry.offered_start = start
        entry.hold_until = hold_until
        self.session.add(entry)
        self.session.flush()

    def close(self, entry: WaitlistEntry, status: WaitlistStatus) -> None:
        """Stop waiting: done (booked) or cancelled."""
        entry.status = status.value
        entry.hold_until = None
        self.session.add(entry)
        self.session.flush()

    def release(self, entry: WaitlistEntry) -> None:
        """The hold ran out: wait again (the time offered is remembered, not re-offered)."""
        entry.status = WaitlistStatus.WAITING.value
        entry.hold_until = None
        self.session.add(entry)
        self.session.flush()

    def holds(self, now: datetime) -> list[WaitlistEntry]:
        """Offers whose hold is still running."""
        statement = select(WaitlistEntry).where(
            WaitlistEntry.status == WaitlistStatus.OFFERED.value,
            col(WaitlistEntry.hold_until) > now,
        )
        return list(self.session.exec(statement).all())

    def of_patient(self, patient_id: int) -> list[WaitlistEntry]:
        """Every waitlist entry of a patient, oldest first."""
        statement = (
            select(WaitlistEntry)
            .where(WaitlistEntry.patient_id == patient_id)
            .order_by(col(WaitlistEntry.created_at), col(WaitlistEntry.id))
        )
        return list(self.session.exec(statement).all())


_ACTIVE_WAIT = (WaitlistStatus.WAITING.value, WaitlistStatus.OFFERED.value)


class HandoffRepository:
    """Conversations handed to a person."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def open(self, *, conversation_id: int, patient_id: int, reason: str, now: datetime) -> Handoff:
        """Hand a conversation to staff (the open handoff it has already, if any)."""
        current = self.open_for(conversation_id)
        if current is not None:
            return current
        handoff = Handoff(
            conversation_id=conversation_id, patient_id=patient_id, reason=reason, opened_at=now
        )
        self.session.add(handoff)
        self.session.flush()
        return handoff

    def get(self, handoff_id: int) -> Handoff | None:
        """The handoff with this id, if any."""
        return self.session.get(Handoff, handoff_id)

    def open_for(self, conversation_id: int) -> Handoff | None:
        """The conversation's open handoff, if a person holds it."""
        statement = select(Handoff).where(
            Handoff.conversation_id == conversation_id,
            Handoff.status == HandoffStatus.OPEN.value,
        )
        return self.session.exec(statement).first()

    def by_topic(self, topic_id: int) -> Handoff | None:
        """The handoff whose staff topic this is (the latest, if reused)."""
        statement = (
            select(Handoff).where(Handoff.topic_id == topic_id).order_by(col(Handoff.id).desc())
        )
        return self.session.exec(statement).first()

    def open_ones(self) -> list[Handoff]:
        """Every open handoff, oldest first."""
        statement = (
            select(Handoff)
            .where(Handoff.status == HandoffStatus.OPEN.value)
            .order_by(col(Handoff.opened_at))
        )
        return list(self.session.exec(statement).all())

    def close(self, handoff: Handoff, *, by: str, now: datetime) -> None:
        """Give the conversation back to the bot."""
        handoff.status = HandoffStatus.CLOSED.value
        handoff.closed_at = now
        handoff.closed_by = by
        self.session.add(handoff)
        self.session.flush()

    def save(self, handoff: Handoff) -> None:
        """Write changes made to a handoff (topic, reply and reminder times)."""
        self.session.add(handoff)
        self.session.flush()

    def of_patient(self, patient_id: int) -> list[Handoff]:
        """Every handoff of a patient, oldest first."""
        statement = select(Handoff).where(Handoff.patient_id == patient_id)
        return list(self.session.exec(statement.order_by(col(Handoff.id))).all())


class BlockRepository:
    """Practitioner time blocked by staff from the chat."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        *,
        practitioner_id: str,
        start: datetime,
        end: datetime,
        reason: str | None,
        by: str,
        now: datetime,
    ) -> PractitionerBlock:
        """Block ``[start, end)`` for a practitioner."""
        block = PractitionerBlock(
            practitioner_id=practitioner_id,
            start=start,
            end=end,
            reason=reason,
            created_by=by,
            created_at=now,
        )
        self.session.add(block)
        self.session.flush()
        return block

    def busy_between(
        self, start: datetime, end: datetime, practitioner_ids: Collection[str] | None = None
    ) -> list[Busy]:
        """Blocks overlapping ``[start, end)``, as busy time."""
        statement = select(PractitionerBlock).where(
            col(PractitionerBlock.start) < end, col(PractitionerBlock.end) > start
        )
        if practitioner_ids is not None:
            statement = statement.where(
                col(PractitionerBlock.practitioner_id).in_(practitioner_ids)
            )
        return [Busy(b.practitioner_id, b.start, b.end) for b in self.session.exec(statement).all()]
