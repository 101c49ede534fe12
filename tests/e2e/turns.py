"""When has a channel's inbound message been fully handled (for end-to-end tests)."""

from __future__ import annotations

from sqlmodel import col, select

from storage.db import Database
from storage.models import OutboxMessage, ProcessedInbound


def turn_done(database: Database, channel: str, message_id: str) -> bool:
    """The message was processed and every reply it produced has left the outbox."""
    key = f"reply:{channel}:{message_id}:"
    with database.unit_of_work(read_only=True) as uow:
        processed = uow.session.get(ProcessedInbound, (channel, message_id))
        pending = uow.session.exec(
            select(OutboxMessage).where(
                col(OutboxMessage.idempotency_key).startswith(key),
                col(OutboxMessage.status).in_(("pending", "sending")),
            )
        ).first()
    return processed is not None and pending is None
