"""The outbox dispatcher: sends what is due and was not sent directly.

Replies are normally sent by the channel right after their turn; the
dispatcher sends what that could not (a 429, a crash, a network error) and,
later, everything the scheduler plans. Rows are claimed (status "sending",
committed) before sending, and on PostgreSQL two workers skip each other's
locked rows, so two workers never send one message twice. A worker killed while
sending may have handed a message to its channel without recording it: that
one (at most one per chat being delivered) goes out again after the restart.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

import structlog

from bot.delivery import Delivery
from bot.engine import Clock, Outgoing
from bot.handoff import STAFF_RELAY
from bot.messages import Reply
from clinic.config import ClinicConfig
from scheduler.alerts import STAFF_ALERT
from scheduler.messages import Drop, Postpone, render
from storage.db import Database, UnitOfWork
from storage.models import OutboxMessage

log = structlog.get_logger("carebot.dispatcher")

#: How long a staff message waits for its forum topic before the next look.
TOPIC_WAIT = timedelta(seconds=2)


class OutboxDispatcher:
    """Sweeps the outbox for due messages and delivers them."""

    def __init__(
        self,
        database: Database,
        delivery: Delivery,
        clock: Clock,
        clinic: Callable[[], ClinicConfig],
        *,
        batch: int = 100,
    ) -> None:
        self.database = database
        self.delivery = delivery
        self.clock = clock
        self.clinic = clinic
        self.batch = batch

    def _claim(self) -> list[Outgoing]:
        """Take the due messages of channels we can send on, marking them as sending;
        planned messages are written now, or dropped or postponed if they must be."""
        now = self.clock()
        clinic = self.clinic()
        claimed: list[Outgoing] = []
        with self.database.unit_of_work() as uow:
            for row in uow.outbox.due(now, self.batch):
                if row.channel not in self.delivery.senders or row.id is None:
                    continue
                reply = self._reply(uow, clinic, row, now)
                if reply is not None:
                    uow.outbox.mark_sending(row.id, now)
                    claimed.append(
                        Outgoing(
                            row.id, row.channel, row.external_id, reply, claimed=True, kind=row.kind
                        )
                    )
            uow.commit()
        return claimed

    def _into_topic(self, uow: UnitOfWork, row: OutboxMessage, now: datetime) -> Reply | None:
        """A message for a handoff's staff topic: waits until the topic exists."""
        handoff = uow.handoffs.get(int(row.payload.get("handoff_id", 0)))
        if handoff is None:
            uow.outbox.mark_dropped(row.id or 0, "handoff gone")
            return None
        if handoff.topic_id is None:
            uow.outbox.postpone([row.id or 0], now + TOPIC_WAIT)
            return None
        return replace(Reply.from_payload(row.payload), thread_id=handoff.topic_id)

    def _reply(
        self, uow: UnitOfWork, clinic: ClinicConfig, row: OutboxMessage, now: datetime
    ) -> Reply | None:
        if row.kind in ("reply", STAFF_ALERT):
            return Reply.from_payload(row.payload)
        if row.kind == STAFF_RELAY:
            return self._into_topic(uow, row, now)
        rendered = render(uow, clinic, row, now)
        if isinstance(rendered, Drop):
            uow.outbox.mark_dropped(row.id or 0, rendered.reason)
            log.info("dispatcher.dropped", outbox=row.id, kind=row.kind, reason=rendered.reason)
            return None
        if isinstance(rendered, Postpone):
            uow.outbox.postpone([row.id or 0], rendered.until)
            return None
        return rendered

    async def run_once(self) -> int:
        """Deliver one batch: chats in parallel, each chat's messages in order."""
        claimed = await asyncio.to_thread(self._claim)
        by_chat: dict[tuple[str, str], list[Outgoing]] = defaultdict(list)
        for item in claimed:
            by_chat[(item.channel, item.recipient)].append(item)
        await asyncio.gather(*(self.delivery.deliver(items) for items in by_chat.values()))
        return len(claimed)
