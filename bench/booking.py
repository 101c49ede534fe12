"""How fast the desk finds free slots in, and books one into, a real database.

Run it with ``python -m bench.booking``. It loads the synthetic clinic of
``bench.slots`` (20 practitioners, 10,000 appointments over 90 days, the
first open days full) into a migrated SQLite file through the repositories,
then times, on that database:

- ``Desk.free_slots`` (first 10 free slots) in a read-only unit of work, for
  every service, one or any practitioner, and several ``now`` values; the
  baseline is the pure ``next_free_slots`` over an in-memory calendar of the
  same appointments, so the ratio is what reading busy time from SQL costs;
- booking one free slot: a unit of work, ``Desk.book``, commit; the baseline
  is the same unit of work committing only an audit row, the floor cost of
  any committed write. Bookings and baseline writes are interleaved.

The same runs on PostgreSQL when one is reachable (a temporary database is
created and dropped); otherwise it says so and skips it. It prints figures;
it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time as clock
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from bench.slots import START, build_synthetic_clinic, synthetic_busy
from bot.desk import Desk, SlotQuery
from clinic.config import ClinicConfig
from clinic.model import Busy, Slot
from clinic.slots import BusyCalendar, next_free_slots
from storage.db import Database, normalize_url
from storage.models import Appointment

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
#: Targets printed next to the figures.
TARGET_BOOK_MS = 10.0
#: Appointments loaded per transaction.
LOAD_BATCH = 2500

#: (kind, service, practitioner or None, now)
Scenario = tuple[str, str, str | None, datetime]


@dataclass
class Figures:
    """Milliseconds of timed runs."""

    times: list[float]

    @property
    def median(self) -> float:
        """The median."""
        return statistics.median(self.times)

    @property
    def p99(self) -> float:
        """The 99th percentile, nearest rank."""
        ordered = sorted(self.times)
        return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


@contextmanager
def stopwatch(into: list[float]) -> Iterator[None]:
    """Append the block's wall time in milliseconds to ``into``."""
    began = clock.perf_counter_ns()
    yield
    into.append((clock.perf_counter_ns() - began) / 1e6)


def load(database: Database, clinic: ClinicConfig, busy: list[Busy]) -> tuple[int, int]:
    """Book every busy interval for one patient through the repositories; (booked, refused)."""
    at = datetime.combine(START, time(0), tzinfo=UTC) - timedelta(days=30)
    with database.unit_of_work() as uow:
        patient = uow.patients.create_with_identity("bench", "loader", "fr", now=at)
        uow.commit()
    assert patient.id is not None
    booked = refused = 0
    for first in range(0, len(busy), LOAD_BATCH):
        with database.unit_of_work() as uow:
            for item in busy[first : first + LOAD_BATCH]:
                service = clinic.practitioner(item.practitioner_id).services[0]
                slot = Slot(item.start, item.end, item.end, item.practitioner_id, service)
                result = uow.appointments.book(
                    patient_id=patient.id, slot=slot, actor="system", now=at
                )
                if isinstance(result, Appointment):
                    booked += 1
                else:
                    refused += 1
            uow.commit()
    return booked, refused


def scenarios(clinic: ClinicConfig) -> list[Scenario]:
    """Every service from the full first days and from later dates; single practitioners."""
    first = datetime.combine(START, time(7, 0), tzinfo=clinic.zone)
    later = [first + timedelta(days=d, hours=h) for d, h in ((9, 2), (23, 3), (45, 6), (71, 1))]
    services = [s.id for s in clinic.services]
    rows: list[Scenario] = [("any practitioner", s, None, first) for s in services]
    rows += [("any practitioner", s, None, later[i % 4]) for i, s in enumerate(services)]
    rows += [
        ("one practitioner", p.services[i % len(p.services)], p.id, [first, *later][i % 5])
        for i, p in enumerate(clinic.practitioners)
    ]
    return rows


def time_searches(
    database: Database, clinic: ClinicConfig, rows: list[Scenario], runs: int
) -> tuple[dict[str, dict[str, list[float]]], bool]:
    """Time ``runs`` free-slot searches round the scenarios, in the database and pure, by
    kind; and whether both found the same slots every time."""
    calendar = BusyCalendar(_busy_in(database))
    same = True
    times: dict[str, dict[str, list[float]]] = {"database": {}, "pure": {}}
    for i in range(runs):
        kind, service_id, practitioner_id, now = rows[i % len(rows)]
        lap = times["database"].setdefault(kind, [])
        with stopwatch(lap), database.unit_of_work(read_only=True) as uow:
            found = Desk(uow, clinic, now).free_slots(
                SlotQuery(service_id, practitioner_id), limit=10
            )
        with stopwatch(times["pure"].setdefault(kind, [])):
            pure = next_free_slots(
                clinic,
                service_id,
                now=now,
                busy=calendar,
                practitioner_id=practitioner_id,
                limit=10,
            )
        same = same and found == pure
    return times, same


def _busy_in(database: Database) -> list[Busy]:
    """Every active appointment's busy time, read back from the database."""
    far = timedelta(days=1_000)
    around = datetime.combine(START, time(0), tzinfo=UTC)
    with database.unit_of_work(read_only=True) as uow:
        return uow.appointments.busy_between(around - far, around + far)


def free_slots_to_book(
    database: Database, clinic: ClinicConfig, rows: list[Scenario], count: int
) -> list[tuple[Slot, datetime]]:
    """``count`` free slots (with the ``now`` each is booked at) none of which overlap."""
    picked: list[tuple[Slot, datetime]] = []
    taken = BusyCalendar()
    for offset in range(0, 60, 3):
        for _, service_id, practitioner_id, now in rows:
            with database.unit_of_work(read_only=True) as uow:
                query = SlotQuery(service_id, practitioner_id, after=now + timedelta(days=offset))
                found = Desk(uow, clinic, now).free_slots(query, limit=20)
            for slot in found:
                if taken.is_free(slot.practitioner_id, slot.start, slot.busy_until):
                    taken.add(Busy(slot.practitioner_id, slot.start, slot.busy_until))
                    picked.append((slot, now))
                if len(picked) == count:
                    return picked
    return picked


