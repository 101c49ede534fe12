"""How fast the scheduler plans reminders and the dispatcher sends them, at clinic-group scale.

Run it with ``python -m bench.sweep``. It loads a migrated SQLite file with
20,000 patients (one chat each) and 100,000 upcoming appointments of the
sample clinic over 90 days; 10,000 of them start within the next two days, so
their 48-hour reminder is due at once (a bulk import, or a new reminder
policy). Then it times, on that database:

- ``replan_upcoming``, which plans and enqueues every upcoming appointment's
  reminders and instructions (the first run writes them all; the runs every
  10 minutes after that find them there). Baseline: a plain multi-row INSERT
  of as many outbox rows, in one transaction, into an empty copy of the schema.
  While the no-op replan runs, another thread commits one small write per
  0.1 s (what a patient's turn needs): its longest wait is the replan's cost
  to conversations;
- the sweep of the 10,000 due reminders by ``OutboxDispatcher.run_once`` over
  a channel that accepts everything at once: the dispatcher's own ceiling;
- the dispatcher against a fake channel that allows 30 messages in any
  1-second window and answers a 429 to the 31st (Telegram's overall limit),
  with carebot's real pacing in front of it (``bot.handlers.telegram.Pacing``,
  awaited before every send as ``TelegramSender`` does), for ~20 s: messages
  per second, the share of the limit, and how many 429s. Target: at least 95 %
  of the limit with zero 429s. Three runs: sweep after sweep; sweeps started
  as ``build_scheduler`` starts them (every 2 s, never two at once); and, as a
  what-if for comparison, sweep after sweep with a pacing that never bursts.

It prints figures; it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import resource
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiolimiter import AsyncLimiter
from sqlalchemy import delete, func, insert, update
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

from bot.delivery import Delivery, RetryLater, SendResult, Sent
from bot.logs import configure_logging
from bot.messages import Reply
from bot.pacing import Pacing
from bot.settings import DEFAULT_CLINIC_FILE
from clinic.config import ClinicConfig
from clinic.loader import load_clinic_file
from scheduler.dispatcher import OutboxDispatcher
from scheduler.jobs import replan_upcoming
from storage.db import Database
from storage.models import (
    Appointment,
    AppointmentStatus,
    AuditLog,
    ChannelIdentity,
    OutboxMessage,
    OutboxStatus,
    Patient,
)

CHANNEL = "benchchat"
#: Tuesday 10 March 2026, 10:00 in Paris (09:00 UTC): outside the quiet hours; the
#: 90 days ahead cross the change to summer time.
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
#: Appointments with a reminder due now start in SOON, the others in LATER.
SOON = (timedelta(hours=3), timedelta(hours=47))
LATER = (timedelta(hours=49), timedelta(days=90))
#: Rows per INSERT statement while loading.
LOAD_BATCH = 10_000
#: Telegram's overall limit, and what the fake channel enforces.
LIMIT_PER_SECOND = 30
TARGET_SHARE = 0.95
#: Seconds between the dispatcher's sweeps in ``scheduler.jobs.build_scheduler``.
DISPATCH_EVERY = 2.0


@contextmanager
def timed(into: list[float]) -> Iterator[None]:
    """Append the block's wall time in seconds to ``into``."""
    began = time.perf_counter()
    yield
    into.append(time.perf_counter() - began)


def _table(model: Any) -> Any:
    return model.__table__


# --- the data ---


def appointment_rows(
    clinic: ClinicConfig, count: int, due: int, patients: int, rng: random.Random
) -> list[dict[str, Any]]:
    """``count`` booked appointments in opening hours; the first ``due`` start 3 to 47 hours
    from ``NOW`` with a service that has no instructions (so each has exactly one message
    due now: its 48 h reminder), the others 49 hours to 90 days away."""
    practitioners = {s.id: [p.id for p in clinic.practitioners_for(s.id)] for s in clinic.services}
    services = list(practitioners)
    plain = [s.id for s in clinic.services if s.preparation is None]
    created = NOW - timedelta(days=1)
    rows = []
    for n in range(count):
        service_id = rng.choice(plain if n < due else services)
        low, high = SOON if n < due else LATER
        # From NOW (10:00) a time moved to 08:00 the next day stays inside its range.
        start = _in_opening_hours(clinic, NOW + _between(rng, low, high))
        duration = clinic.service(service_id).duration
        rows.append(
            {
                "patient_id": 1 + rng.randrange(patients),
                "practitioner_id": rng.choice(practitioners[service_id]),
                "service_id": service_id,
                "start": start,
                "end": start + duration,
                "busy_until": start + duration,
                "status": AppointmentStatus.CONFIRMED.value
                if rng.random() < 0.1
                else AppointmentStatus.BOOKED.value,
                "created_at": created,
                "updated_at": created,
            }
        )
    return rows


