"""A patient's data is theirs: /mydata exports it, /forget erases it, old messages expire.

Conversation tests through the real engine, on SQLite and PostgreSQL; the operator's
``carebot patients`` commands run as a real process.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import SQLModel, col, select

from bot.engine import Engine
from bot.i18n import Translator
from bot.messages import Reply
from bot.privacy import DEFAULT_KEEP, purge_old_messages
from bot.settings import DEFAULT_CLINIC_FILE
from clinic.config import ClinicConfig
from clinic.loader import load_clinic_file
from scheduler.alerts import STAFF_ALERT
from storage.db import Database
from storage.models import Appointment, AppointmentStatus, OutboxMessage, Patient, ProcessedInbound
from tests.chat import MovableClock, ScriptedPatient, with_staff
from tests.cli import carebot
from tests.integration.test_conversations import book_gp

#: Wednesday 2 December 2026, 09:00 in Paris.
START = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
STAFF_GROUP = -100777
CHAT_ID = "tg-5550001"
NAME = "Alice Martin"
PHONES = ("+33612345678", "33612345678", "0612345678", "06 12 34 56 78", "612345678")


@pytest.fixture(scope="module")
def clinic() -> ClinicConfig:
    """The sample clinic, with a staff group to alert."""
    return with_staff(load_clinic_file(DEFAULT_CLINIC_FILE), group=STAFF_GROUP)


@pytest.fixture
def engine(database: Database, clinic: ClinicConfig) -> Engine:
    """The engine on a fresh database, at START."""
    return Engine(database, lambda: clinic, clock=MovableClock(START))


@pytest.fixture
def alice(engine: Engine) -> ScriptedPatient:
    """A French-speaking patient with a booked GP consultation."""
    patient = ScriptedPatient(engine, CHAT_ID, locale="fr")
    book_gp(patient)
    assert patient.sees("C'est réservé")
    return patient


def all_appointments(engine: Engine) -> list[Appointment]:
    """Every appointment, oldest first."""
    with engine.database.unit_of_work(read_only=True) as uow:
        return list(uow.session.exec(select(Appointment).order_by(col(Appointment.id))))


def everything_stored(database: Database) -> str:
    """Every value of every row of every table, as one lower-case text."""
    parts = []
    with database.unit_of_work(read_only=True) as uow:
        for table in SQLModel.metadata.sorted_tables:
            for row in uow.session.execute(table.select()):
                parts += [str(value) for value in row]
    return "\n".join(parts).casefold()


def test_mydata_sends_a_document_of_everything_stored(
    alice: ScriptedPatient, engine: Engine, clinic: ClinicConfig
) -> None:
    """/mydata: a text file with the name, phone, chat, appointment time and our messages."""
    [booked] = all_appointments(engine)
    alice.says("/mydata")
    assert alice.sees("Voici tout ce que nous conservons")
    document = alice.replies[0].document
    assert document is not None and document.filename == "mes-donnees.txt"
    text = document.content.decode("utf-8")
    assert NAME in text and "+33612345678" in text and CHAT_ID in text
    assert Translator("fr", clinic.zone).when(booked.start) in text
    assert "C'est réservé" in text, "the messages we sent are listed"
    assert "Messages que vous nous avez envoyés" in text
    with engine.database.unit_of_work(read_only=True) as uow:
        assert "privacy.exported" in {e.action for e in uow.audit.recent(limit=5)}


def test_forget_asks_first_and_no_keeps_everything(alice: ScriptedPatient, engine: Engine) -> None:
    """/forget asks for confirmation; "no" erases nothing and cancels nothing."""
    alice.says("/forget")
    assert alice.sees("effacions toutes vos données")
    alice.presses("Non")
    assert alice.sees("je n'efface rien")
    [booked] = all_appointments(engine)
    assert booked.status == AppointmentStatus.BOOKED
    with engine.database.unit_of_work(read_only=True) as uow:
        patient = uow.patients.get(booked.patient_id)
        assert patient is not None and patient.display_name == NAME
        assert patient.erased_at is None


def test_forget_cancels_tells_staff_frees_the_slot_and_leaves_no_trace(
    alice: ScriptedPatient, engine: Engine
) -> None:
    """Yes: upcoming appointments cancelled, staff told by patient number only, and no
    table holds the name, the phone (any form) or the chat id; the time is bookable again."""
    [booked] = all_appointments(engine)
    alice.says("/forget")
    alice.presses("Oui, tout effacer")
    assert alice.sees("Au revoir")
    [cancelled] = all_appointments(engine)
    assert cancelled.status == AppointmentStatus.CANCELLED
    with engine.database.unit_of_work(read_only=True) as uow:
        alerts = uow.session.exec(
            select(OutboxMessage).where(OutboxMessage.kind == STAFF_ALERT)
        ).all()
        [alert] = [a for a in alerts if a.idempotency_key == f"alert:erased:{booked.patient_id}"]
        assert f"n°{booked.patient_id}" in alert.payload["text"]
        assert NAME not in alert.payload["text"]
        patient = uow.patients.get(booked.patient_id)
        assert patient is not None and patient.erased_at is not None and patient.opted_out
    with engine.database.unit_of_work() as uow:
        # The goodbye went out; the next retention sweep removes it as it is to an erased patient.
        purge_old_messages(uow, START)
        uow.commit()
    stored = everything_stored(engine.database)
    assert NAME.casefold() not in stored
    assert not [phone for phone in PHONES if phone in stored]
    assert CHAT_ID not in stored
    bob = ScriptedPatient(engine, "tg-5550002", locale="en")
    book_gp(bob)
    assert bob.sees("booked")
    rebooked = all_appointments(engine)[-1]
    assert (rebooked.start, rebooked.practitioner_id) == (booked.start, booked.practitioner_id)
    assert rebooked.patient_id != booked.patient_id


def test_writing_again_after_erasure_starts_afresh(alice: ScriptedPatient, engine: Engine) -> None:
    """The same chat writing after erasure is a new patient: nothing of the old is shown."""
    alice.says("/forget")
    alice.presses("Oui, tout effacer")
    alice.says("/appointments")
    assert alice.sees("aucun rendez-vous à venir")
    with engine.database.unit_of_work(read_only=True) as uow:
        patients = uow.session.exec(select(Patient).order_by(col(Patient.id))).all()
    assert [p.erased_at is None for p in patients] == [False, True]


def test_retention_purges_old_sent_messages_and_keeps_pending_ones(database: Database) -> None:
    """Sent, failed and cancelled messages older than the retention go; pending ones stay,
    and so do recent ones."""
    old, recent = START - DEFAULT_KEEP - timedelta(days=1), START - timedelta(days=1)
    with database.unit_of_work() as uow:
        ids = {}
        for name, at in (("old-sent", old), ("old-pending", old), ("recent-sent", recent)):
            row = uow.outbox.enqueue(
                idempotency_key=name,
                channel="terminal",
                external_id="someone",
                kind="reply",
                payload=Reply(name).to_payload(),
                not_before=at,
                now=at,
            )
            assert row is not None and row.id is not None
            ids[name] = row.id
        uow.outbox.mark_sent(ids["old-sent"], None, old)
        uow.outbox.mark_sent(ids["recent-sent"], None, recent)
        uow.inbound.claim("terminal", "old-message", old)
        uow.inbound.claim("terminal", "recent-message", recent)
        uow.commit()
    with database.unit_of_work() as uow:
        assert purge_old_messages(uow, START) == 2
        uow.commit()
    with database.unit_of_work(read_only=True) as uow:
        kept = uow.session.exec(select(OutboxMessage.idempotency_key)).all()
        assert sorted(kept) == ["old-pending", "recent-sent"]
        inbound = uow.session.exec(select(ProcessedInbound.message_id)).all()
        assert inbound == ["recent-message"]


def test_operator_exports_and_erases_a_patient(tmp_path: Path) -> None:
    """`patients export` prints the document; `patients forget` wants --yes, then erases."""
    script = "1\n1\n1\n1\n3\n1\nJean Dupont\n06 12 34 56 78\n1\n/quit\n"  # 1: I agree
    assert carebot("chat", "--as", "jean", cwd=tmp_path, stdin=script).returncode == 0
    exported = carebot("patients", "export", "1", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert "Jean Dupont" in exported.stdout and "+33612345678" in exported.stdout
    refused = carebot("patients", "forget", "1", cwd=tmp_path)
    assert refused.returncode == 1 and "--yes" in refused.stderr
    erased = carebot("patients", "forget", "1", "--yes", cwd=tmp_path)
    assert erased.returncode == 0, erased.stderr
    assert "1 upcoming appointment(s) cancelled" in erased.stdout
    again = carebot("patients", "export", "1", cwd=tmp_path)
    assert "Jean Dupont" not in again.stdout and "+33612345678" not in again.stdout
    missing = carebot("patients", "forget", "42", "--yes", cwd=tmp_path)
    assert missing.returncode == 1 and "no patient 42" in missing.stderr


def cancel_with_reason(alice: ScriptedPatient, reason: str) -> None:
    """Cancel the booked appointment and type why."""
    alice.says("mes rendez-vous")
    alice.presses("Annuler n°1")
    alice.presses("Oui, annuler")
    alice.says(reason)
    assert alice.sees("Merci")


REASON = "hospitalisée pour une dépression sévère, rappelez le 06 98 76 54 32"


def test_forget_leaves_no_cancellation_reason(alice: ScriptedPatient, engine: Engine) -> None:
    """A reason typed when cancelling (health data) is gone after /forget, from the
    appointment and its history; the figures keep only that a reason was typed."""
    cancel_with_reason(alice, REASON)
    assert "dépression" in everything_stored(engine.database)
    alice.says("/forget")
    alice.presses("Oui, tout effacer")
    stored = everything_stored(engine.database)
    assert "dépression" not in stored and "06 98 76 54 32" not in stored
    [cancelled] = all_appointments(engine)
    assert cancelled.cancel_reason == "text"


def test_retention_forgets_cancellation_reasons(
    alice: ScriptedPatient, engine: Engine, clinic: ClinicConfig
) -> None:
    """The retention sweep reduces free-text reasons older than the retention to "text";
    younger ones stay for the staff."""
    cancel_with_reason(alice, REASON)
    with engine.database.unit_of_work() as uow:
        purge_old_messages(uow, START + timedelta(days=30), timedelta(days=90))
        uow.commit()
    assert "dépression" in everything_stored(engine.database), "younger than the retention"
    with engine.database.unit_of_work() as uow:
        purge_old_messages(uow, START + timedelta(days=91), timedelta(days=90))
        uow.commit()
    assert "dépression" not in everything_stored(engine.database)
