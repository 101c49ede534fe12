"""The storage contract: every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError
from sqlmodel import SQLModel, col, select

from clinic.model import Busy, Slot
from storage.db import Database, alembic_config, normalize_url
from storage.models import (
    Appointment,
    AppointmentStatus,
    ChannelIdentity,
    OutboxStatus,
    Patient,
    SlotClaim,
)
from storage.repositories import NotFoundError, SlotTaken, claim_cells
from tests.integration.conftest import MakeSlot

PARIS = ZoneInfo("Europe/Paris")


def _claims(database: Database, appointment_id: int | None) -> list[datetime]:
    """The cells an appointment holds, in order."""
    with database.unit_of_work() as uow:
        statement = (
            select(SlotClaim)
            .where(SlotClaim.appointment_id == appointment_id)
            .order_by(col(SlotClaim.cell_start))
        )
        return [claim.cell_start for claim in uow.session.exec(statement)]


def _book(
    database: Database, patient_id: int, slot: Slot, now: datetime
) -> Appointment | SlotTaken:
    """Book in a unit of work of its own and commit."""
    with database.unit_of_work() as uow:
        result = uow.appointments.book(patient_id=patient_id, slot=slot, actor="patient", now=now)
        uow.commit()
    return result


# --- schema -----------------------------------------------------------------


def test_migrated_schema_matches_the_models(database: Database) -> None:
    """Alembic's head schema and the SQLModel tables agree: autogenerate finds no diff."""
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_migrations_upgrade_idempotently_and_downgrade_to_nothing(
    database_url: URL | str,
) -> None:
    """A new database migrates to head (twice harmlessly) and back down to no tables."""
    database = Database(database_url)
    try:
        database.migrate()
        database.migrate()
        tables = set(inspect(database.engine).get_table_names())
        assert tables >= {table.name for table in SQLModel.metadata.sorted_tables}
        with database.engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}
    finally:
        database.dispose()


def test_in_memory_sqlite_works_for_quick_tests(now: datetime, make_slot: MakeSlot) -> None:
    """``sqlite:///:memory:`` migrates and books across units of work (one shared connection)."""
    database = Database("sqlite:///:memory:")
    try:
        database.migrate()
        with database.unit_of_work() as uow:
            patient = uow.patients.create_with_identity("terminal", "me", "en", now=now)
            uow.commit()
        assert patient.id is not None
        assert isinstance(_book(database, patient.id, make_slot(9), now), Appointment)
        assert isinstance(_book(database, patient.id, make_slot(9), now), SlotTaken)
    finally:
        database.dispose()


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("postgres://u@h/db", "postgresql+psycopg"),
        ("postgresql://u@h/db", "postgresql+psycopg"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg"),
        ("sqlite:///x.db", "sqlite"),
    ],
)
def test_database_urls_are_normalized_to_the_psycopg_driver(given: str, driver: str) -> None:
    """Every PostgreSQL spelling operators paste ends up on psycopg 3."""
    assert normalize_url(given).drivername == driver


def test_unsupported_database_is_refused_with_a_hint() -> None:
    """A MySQL URL is refused with a message naming the supported ones."""
    with pytest.raises(ValueError, match="sqlite"):
        Database("mysql://u@h/db")


# --- patients -----------------------------------------------------------------


def test_patient_is_found_by_identity_and_created_once(database: Database, now: datetime) -> None:
    """Creating a patient for a known identity returns the existing patient."""
    with database.unit_of_work() as uow:
        first = uow.patients.create_with_identity("telegram", "77", "fr", now=now)
        again = uow.patients.create_with_identity("telegram", "77", "en", now=now)
        uow.commit()
    assert first.id == again.id
    with database.unit_of_work() as uow:
        found = uow.patients.by_identity("telegram", "77")
        assert found is not None
        assert found.id == first.id
        assert found.language == "fr"
        assert found.created_at == now
        assert uow.patients.by_identity("whatsapp", "77") is None
        assert uow.session.exec(select(Patient)).all() == [found]