def _between(rng: random.Random, low: timedelta, high: timedelta) -> timedelta:
    """A random offset in [low, high), to the quarter hour."""
    quarters = int((high - low).total_seconds() // 900)
    return low + timedelta(minutes=15 * rng.randrange(quarters))


def _in_opening_hours(clinic: ClinicConfig, moment: datetime) -> datetime:
    """The moment if it is between 08:00 and 19:00 local time, else 08:00 the next day."""
    local = moment.astimezone(clinic.zone)
    if 8 <= local.hour < 19:
        return moment
    day = local.date() + timedelta(days=1 if local.hour >= 19 else 0)
    return datetime(day.year, day.month, day.day, 8, 0, tzinfo=clinic.zone).astimezone(UTC)


def load(database: Database, clinic: ClinicConfig, args: argparse.Namespace) -> None:
    """Patients, their chats and the appointments, in a few multi-row INSERTs."""
    rng = random.Random(20260310)
    created = NOW - timedelta(days=30)
    patients = [{"language": "fr", "created_at": created} for _ in range(args.patients)]
    identities = [
        {
            "patient_id": n + 1,
            "channel": CHANNEL,
            "external_id": str(100_000_000 + n),
            "created_at": created,
        }
        for n in range(args.patients)
    ]
    appointments = appointment_rows(clinic, args.appointments, args.due, args.patients, rng)
    rng.shuffle(appointments)  # due ones spread over the id range, as in life
    with database.unit_of_work() as uow:
        connection = uow.session.connection()
        for model, rows in (
            (Patient, patients),
            (ChannelIdentity, identities),
            (Appointment, appointments),
        ):
            for first in range(0, len(rows), LOAD_BATCH):
                connection.execute(insert(_table(model)), rows[first : first + LOAD_BATCH])
        uow.commit()


def count_due(database: Database, now: datetime) -> int:
    """Pending outbox rows whose time has come."""
    with database.unit_of_work(read_only=True) as uow:
        statement = (
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING.value,
                col(OutboxMessage.not_before) <= now,
            )
        )
        return int(uow.session.exec(statement).one())


def count_outbox(database: Database) -> int:
    """Every row of the outbox."""
    with database.unit_of_work(read_only=True) as uow:
        return int(uow.session.exec(select(func.count()).select_from(OutboxMessage)).one())


# --- planning ---


def baseline_insert(folder: Path, rows: int) -> float:
    """Seconds to INSERT ``rows`` outbox rows in one transaction into an empty, migrated
    database (the same indexes and constraints), as multi-row INSERTs."""
    database = Database(f"sqlite:///{folder / 'baseline.db'}")
    database.migrate()
    values = [
        {
            "idempotency_key": f"appt:{n}:reminder:48h",
            "channel": CHANNEL,
            "external_id": str(100_000_000 + n % 20_000),
            "kind": "reminder",
            "payload": {"appointment_id": n, "label": "48h"},
            "not_before": NOW + timedelta(minutes=n % 100_000),
            "status": OutboxStatus.PENDING.value,
            "attempts": 0,
            "created_at": NOW,
        }
        for n in range(rows)
    ]
    times: list[float] = []
    with timed(times), database.unit_of_work() as uow:
        connection = uow.session.connection()
        for first in range(0, rows, LOAD_BATCH):
            connection.execute(insert(_table(OutboxMessage)), values[first : first + LOAD_BATCH])
        uow.commit()
    database.dispose()
    return times[0]


