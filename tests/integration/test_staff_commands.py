"""Staff commands from the clinic's chat: the agenda, no-shows, arrivals, cancellations,
blocked time and open handoffs, on SQLite and PostgreSQL, as a staff member types them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import col, func, select

from bot.desk import Desk, SlotQuery
from bot.messages import Choice, Reply
from bot.settings import DEFAULT_CLINIC_FILE
from bot.staff import (
    StaffContext,
    is_staff,
    refuse,
    run_staff_button,
    run_staff_command,
)
from clinic.config import ClinicConfig
from clinic.loader import load_clinic_file
from clinic.model import Slot
from storage.db import Database, UnitOfWork
from storage.models import (
    Appointment,
    AppointmentEvent,
    AppointmentStatus,
    AuditLog,
    OutboxMessage,
    OutboxStatus,
    PractitionerBlock,
)
from tests.chat import plain, with_staff
from tests.kpi_seed import NOW as KPI_NOW
from tests.kpi_seed import seed_kpi_history

STAFF = 111
STRANGER = 999
#: Monday 7 December 2026, 10:00 in Paris.
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
TODAY = date(2026, 12, 7)
TOMORROW = date(2026, 12, 8)


@pytest.fixture(scope="module")
def clinic() -> ClinicConfig:
    """The sample clinic, with one staff member on the list."""
    return with_staff(load_clinic_file(DEFAULT_CLINIC_FILE), users=[STAFF])


# --- helpers ---------------------------------------------------------------------------


def _slot(clinic: ClinicConfig, practitioner: str, service: str, day: date, at: str) -> Slot:
    """A slot at a local day and time."""
    hours, minutes = (int(part) for part in at.split(":"))
    start = datetime.combine(day, time(hours, minutes), clinic.zone).astimezone(UTC)
    spec = clinic.service(service)
    end = start + spec.duration
    return Slot(start, end, end + spec.buffer_after, practitioner, service)


def _book(
    database: Database,
    clinic: ClinicConfig,
    slot: Slot,
    *,
    name: str,
    language: str = "fr",
    chat: str | None = None,
    status: AppointmentStatus | None = None,
) -> int:
    """A named patient on Telegram with an appointment at ``slot``; its id."""
    with database.unit_of_work() as uow:
        patient = uow.patients.create_with_identity(
            "telegram", chat or f"chat-{name}", language, now=NOW - timedelta(days=10)
        )
        assert patient.id is not None
        uow.patients.update(patient.id, display_name=name)
        booked = uow.appointments.book(
            patient_id=patient.id, slot=slot, actor="patient", now=NOW - timedelta(days=10)
        )
        assert isinstance(booked, Appointment) and booked.id is not None
        if status is not None:
            uow.appointments.set_status(booked.id, status, "patient", NOW - timedelta(days=1))
        uow.commit()
        return booked.id


def _context(uow: UnitOfWork, clinic: ClinicConfig, now: datetime) -> StaffContext:
    return StaffContext(
        uow=uow, clinic=clinic, staff_user_id=STAFF, staff_name="Julie", now=now, language="fr"
    )


def _command(
    database: Database, clinic: ClinicConfig, text: str, now: datetime = NOW
) -> list[Reply]:
    """What the bot answers a staff member typing ``text`` (committed, as the adapter does)."""
    with database.unit_of_work() as uow:
        replies = run_staff_command(_context(uow, clinic, now), text)
        uow.commit()
    _check_buttons(replies)
    return replies


def _press(database: Database, clinic: ClinicConfig, data: str, now: datetime = NOW) -> list[Reply]:
    """What the bot answers a staff member pressing the button ``data``."""
    with database.unit_of_work() as uow:
        replies = run_staff_button(_context(uow, clinic, now), data)
        uow.commit()
    _check_buttons(replies)
    return replies


def _check_buttons(replies: list[Reply]) -> None:
    """Every button fits Telegram's 64-byte callback data and comes back to this module."""
    for reply in replies:
        for choice in reply.choices:
            assert len(choice.data.encode("utf-8")) <= 64, choice.data
            assert choice.data.startswith(("st:", "m:")), choice.data


def _text(replies: list[Reply]) -> str:
    return plain("\n".join(reply.text for reply in replies))


def _choices(replies: list[Reply]) -> list[Choice]:
    return [choice for reply in replies for choice in reply.choices]


def _status(database: Database, appointment_id: int) -> str:
    with database.unit_of_work(read_only=True) as uow:
        appointment = uow.appointments.get(appointment_id)
        assert appointment is not None
        return appointment.status