def test_identity_belongs_to_one_patient(database: Database, now: datetime) -> None:
    """A second identity can be linked; one already owned by another patient cannot."""
    with database.unit_of_work() as uow:
        alice = uow.patients.create_with_identity("telegram", "1", "fr", now=now)
        bob = uow.patients.create_with_identity("telegram", "2", "fr", now=now)
        assert alice.id is not None
        assert bob.id is not None
        uow.patients.add_identity(alice.id, "whatsapp", "+33600000001", now=now)
        # Linking the same identity again to its owner is harmless.
        uow.patients.add_identity(alice.id, "whatsapp", "+33600000001", now=now)
        with pytest.raises(ValueError, match="another patient"):
            uow.patients.add_identity(bob.id, "telegram", "1", now=now)
        uow.commit()
        identities = [(i.channel, i.external_id) for i in uow.patients.identities(alice.id)]
    assert identities == [("telegram", "1"), ("whatsapp", "+33600000001")]


def test_identity_uniqueness_is_a_database_constraint(database: Database, now: datetime) -> None:
    """Even bypassing the repository, one (channel, external_id) cannot be stored twice."""
    with database.unit_of_work() as uow:
        patient = uow.patients.create_with_identity("telegram", "1", "fr", now=now)
        assert patient.id is not None
        uow.session.add(
            ChannelIdentity(
                patient_id=patient.id, channel="telegram", external_id="1", created_at=now
            )
        )
        with pytest.raises(IntegrityError):
            uow.session.flush()


def test_patient_update_changes_given_fields_and_checks_phone(
    database: Database, patient_id: int, now: datetime
) -> None:
    """update() changes only what is passed; a phone not in E.164 form is refused."""
    with database.unit_of_work() as uow:
        uow.patients.update(patient_id, phone="+33612345678", opted_out=True)
        with pytest.raises(ValueError, match=r"E\.164"):
            uow.patients.update(patient_id, phone="06 12 34 56 78")
        with pytest.raises(NotFoundError):
            uow.patients.update(999_999, opted_out=True)
        uow.commit()
    with database.unit_of_work() as uow:
        patient = uow.patients.get(patient_id)
        assert patient is not None
        assert (patient.phone, patient.opted_out, patient.unreachable) == (
            "+33612345678",
            True,
            False,
        )
        assert patient.language == "fr"


# --- booking ------------------------------------------------------------------


def test_booking_claims_every_cell_including_the_buffer(
    database: Database, patient_id: int, now: datetime, make_slot: MakeSlot
) -> None:
    """A 30-minute visit with a 10-minute buffer holds eight 5-minute cells."""
    slot = make_slot(9, 0, minutes=30, buffer=10)
    booked = _book(database, patient_id, slot, now)
    assert isinstance(booked, Appointment)
    assert booked.status == AppointmentStatus.BOOKED
    assert (booked.start, booked.end, booked.busy_until) == (slot.start, slot.end, slot.busy_until)
    cells = _claims(database, booked.id)
    assert cells == [slot.start + timedelta(minutes=5 * i) for i in range(8)]


def test_a_taken_slot_is_an_answer_not_an_error(
    database: Database, patient_id: int, now: datetime, make_slot: MakeSlot
) -> None:
    """Booking held time returns SlotTaken, and the unit of work stays usable."""
    first = make_slot(9, 0, minutes=30, buffer=10)
    with database.unit_of_work() as uow:
        assert isinstance(
            uow.appointments.book(patient_id=patient_id, slot=first, actor="patient", now=now),
            Appointment,
        )
        overlapping = make_slot(9, 35, minutes=20)  # lands in the buffer
        taken = uow.appointments.book(
            patient_id=patient_id, slot=overlapping, actor="patient", now=now
        )
        assert taken == SlotTaken(overlapping)
        # Still usable after the failed claim: more work, then commit.
        right_after = make_slot(9, 40, minutes=20)
        other_doctor = make_slot(9, 0, practitioner="dr-b")
        for slot in (right_after, other_doctor):
            booked = uow.appointments.book(
                patient_id=patient_id, slot=slot, actor="patient", now=now
            )
            assert isinstance(booked, Appointment)
        uow.commit()
    with database.unit_of_work() as uow:
        rows = uow.session.exec(select(Appointment).order_by(col(Appointment.id))).all()
        assert [(a.practitioner_id, a.start) for a in rows] == [
            ("dr-a", first.start),
            ("dr-a", right_after.start),
            ("dr-b", other_doctor.start),
        ]


