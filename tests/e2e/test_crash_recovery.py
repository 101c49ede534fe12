"""Crashes and second workers: every due message is sent, and none twice.

The bot process is ``tests/e2e/_crash_worker.py``: the real outbox dispatcher
over a channel that makes each send durable (an fsynced line in a log file)
before reporting it sent, the way a message is on the patient's phone once
the platform accepted it. The test SIGKILLs that process in the middle of
its dispatch batches, restarts it, and reads the log.

What a crash may repeat, and nothing else: a message the platform accepted
but whose "sent" the database had not recorded when the process died. Such
a message is still "sending" after the kill; a restarted worker sends it
again once it counts as stuck (``scheduler.jobs.STUCK_AFTER``). A chat's
messages go one at a time, so that is at most one message per chat the
batch was writing to — one in all when there is one chat.

Starting Python and importing carebot takes about a second, so each test
starts all its processes up front; each waits for its own "go" file before
it touches the database, which the test creates once the previous process
is dead.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool
from sqlmodel import select

from bot.messages import Reply
from scheduler.jobs import STUCK_AFTER
from storage.db import Database
from storage.models import OutboxMessage, OutboxStatus
from tests.e2e._crash_worker import CHANNEL

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 300
KILLS = 6
#: Each restarted process's clock is this much later than the previous one's:
#: long enough for the dead process's claims to count as stuck.
DOWNTIME = STUCK_AFTER + timedelta(minutes=1)


def fill_outbox(database: Database, count: int, chats: int) -> None:
    """``count`` due replies ``m0000``, ``m0001``… spread round-robin over ``chats`` chats."""
    now = datetime.now(UTC)
    with database.unit_of_work() as uow:
        for n in range(count):
            uow.outbox.enqueue(
                f"crashtest:{n}",
                CHANNEL,
                f"chat{n % chats}",
                "reply",
                Reply(f"m{n:04d}").to_payload(),
                not_before=now - timedelta(minutes=1),
                now=now,
            )
        uow.commit()


def statuses(database: Database) -> dict[str, str]:
    """Each message's text and outbox status."""
    with database.unit_of_work(read_only=True) as uow:
        rows = uow.session.exec(select(OutboxMessage)).all()
        return {str(row.payload["text"]): row.status for row in rows}


@dataclass(frozen=True)
class LogLine:
    """One send the platform accepted: which process sent what to which chat."""

    tag: str
    chat: str
    text: str


def read_log(path: Path) -> list[LogLine]:
    """Every send in the platform's log, in order."""
    if not path.exists():
        return []
    return [LogLine(*line.split(" ")) for line in path.read_text().splitlines()]


def count_lines(path: Path) -> int:
    """How many sends the log holds so far."""
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


@dataclass
class Worker:
    """One bot process (``_crash_worker``), started ahead of time, waiting for ``go``."""

    tag: str
    process: subprocess.Popen[str]
    go_file: Path
    stderr: Path

    @classmethod
    def spawn(
        cls,
        url: str,
        log: Path,
        tag: str,
        *,
        clock_ahead: timedelta = timedelta(0),
        batch: int = 100,
        go_file: Path | None = None,
    ) -> Worker:
        """Start the process (it imports, then waits for its go file); do not wait."""
        go_file = go_file or log.with_name(f"{tag}.go")
        stderr = log.with_name(f"{tag}.stderr")
        command = [
            sys.executable,
            "-m",
            "tests.e2e._crash_worker",
            url,
            str(log),
            f"--tag={tag}",
            f"--clock-ahead={clock_ahead.total_seconds()}",
            f"--batch={batch}",
            f"--go={go_file}",
        ]
        with stderr.open("w") as errors:
            process = subprocess.Popen(
                command, cwd=ROOT, stdout=subprocess.PIPE, stderr=errors, text=True
            )
        return cls(tag, process, go_file, stderr)

    def wait_ready(self) -> None:
        """Block until the process has imported everything and waits for its go file."""
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line.startswith("ready"), f"worker {self.tag} did not start: {self.errors()}"

    def go(self) -> None:
        """Let it start: reclaim stuck messages, then dispatch."""
        self.wait_ready()
        self.go_file.touch()

    def errors(self) -> str:
        """What the process wrote to stderr."""
        return self.stderr.read_text()

    def finish(self, timeout: float = 60) -> str:
        """Wait for a clean exit; its last words (``done N``)."""
        out, _ = self.process.communicate(timeout=timeout)
        assert self.process.returncode == 0, f"worker {self.tag} failed: {self.errors()}"
        return out.strip().splitlines()[-1]

    def kill(self) -> None:
        """SIGKILL: no cleanup, no last commit."""
        self.process.kill()
        self.process.communicate()


