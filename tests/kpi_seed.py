"""A small clinic history to check the KPI report against, written through the repositories.

The report covers Monday 2 to Sunday 15 November 2026 (weeks 45 and 46) in
Paris (UTC+1 then); "now" is Friday 20 November. What each record is for, and
whether it counts, is said where it is written; ``tests/integration/test_kpi.py``
adds the figures up by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from clinic.model import Slot
from storage.db import Database, UnitOfWork
from storage.models import Appointment, AppointmentStatus, WaitlistStatus

FIRST_DAY = date(2026, 11, 2)
LAST_DAY = date(2026, 11, 15)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

DOCTOR = "dr-martin"
SERVICE = "consult-gp"


def at(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 11) -> datetime:
    """A UTC moment in 2026."""
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


def slot(start: datetime) -> Slot:
    """A 30-minute GP slot."""
    return Slot(
        start, start + timedelta(minutes=30), start + timedelta(minutes=30), DOCTOR, SERVICE
    )


@dataclass
class Seeded:
    """Ids of what was written, for tests that look closer."""

    patients: dict[str, int] = field(default_factory=dict)
    appointments: dict[str, int] = field(default_factory=dict)
    conversations: dict[str, int] = field(default_factory=dict)


def seed_kpi_history(database: Database) -> Seeded:
    """Write the history; every "now" is the moment the thing happened."""
    seeded = Seeded()
    with database.unit_of_work() as uow:
        for name, channel, language in (
            ("p1", "telegram", "fr"),
            ("p2", "whatsapp", "en"),
            ("p3", "telegram", "fr"),
            ("p4", "telegram", "fr"),
            ("p5", "telegram", "en"),
            ("p6", "telegram", "fr"),
        ):
            patient = uow.patients.create_with_identity(
                channel, f"chat-{name}", language, now=at(1, 8, month=10)
            )
            assert patient.id is not None
            seeded.patients[name] = patient.id
        _appointments(uow, seeded)
        _reminders(uow, seeded)
        _conversations(uow, seeded)
        uow.commit()
    return seeded


def _book(
    uow: UnitOfWork,
    seeded: Seeded,
    name: str,
    patient: str,
    start: datetime,
    booked: datetime,
    actor: str = "patient",
) -> int:
    appointment = uow.appointments.book(
        patient_id=seeded.patients[patient], slot=slot(start), actor=actor, now=booked
    )
    assert isinstance(appointment, Appointment) and appointment.id is not None, appointment
    seeded.appointments[name] = appointment.id
    return appointment.id


def _appointments(uow: UnitOfWork, seeded: Seeded) -> None:
    book = uow.appointments
    # A1: booked by the patient Monday 2nd (week 45), seen Thursday 5th: missed.
    a1 = _book(uow, seeded, "a1", "p1", at(5, 9), booked=at(2, 8))
    book.set_status(a1, AppointmentStatus.NO_SHOW, actor="staff:1", now=at(5, 10))
    # A2: booked Sunday 1st 23:30 UTC = Monday 2nd 00:30 in Paris: inside week 45.
    a2 = _book(uow, seeded, "a2", "p2", at(6, 10), booked=at(1, 23, 30))
    book.set_status(a2, AppointmentStatus.COMPLETED, actor="staff:1", now=at(6, 11))
    # A3: booked by staff, not through the bot; a visit of week 46, came.
    a3 = _book(uow, seeded, "a3", "p3", at(10, 9), booked=at(3, 9), actor="staff:1")
    book.set_status(a3, AppointmentStatus.COMPLETED, actor="staff:1", now=at(10, 10))
    # A4: booked Monday 9th (week 46), reminded, confirmed, due Thursday 12th.
    a4 = _book(uow, seeded, "a4", "p1", at(12, 9), booked=at(9, 10))
    book.set_status(a4, AppointmentStatus.CONFIRMED, actor="patient", now=at(10, 12))
    # A5: booked Tuesday 3rd (week 45), cancelled by the patient on the 4th.
    a5 = _book(uow, seeded, "a5", "p4", at(13, 9), booked=at(3, 10))
    book.cancel(a5, reason="unavailable", actor="patient", now=at(4, 9))
    # A6: the freed time, offered to p5 from the waitlist and taken (week 45); missed.
    entry = uow.waitlist.add(
        patient_id=seeded.patients["p5"],
        service_id=SERVICE,
        practitioner_id=None,
        appointment_id=None,
        before=at(30, 0),
        now=at(2, 15),
    )
    uow.waitlist.offer(entry, DOCTOR, at(13, 9), hold_until=at(4, 9, 15))
    a6 = _book(uow, seeded, "a6", "p5", at(13, 9), booked=at(4, 9, 5))
    uow.waitlist.close(entry, WaitlistStatus.DONE)
    book.set_status(a6, AppointmentStatus.NO_SHOW, actor="staff:1", now=at(13, 10))
    # A7: booked Tuesday 10th (week 46) for the 30th, moved on the 11th to 1 December (A8):
    # a move is neither a booking nor a cancellation.
    a7 = _book(uow, seeded, "a7", "p6", at(30, 9), booked=at(10, 9))
    moved = book.reschedule(a7, slot(at(1, 9, month=12)), actor="patient", now=at(11, 9))
    assert isinstance(moved, Appointment) and moved.id is not None
    seeded.appointments["a8"] = moved.id
    # A9: booked Sunday 15th 23:30 UTC = Monday 16th in Paris: after the period.
    _book(uow, seeded, "a9", "p2", at(2, 9, month=12), booked=at(15, 23, 30))
    # A10: booked in October, cancelled by staff on the 12th: a cancellation of the period.
    a10 = _book(uow, seeded, "a10", "p3", at(25, 9), booked=at(20, 9, month=10))
    book.cancel(a10, reason="doctor away", actor="staff:1", now=at(12, 8))


def _reminders(uow: UnitOfWork, seeded: Seeded) -> None:
    ids = seeded.appointments

    def reminder(appointment: str, label: str, sent: datetime | None, patient: str) -> None:
        row = uow.outbox.enqueue(
            idempotency_key=f"appt:{ids[appointment]}:reminder:{label}",
            channel="telegram",
            external_id=f"chat-{patient}",
            kind="reminder",
            payload={"text": "…"},
            not_before=sent or at(30, 9),
            patient_id=seeded.patients[patient],
            now=(sent or at(30, 9)) - timedelta(days=5),
        )
        assert row is not None and row.id is not None
        if sent is not None:
            uow.outbox.mark_sent(row.id, None, sent)

    reminder("a4", "48h", at(10, 9), "p1")  # reminded, confirmed at 12:00 after it
    reminder("a4", "2h", at(12, 7), "p1")  # a second reminder of the same visit
    reminder("a8", "48h", at(14, 9), "p6")  # reminded, not confirmed
    reminder("a1", "48h", None, "p1")  # never sent: does not count
    reminder("a2", "48h", at(30, 9, month=10), "p2")  # sent before the period


def _conversations(uow: UnitOfWork, seeded: Seeded) -> None:
    def conversation(name: str, patient: str, channel: str, language: str) -> int:
        row = uow.conversations.get_or_create_locked(
            channel, f"chat-{patient}", language, now=at(1, 8, month=10)
        )
        row.patient_id = seeded.patients[patient]
        uow.conversations.save(row)
        assert row.id is not None
        seeded.conversations[name] = row.id
        return row.id

    def turn(conversation_id: int, moment: datetime, replies: list[tuple[float, float]]) -> None:
        """A patient message at ``moment``; each reply (written after, sent after) in seconds."""
        uow.turns.record(
            conversation_id=conversation_id,
            at=moment,
            inbound_kind="text",
            flow="idle",
            step="start",
            latency_ms=3.0,
            replies=len(replies),
        )
        for written, sent in replies:
            row = uow.outbox.enqueue(
                idempotency_key=f"reply:test:{conversation_id}:{moment.isoformat()}:{written}:{sent}",
                channel="telegram",
                external_id="chat",
                kind="reply",
                payload={"text": "…"},
                not_before=moment,
                conversation_id=conversation_id,
                now=moment + timedelta(seconds=written),
            )
            assert row is not None and row.id is not None
            if sent >= 0:
                uow.outbox.mark_sent(row.id, None, moment + timedelta(seconds=sent))

    c1 = conversation("c1", "p1", "telegram", "fr")
    turn(c1, at(2, 8), [(0, 2)])  # first reply after 2 s
    turn(c1, at(2, 8, 1), [(0, 1), (0, 5)])  # first of two after 1 s
    c2 = conversation("c2", "p2", "whatsapp", "en")
    turn(c2, at(3, 9), [(0, 4)])  # 4 s
    turn(c2, at(3, 9, 5), [])  # asks for a person: no bot reply to time
    h1 = uow.handoffs.open(
        conversation_id=c2, patient_id=seeded.patients["p2"], reason="asked", now=at(3, 9, 5)
    )
    h1.staff_replied_at = at(3, 9, 35)  # waited 30 minutes
    uow.handoffs.save(h1)
    c3 = conversation("c3", "p4", "telegram", "fr")
    turn(c3, at(4, 10), [(3, 6)])  # answered by the LLM after the turn: 6 s
    turn(c3, at(4, 10, 2), [(0, 3), (0, -1)])  # 3 s (the second reply never went)
    c4 = conversation("c4", "p5", "telegram", "en")
    turn(c4, at(5, 12), [(0, 10)])  # 10 s
    uow.handoffs.open(
        conversation_id=c4, patient_id=seeded.patients["p5"], reason="medical", now=at(5, 12, 1)
    )
    c5 = conversation("c5", "p6", "telegram", "fr")
    turn(c5, at(30, 9, month=10), [(0, 1)])  # before the period
    turn(c5, at(6, 9), [])  # in the period, held by a person since October: the bot is quiet
    # Opened in October and still open: not one of the period's handoffs, but c5 is held.
    uow.handoffs.open(
        conversation_id=c5,
        patient_id=seeded.patients["p6"],
        reason="asked",
        now=at(30, 9, month=10),
    )
    # A staff member's relayed answer is a reply without a conversation: not the bot's.
    uow.outbox.enqueue(
        idempotency_key="handoff:test:staff:1",
        channel="whatsapp",
        external_id="chat-p2",
        kind="reply",
        payload={"text": "…"},
        not_before=at(3, 9, 35),
        patient_id=seeded.patients["p2"],
        now=at(3, 9, 35),
    )
