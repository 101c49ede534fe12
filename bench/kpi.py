"""How long the KPI report takes on a busy clinic's year, for the staff page and ``carebot stats``.

Run it with ``python -m bench.kpi [--postgres URL]``. It loads a migrated
database with a year of a busy clinic group: 20,000 patients, 60,000
appointments (a sixth cancelled, some no-shows, reminders sent for most),
300,000 patient messages (turn logs) with one or two replies each, and 3,000
handoffs. Then it times ``bot.stats.build_report`` for the staff page's default
period (four weeks) and for the whole year, against a baseline measured in
the same run on the same database: one ``SELECT`` of the period's turn logs and
reply rows (the rows the report must read at the least).

It prints figures; it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlmodel import col, select

from bot.settings import DEFAULT_CLINIC_FILE
from bot.stats import build_report
from clinic.config import ClinicConfig
from clinic.loader import load_clinic_file
from storage.db import Database
from storage.kpi import KpiReport
from storage.models import (
    Appointment,
    AppointmentEvent,
    Conversation,
    Handoff,
    OutboxMessage,
    Patient,
    TurnLog,
)

YEAR_START = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)  # a Monday
NOW = YEAR_START + timedelta(days=364)
PATIENTS = 20_000
APPOINTMENTS = 60_000
TURNS = 300_000
HANDOFFS = 3_000
CHUNK = 5_000


def _chunks(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [rows[i : i + CHUNK] for i in range(0, len(rows), CHUNK)]


def load(database: Database, rng: random.Random) -> None:
    """Write the year in bulk (plain multi-row INSERTs, not the repositories: speed)."""
    seconds = int((NOW - YEAR_START).total_seconds())

    def moment() -> datetime:
        return YEAR_START + timedelta(seconds=rng.randrange(seconds))

    with database.unit_of_work() as uow:
        run = uow.session.connection().execute
        run(
            insert(Patient),
            [{"id": i, "language": "fr", "created_at": YEAR_START} for i in range(1, PATIENTS + 1)],
        )
        run(
            insert(Conversation),
            [
                {
                    "id": i,
                    "channel": "telegram" if i % 3 else "whatsapp",
                    "external_id": str(i),
                    "patient_id": i,
                    "language": "fr" if i % 4 else "en",
                    "flow": "idle",
                    "step": "start",
                    "data": {},
                    "created_at": YEAR_START,
                    "updated_at": YEAR_START,
                }
                for i in range(1, PATIENTS + 1)
            ],
        )
        appointments, events, reminders = [], [], []
        for i in range(1, APPOINTMENTS + 1):
            booked = moment()
            start = (booked + timedelta(days=rng.randrange(1, 30))).replace(minute=0, second=0)
            status = rng.choices(
                ["completed", "confirmed", "no_show", "cancelled"], [60, 15, 8, 17]
            )[0]
            appointments.append(
                {
                    "id": i,
                    "patient_id": rng.randrange(1, PATIENTS + 1),
                    "practitioner_id": f"dr-{i % 40}",
                    "service_id": "consult-gp",
                    "start": start,
                    "end": start + timedelta(minutes=30),
                    "busy_until": start + timedelta(minutes=30),
                    "status": status,
                    "created_at": booked,
                    "updated_at": booked,
                    "cancel_reason": "unavailable" if status == "cancelled" else None,
                    "confirmed_at": start - timedelta(hours=20) if status == "confirmed" else None,
                }
            )
            events.append(
                {
                    "appointment_id": i,
                    "at": booked,
                    "from_status": None,
                    "to_status": "booked",
                    "actor": "patient",
                }
            )
            if status == "cancelled":
                events.append(
                    {
                        "appointment_id": i,
                        "at": booked + timedelta(hours=5),
                        "from_status": "booked",
                        "to_status": "cancelled",
                        "actor": "patient",
                    }
                )
            sent = start - timedelta(hours=48)
            reminders.append(
                {
                    "idempotency_key": f"appt:{i}:reminder:48h",
                    "channel": "telegram",
                    "external_id": "x",
                    "kind": "reminder",
                    "payload": {},
                    "not_before": sent,
                    "status": "sent",
                    "created_at": booked,
                    "sent_at": sent,
                }
            )
        for table, rows in ((Appointment, appointments), (AppointmentEvent, events)):
            for chunk in _chunks(rows):
                run(insert(table), chunk)
        replies: list[dict[str, Any]] = []
        turns = []
        for i in range(TURNS):
            at = moment()
            conversation = rng.randrange(1, PATIENTS + 1)
            turns.append(
                {
                    "conversation_id": conversation,
                    "at": at,
                    "inbound_kind": "text",
                    "flow": "idle",
                    "step": "start",
                    "latency_ms": 3.0,
                    "replies": 1,
                }
            )
            for n in range(1 + i % 2):
                replies.append(
                    {
                        "idempotency_key": f"reply:{i}:{n}",
                        "channel": "telegram",
                        "external_id": "x",
                        "conversation_id": conversation,
                        "kind": "reply",
                        "payload": {},
                        "not_before": at,
                        "status": "sent",
                        "created_at": at,
                        "sent_at": at + timedelta(seconds=rng.uniform(0.2, 3)),
                    }
                )
        for chunk in _chunks(turns):
            run(insert(TurnLog), chunk)
        for chunk in _chunks(replies + reminders):
            run(insert(OutboxMessage), chunk)
        handoffs = []
        for _ in range(HANDOFFS):
            opened = moment()
            handoffs.append(
                {
                    "conversation_id": rng.randrange(1, PATIENTS + 1),
                    "patient_id": 1,
                    "reason": rng.choice(["asked", "medical", "not_covered"]),
                    "status": "closed",
                    "opened_at": opened,
                    "staff_replied_at": opened + timedelta(minutes=rng.randrange(2, 240)),
                }
            )
        run(insert(Handoff), handoffs)
        uow.commit()


def timed(action: Callable[[], object], runs: int) -> list[float]:
    """Wall-clock milliseconds of each run."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return times


