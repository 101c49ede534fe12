"""How many conversation turns per second the engine runs: ``python -m bench.turns``.

Hundreds of simulated patients each book an appointment entirely by buttons
through the real engine, flows and storage (a migrated SQLite file in a
temporary directory, the sample clinic, a fixed clock): ``/start`` → book →
service → first available → a day → a time → name → shared contact → confirm,
then "my appointments". Each turn is timed as a channel lives it:
``Engine.handle`` plus ``Engine.mark_sent`` of each reply, on one thread.

The baseline, measured in the same run and interleaved with the patients, is
a bare transactional turn doing only what every turn must do in storage:
claim the inbound id, lock the conversation, save it, queue one reply, log the
turn, commit, then mark the reply sent. The ratio engine / baseline is what
the flows, the slot searches and the formatting cost on top of that floor.

It prints figures and a check that every patient got booked; it asserts
nothing about time. Wall-clock percentiles include whatever the OS gave to
other processes on a shared machine; the CPU time per turn does not.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import func, select

from bot import nlu
from bot.engine import DIRECT_SEND_GRACE, Engine
from bot.logs import configure_logging
from bot.messages import Inbound, InboundKind, Reply
from bot.settings import DEFAULT_CLINIC_FILE
from clinic.config import ClinicConfig
from clinic.loader import load_clinic_file
from storage.db import Database
from storage.models import Appointment

#: Wednesday 2 December 2026, 09:00 in Paris.
NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
CHANNEL = "bench"
#: The targets the figures are printed against.
TARGET_P99_MS = 15.0
TARGET_TURNS_PER_S = 300.0

#: The steps of one patient's conversation, in order (also the row names).
STEPS = (
    "/start",
    "consent",
    "book",
    "service",
    "first available",
    "day",
    "time",
    "name",
    "contact",
    "confirm",
    "my appointments",
)


@dataclass
class Timings:
    """Wall and CPU milliseconds of timed turns."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def add(self, wall_ns: int, cpu_ns: int) -> None:
        """Record one turn."""
        self.wall.append(wall_ns / 1e6)
        self.cpu.append(cpu_ns / 1e6)


@contextmanager
def timed(into: Timings | None) -> Iterator[None]:
    """Time the block's wall and CPU time into ``into`` (nothing if None: a warm-up)."""
    wall, cpu = time.perf_counter_ns(), time.process_time_ns()
    yield
    if into is not None:
        into.add(time.perf_counter_ns() - wall, time.process_time_ns() - cpu)


class Patient:
    """One simulated patient on the bench channel, pressing buttons by their data."""

    def __init__(self, engine: Engine, number: int, message_ids: Iterator[int]) -> None:
        self.engine = engine
        self.number = number
        self.sender_id = f"patient-{number}"
        self.locale = "fr" if number % 3 else "en"
        self.message_ids = message_ids
        self.replies: list[Reply] = []

    def send(
        self,
        into: Timings | None,
        kind: InboundKind,
        *,
        text: str = "",
        button: str | None = None,
        phone: str | None = None,
    ) -> None:
        """Send one inbound and mark its replies sent, as a channel adapter does."""
        message_id = f"m{next(self.message_ids)}"
        inbound = Inbound(
            CHANNEL, self.sender_id, message_id, kind, text, button, phone, locale=self.locale
        )
        with timed(into):
            outgoing = self.engine.handle(inbound)
            for item in outgoing:
                self.engine.mark_sent(item, None)
        self.replies = [item.reply for item in outgoing]

    def choices(self, prefix: str) -> list[str]:
        """The data of the offered buttons starting with ``prefix``."""
        return [c.data for r in self.replies for c in r.choices if c.data.startswith(prefix)]

    def press(self, into: Timings | None, data: str) -> None:
        """Press a button, after checking it was offered."""
        offered = [c.data for r in self.replies for c in r.choices]
        if data not in offered:
            raise RuntimeError(f"{self.sender_id}: no button {data!r} among {offered}")
        self.send(into, InboundKind.BUTTON, button=data)