@dataclass
class Kill:
    """What one kill left behind."""

    tag: str
    #: Accepted by the platform, still "sending" in the database: will be sent again.
    in_flight: set[LogLine] = field(default_factory=set)
    #: Claimed and still "sending" after the kill (sent or not).
    claimed: int = 0


def kill_mid_batch(worker: Worker, log: Path, rng: random.Random) -> bool:
    """Let the worker go and SIGKILL it at a random point of its dispatching: soon after
    it starts (while it reclaims or claims) or once it has sent a random few messages.
    False if it finished first."""
    sends_before = count_lines(log)
    worker.go()
    if rng.random() < 0.2:
        time.sleep(rng.uniform(0, 0.05))
    else:
        target = sends_before + rng.randint(1, 40)
        while count_lines(log) < target and worker.process.poll() is None:
            time.sleep(0.0005)
        # A little later still, so kills land on every step of a send: awaiting the
        # network, between the platform and the database, committing.
        time.sleep(rng.uniform(0, 0.004))
    if worker.process.poll() is not None:
        return False
    worker.kill()
    return True


class Spawn(Protocol):
    """Starts a worker process that the test will clean up."""

    def __call__(
        self,
        url: str,
        log: Path,
        tag: str,
        *,
        clock_ahead: timedelta = ...,
        batch: int = ...,
        go_file: Path | None = ...,
    ) -> Worker: ...


@pytest.fixture
def spawn() -> Iterator[Spawn]:
    """``Worker.spawn``, killing at the end whatever the test left running (a failed
    assertion must not leave processes waiting for their go file)."""
    started: list[Worker] = []

    def start(url: str, log: Path, tag: str, **options: Any) -> Worker:
        worker = Worker.spawn(url, log, tag, **options)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.kill()


def migrated_sqlite(path: Path) -> tuple[str, Database]:
    """A migrated SQLite file: its URL and a ``Database`` on it."""
    url = f"sqlite:///{path}"
    database = Database(url)
    database.migrate()
    return url, database


@pytest.mark.parametrize("chats", [1, 30], ids=["one-chat", "30-chats"])
def test_killed_mid_batch_again_and_again_every_message_goes_out_and_only_in_flight_ones_twice(
    tmp_path: Path, spawn: Spawn, chats: int
) -> None:
    """300 due messages; the bot is SIGKILLed mid-batch 6 times and restarted each
    time (its reclaim job runs once the dead claims are stuck), then runs to the end.
    Every message reached its chat and is "sent" in the database; a message went
    out twice only if it was in flight when a kill landed (the platform had it, the
    database did not), and a kill had at most one such message per chat."""
    url, database = migrated_sqlite(tmp_path / "carebot.db")
    fill_outbox(database, MESSAGES, chats)
    log = tmp_path / "platform.log"
    rng = random.Random(20261207 + chats)
    workers = [spawn(url, log, f"r{n}", clock_ahead=DOWNTIME * n) for n in range(KILLS + 1)]
    *killed, last = workers
    kills: list[Kill] = []
    for worker in killed:
        if not kill_mid_batch(worker, log, rng):
            worker.finish()
            break
        sending = {t for t, status in statuses(database).items() if status == OutboxStatus.SENDING}
        in_flight = {line for line in read_log(log) if line.tag == worker.tag}
        in_flight = {line for line in in_flight if line.text in sending}
        kills.append(Kill(worker.tag, in_flight, len(sending)))
    last.go()
    assert last.finish().startswith("done")

    sends = read_log(log)
    final = statuses(database)
    database.dispose()
    # Every due message reached its chat, and the database knows it.
    assert {line.text for line in sends} == set(final), "some due messages were never sent"
    assert set(final.values()) == {OutboxStatus.SENT.value}
    # Nothing repeats but what was in flight at a kill: once more per such kill.
    expected = Counter(final.keys())
    for kill in kills:
        per_chat = Counter(line.chat for line in kill.in_flight)
        assert all(n == 1 for n in per_chat.values()), (
            f"kill of {kill.tag} caught {per_chat} in flight: a chat's messages go one "
            "at a time, so at most one per chat can be sent and not yet recorded"
        )
        expected.update(line.text for line in kill.in_flight)
    sent = Counter(line.text for line in sends)
    repeated = {text: n for text, n in sent.items() if n > 1}
    assert sent == expected, (
        f"repeated {repeated}; a crash may repeat only the messages in flight when it "
        "landed (accepted by the platform, not yet recorded as sent) — at most one per "
        f"chat per kill; in flight: {[sorted(k.in_flight, key=str) for k in kills]}"
    )
    # The kills did land mid-batch (else this test proved nothing).
    assert len(kills) == KILLS, "the worker finished before all the kills"
    mid_batch = [k for k in kills if k.claimed]
    assert len(mid_batch) >= KILLS // 2, f"only {len(mid_batch)} kills landed mid-batch"
    print(
        f"\n{chats} chat(s): {len(kills)} kills, {len(mid_batch)} mid-batch, "
        f"{sum(len(k.in_flight) for k in kills)} in flight -> {len(repeated)} sent twice "
        f"or more ({sum(sent.values())} sends for {len(final)} messages)"
    )