def _outbox(database: Database) -> list[OutboxMessage]:
    with database.unit_of_work(read_only=True) as uow:
        return list(uow.session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))))


def _audit(database: Database) -> list[AuditLog]:
    with database.unit_of_work(read_only=True) as uow:
        return list(uow.session.exec(select(AuditLog).order_by(col(AuditLog.id))))


def _snapshot(database: Database) -> tuple[object, ...]:
    """Everything a staff command may change, to check that nothing did."""
    with database.unit_of_work(read_only=True) as uow:
        statuses = list(uow.session.exec(select(Appointment.id, Appointment.status)))
        counts = [
            uow.session.exec(select(func.count()).select_from(model)).one()
            for model in (AppointmentEvent, AuditLog, OutboxMessage, PractitionerBlock)
        ]
        pending = uow.session.exec(
            select(func.count()).where(OutboxMessage.status == OutboxStatus.PENDING.value)
        ).one()
    return (sorted(statuses), counts, pending)


# --- /agenda ---------------------------------------------------------------------------


def test_agenda_lists_the_day_per_practitioner_in_time_order_with_statuses(
    database: Database, clinic: ClinicConfig
) -> None:
    """Today by default: each practitioner's appointments in order, with local time,
    service, patient name, id and status; cancelled ones and other days left out."""
    late = _book(
        database, clinic, _slot(clinic, "dr-martin", "consult-gp", TODAY, "11:00"), name="Bruno"
    )
    early = _book(
        database,
        clinic,
        _slot(clinic, "dr-martin", "consult-gp", TODAY, "09:00"),
        name="Alice",
        status=AppointmentStatus.CONFIRMED,
    )
    came = _book(
        database,
        clinic,
        _slot(clinic, "dr-benali", "vaccination", TODAY, "09:30"),
        name="Chloé",
        status=AppointmentStatus.COMPLETED,
    )
    gone = _book(
        database, clinic, _slot(clinic, "dr-benali", "consult-gp", TODAY, "15:00"), name="Denis"
    )
    with database.unit_of_work() as uow:
        uow.appointments.cancel(gone, reason="patient", actor="patient", now=NOW)
        uow.commit()
    _book(database, clinic, _slot(clinic, "dr-martin", "consult-gp", TOMORROW, "09:00"), name="Eve")

    replies = _command(database, clinic, "/agenda@carebot_bot")

    text = _text(replies)
    assert "lundi 7 décembre" in text
    martin, benali = text.index("Dr Claire Martin"), text.index("Dr Karim Benali")
    assert martin < text.index("09:00 ✅") < text.index("11:00 ⏳") < benali
    assert f"09:00 ✅ Consultation de médecine générale — Alice (n°{early})" in text
    assert f"— Bruno (n°{late})" in text
    assert "09:30 ✔️" in text and f"Chloé (n°{came})" in text
    assert "Denis" not in text and "Eve" not in text
    assert [c.data for c in _choices(replies)] == ["st:ag:2026-12-06", "st:ag:2026-12-08"]
    tomorrow = _text(_press(database, clinic, "st:ag:2026-12-08"))
    assert "mardi 8 décembre" in tomorrow and "Eve" in tomorrow and "Alice" not in tomorrow
    assert "Eve" in _text(_command(database, clinic, "/agenda demain"))
    assert "Eve" in _text(_command(database, clinic, "/agenda 2026-12-08"))
    assert "Aucun rendez-vous" in _text(_command(database, clinic, "/agenda 2026-12-09"))


# --- /noshow ---------------------------------------------------------------------------


def test_noshow_marks_the_missed_visit_and_plans_the_kind_follow_up(
    database: Database, clinic: ClinicConfig
) -> None:
    """Without an id, buttons of today's started appointments; pressing one marks the
    no-show, plans the follow-up message and audits it under the staff member's id."""
    missed = _book(
        database, clinic, _slot(clinic, "dr-martin", "consult-gp", TODAY, "09:00"), name="Alice"
    )
    later = _book(
        database, clinic, _slot(clinic, "dr-martin", "consult-gp", TODAY, "11:00"), name="Bruno"
    )

    offered = _command(database, clinic, "/noshow")
    assert [c.data for c in _choices(offered)] == [f"st:ns:{missed}"]
    assert "Alice" in _choices(offered)[0].label

    replies = _press(database, clinic, f"st:ns:{missed}")

    assert "Marqué absent" in _text(replies) and "Alice" in _text(replies)
    assert _status(database, missed) == AppointmentStatus.NO_SHOW
    assert _status(database, later) == AppointmentStatus.BOOKED
    keys = [m.idempotency_key for m in _outbox(database)]
    assert f"appt:{missed}:noshow:1" in keys
    audit = [a for a in _audit(database) if a.subject == f"appointment:{missed}"]
    assert [(a.actor, a.action) for a in audit] == [(f"staff:{STAFF}", "appointment.no_show")]
    again = _command(database, clinic, f"/noshow {missed}")
    assert "marqué absent : rien n'a été modifié" in _text(again)


