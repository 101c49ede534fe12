"""Waitlist: patients who want to hear of an earlier time, and the time held for them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('waitlist_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.String(), nullable=False),
    sa.Column('practitioner_id', sa.String(), nullable=True),
    sa.Column('appointment_id', sa.Integer(), nullable=True),
    sa.Column('before', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('offered_practitioner_id', sa.String(), nullable=True),
    sa.Column('offered_start', sa.DateTime(), nullable=True),
    sa.Column('hold_until', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('waiting', 'offered', 'done', 'cancelled')", name=op.f('ck_waitlist_entry_status')),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], name=op.f('fk_waitlist_entry_appointment_id_appointment')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_waitlist_entry_patient_id_patient')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waitlist_entry')),
    sqlite_autoincrement=True
    )
    op.create_index(op.f('ix_waitlist_entry_patient_id'), 'waitlist_entry', ['patient_id'], unique=False)
    op.create_index('ix_waitlist_entry_status_created_at', 'waitlist_entry', ['status', 'created_at'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_waitlist_entry_status_created_at', table_name='waitlist_entry')
    op.drop_index(op.f('ix_waitlist_entry_patient_id'), table_name='waitlist_entry')
    op.drop_table('waitlist_entry')