def test_book_refuses_nonsense_slots(database: Database, patient_id: int, now: datetime) -> None:
    """Naive, inverted or day-long slots are programming errors, not SlotTaken."""
    start = datetime(2025, 6, 3, 9, 0, tzinfo=UTC)
    bad = [
        Slot(
            start.replace(tzinfo=None),
            start.replace(tzinfo=None) + timedelta(minutes=30),
            start.replace(tzinfo=None) + timedelta(minutes=30),
            "dr-a",
            "s",
        ),
        Slot(start, start, start, "dr-a", "s"),
        Slot(start, start + timedelta(minutes=30), start + timedelta(minutes=20), "dr-a", "s"),
        Slot(start, start + timedelta(hours=25), start + timedelta(hours=25), "dr-a", "s"),
    ]
    with database.unit_of_work() as uow:
        for slot in bad:
            with pytest.raises(ValueError, match="slot"):
                uow.appointments.book(patient_id=patient_id, slot=slot, actor="patient", now=now)


def test_cancel_frees_the_time_and_is_idempotent(
    database: Database, patient_id: int, now: datetime, make_slot: MakeSlot
) -> None:
    """After a cancel the same slot can be booked again; cancelling twice changes nothing."""
    slot = make_slot(10)
    booked = _book(database, patient_id, slot, now)
    assert isinstance(booked, Appointment)
    assert booked.id is not None
    later = now + timedelta(hours=1)
    with database.unit_of_work() as uow:
        cancelled = uow.appointments.cancel(
            booked.id, reason="patient asked", actor="patient", now=later
        )
        again = uow.appointments.cancel(booked.id, reason="twice", actor="patient", now=later)
        uow.commit()
    assert cancelled.status == again.status == AppointmentStatus.CANCELLED
    assert again.cancel_reason == "patient asked"
    assert _claims(database, booked.id) == []
    assert isinstance(_book(database, patient_id, slot, later), Appointment)
    with database.unit_of_work() as uow:
        events = uow.appointments.history(booked.id)
        with pytest.raises(NotFoundError):
            uow.appointments.cancel(999_999, reason="x", actor="patient", now=later)
    assert [(e.from_status, e.to_status, e.actor) for e in events] == [
        (None, "booked", "patient"),
        ("booked", "cancelled", "patient"),
    ]


def test_reschedule_onto_overlapping_time_of_the_same_practitioner(
    database: Database, patient_id: int, now: datetime, make_slot: MakeSlot
) -> None:
    """Moving a 30-minute visit 15 minutes later works although the times overlap."""
    old_slot, new_slot = make_slot(11, 0, buffer=5), make_slot(11, 15, buffer=5)
    old = _book(database, patient_id, old_slot, now)
    assert isinstance(old, Appointment)
    assert old.id is not None
    with database.unit_of_work() as uow:
        new = uow.appointments.reschedule(old.id, new_slot, "patient", now)
        uow.commit()
    assert isinstance(new, Appointment)
    assert new.rescheduled_from_id == old.id
    assert (new.start, new.busy_until, new.patient_id) == (
        new_slot.start,
        new_slot.busy_until,
        patient_id,
    )
    assert _claims(database, old.id) == []
    assert _claims(database, new.id) == claim_cells(new_slot.start, new_slot.busy_until)
    with database.unit_of_work() as uow:
        reloaded = uow.appointments.get(old.id)
        assert reloaded is not None
        assert (reloaded.status, reloaded.cancel_reason) == ("cancelled", "rescheduled")
        assert [e.to_status for e in uow.appointments.history(old.id)] == ["booked", "cancelled"]
        assert new.id is not None
        assert uow.appointments.history(new.id)[0].note == f"rescheduled from {old.id}"
    # The freed first 15 minutes are bookable again.
    assert isinstance(_book(database, patient_id, make_slot(11, 0, minutes=15), now), Appointment)