def test_noshow_before_the_start_is_refused_and_changes_nothing(
    database: Database, clinic: ClinicConfig
) -> None:
    """A no-show can only be marked once the appointment has started."""
    later = _book(
        database, clinic, _slot(clinic, "dr-martin", "consult-gp", TODAY, "11:00"), name="Bruno"
    )
    before = _snapshot(database)

    replies = _command(database, clinic, f"/noshow {later}")

    assert "n'a pas encore commencé" in _text(replies) and "11:00" in _text(replies)
    assert _snapshot(database) == before
    assert not any(m.idempotency_key.endswith(":noshow:1") for m in _outbox(database))


# --- /arrived --------------------------------------------------------------------------


def test_arrived_completes_the_appointment_and_drops_its_pending_messages(
    database: Database, clinic: ClinicConfig
) -> None:
    """The visit is marked completed by the staff member, audited, and nothing more is
    sent about it."""
    visit = _book(
        database, clinic, _slot(clinic, "dr-martin", "consult-gp", TODAY, "10:15"), name="Alice"
    )
    with database.unit_of_work() as uow:
        uow.outbox.enqueue(
            f"appt:{visit}:reminder:2h", "telegram", "chat-Alice", "reminder", {}, NOW, now=NOW
        )
        uow.commit()

    offered = _command(database, clinic, "/arrived")
    assert [c.data for c in _choices(offered)] == [f"st:ar:{visit}"]
    replies = _command(database, clinic, f"/arrived {visit}")

    assert "Arrivé" in _text(replies)
    assert _status(database, visit) == AppointmentStatus.COMPLETED
    with database.unit_of_work(read_only=True) as uow:
        assert uow.appointments.history(visit)[-1].actor == f"staff:{STAFF}"
    assert [m.status for m in _outbox(database)] == [OutboxStatus.CANCELLED]
    assert ("appointment.completed", f"appointment:{visit}") in [
        (a.action, a.subject) for a in _audit(database)
    ]
    tomorrow = _book(
        database, clinic, _slot(clinic, "dr-martin", "consult-gp", TOMORROW, "09:00"), name="Eve"
    )
    assert "à partir d'une heure avant" in _text(_command(database, clinic, f"/arrived {tomorrow}"))
    assert _status(database, tomorrow) == AppointmentStatus.BOOKED


# --- /cancel ---------------------------------------------------------------------------


def test_cancel_tells_the_patient_in_their_language_and_frees_the_slot(
    database: Database, clinic: ClinicConfig
) -> None:
    """The patient hears it kindly, in English, with a "book again" button, but never
    the staff's internal reason; the time is bookable again."""
    slot = _slot(clinic, "dr-martin", "consult-gp", TOMORROW, "15:00")
    visit = _book(database, clinic, slot, name="Grace", language="en", chat="5001")
    query = SlotQuery("consult-gp", "dr-martin", on_day=TOMORROW)
    with database.unit_of_work() as uow:
        assert slot.start not in [s.start for s in Desk(uow, clinic, NOW).free_slots(query, 50)]
        uow.outbox.enqueue(
            f"appt:{visit}:reminder:48h", "telegram", "5001", "reminder", {}, NOW, now=NOW
        )
        uow.commit()

    replies = _command(database, clinic, f"/cancel {visit} doctor ill, see note 42b")

    assert "Annulé" in _text(replies) and "prévenu" in _text(replies)
    assert _status(database, visit) == AppointmentStatus.CANCELLED
    messages = {m.idempotency_key: m for m in _outbox(database)}
    assert messages[f"appt:{visit}:reminder:48h"].status == OutboxStatus.CANCELLED
    told = messages[f"staffcancel:{visit}"]
    assert (told.channel, told.external_id, told.kind) == ("telegram", "5001", "reply")
    reply = Reply.from_payload(told.payload)
    assert "cancelled by the clinic" in reply.text
    assert "Tuesday, December 8" in plain(reply.text) and "3:00 PM" in plain(reply.text)
    assert "Julie" in reply.text and "42b" not in reply.text and "ill" not in reply.text
    assert reply.choices == (Choice("m:book", "📅 Book again"),)
    with database.unit_of_work(read_only=True) as uow:
        assert slot.start in [s.start for s in Desk(uow, clinic, NOW).free_slots(query, 50)]
    audit = [a for a in _audit(database) if a.action == "appointment.cancelled"]
    assert [(a.actor, a.subject) for a in audit] == [(f"staff:{STAFF}", f"appointment:{visit}")]
    assert "42b" not in str(audit[0].detail)


