"""What happens when a channel does not take a message: retries, backoff, the staff told."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from bot.delivery import MAX_ATTEMPTS, Delivery, RetryLater, SendResult, Unreachable
from bot.messages import Reply
from bot.settings import DEFAULT_CLINIC_FILE
from clinic.loader import load_clinic_file
from scheduler.dispatcher import OutboxDispatcher
from storage.db import Database
from storage.models import OutboxMessage
from tests.chat import MovableClock, with_staff
from tests.fakes.collecting import CollectingSender

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
STAFF_GROUP = -1001234567890


@dataclass
class FailingSender:
    """A channel that fails every send the same way."""

    result: SendResult
    channel: str = "telegram"
    tries: list[datetime] = field(default_factory=list)
    clock: MovableClock | None = None

    async def send(self, recipient: str, reply: Reply) -> SendResult:
        if recipient == str(STAFF_GROUP):
            return RetryLater(0, "staff group not tested here")
        self.tries.append(self.clock.now if self.clock else NOW)
        return self.result


def _setup(
    database: Database, result: SendResult
) -> tuple[OutboxDispatcher, FailingSender, MovableClock]:
    clinic = with_staff(load_clinic_file(DEFAULT_CLINIC_FILE), group=STAFF_GROUP)
    clock = MovableClock(NOW)
    sender = FailingSender(result, clock=clock)
    delivery = Delivery(database, [sender], clock, lambda: clinic)
    with database.unit_of_work() as uow:
        patient = uow.patients.create_with_identity("telegram", "42", "fr", now=NOW)
        uow.outbox.enqueue(
            idempotency_key="reply:test:1",
            channel="telegram",
            external_id="42",
            kind="reply",
            payload=Reply("Bonjour").to_payload(),
            not_before=NOW,
            patient_id=patient.id,
            now=NOW,
        )
        uow.commit()
    return OutboxDispatcher(database, delivery, clock, lambda: clinic), sender, clock


def _rows(database: Database) -> dict[str, OutboxMessage]:
    with database.unit_of_work(read_only=True) as uow:
        return {
            m.idempotency_key: m
            for m in uow.session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))
        }


def test_network_failures_back_off_then_fail_and_alert_the_staff(database: Database) -> None:
    """Each failed try waits twice as long as the last; after the last try the message
    is failed and the staff group gets an alert naming the patient number, not a name."""
    dispatcher, sender, clock = _setup(database, RetryLater(5, "telegram: network: TimedOut"))
    for _ in range(2000):
        asyncio.run(dispatcher.run_once())
        if _rows(database)["reply:test:1"].status == "failed":
            break
        clock.advance(timedelta(seconds=5))
    gaps = [b - a for a, b in zip(sender.tries, sender.tries[1:], strict=False)]
    assert len(sender.tries) == MAX_ATTEMPTS
    assert gaps == sorted(gaps) and gaps[-1] >= 4 * gaps[0]
    rows = _rows(database)
    assert rows["reply:test:1"].status == "failed"
    alert = rows["alert:delivery:1"]
    assert alert.external_id == str(STAFF_GROUP) and alert.kind == "staff_alert"
    assert "patient n°1" in alert.payload["text"] and "TimedOut" in alert.payload["text"]


def test_a_blocked_chat_fails_at_once_and_alerts_the_staff(database: Database) -> None:
    """No retry against a chat that blocked the bot; the staff are told once."""
    dispatcher, sender, _ = _setup(
        database, Unreachable("telegram: Forbidden: bot was blocked by the user")
    )
    asyncio.run(dispatcher.run_once())
    asyncio.run(dispatcher.run_once())
    rows = _rows(database)
    assert len(sender.tries) == 1
    assert rows["reply:test:1"].status == "failed"
    assert "alert:delivery:1" in rows


def test_a_429_mid_batch_gives_the_chats_other_messages_back_in_order(database: Database) -> None:
    """The dispatcher claimed two messages for one chat; Telegram answers the first with a
    429: both wait the time asked, pending (not stuck as "sending" until reclaimed), and
    then go in order."""
    dispatcher, sender, clock = _setup(database, RetryLater(30, "telegram: 429 Too Many Requests"))
    with database.unit_of_work() as uow:
        uow.outbox.enqueue(
            idempotency_key="reply:test:2",
            channel="telegram",
            external_id="42",
            kind="reply",
            payload=Reply("Second").to_payload(),
            not_before=NOW,
            now=NOW,
        )
        uow.commit()
    assert asyncio.run(dispatcher.run_once()) == 2
    rows = _rows(database)
    first, second = rows["reply:test:1"], rows["reply:test:2"]
    assert len(sender.tries) == 1
    assert (first.status, second.status) == ("pending", "pending")
    assert first.not_before == second.not_before == NOW + timedelta(seconds=30)
    assert second.attempts == 0 and second.claimed_at is None
    # Nothing goes before the time Telegram asked for.
    clock.advance(timedelta(seconds=29))
    assert asyncio.run(dispatcher.run_once()) == 0
    clock.advance(timedelta(seconds=1))
    collecting = CollectingSender(channel="telegram")
    dispatcher.delivery.senders["telegram"] = collecting
    assert asyncio.run(dispatcher.run_once()) == 2
    assert collecting.texts_to("42") == ["Bonjour", "Second"]
    assert {row.status for row in _rows(database).values() if row.kind == "reply"} == {"sent"}
