"""Indexes the KPI report reads by: turns, bookings, visits, events, replies and reminders
by their moment.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op


revision: str = '0006'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ('ix_turn_log_at', 'turn_log', ['at']),
    ('ix_appointment_created_at', 'appointment', ['created_at']),
    ('ix_appointment_start', 'appointment', ['start']),
    ('ix_appointment_event_at', 'appointment_event', ['at']),
    ('ix_outbox_message_kind_created_at', 'outbox_message', ['kind', 'created_at']),
    ('ix_outbox_message_kind_sent_at', 'outbox_message', ['kind', 'sent_at']),
)


def upgrade() -> None:
    """Upgrade schema."""
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