def time_bookings(
    database: Database, clinic: ClinicConfig, slots: list[tuple[Slot, datetime]]
) -> tuple[dict[str, list[float]], int]:
    """Book each slot in its own committed unit of work, each followed by a committed
    audit-only unit of work (the baseline); the timings and how many were refused."""
    with database.unit_of_work() as uow:
        patient = uow.patients.create_with_identity("bench", "booker", "fr", now=slots[0][1])
        uow.commit()
    assert patient.id is not None
    times: dict[str, list[float]] = {"Desk.book + commit": [], "audit row + commit (baseline)": []}
    refused = 0
    for slot, now in slots:
        with stopwatch(times["Desk.book + commit"]), database.unit_of_work() as uow:
            result = Desk(uow, clinic, now).book(patient.id, slot)
            uow.commit()
        refused += not isinstance(result, Appointment)
        with stopwatch(times["audit row + commit (baseline)"]), database.unit_of_work() as uow:
            uow.audit.record("system", "bench.write", "appointment:0", {}, now)
            uow.commit()
    return times, refused


def _line(name: str, times: list[float], target: float | None = None) -> str:
    figures = Figures(times)
    line = (
        f"{name:<38} median {figures.median:7.3f} ms   p99 {figures.p99:7.3f} ms   "
        f"({len(times)} runs)"
    )
    if target is not None:
        verdict = "met" if figures.p99 < target else "MISSED"
        line += f"   target < {target:.0f} ms: {verdict} (p99)"
    return line


def run(name: str, database: Database, clinic: ClinicConfig, busy: list[Busy], runs: int) -> None:
    """Migrate, load, time both operations and print the figures for one database."""
    began = clock.perf_counter()
    database.migrate()
    booked, refused = load(database, clinic, busy)
    print(f"== {name}")
    print(
        f"loaded {booked} appointments through AppointmentRepository.book in batches of "
        f"{LOAD_BATCH} ({refused} refused) in {clock.perf_counter() - began:.1f} s"
    )
    rows = scenarios(clinic)
    for _, service_id, practitioner_id, now in rows[:5]:  # warm-up, untimed
        with database.unit_of_work(read_only=True) as uow:
            Desk(uow, clinic, now).free_slots(SlotQuery(service_id, practitioner_id), limit=10)
    searches, same = time_searches(database, clinic, rows, runs)
    print(f"first 10 free slots, {len(rows)} scenarios; same slots as the pure search: {same}")
    every = {which: [t for ts in kinds.values() for t in ts] for which, kinds in searches.items()}
    print("  " + _line("Desk.free_slots, read-only uow", every["database"]))
    print("  " + _line("next_free_slots in memory (baseline)", every["pure"]))
    ratio = Figures(every["database"]).median / Figures(every["pure"]).median
    print(f"  median ratio database / in memory: {ratio:.1f}x")
    for kind, times in searches["database"].items():
        print(f"  {kind}:")
        print("    " + _line("Desk.free_slots", times))
        print("    " + _line("next_free_slots (baseline)", searches["pure"][kind]))
    slots = free_slots_to_book(database, clinic, rows, runs)
    bookings, lost = time_bookings(database, clinic, slots)
    print(f"booking one free slot ({len(slots)} distinct slots found beforehand, {lost} refused)")
    book, floor = bookings.values()
    print("  " + _line("Desk.book + commit", book, TARGET_BOOK_MS))
    print("  " + _line("audit row + commit (baseline)", floor))
    print(
        f"  ratio book / baseline: median {Figures(book).median / Figures(floor).median:.1f}x   "
        f"p99 {Figures(book).p99 / Figures(floor).p99:.1f}x"
    )


@contextmanager
def temporary_postgres(server: URL) -> Iterator[URL | None]:
    """A new empty database on the server, dropped on exit; None if the server is down."""
    admin = create_engine(
        server,
        poolclass=NullPool,
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 3},
    )
    name = f"carebot_bench_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except OperationalError as error:
        reason = str(error.orig).splitlines()[0]
        print(f"== PostgreSQL skipped: not reachable at {server.render_as_string()} ({reason})")
        admin.dispose()
        yield None
        return
    try:
        yield server.set(database=name)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def on(url: str | URL, action: Callable[[Database], None]) -> None:
    """Run ``action`` on a database at ``url``, closing its connections afterwards."""
    database = Database(url)
    try:
        action(database)
    finally:
        database.dispose()


def main() -> None:
    """Build the clinic, then run the figures on SQLite and, if reachable, PostgreSQL."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=400, help="searches and bookings (>= 300)")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL, help="server to use")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()

    clinic = build_synthetic_clinic()
    busy = synthetic_busy(clinic)
    print(
        f"{len(clinic.practitioners)} practitioners, {len(clinic.services)} services, "
        f"{len(busy)} appointments over 90 days from {START} (the first 4 open days full)"
    )

    def measure(name: str) -> Callable[[Database], None]:
        return lambda database: run(name, database, clinic, busy, args.runs)

    with tempfile.TemporaryDirectory(prefix="carebot-bench-") as folder:
        on(f"sqlite:///{Path(folder) / 'booking.db'}", measure("SQLite file"))
    if args.no_postgres:
        return
    with temporary_postgres(normalize_url(args.postgres_url)) as url:
        if url is not None:
            on(url, measure("PostgreSQL"))


if __name__ == "__main__":
    main()