def test_after_a_crash_a_chats_messages_still_go_out_in_order(tmp_path: Path, spawn: Spawn) -> None:
    """One chat, 150 due messages, a batch of 100: killed after 10 sends, restarted
    once the claims count as stuck; the patient still reads the messages in order."""
    url, database = migrated_sqlite(tmp_path / "carebot.db")
    fill_outbox(database, 150, 1)
    database.dispose()
    log = tmp_path / "platform.log"
    first = spawn(url, log, "r0")
    restarted = spawn(url, log, "r1", clock_ahead=DOWNTIME)
    first.go()
    while count_lines(log) < 10 and first.process.poll() is None:
        time.sleep(0.0005)
    first.kill()
    restarted.go()
    restarted.finish()
    first_sends = list(dict.fromkeys(line.text for line in read_log(log)))
    assert len(first_sends) == 150
    assert first_sends == sorted(first_sends)


# --- two workers on one database ---


def _admin(server_url: URL, sql: str) -> None:
    """Run one statement on the server outside any transaction (CREATE/DROP DATABASE)."""
    admin = create_engine(server_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(sql)
    finally:
        admin.dispose()


@pytest.fixture
def shared_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a migrated database of the test's backend that processes can share
    (a SQLite file, or a PostgreSQL database of its own, dropped afterwards)."""
    if backend == "sqlite":
        url, database = migrated_sqlite(tmp_path / "carebot.db")
        database.dispose()
        yield url
        return
    # Skips locally, fails under CI, when the server is not reachable.
    server_url: URL = request.getfixturevalue("postgres_server_url")
    name = f"carebot_crash_{uuid.uuid4().hex[:12]}"
    _admin(server_url, f'CREATE DATABASE "{name}"')
    try:
        database = Database(server_url.set(database=name))
        database.migrate()
        database.dispose()
        yield server_url.set(database=name).render_as_string(hide_password=False)
    finally:
        # FORCE: a killed or failed worker may still hold a connection.
        _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_two_workers_dispatching_one_outbox_together_never_send_a_message_twice(
    shared_url: str, tmp_path: Path, spawn: Spawn
) -> None:
    """Two bot processes sweep the same 400 due messages at the same moment in small
    batches: every message goes out once, from one of them, and both did part of it."""
    database = Database(shared_url)
    fill_outbox(database, 400, 40)
    log = tmp_path / "platform.log"
    go = tmp_path / "go"
    workers = [spawn(shared_url, log, f"w{i}", batch=20, go_file=go) for i in (1, 2)]
    for worker in workers:
        worker.wait_ready()
    go.touch()
    for worker in workers:
        assert worker.finish().startswith("done")

    sends = read_log(log)
    final = statuses(database)
    database.dispose()
    sent = Counter(line.text for line in sends)
    twice = sorted(text for text, n in sent.items() if n > 1)
    assert twice == [], f"sent by both workers: {twice}"
    assert set(sent) == set(final) and set(final.values()) == {OutboxStatus.SENT.value}
    by_worker = Counter(line.tag for line in sends)
    assert by_worker["w1"] > 0 and by_worker["w2"] > 0, f"no concurrency: {by_worker}"