def test_reschedule_onto_taken_time_leaves_the_old_appointment_untouched(
    database: Database, patient_id: int, now: datetime, make_slot: MakeSlot
) -> None:
    """If the new slot is held, reschedule returns SlotTaken and the old booking stands."""
    mine = _book(database, patient_id, make_slot(14), now)
    theirs = _book(database, patient_id, make_slot(15), now)
    assert isinstance(mine, Appointment)
    assert isinstance(theirs, Appointment)
    assert mine.id is not None
    target = make_slot(14, 45)
    with database.unit_of_work() as uow:
        assert uow.appointments.reschedule(mine.id, target, "patient", now) == SlotTaken(target)
        uow.commit()
    with database.unit_of_work() as uow:
        reloaded = uow.appointments.get(mine.id)
        assert reloaded is not None
        assert reloaded.status == AppointmentStatus.BOOKED
        assert len(uow.appointments.history(mine.id)) == 1
        assert len(uow.session.exec(select(Appointment)).all()) == 2
    assert len(_claims(database, mine.id)) == 6
    assert isinstance(_book(database, patient_id, make_slot(14), now), SlotTaken)


def test_status_changes_are_recorded_and_no_show_keeps_the_time(
    database: Database, patient_id: int, now: datetime, make_slot: MakeSlot
) -> None:
    """Confirm stamps confirmed_at; a no-show still holds its time; history lists all."""
    slot = make_slot(16)
    booked = _book(database, patient_id, slot, now)
    assert isinstance(booked, Appointment)
    assert booked.id is not None
    t1, t2 = now + timedelta(hours=1), now + timedelta(days=1, hours=9)
    with database.unit_of_work() as uow:
        confirmed = uow.appointments.set_status(
            booked.id, AppointmentStatus.CONFIRMED, "patient", t1
        )
        assert confirmed.confirmed_at == t1
        uow.appointments.set_status(booked.id, "no_show", "staff:7", t2, note="did not come")
        with pytest.raises(ValueError, match="cancel"):
            uow.appointments.set_status(booked.id, AppointmentStatus.CANCELLED, "staff:7", t2)
        uow.commit()
    assert isinstance(_book(database, patient_id, slot, t2), SlotTaken)
    with database.unit_of_work() as uow:
        history = uow.appointments.history(booked.id)
    assert [(e.from_status, e.to_status, e.actor, e.note, e.at) for e in history] == [
        (None, "booked", "patient", None, now),
        ("booked", "confirmed", "patient", None, t1),
        ("confirmed", "no_show", "staff:7", "did not come", t2),
    ]


def test_busy_between_lists_active_overlapping_time(
    database: Database, patient_id: int, now: datetime, make_slot: MakeSlot
) -> None:
    """Busy intervals include buffers, skip cancelled visits and honour the window and filter."""
    a = make_slot(9, 0, buffer=10)  # busy 09:00-09:40
    b = make_slot(10, 0, practitioner="dr-b")  # busy 10:00-10:30
    c = make_slot(12, 0)  # cancelled below
    d = make_slot(9, 0)  # the day after: outside the window
    d = Slot(
        d.start + timedelta(days=1),
        d.end + timedelta(days=1),
        d.busy_until + timedelta(days=1),
        d.practitioner_id,
        d.service_id,
    )
    ids = {}
    for name, slot in {"a": a, "b": b, "c": c, "d": d}.items():
        booked = _book(database, patient_id, slot, now)
        assert isinstance(booked, Appointment)
        ids[name] = booked.id
    with database.unit_of_work() as uow:
        cancel_id = ids["c"]
        assert cancel_id is not None
        uow.appointments.cancel(cancel_id, reason="x", actor="patient", now=now)
        uow.commit()
    day_start = a.start.replace(hour=0)
    with database.unit_of_work() as uow:
        busy = uow.appointments.busy_between(day_start, day_start + timedelta(days=1))
        assert busy == [Busy("dr-a", a.start, a.busy_until), Busy("dr-b", b.start, b.busy_until)]
        assert uow.appointments.busy_between(
            day_start, day_start + timedelta(days=1), ["dr-b"]
        ) == [Busy("dr-b", b.start, b.busy_until)]
        assert uow.appointments.busy_between(day_start, day_start + timedelta(days=1), []) == []
        # [start, end) on both sides: touching intervals do not overlap.
        assert uow.appointments.busy_between(a.busy_until, b.start) == []
        edge = uow.appointments.busy_between(a.busy_until - timedelta(minutes=1), b.start)
        assert edge == [Busy("dr-a", a.start, a.busy_until)]