def test_cancel_without_an_id_offers_buttons_then_asks_to_confirm(
    database: Database, clinic: ClinicConfig
) -> None:
    """Today's and tomorrow's appointments still to come; a confirmation before acting;
    "keep" changes nothing and a second "yes" cancels nothing twice."""
    started = _book(
        database, clinic, _slot(clinic, "dr-martin", "consult-gp", TODAY, "09:00"), name="Alice"
    )
    coming = _book(
        database, clinic, _slot(clinic, "dr-martin", "consult-gp", TOMORROW, "09:00"), name="Eve"
    )
    _book(
        database,
        clinic,
        _slot(clinic, "dr-martin", "consult-gp", date(2026, 12, 10), "09:00"),
        name="Far",
    )

    offered = _command(database, clinic, "/cancel")
    assert [c.data for c in _choices(offered)] == [f"st:cx:{coming}"]
    asked = _press(database, clinic, f"st:cx:{coming}")
    assert "Annuler ce rendez-vous" in _text(asked) and "Eve" in _text(asked)
    assert [c.data for c in _choices(asked)] == [f"st:cy:{coming}", "st:no"]
    assert _status(database, coming) == AppointmentStatus.BOOKED
    assert "rien n'a été modifié" in _text(_press(database, clinic, "st:no"))

    _press(database, clinic, f"st:cy:{coming}")
    assert _status(database, coming) == AppointmentStatus.CANCELLED
    before = _snapshot(database)
    assert "déjà annulé" in _text(_press(database, clinic, f"st:cy:{coming}"))
    assert "a déjà commencé" in _text(_command(database, clinic, f"/cancel {started}"))
    assert _snapshot(database) == before
    assert [m.idempotency_key for m in _outbox(database)] == [f"staffcancel:{coming}"]


# --- /block ----------------------------------------------------------------------------


def test_block_creates_the_block_lists_who_is_booked_and_hides_the_time(
    database: Database, clinic: ClinicConfig
) -> None:
    """The booked patients inside are listed with a cancel button each; no slot inside the
    block is offered any more; the block is audited with ids only."""
    inside = _book(
        database, clinic, _slot(clinic, "dr-martin", "consult-gp", TOMORROW, "15:00"), name="Grace"
    )
    _book(database, clinic, _slot(clinic, "dr-martin", "consult-gp", TOMORROW, "09:00"), name="Eve")
    _book(
        database, clinic, _slot(clinic, "dr-benali", "consult-gp", TOMORROW, "15:00"), name="Other"
    )

    replies = _command(database, clinic, "/block martin 2026-12-08 14:00 18:00 formation")

    text = _text(replies)
    assert "Bloqué pour Dr Claire Martin" in text and "14:00–18:00" in text
    assert f"n°{inside} Grace" in text and "15:00" in text
    assert "Eve" not in text and "Other" not in text
    assert [c.data for c in _choices(replies)] == [f"st:cx:{inside}"]
    start = datetime(2026, 12, 8, 13, 0, tzinfo=UTC)
    end = datetime(2026, 12, 8, 17, 0, tzinfo=UTC)
    with database.unit_of_work(read_only=True) as uow:
        blocks = list(uow.session.exec(select(PractitionerBlock)))
        slots = Desk(uow, clinic, NOW).free_slots(
            SlotQuery("consult-gp", "dr-martin", on_day=TOMORROW), limit=100
        )
    assert [(b.practitioner_id, b.start, b.end, b.reason) for b in blocks] == [
        ("dr-martin", start, end, "formation")
    ]
    assert blocks[0].created_by == f"staff:{STAFF}"
    assert slots and not [s for s in slots if s.start < end and s.busy_until > start]
    audit = [a for a in _audit(database) if a.action == "practitioner.blocked"]
    assert audit[0].subject == f"block:{blocks[0].id}"
    assert audit[0].detail == {"practitioner_id": "dr-martin", "appointments": [inside]}
    assert _status(database, inside) == AppointmentStatus.BOOKED
    agenda = _text(_command(database, clinic, "/agenda demain"))
    assert "⛔ 14:00–18:00 bloqué" in agenda