@dataclass
class WriteProbe:
    """Commits a tiny write every ``period`` seconds from another thread, timing each."""

    database: Database
    period: float = 0.1
    waits: list[float] = field(default_factory=list)
    locked: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        """Write until stopped."""
        while not self._stop.wait(self.period):
            began = time.perf_counter()
            try:
                with self.database.unit_of_work() as uow:
                    uow.audit.record("system", "bench.probe", "probe:0", {}, NOW)
                    uow.commit()
            except OperationalError:
                self.locked += 1
            self.waits.append(time.perf_counter() - began)

    @contextmanager
    def running(self) -> Iterator[WriteProbe]:
        """Probe while the block runs."""
        thread = threading.Thread(target=self.run, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join()


def time_planning(
    database: Database, clinic: ClinicConfig, folder: Path, appointments: int
) -> None:
    """The first replan (writes everything), the baseline, and a no-op replan under a probe."""
    first: list[float] = []
    with timed(first):
        added = replan_upcoming(database, clinic, NOW)
    baseline = baseline_insert(folder, added)
    print(f"planning: replan_upcoming over {appointments:,} upcoming appointments")
    print(
        f"  first run (plans everything)     {first[0]:8.2f} s   {added:,} outbox rows   "
        f"{added / first[0]:9,.0f} rows/s   {appointments / first[0]:9,.0f} appointments/s"
    )
    print(
        f"  plain INSERT, same rows, 1 txn   {baseline:8.2f} s   {added:,} outbox rows   "
        f"{added / baseline:9,.0f} rows/s   (baseline)"
    )
    print(f"  ratio replan / baseline          {first[0] / baseline:8.1f}x")
    again: list[float] = []
    with WriteProbe(database).running() as probe, timed(again):
        repeated = replan_upcoming(database, clinic, NOW + timedelta(minutes=10))
    with database.unit_of_work() as uow:
        # The probe's rows are not part of the clinic.
        uow.session.exec(delete(AuditLog).where(col(AuditLog.action) == "bench.probe"))
        uow.commit()
    print(
        f"  10 minutes later (nothing new)   {again[0]:8.2f} s   {repeated:,} rows added   "
        f"{appointments / again[0]:9,.0f} appointments/s"
    )
    if probe.waits:
        print(
            f"  a small write meanwhile (tried every {probe.period:.1f} s): {len(probe.waits)} "
            f"done, longest wait {max(probe.waits):.2f} s, {probe.locked} failed with "
            "'database is locked' (SQLite busy_timeout: 30 s)"
        )


# --- dispatching ---


@dataclass
class InstantChannel:
    """Accepts every message at once."""

    channel: str = CHANNEL
    sent: int = 0

    async def send(self, recipient: str, reply: Reply) -> SendResult:
        """Count it; done."""
        self.sent += 1
        return Sent(str(self.sent))


@dataclass
class RateLimitedChannel:
    """The platform: at most ``limit`` messages in any ``window`` seconds, a 429 beyond.

    Each send takes ``latency`` seconds (the API round trip); the limit applies when
    the request arrives.
    """

    limit: int = LIMIT_PER_SECOND
    window: float = 1.0
    latency: float = 0.05
    channel: str = CHANNEL
    accepted: list[float] = field(default_factory=list)
    rejected: list[float] = field(default_factory=list)
    _recent: deque[float] = field(default_factory=deque)

    async def send(self, recipient: str, reply: Reply) -> SendResult:
        """Accept it if the window has room, else answer a 429."""
        now = time.monotonic()
        while self._recent and self._recent[0] <= now - self.window:
            self._recent.popleft()
        ok = len(self._recent) < self.limit
        if ok:
            self._recent.append(now)
            self.accepted.append(now)
        else:
            self.rejected.append(now)
        await asyncio.sleep(self.latency)
        if not ok:
            return RetryLater(1.0, "fake: 429 too many requests")
        return Sent(str(len(self.accepted)))

    def busiest_window(self) -> int:
        """The most messages accepted in any window (at most ``limit`` by construction)."""
        most, first = 0, 0
        for last, moment in enumerate(self.accepted):
            while self.accepted[first] <= moment - self.window:
                first += 1
            most = max(most, last - first + 1)
        return most


@dataclass
class PacedSender:
    """A channel behind carebot's Telegram pacing, awaited before each send as
    ``TelegramSender`` does."""

    inner: RateLimitedChannel
    pacing: Pacing
    channel: str = CHANNEL

    async def send(self, recipient: str, reply: Reply) -> SendResult:
        """Wait for the pacing, then send."""
        await self.pacing(recipient)
        return await self.inner.send(recipient, reply)


def pacing_without_burst() -> Pacing:
    """``Pacing`` whose overall leaky bucket holds one message: one every 1/30 s, never
    a burst (aiolimiter admits ``max_rate`` at once, then ``max_rate`` per period, so
    ``AsyncLimiter(30, 1)`` lets up to 60 through in the first second)."""
    pacing = Pacing()
    pacing.overall = AsyncLimiter(1, 1 / LIMIT_PER_SECOND)
    return pacing


def time_sweep(database: Database, clinic: ClinicConfig) -> int:
    """Dispatch every due message over the instant channel; the count."""
    channel = InstantChannel()
    dispatcher = OutboxDispatcher(
        database, Delivery(database, [channel], lambda: NOW), lambda: NOW, lambda: clinic
    )
    due = count_due(database, NOW)

    async def sweep() -> None:
        while await dispatcher.run_once():
            pass

    times: list[float] = []
    with timed(times):
        asyncio.run(sweep())
    seconds = times[0]
    print("sweep: OutboxDispatcher.run_once (batch 100) until nothing is due, instant channel")
    print(
        f"  {due:,} due -> {channel.sent:,} sent in {seconds:.2f} s   "
        f"{channel.sent / seconds:,.0f} messages/s   {seconds / max(channel.sent, 1) * 1000:.2f} "
        f"ms per message (budget at {LIMIT_PER_SECOND}/s: {1000 / LIMIT_PER_SECOND:.1f} ms)"
    )
    return channel.sent


def reset_sent(database: Database) -> None:
    """Make the swept reminders pending again (still due: ``not_before`` is the claim time)."""
    with database.unit_of_work() as uow:
        uow.session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.status) == OutboxStatus.SENT.value)
            .values(
                status=OutboxStatus.PENDING.value,
                attempts=0,
                sent_at=None,
                provider_message_id=None,
            )
        )
        uow.commit()


