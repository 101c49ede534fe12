"""A bot process reduced to its outbox dispatcher, for the crash tests to kill.

Run as ``python -m tests.e2e._crash_worker DATABASE_URL LOG --tag T``. It does
what a restarted carebot does before sending: puts back the messages a dead
worker left "sending" (``reclaim_stuck``), then runs ``OutboxDispatcher.run_once``
until nothing is due, and exits 0.

Its channel stands for the messaging platform: a send is "on the patient's
phone" once its line (``TAG TEXT``) is appended to LOG and fsynced, *before*
the sender returns ``Sent``, so a kill between the two leaves a message that
reached the patient while the database still says "sending". That window is
exactly what a crash can repeat.

Protocol with the parent: ``ready`` on stdout once imported and set up,
then, with ``--go FILE``, wait for FILE to exist before touching the database
(so tests can start processes ahead of time: starting Python is the slow
part); ``done SENT`` on stdout at the end. Logs go to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.delivery import Delivery, SendResult, Sent
from bot.logs import configure_logging
from bot.messages import Reply
from bot.settings import DEFAULT_CLINIC_FILE
from clinic.loader import load_clinic_file
from scheduler.dispatcher import OutboxDispatcher
from scheduler.jobs import reclaim_stuck
from storage.db import Database

CHANNEL = "crashtest"
#: Seconds a process waits for its go file before giving up.
GO_TIMEOUT = 120


class PlatformLog:
    """The channel: every send is one fsynced line of LOG before it counts as sent."""

    channel = CHANNEL

    def __init__(self, path: Path, tag: str, delay: float) -> None:
        # O_APPEND: one write() per line, so two processes (or a kill) never
        # interleave or tear lines.
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.tag = tag
        self.delay = delay
        self.count = 0

    async def send(self, recipient: str, reply: Reply) -> SendResult:
        """Take a few milliseconds (the network), then make the message durable."""
        await asyncio.sleep(self.delay)
        os.write(self.fd, f"{self.tag} {recipient} {reply.text}\n".encode())
        os.fsync(self.fd)
        self.count += 1
        return Sent(f"{self.tag}-{self.count}")


async def dispatch_all(dispatcher: OutboxDispatcher) -> None:
    """Sweep until a sweep finds nothing due."""
    while await dispatcher.run_once():
        pass


def main() -> None:
    """Reclaim, say ready, (wait for go,) dispatch everything due, say done."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database_url")
    parser.add_argument("log", type=Path)
    parser.add_argument("--tag", required=True, help="written before every sent line")
    parser.add_argument(
        "--clock-ahead",
        type=float,
        default=0.0,
        help="seconds this process's clock runs ahead of real time (how long it was down)",
    )
    parser.add_argument("--delay-ms", type=float, default=3.0, help="time each send takes")
    parser.add_argument("--batch", type=int, default=100, help="the dispatcher's batch size")
    parser.add_argument("--go", type=Path, help="wait for this file before starting work")
    args = parser.parse_args()

    configure_logging("WARNING")
    ahead = timedelta(seconds=args.clock_ahead)

    def clock() -> datetime:
        return datetime.now(UTC) + ahead

    clinic = load_clinic_file(DEFAULT_CLINIC_FILE)
    database = Database(args.database_url)  # connects on first use, after "go"
    sender = PlatformLog(args.log, args.tag, args.delay_ms / 1000)
    delivery = Delivery(database, [sender], clock)
    dispatcher = OutboxDispatcher(database, delivery, clock, lambda: clinic, batch=args.batch)
    print("ready", flush=True)
    if args.go is not None:
        # A parent that died (or failed before letting us go) leaves no orphans for long.
        deadline = time.monotonic() + GO_TIMEOUT
        while not args.go.exists():
            if time.monotonic() > deadline:
                raise SystemExit(f"no {args.go} after {GO_TIMEOUT} s")
            time.sleep(0.002)
    # What the bot's "reclaim" job does once the dead worker's claims are old enough.
    reclaim_stuck(database, clock())
    asyncio.run(dispatch_all(dispatcher))
    database.dispose()
    print(f"done {sender.count}", flush=True)


if __name__ == "__main__":
    main()