def book(patient: Patient, services: list[str], steps: dict[str, Timings] | None) -> bool:
    """The whole conversation; True if the patient ends up with one appointment listed."""

    def at(step: str) -> Timings | None:
        return None if steps is None else steps[step]

    n = patient.number
    patient.send(at("/start"), InboundKind.TEXT, text="/start")
    patient.press(at("consent"), "cs:yes")  # the privacy notice, then the welcome
    patient.press(at("book"), "m:book")
    patient.press(at("service"), f"svc:{services[n % len(services)]}")
    patient.press(at("first available"), "pr:any")
    days = patient.choices("day:")
    patient.press(at("day"), days[(n // len(services)) % len(days)])
    slots = patient.choices("s:")
    patient.press(at("time"), slots[(n * 7) % len(slots)])
    patient.send(at("name"), InboundKind.TEXT, text=f"Patient Number{'x' * (n % 5)}")
    patient.send(at("contact"), InboundKind.CONTACT, phone=f"336{12345000 + n}")
    patient.press(at("confirm"), "ok")
    booked = any(r.document is not None for r in patient.replies)
    patient.press(at("my appointments"), "m:appts")
    listed = patient.choices("cx:")
    return booked and len(listed) == 1


def bare_turn(database: Database, sender_id: str, message_id: str, into: Timings | None) -> None:
    """The baseline: only the storage work every turn does, then mark the reply sent."""
    reply = Reply("Bonjour !").to_payload()
    with timed(into):
        with database.unit_of_work() as uow:
            now = NOW
            uow.inbound.claim("baseline", message_id, now)
            conversation = uow.conversations.get_or_create_locked(
                "baseline", sender_id, "fr", now=now
            )
            conversation.step = "idle"
            uow.conversations.save(conversation, now=now)
            row = uow.outbox.enqueue(
                idempotency_key=f"reply:baseline:{message_id}:0",
                channel="baseline",
                external_id=sender_id,
                kind="reply",
                payload=reply,
                not_before=now + DIRECT_SEND_GRACE,
                conversation_id=conversation.id,
                now=now,
            )
            uow.turns.record(
                conversation_id=conversation.id or 0,
                at=now,
                inbound_kind="text",
                flow="idle",
                step="start",
                latency_ms=0.0,
                replies=1,
                outcome="ok",
            )
            uow.commit()
        assert row is not None and row.id is not None
        with database.unit_of_work() as uow:
            uow.outbox.mark_sent(row.id, None, now)
            uow.commit()


def _ms(values: list[float], q: float) -> float:
    """The ``q`` quantile (0-1) of some milliseconds, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _row(name: str, timings: Timings) -> str:
    wall = timings.wall
    return (
        f"{name:<22} p50 {statistics.median(wall):6.2f} ms   p99 {_ms(wall, 0.99):6.2f} ms   "
        f"max {max(wall):6.2f} ms   cpu p50 {statistics.median(timings.cpu):6.2f} ms   "
        f"({len(wall)} turns)"
    )


def _mark(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _report(steps: dict[str, Timings], baseline: Timings, patients: int, ok: int) -> None:
    every = Timings(
        [t for s in steps.values() for t in s.wall], [t for s in steps.values() for t in s.cpu]
    )
    turns = len(every.wall)
    rate = turns / (sum(every.wall) / 1000)
    cpu_rate = turns / (sum(every.cpu) / 1000)
    p50, p99 = statistics.median(every.wall), _ms(every.wall, 0.99)
    print(f"{patients} patients booked and listed their appointment: {ok}/{patients}")
    print(f"total turns {turns}")
    print(
        f"turns/s {rate:8.1f} on wall time, {cpu_rate:8.1f} on CPU time   "
        f"(target > {TARGET_TURNS_PER_S:.0f}: {_mark(rate > TARGET_TURNS_PER_S)})"
    )
    print(
        f"per turn: p50 {p50:.2f} ms   p99 {p99:.2f} ms   max {max(every.wall):.2f} ms   "
        f"(target p99 < {TARGET_P99_MS:.0f} ms: {_mark(p99 < TARGET_P99_MS)})"
    )
    print(
        f"CPU time per turn: mean {statistics.fmean(every.cpu):.2f} ms   "
        f"p50 {statistics.median(every.cpu):.2f} ms   p99 {_ms(every.cpu, 0.99):.2f} ms"
    )
    print("by step:")
    for name in STEPS:
        print("  " + _row(name, steps[name]))
    slowest = max(STEPS, key=lambda name: statistics.median(steps[name].wall))
    print(f"  slowest step by p50: {slowest}")
    print(_row("engine turn (all)", every))
    print(_row("bare turn (baseline)", baseline))
    print(
        f"ratio engine / baseline: p50 {p50 / statistics.median(baseline.wall):.1f}x   "
        f"p99 {p99 / _ms(baseline.wall, 0.99):.1f}x   "
        f"CPU p50 {statistics.median(every.cpu) / statistics.median(baseline.cpu):.1f}x"
    )


def main() -> None:
    """Run the patients and the baseline, then print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=400, help="timed patients (300-500)")
    parser.add_argument("--warm-up", type=int, default=20, help="untimed patients first")
    args = parser.parse_args()

    clinic = load_clinic_file(DEFAULT_CLINIC_FILE)
    nlu.warm_up()  # as bootstrap does: dateparser's data is loaded before the first patient
    # A real process logs every turn as JSON: pay for rendering it, but into the void.
    with open(os.devnull, "w") as devnull, tempfile.TemporaryDirectory() as folder:
        configure_logging("INFO", stream=devnull)
        database = Database(f"sqlite:///{Path(folder) / 'turns.db'}")
        database.migrate()
        try:
            run(database, clinic, args.patients, args.warm_up)
        finally:
            database.dispose()


def run(database: Database, clinic: ClinicConfig, patients: int, warm_up: int) -> None:
    """Warm up, then time every patient's conversation and as many bare turns."""
    engine = Engine(database, lambda: clinic, clock=lambda: NOW)
    services = [s.id for s in clinic.services if len(clinic.practitioners_for(s.id)) > 1]
    message_ids = itertools.count(1)
    for n in range(warm_up):
        book(Patient(engine, 100_000 + n, message_ids), services, None)
        for turn in range(len(STEPS)):
            bare_turn(database, f"warm-{n}", f"w{n}-{turn}", None)
    steps: dict[str, Timings] = defaultdict(Timings)
    baseline = Timings()
    ok = 0
    began = time.perf_counter()
    for n in range(patients):
        ok += book(Patient(engine, n, message_ids), services, steps)
        # As many bare turns as the patient had, right after: same machine weather.
        for turn in range(len(STEPS)):
            bare_turn(database, f"bare-{n}", f"b{n}-{turn}", baseline)
    elapsed = time.perf_counter() - began
    with database.unit_of_work(read_only=True) as uow:
        booked = uow.session.exec(select(func.count()).select_from(Appointment)).one()
    print(
        f"sample clinic, SQLite file, clock fixed at {NOW:%Y-%m-%d %H:%M} UTC, "
        f"{warm_up} warm-up patients untimed; {booked} appointments in the database; "
        f"run took {elapsed:.1f} s"
    )
    _report(steps, baseline, patients, ok)


if __name__ == "__main__":
    main()