@pytest.mark.parametrize(
    ("command", "practitioner", "start", "end"),
    [
        ("/block Dr Benali demain 14h 16h30", "dr-benali", (8, 14, 0), (8, 16, 30)),
        ("/block dr-roussel 2026-12-08 congés", "dr-roussel", (8, 0, 0), (9, 0, 0)),
        ("/block benali 2026-12-08 2026-12-10 congés", "dr-benali", (8, 0, 0), (11, 0, 0)),
        ("/block martin aujourd'hui", "dr-martin", (7, 10, 0), (8, 0, 0)),
    ],
)
def test_block_reads_the_ways_staff_write_times(
    database: Database,
    clinic: ClinicConfig,
    command: str,
    practitioner: str,
    start: tuple[int, int, int],
    end: tuple[int, int, int],
) -> None:
    """A name or an id; a date, a date and time, "demain 14h", a whole day or days;
    "today" blocks from now on."""
    _command(database, clinic, command)

    with database.unit_of_work(read_only=True) as uow:
        blocks = list(uow.session.exec(select(PractitionerBlock)))
    local = [(b.start.astimezone(clinic.zone), b.end.astimezone(clinic.zone)) for b in blocks]
    assert [b.practitioner_id for b in blocks] == [practitioner]
    assert [((s.day, s.hour, s.minute), (e.day, e.hour, e.minute)) for s, e in local] == [
        (start, end)
    ]


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        ("/block martin 2026-12-08 2027-02-01", "au plus 31 jours"),
        ("/block martin 2026-12-07 08:00 09:00", "déjà commencé ou est passé"),
        ("/block martin 2026-12-08 18:00 14:00", "La fin est avant le début"),
        ("/block zorglub demain", "Je ne connais pas le praticien « zorglub »"),
        ("/block martin blabla", "Usage"),
        ("/block", "Usage"),
    ],
)
def test_block_refuses_what_it_cannot_do_and_changes_nothing(
    database: Database, clinic: ClinicConfig, command: str, answer: str
) -> None:
    """Too long, in the past, backwards, unknown practitioner, unreadable: a clear answer."""
    before = _snapshot(database)

    replies = _command(database, clinic, command)

    assert len(replies) == 1 and answer in _text(replies)
    assert _snapshot(database) == before


# --- /handoffs -------------------------------------------------------------------------


def test_handoffs_lists_who_waits_how_long_why_and_whether_staff_replied(
    database: Database, clinic: ClinicConfig
) -> None:
    """Oldest first, with the wait, the reason and whether someone answered."""
    with database.unit_of_work() as uow:
        for chat, name, reason, opened, replied in (
            ("7001", "Hugo", "medical", NOW - timedelta(minutes=45), None),
            ("7002", "Inès", "asked", NOW - timedelta(hours=2), NOW - timedelta(minutes=90)),
        ):
            patient = uow.patients.create_with_identity("telegram", chat, "fr", now=opened)
            assert patient.id is not None
            uow.patients.update(patient.id, display_name=name)
            conversation = uow.conversations.get_or_create_locked(
                "telegram", chat, "fr", now=opened
            )
            assert conversation.id is not None
            handoff = uow.handoffs.open(
                conversation_id=conversation.id, patient_id=patient.id, reason=reason, now=opened
            )
            handoff.staff_replied_at = replied
            uow.handoffs.save(handoff)
        uow.commit()

    text = _text(_command(database, clinic, "/handoffs"))

    assert "2 conversation(s)" in text
    assert text.index("Inès") < text.index("Hugo")
    assert "Hugo — attend depuis 45 min — question médicale — pas encore de réponse" in text
    assert "Inès — attend depuis 2 h — a demandé une personne — répondu à 08:30" in text
    with database.unit_of_work() as uow:
        for handoff in uow.handoffs.open_ones():
            uow.handoffs.close(handoff, by="test", now=NOW)
        uow.commit()
    assert "Aucune conversation" in _text(_command(database, clinic, "/handoffs"))


# --- who may, and bad input ------------------------------------------------------------


