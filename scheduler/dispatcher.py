"""The outbox dispatcher: sends what is due and was not sent directly.

Replies are normally sent by the channel right after their turn; the
dispatcher sends what that could not (a 429, a crash, a network error) and,
later, everything the scheduler plans. Rows are claimed (status "sending",
committed) before sending, and on PostgreSQL two workers skip each other's
locked rows, so no message goes out twice.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict

import structlog

from bot.delivery import Delivery
from bot.engine import Clock, Outgoing
from bot.messages import Reply
from storage.db import Database

log = structlog.get_logger("carebot.dispatcher")


class OutboxDispatcher:
    """Sweeps the outbox for due messages and delivers them."""

    def __init__(
        self, database: Database, delivery: Delivery, clock: Clock, *, batch: int = 100
    ) -> None:
        self.database = database
        self.delivery = delivery
        self.clock = clock
        self.batch = batch

    def _claim(self) -> list[Outgoing]:
        """Take the due messages of channels we can send on, marking them as sending."""
        with self.database.unit_of_work() as uow:
            rows = [
                row
                for row in uow.outbox.due(self.clock(), self.batch)
                if row.channel in self.delivery.senders and row.id is not None
            ]
            for row in rows:
                uow.outbox.mark_sending(row.id or 0)
            uow.commit()
        return [
            Outgoing(row.id or 0, row.channel, row.external_id, Reply.from_payload(row.payload))
            for row in rows
        ]

    async def run_once(self) -> int:
        """Deliver one batch: chats in parallel, each chat's messages in order."""
        claimed = await asyncio.to_thread(self._claim)
        by_chat: dict[tuple[str, str], list[Outgoing]] = defaultdict(list)
        for item in claimed:
            by_chat[(item.channel, item.recipient)].append(item)
        await asyncio.gather(*(self.delivery.deliver(items) for items in by_chat.values()))
        return len(claimed)

    async def run(self, stop: asyncio.Event, interval: float = 1.0) -> None:
        """Sweep until ``stop`` is set; a full batch is followed at once by the next."""
        while not stop.is_set():
            try:
                sent = await self.run_once()
            except Exception:
                log.exception("dispatcher.sweep_failed")
                sent = 0
            if sent < self.batch:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=interval)