def test_upcoming_for_patient_lists_future_active_visits_in_order(
    database: Database, patient_id: int, now: datetime, make_slot: MakeSlot
) -> None:
    """Only the patient's future, not-cancelled appointments, soonest first."""
    late, early, gone = make_slot(15), make_slot(9), make_slot(12)
    booked = {s: _book(database, patient_id, s, now) for s in (late, early, gone)}
    with database.unit_of_work() as uow:
        other = uow.patients.create_with_identity("telegram", "other", "fr", now=now)
        assert other.id is not None
        uow.appointments.book(patient_id=other.id, slot=make_slot(10), actor="patient", now=now)
        gone_appointment = booked[gone]
        assert isinstance(gone_appointment, Appointment)
        assert gone_appointment.id is not None
        uow.appointments.cancel(gone_appointment.id, reason="x", actor="patient", now=now)
        uow.commit()
        upcoming = uow.appointments.upcoming_for_patient(patient_id, now)
        assert [a.start for a in upcoming] == [early.start, late.start]
        assert uow.appointments.upcoming_for_patient(patient_id, late.start) == []


# --- conversations, inbound, outbox ------------------------------------------------


def test_conversation_is_created_once_and_saves_data_changed_in_place(
    database: Database, now: datetime
) -> None:
    """get_or_create_locked creates a row the first time; save() persists in-place edits."""
    with database.unit_of_work() as uow:
        conversation = uow.conversations.get_or_create_locked("telegram", "55", "fr", now=now)
        assert (conversation.flow, conversation.data, conversation.handoff) == ("idle", {}, False)
        conversation.flow, conversation.step = "booking", "pick_day"
        conversation.data["service"] = "consult"
        uow.conversations.save(conversation, now=now + timedelta(seconds=1))
        uow.commit()
    with database.unit_of_work() as uow:
        again = uow.conversations.get_or_create_locked("telegram", "55", "en", now=now)
        assert again.id == conversation.id
        assert (again.flow, again.step, again.language) == ("booking", "pick_day", "fr")
        assert again.data == {"service": "consult"}
        assert again.updated_at == now + timedelta(seconds=1)


def test_inbound_claim_is_true_once_per_message(database: Database, now: datetime) -> None:
    """A redelivered message is recognised; the same id on another channel is new."""
    with database.unit_of_work() as uow:
        assert uow.inbound.claim("telegram", "m1", now) is True
        assert uow.inbound.claim("telegram", "m1", now) is False
        assert uow.inbound.claim("whatsapp", "m1", now) is True
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.inbound.claim("telegram", "m1", now) is False
        assert uow.inbound.forget_before(now + timedelta(days=1)) == 2
        assert uow.inbound.claim("telegram", "m1", now) is True


def test_outbox_keys_are_idempotent(database: Database, now: datetime) -> None:
    """A second enqueue with the same key is ignored, even after the first was sent."""
    payload = {"text": "Rappel", "buttons": [["Oui", "yes"]]}
    with database.unit_of_work() as uow:
        first = uow.outbox.enqueue("reminder:48h:1", "telegram", "55", "reminder", payload, now)
        assert first is not None
        assert first.id is not None
        assert first.status == OutboxStatus.PENDING
        assert first.attempts == 0
        assert uow.outbox.enqueue("reminder:48h:1", "telegram", "55", "reminder", {}, now) is None
        uow.outbox.mark_sent(first.id, "tg-991", now)
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.outbox.enqueue("reminder:48h:1", "telegram", "55", "reminder", {}, now) is None
        sent = uow.outbox.get(first.id)
        assert sent is not None
        assert (sent.status, sent.provider_message_id, sent.sent_at) == ("sent", "tg-991", now)
        assert sent.payload == payload
        assert uow.outbox.due(now + timedelta(days=9), 10) == []


