"""Initial schema: patients, appointments and slot claims, conversations,
outbox, inbound dedupe, consent, audit and turn logs.

Revision ID: 0001
Revises:
Create Date: 2026-11-28

Plain ``op.create_index`` rather than batch mode: creating tables and indexes
needs no table copy on SQLite.
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(), nullable=False),
    sa.Column('action', sa.String(), nullable=False),
    sa.Column('subject', sa.String(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log')),
    sqlite_autoincrement=True
    )
    op.create_index(op.f('ix_audit_log_at'), 'audit_log', ['at'], unique=False)
    op.create_table('patient',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('display_name', sa.String(), nullable=True),
    sa.Column('phone', sa.String(), nullable=True),
    sa.Column('language', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('opted_out', sa.Boolean(), nullable=False),
    sa.Column('unreachable', sa.Boolean(), nullable=False),
    sa.Column('erased_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patient')),
    sqlite_autoincrement=True
    )
    op.create_table('processed_inbound',
    sa.Column('channel', sa.String(), nullable=False),
    sa.Column('message_id', sa.String(), nullable=False),
    sa.Column('processed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('channel', 'message_id', name=op.f('pk_processed_inbound'))
    )
    op.create_table('appointment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('practitioner_id', sa.String(), nullable=False),
    sa.Column('service_id', sa.String(), nullable=False),
    sa.Column('start', sa.DateTime(), nullable=False),
    sa.Column('end', sa.DateTime(), nullable=False),
    sa.Column('busy_until', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('cancel_reason', sa.String(), nullable=True),
    sa.Column('rescheduled_from_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('booked', 'confirmed', 'cancelled', 'completed', 'no_show')", name=op.f('ck_appointment_status')),
    sa.CheckConstraint('start < "end" AND "end" <= busy_until', name=op.f('ck_appointment_times')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_appointment_patient_id_patient')),
    sa.ForeignKeyConstraint(['rescheduled_from_id'], ['appointment.id'], name=op.f('fk_appointment_rescheduled_from_id_appointment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment')),
    sqlite_autoincrement=True
    )
    op.create_index('ix_appointment_patient_id_start', 'appointment', ['patient_id', 'start'], unique=False)
    op.create_index('ix_appointment_practitioner_id_start', 'appointment', ['practitioner_id', 'start'], unique=False)
    op.create_table('channel_identity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(), nullable=False),
    sa.Column('external_id', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_channel_identity_patient_id_patient')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_identity')),
    sa.UniqueConstraint('channel', 'external_id', name=op.f('uq_channel_identity_channel_external_id')),
    sqlite_autoincrement=True
    )
    op.create_index(op.f('ix_channel_identity_patient_id'), 'channel_identity', ['patient_id'], unique=False)
    op.create_table('consent_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('notice_version', sa.String(), nullable=False),
    sa.Column('accepted_at', sa.DateTime(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_consent_record_patient_id_patient')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_record')),
    sqlite_autoincrement=True
    )
    op.create_index(op.f('ix_consent_record_patient_id'), 'consent_record', ['patient_id'], unique=False)
    op.create_table('conversation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(), nullable=False),
    sa.Column('external_id', sa.String(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=True),
    sa.Column('language', sa.String(), nullable=False),
    sa.Column('flow', sa.String(), nullable=False),
    sa.Column('step', sa.String(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('misunderstandings', sa.Integer(), nullable=False),
    sa.Column('handoff', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_conversation_patient_id_patient')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation')),
    sa.UniqueConstraint('channel', 'external_id', name=op.f('uq_conversation_channel_external_id')),
    sqlite_autoincrement=True
    )
    op.create_index(op.f('ix_conversation_patient_id'), 'conversation', ['patient_id'], unique=False)
    op.create_table('appointment_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('from_status', sa.String(), nullable=True),
    sa.Column('to_status', sa.String(), nullable=False),
    sa.Column('actor', sa.String(), nullable=False),
    sa.Column('note', sa.String(), nullable=True),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], name=op.f('fk_appointment_event_appointment_id_appointment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_event')),
    sqlite_autoincrement=True
    )
    op.create_index(op.f('ix_appointment_event_appointment_id'), 'appointment_event', ['appointment_id'], unique=False)
    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(), nullable=False),
    sa.Column('channel', sa.String(), nullable=False),
    sa.Column('external_id', sa.String(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=True),
    sa.Column('conversation_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('not_before', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(), nullable=True),
    sa.Column('provider_message_id', sa.String(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')", name=op.f('ck_outbox_message_status')),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], name=op.f('fk_outbox_message_conversation_id_conversation')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_outbox_message_patient_id_patient')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_outbox_message_idempotency_key')),
    sqlite_autoincrement=True
    )
    op.create_index('ix_outbox_message_status_not_before', 'outbox_message', ['status', 'not_before'], unique=False)
    op.create_table('slot_claim',
    sa.Column('practitioner_id', sa.String(), nullable=False),
    sa.Column('cell_start', sa.DateTime(), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], name=op.f('fk_slot_claim_appointment_id_appointment')),
    sa.PrimaryKeyConstraint('practitioner_id', 'cell_start', name=op.f('pk_slot_claim'))
    )
    op.create_index(op.f('ix_slot_claim_appointment_id'), 'slot_claim', ['appointment_id'], unique=False)
    op.create_table('turn_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('inbound_kind', sa.String(), nullable=False),
    sa.Column('flow', sa.String(), nullable=False),
    sa.Column('step', sa.String(), nullable=False),
    sa.Column('latency_ms', sa.Float(), nullable=False),
    sa.Column('replies', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], name=op.f('fk_turn_log_conversation_id_conversation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_turn_log')),
    sqlite_autoincrement=True
    )
    op.create_index(op.f('ix_turn_log_conversation_id'), 'turn_log', ['conversation_id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f('ix_turn_log_conversation_id'), table_name='turn_log')
    op.drop_table('turn_log')
    op.drop_index(op.f('ix_slot_claim_appointment_id'), table_name='slot_claim')
    op.drop_table('slot_claim')
    op.drop_index('ix_outbox_message_status_not_before', table_name='outbox_message')
    op.drop_table('outbox_message')
    op.drop_index(op.f('ix_appointment_event_appointment_id'), table_name='appointment_event')
    op.drop_table('appointment_event')
    op.drop_index(op.f('ix_conversation_patient_id'), table_name='conversation')
    op.drop_table('conversation')
    op.drop_index(op.f('ix_consent_record_patient_id'), table_name='consent_record')
    op.drop_table('consent_record')
    op.drop_index(op.f('ix_channel_identity_patient_id'), table_name='channel_identity')
    op.drop_table('channel_identity')
    op.drop_index('ix_appointment_practitioner_id_start', table_name='appointment')
    op.drop_index('ix_appointment_patient_id_start', table_name='appointment')
    op.drop_table('appointment')
    op.drop_table('processed_inbound')
    op.drop_table('patient')
    op.drop_index(op.f('ix_audit_log_at'), table_name='audit_log')
    op.drop_table('audit_log')
