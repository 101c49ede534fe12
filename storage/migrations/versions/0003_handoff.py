"""Handoffs to staff (with their forum topic) and practitioner blocks set from the chat.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('practitioner_block',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practitioner_id', sa.String(), nullable=False),
    sa.Column('start', sa.DateTime(), nullable=False),
    sa.Column('end', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.String(), nullable=True),
    sa.Column('created_by', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practitioner_block')),
    sqlite_autoincrement=True
    )
    op.create_index('ix_practitioner_block_practitioner_id_start', 'practitioner_block', ['practitioner_id', 'start'], unique=False)

    op.create_table('handoff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=True),
    sa.Column('staff_replied_at', sa.DateTime(), nullable=True),
    sa.Column('reminded_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('closed_by', sa.String(), nullable=True),
    sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_handoff_status')),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], name=op.f('fk_handoff_conversation_id_conversation')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_handoff_patient_id_patient')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handoff')),
    sqlite_autoincrement=True
    )
    op.create_index(op.f('ix_handoff_conversation_id'), 'handoff', ['conversation_id'], unique=False)
    op.create_index('ix_handoff_status_opened_at', 'handoff', ['status', 'opened_at'], unique=False)
    op.create_index(op.f('ix_handoff_topic_id'), 'handoff', ['topic_id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f('ix_handoff_topic_id'), table_name='handoff')
    op.drop_index('ix_handoff_status_opened_at', table_name='handoff')
    op.drop_index(op.f('ix_handoff_conversation_id'), table_name='handoff')

    op.drop_table('handoff')
    op.drop_index('ix_practitioner_block_practitioner_id_start', table_name='practitioner_block')

    op.drop_table('practitioner_block')