def test_someone_not_on_the_staff_list_is_refused_and_audited_without_the_text(
    database: Database, clinic: ClinicConfig
) -> None:
    """Only the command name is kept: the rest of the message may hold anything."""
    assert is_staff(clinic, STAFF)
    assert not is_staff(clinic, STRANGER) and not is_staff(clinic, None)

    with database.unit_of_work() as uow:
        first = refuse(clinic, uow, STRANGER, "/cancel@carebot_bot 12 secret note", NOW)
        second = refuse(clinic, uow, None, "/whatever private words", NOW)
        uow.commit()

    assert "réservées à l'équipe" in _text(first + second)
    entries = _audit(database)
    assert [(a.actor, a.action, a.subject, a.detail) for a in entries] == [
        (f"telegram:{STRANGER}", "staff.refused", "command:cancel", {"command": "cancel"}),
        ("unknown", "staff.refused", "command:other", {"command": "other"}),
    ]
    assert "secret" not in str([e.model_dump() for e in entries])
    assert "private" not in str([e.model_dump() for e in entries])


@pytest.mark.parametrize(
    "text",
    [
        "/noshow abc",
        "/noshow 424242",
        "/noshow 99999999999999999999999",
        "/arrived -3",
        "/arrived 1.5",
        "/cancel ①",
        "/cancel 424242 reason",
        "/agenda blabla",
        "/agenda 9999-12-31",
        "/block martin 9999-12-31",
        "/block martin 2026-12-08 25:00 26:00",
        "/frobnicate",
        "",
    ],
)
def test_garbage_commands_get_one_clear_line_and_change_nothing(
    database: Database, clinic: ClinicConfig, text: str
) -> None:
    """Unknown ids, non-numbers, unreadable dates, unknown commands: answered, not acted on."""
    _book(database, clinic, _slot(clinic, "dr-martin", "consult-gp", TODAY, "09:00"), name="Alice")
    before = _snapshot(database)

    replies = _command(database, clinic, text)

    assert len(replies) == 1 and replies[0].text.strip()
    assert _snapshot(database) == before


@pytest.mark.parametrize(
    "data",
    [
        "st:zz:1",
        "st:cy:abc",
        "st:ns:",
        "st:ar:0",
        "st:ag:2026-13-45",
        "st:ag:0001-01-01",
        "xx:1",
        "st:cx:424242",
        "st:cy:424242",
    ],
)
def test_garbage_buttons_get_one_clear_line_and_change_nothing(
    database: Database, clinic: ClinicConfig, data: str
) -> None:
    """A forged or stale button is answered and acts on nothing."""
    before = _snapshot(database)

    replies = _press(database, clinic, data)

    assert len(replies) == 1 and replies[0].text.strip()
    assert _snapshot(database) == before


def test_help_and_unknown_commands_list_the_commands(
    database: Database, clinic: ClinicConfig
) -> None:
    """/help lists every command; an unknown one says so, then lists them."""
    for text in ("/help", "/staff", "/frobnicate"):
        listing = _text(_command(database, clinic, text))
        for command in ("/agenda", "/noshow", "/arrived", "/cancel", "/block", "/handoffs"):
            assert command in listing
    assert "Commande inconnue : /frobnicate" in _text(_command(database, clinic, "/frobnicate"))


def test_stats_gives_the_front_desk_figures_of_a_period(
    database: Database, clinic: ClinicConfig
) -> None:
    """/stats with two days: the same figures as `carebot stats` (the seeded history of
    tests/kpi_seed.py); without days, last week; anything else, how to use it."""
    seed_kpi_history(database)
    text = _text(_command(database, clinic, "/stats 2026-11-02 2026-11-15", KPI_NOW))
    assert "Centre médical Lumière — du 2026-11-02 au 2026-11-15 (Europe/Paris)" in text
    assert "• Rendez-vous pris via le bot : 6" in text
    assert "• Confirmés après un rappel : 1 sur 2 rappelés (50 %)" in text
    assert "• Absences (lapins) : 2 sur 5 visites (40 %)" in text
    assert "• Temps de secrétariat économisé : 8 min" in text
    # Friday 20 November: last week is Monday 9 to Sunday 15.
    last_week = _text(_command(database, clinic, "/stats", KPI_NOW))
    assert "du 2026-11-09 au 2026-11-15" in last_week
    assert "• Rendez-vous pris via le bot : 2" in last_week
    for wrong in ("/stats 2026-11-15 2026-11-02", "/stats hier", "/stats 2025-01-01 2026-11-15"):
        assert "Utilisation : /stats" in _text(_command(database, clinic, wrong, KPI_NOW)), wrong
