"""Handing committed replies to their channel, and recording what happened in the outbox.

A channel sender only says how a send went (``Sent``, ``RetryLater``,
``Unreachable``, ``Rejected``); this module turns that into outbox state, so
a 429 means "send later" (the dispatcher will), never "dropped", and a
patient who blocked the bot stops being written to.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import structlog

from bot.engine import Clock, Outgoing
from bot.i18n import catalogue
from bot.messages import Reply
from bot.metrics import SEND_FAILURES, SENT, sent_kind
from clinic.config import ClinicConfig
from scheduler.alerts import STAFF_ALERT, alert_staff
from storage.db import Database, UnitOfWork

log = structlog.get_logger("carebot.delivery")


@dataclass(frozen=True)
class Sent:
    """The channel accepted the message."""

    provider_message_id: str | None = None


@dataclass(frozen=True)
class RetryLater:
    """The channel asked us to wait (rate limit, temporary error)."""

    seconds: float
    reason: str


@dataclass(frozen=True)
class Unreachable:
    """The patient cannot be reached on this chat (blocked the bot, chat gone)."""

    reason: str


@dataclass(frozen=True)
class Rejected:
    """The channel refused this message for good (a bug of ours, or a bad message)."""

    reason: str


SendResult = Sent | RetryLater | Unreachable | Rejected


class ChannelSender(Protocol):
    """What a channel adapter offers for sending."""

    channel: str

    async def send(self, recipient: str, reply: Reply) -> SendResult:
        """Send one reply to one chat and say how it went."""
        ...


#: Attempts before a message counts as undeliverable and the staff are told (429s
#: are flow control, not failures, and do not count).
MAX_ATTEMPTS = 5
#: First wait after a failure; it doubles with each attempt, up to MAX_BACKOFF.
BACKOFF = timedelta(seconds=10)
MAX_BACKOFF = timedelta(hours=1)
RATE_LIMITED = "429"


class Delivery:
    """Sends outgoing replies through their channel and records the outcome."""

    def __init__(
        self,
        database: Database,
        senders: Sequence[ChannelSender],
        clock: Clock,
        clinic: Callable[[], ClinicConfig] | None = None,
    ) -> None:
        self.database = database
        self.senders = {sender.channel: sender for sender in senders}
        self.clock = clock
        self.clinic = clinic

    async def deliver(self, items: Sequence[Outgoing]) -> None:
        """Send a turn's replies in order; stop at the first that cannot go now."""
        for index, item in enumerate(items):
            sender = self.senders.get(item.channel)
            if sender is None:
                return
            result = await sender.send(item.recipient, item.reply)
            done = await asyncio.to_thread(self._record, item, result, items[index + 1 :])
            if not done:
                return

    def _record(self, item: Outgoing, result: SendResult, rest: Sequence[Outgoing]) -> bool:
        """Write the outcome; True if the next replies may be sent now."""
        now = self.clock()
        if not isinstance(result, Sent):
            SEND_FAILURES.labels(item.channel, type(result).__name__).inc()
        with self.database.unit_of_work() as uow:
            match result:
                case Sent(provider_message_id):
                    SENT.labels(item.channel, sent_kind(item.kind)).inc()
                    uow.outbox.mark_sent(item.outbox_id, provider_message_id, now)
                case RetryLater(seconds, reason):
                    later = self._retry_at(uow, item, seconds, reason, now)
                    uow.outbox.mark_failed(item.outbox_id, reason, now, retry_at=later)
                    if later is None:
                        self._alert(uow, item, reason, now)
                    else:
                        # The rest waits too, so the patient reads the replies in order; what
                        # the dispatcher had claimed goes back to the outbox rather than
                        # sitting "sending" until it is reclaimed as stuck.
                        uow.outbox.postpone([o.outbox_id for o in rest if not o.claimed], later)
                        uow.outbox.give_back([o.outbox_id for o in rest if o.claimed], later)
                        log.info("delivery.postponed", channel=item.channel, seconds=seconds)
                case Unreachable(reason):
                    for outgoing in (item, *rest):
                        uow.outbox.mark_failed(outgoing.outbox_id, reason, now, retry_at=None)
                    patient = uow.patients.by_identity(item.channel, item.recipient)
                    if patient is not None and patient.id is not None:
                        uow.patients.update(patient.id, unreachable=True)
                        uow.audit.record(
                            "system",
                            "channel.unreachable",
                            f"patient:{patient.id}",
                            {"channel": item.channel, "reason": reason},
                            now,
                        )
                    log.warning("delivery.unreachable", channel=item.channel, reason=reason)
                    self._alert(uow, item, reason, now)
                case Rejected(reason):
                    uow.outbox.mark_failed(item.outbox_id, reason, now, retry_at=None)
                    log.error("delivery.rejected", channel=item.channel, reason=reason)
            uow.commit()
        return isinstance(result, Sent | Rejected)

    def _retry_at(
        self, uow: UnitOfWork, item: Outgoing, seconds: float, reason: str, now: datetime
    ) -> datetime | None:
        """When to try again: when the channel said for a 429, else with a doubling
        backoff; None once the attempts are used up."""
        if RATE_LIMITED in reason:
            return now + timedelta(seconds=seconds)
        row = uow.outbox.get(item.outbox_id)
        attempts = (row.attempts if row else 0) + 1
        if attempts >= MAX_ATTEMPTS:
            return None
        backoff: timedelta = min(BACKOFF * 2 ** (attempts - 1), MAX_BACKOFF)
        return now + max(backoff, timedelta(seconds=seconds))

    def _alert(self, uow: UnitOfWork, item: Outgoing, reason: str, now: datetime) -> None:
        """A patient we could not reach: the staff must know (never about staff alerts)."""
        row = uow.outbox.get(item.outbox_id)
        if self.clinic is None or row is None or row.kind == STAFF_ALERT:
            return
        clinic = self.clinic()
        text = catalogue(clinic.clinic.default_language)["staff.delivery_failed"].format(
            patient=row.patient_id or "?", kind=row.kind, reason=reason
        )
        alert_staff(
            uow,
            clinic,
            key=f"delivery:{item.outbox_id}",
            text=text,
            now=now,
            detail={"outbox": item.outbox_id, "reason": reason},
        )