def test_outbox_due_order_retries_and_failures(database: Database, now: datetime) -> None:
    """due() returns pending messages whose time came, oldest first; failures retry or stop."""
    with database.unit_of_work() as uow:
        for key, minutes in [("b", 10), ("a", 5), ("future", 60), ("c", 10)]:
            uow.outbox.enqueue(key, "telegram", "1", "reply", {}, now + timedelta(minutes=minutes))
        uow.commit()
    at = now + timedelta(minutes=30)
    with database.unit_of_work() as uow:
        due = uow.outbox.due(at, 10)
        assert [m.idempotency_key for m in due] == ["a", "b", "c"]
        assert [m.idempotency_key for m in uow.outbox.due(at, 2)] == ["a", "b"]
        a, b = due[0].id, due[1].id
        assert a is not None
        assert b is not None
        uow.outbox.mark_failed(a, "timeout", at, retry_at=at + timedelta(minutes=5))
        uow.outbox.mark_failed(b, "x" * 2000, at, retry_at=None)
        uow.commit()
    with database.unit_of_work() as uow:
        assert [m.idempotency_key for m in uow.outbox.due(at, 10)] == ["c"]
        retried = uow.outbox.due(at + timedelta(minutes=5), 10)
        assert [m.idempotency_key for m in retried] == ["c", "a"]  # by not_before
        assert (retried[1].attempts, retried[1].last_error) == (1, "timeout")
        failed = uow.outbox.get(b)
        assert failed is not None
        assert failed.status == OutboxStatus.FAILED
        assert failed.last_error is not None
        assert len(failed.last_error) == 500


def test_outbox_cancel_pending_by_prefix(database: Database, now: datetime) -> None:
    """cancel_pending matches a literal prefix (``_`` and ``%`` are not wildcards)."""
    with database.unit_of_work() as uow:
        for key in ["reminder:1:24h", "reminder:1:2h", "reminder:12:24h", "reminder:1_x", "r%"]:
            uow.outbox.enqueue(key, "telegram", "1", "reminder", {}, now)
        sent = uow.outbox.enqueue("reminder:1:sent", "telegram", "1", "reminder", {}, now)
        assert sent is not None
        assert sent.id is not None
        uow.outbox.mark_sent(sent.id, None, now)
        assert uow.outbox.cancel_pending("reminder:1:") == 2
        assert uow.outbox.cancel_pending("reminder:1_") == 1
        assert uow.outbox.cancel_pending("r%") == 1
        uow.commit()
        assert [m.idempotency_key for m in uow.outbox.due(now, 10)] == ["reminder:12:24h"]


# --- consent, audit, turn log -----------------------------------------------------


def test_consent_audit_and_turn_log(database: Database, patient_id: int, now: datetime) -> None:
    """Consent can be given and withdrawn; audit and turn log entries are stored as given."""
    with database.unit_of_work() as uow:
        uow.consents.record(patient_id, "2025-01", now)
        assert (current := uow.consents.current(patient_id)) is not None
        assert current.notice_version == "2025-01"
        assert uow.consents.withdraw(patient_id, now + timedelta(days=1)) == 1
        assert uow.consents.current(patient_id) is None
        uow.audit.record("staff:7", "export", f"patient:{patient_id}", {"format": "json"}, now)
        conversation = uow.conversations.get_or_create_locked("telegram", "9", "fr", now=now)
        assert conversation.id is not None
        uow.turns.record(
            conversation_id=conversation.id,
            at=now,
            inbound_kind="text",
            flow="booking",
            step="pick_day",
            latency_ms=12.5,
            replies=2,
        )
        uow.commit()
    with database.unit_of_work() as uow:
        [entry] = uow.audit.recent()
        assert (entry.actor, entry.action, entry.detail, entry.at) == (
            "staff:7",
            "export",
            {"format": "json"},
            now,
        )


# --- time and transactions ------------------------------------------------------