def baseline(database: Database, first: date, last: date) -> None:
    """The least the report must read: the period's turns and reply rows."""
    low = datetime.combine(first, datetime.min.time(), UTC)
    high = datetime.combine(last + timedelta(days=1), datetime.min.time(), UTC)
    with database.unit_of_work(read_only=True) as uow:
        list(
            uow.session.exec(
                select(TurnLog.conversation_id, TurnLog.at).where(
                    col(TurnLog.at) >= low, col(TurnLog.at) < high
                )
            )
        )
        list(
            uow.session.exec(
                select(
                    OutboxMessage.conversation_id, OutboxMessage.created_at, OutboxMessage.sent_at
                )
                .where(OutboxMessage.kind == "reply", col(OutboxMessage.created_at) >= low)
                .where(col(OutboxMessage.created_at) < high)
            )
        )


def measure(
    name: str, database: Database, clinic: ClinicConfig, first: date, last: date, runs: int
) -> str:
    """One line: the report's time against the baseline's, over the same days."""

    def report() -> KpiReport:
        return build_report(database, clinic, first, last, now=NOW)

    report_ms = statistics.median(timed(report, runs))
    base_ms = statistics.median(timed(lambda: baseline(database, first, last), runs))
    figures = report()
    return (
        f"{name:>8}: report median {report_ms:7.1f} ms; baseline read {base_ms:7.1f} ms "
        f"→ {report_ms / base_ms:.1f}× [{figures.messages.total:,} messages, "
        f"{figures.bookings:,} bookings]"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", help="a PostgreSQL URL of an empty database")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    clinic = load_clinic_file(DEFAULT_CLINIC_FILE)
    with tempfile.TemporaryDirectory() as folder:
        url = args.postgres or f"sqlite:///{Path(folder) / 'kpi.db'}"
        database = Database(url)
        database.migrate()
        started = time.perf_counter()
        load(database, random.Random(7))
        print(
            f"loaded {APPOINTMENTS:,} appointments, {TURNS:,} messages, {HANDOFFS:,} handoffs "
            f"in {time.perf_counter() - started:.1f} s ({database.engine.dialect.name})"
        )
        today = NOW.date()
        four_weeks = (today - timedelta(days=27), today)
        year = (YEAR_START.date(), today)
        for name, (first, last) in (("4 weeks", four_weeks), ("a year", year)):
            print(measure(name, database, clinic, first, last, args.runs))
        database.dispose()


if __name__ == "__main__":
    main()
