"""Questions the FAQ did not answer for sure (masked), for `carebot faq gaps`.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa


revision: str = '0007'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('faq_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=True),
    sa.Column('language', sa.String(), nullable=False),
    sa.Column('text', sa.String(), nullable=False),
    sa.Column('outcome', sa.String(), nullable=False),
    sa.Column('suggested', sa.JSON(), nullable=False),
    sa.Column('entry_id', sa.String(), nullable=True),
    sa.CheckConstraint("outcome IN ('unanswered', 'suggested', 'chosen', 'added')", name=op.f('ck_faq_question_outcome')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_faq_question_patient_id_patient')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_faq_question')),
    sqlite_autoincrement=True
    )
    op.create_index(op.f('ix_faq_question_at'), 'faq_question', ['at'], unique=False)
    op.create_index(op.f('ix_faq_question_patient_id'), 'faq_question', ['patient_id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f('ix_faq_question_patient_id'), table_name='faq_question')
    op.drop_index(op.f('ix_faq_question_at'), table_name='faq_question')
    op.drop_table('faq_question')