@pytest.mark.parametrize(
    "local",
    [
        datetime(2025, 3, 30, 1, 30, tzinfo=PARIS),  # just before the spring-forward gap
        datetime(2025, 3, 30, 3, 30, tzinfo=PARIS),  # just after it
        datetime(2025, 10, 26, 2, 30, fold=0, tzinfo=PARIS),  # first 02:30 (summer time)
        datetime(2025, 10, 26, 2, 30, fold=1, tzinfo=PARIS),  # second 02:30 (winter time)
    ],
)
def test_datetimes_round_trip_as_aware_utc(
    database: Database, patient_id: int, local: datetime
) -> None:
    """A local DST-day time is stored as the right UTC instant and read back aware in UTC."""
    instant = local.astimezone(UTC)
    slot = Slot(local, local + timedelta(minutes=30), local + timedelta(minutes=30), "dr-a", "s")
    booked = _book(database, patient_id, slot, local)
    assert isinstance(booked, Appointment)
    with database.unit_of_work() as uow:
        reloaded = uow.appointments.get(booked.id or 0)
        assert reloaded is not None
        assert reloaded.start == instant
        assert reloaded.start.tzinfo is UTC
        assert reloaded.created_at.tzinfo is UTC
        assert reloaded.start.utcoffset() == timedelta(0)
        assert (reloaded.start.hour, reloaded.start.minute) == (instant.hour, instant.minute)


def test_naive_datetimes_are_refused(database: Database, patient_id: int, now: datetime) -> None:
    """Writing a naive datetime fails instead of guessing its zone."""
    with database.unit_of_work() as uow:
        with pytest.raises(StatementError) as raised:
            uow.consents.record(patient_id, "v1", now.replace(tzinfo=None))
        assert isinstance(raised.value.orig, ValueError)


def test_leaving_without_commit_or_on_error_keeps_nothing(
    database: Database, patient_id: int, now: datetime, make_slot: MakeSlot
) -> None:
    """A unit of work that raises, or ends without commit, leaves no trace."""

    def crashing_turn() -> None:
        with database.unit_of_work() as uow:
            uow.appointments.book(
                patient_id=patient_id, slot=make_slot(9), actor="patient", now=now
            )
            uow.outbox.enqueue("k1", "telegram", "1", "reply", {}, now)
            raise RuntimeError("the flow crashed")

    with pytest.raises(RuntimeError, match="crashed"):
        crashing_turn()
    with database.unit_of_work() as uow:
        uow.appointments.book(patient_id=patient_id, slot=make_slot(9), actor="patient", now=now)
        uow.inbound.claim("telegram", "m1", now)
    with database.unit_of_work() as uow:
        assert uow.session.exec(select(Appointment)).all() == []
        assert uow.session.exec(select(SlotClaim)).all() == []
        assert uow.outbox.due(now, 10) == []
        assert uow.inbound.claim("telegram", "m1", now) is True
    assert isinstance(_book(database, patient_id, make_slot(9), now), Appointment)


def test_read_only_unit_of_work_reads_beside_an_open_writer(
    database: Database, patient_id: int, now: datetime, make_slot: MakeSlot
) -> None:
    """A read-only unit of work neither waits for an open writer nor sees its uncommitted work."""
    committed = make_slot(9)
    assert isinstance(_book(database, patient_id, committed, now), Appointment)
    with database.unit_of_work() as writer:
        writer.appointments.book(
            patient_id=patient_id, slot=make_slot(10), actor="patient", now=now
        )
        with database.unit_of_work(read_only=True) as reader:
            day = committed.start.replace(hour=0)
            busy = reader.appointments.busy_between(day, day + timedelta(days=1))
        writer.commit()
    assert busy == [Busy("dr-a", committed.start, committed.busy_until)]


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_read_only_unit_of_work_refuses_writes_on_postgres(
    database: Database, patient_id: int, now: datetime
) -> None:
    """On PostgreSQL the read-only transaction is enforced by the server."""
    with database.unit_of_work(read_only=True) as uow, pytest.raises(DBAPIError, match="read-only"):
        uow.consents.record(patient_id, "v1", now)