def time_paced(
    database: Database,
    clinic: ClinicConfig,
    seconds: float,
    latency: float,
    pacing: Callable[[], Pacing],
    name: str,
    every: float | None = None,
) -> None:
    """Dispatch for about ``seconds`` through the pacing into the rate-limited channel:
    sweep after sweep, or, with ``every``, as APScheduler runs the "dispatch" job of
    ``build_scheduler`` (an interval trigger, ``max_instances=1``: a tick that comes
    while a sweep still runs is skipped, so sweeps start on the ``every`` grid)."""
    channel = RateLimitedChannel(latency=latency)
    began = time.monotonic()

    def clock() -> datetime:
        # Time passes here: a message answered with a 429 comes due again.
        return NOW + timedelta(seconds=time.monotonic() - began)

    async def dispatch() -> tuple[float, int]:
        sender = PacedSender(channel, pacing())
        dispatcher = OutboxDispatcher(
            database, Delivery(database, [sender], clock), clock, lambda: clinic
        )
        start = time.monotonic()
        sweeps = 0
        while time.monotonic() - start < seconds:
            await dispatcher.run_once()
            sweeps += 1
            if every is not None:
                elapsed = time.monotonic() - start
                await asyncio.sleep(every * math.ceil(elapsed / every) - elapsed)
        return time.monotonic() - start, sweeps

    elapsed, sweeps = asyncio.run(dispatch())
    sent = len(channel.accepted)
    rate = sent / elapsed
    share = rate / LIMIT_PER_SECOND
    verdict = "met" if share >= TARGET_SHARE and not channel.rejected else "MISSED"
    print(f"  {name}")
    print(
        f"    {sent:,} sent in {elapsed:.1f} s ({sweeps} sweeps)   {rate:.2f} messages/s   "
        f"{share:.1%} of the limit   {len(channel.rejected)} x 429   "
        f"busiest 1 s window {channel.busiest_window()}   "
        f"target >= {TARGET_SHARE:.0%} and 0 x 429: {verdict}"
    )
    if channel.rejected:
        first = [f"{t - began:.2f}" for t in channel.rejected[:5]]
        print(f"    first 429s at (s into the run): {', '.join(first)}")


def main() -> None:
    """Load, then print the planning, sweep and paced-dispatch figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appointments", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=10_000, help="with a reminder due now")
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=20.0, help="of paced dispatching")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="per send, fake channel")
    args = parser.parse_args()

    configure_logging("WARNING")
    clinic = load_clinic_file(DEFAULT_CLINIC_FILE)
    with tempfile.TemporaryDirectory(prefix="carebot-bench-") as name:
        folder = Path(name)
        database = Database(f"sqlite:///{folder / 'sweep.db'}")
        database.migrate()
        loading: list[float] = []
        with timed(loading):
            load(database, clinic, args)
        print(
            f"sample clinic, SQLite file, now = {NOW:%Y-%m-%d %H:%M} UTC; loaded "
            f"{args.patients:,} patients (one chat each) and {args.appointments:,} appointments "
            f"({args.due:,} starting within 47 h) in {loading[0]:.1f} s"
        )
        time_planning(database, clinic, folder, args.appointments)
        print(
            f"  due now: {count_due(database, NOW):,} (target {args.due:,}); "
            f"outbox rows: {count_outbox(database):,}"
        )
        time_sweep(database, clinic)
        reset_sent(database)
        print(
            f"paced dispatch: fake channel allowing {LIMIT_PER_SECOND} messages in any 1 s "
            f"(429 beyond), {args.latency_ms:.0f} ms per send, ~{args.seconds:.0f} s each"
        )
        time_paced(
            database,
            clinic,
            args.seconds,
            args.latency_ms / 1000,
            Pacing,
            "through bot.handlers.telegram.Pacing() (as TelegramSender)",
        )
        reset_sent(database)
        time_paced(
            database,
            clinic,
            args.seconds,
            args.latency_ms / 1000,
            Pacing,
            f"the same, sweeping as build_scheduler does (every {DISPATCH_EVERY:.0f} s, "
            "one at a time)",
            every=DISPATCH_EVERY,
        )
        reset_sent(database)
        time_paced(
            database,
            clinic,
            args.seconds,
            args.latency_ms / 1000,
            pacing_without_burst,
            "what-if: the same with its overall bucket holding 1 message, not 30 (no burst)",
        )
        database.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (RSS) of the run: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
