"""Decisions, the API tokens of depositing systems, postal export batches.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 15:50:43.344788
"""

import sqlalchemy as sa
from alembic import op

import notify.db

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=48), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', notify.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', notify.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', notify.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('name', name=op.f('uq_api_tokens_name')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_api_tokens_token_sha256'))
    )
    op.create_table('postal_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=24), nullable=False),
    sa.Column('created_at', notify.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('manifest', sa.LargeBinary(), nullable=False),
    sa.Column('archive_sha256', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_postal_batches')),
    sa.UniqueConstraint('number', name=op.f('uq_postal_batches_number'))
    )
    op.create_table('decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=50), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=True),
    sa.Column('balance_after', sa.Integer(), nullable=True),
    sa.Column('probationary', sa.Boolean(), nullable=True),
    sa.Column('offence_date', sa.Date(), nullable=True),
    sa.Column('offence_place', sa.String(length=200), nullable=True),
    sa.Column('offence_description', sa.Text(), nullable=True),
    sa.Column('offence_class', sa.String(length=8), nullable=True),
    sa.Column('restoration_basis', sa.String(length=16), nullable=True),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=24), nullable=False),
    sa.Column('routing_reason', sa.Text(), nullable=False),
    sa.Column('routing_policy', sa.String(length=64), nullable=False),
    sa.Column('deposited_at', notify.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deposited_by', sa.String(length=48), nullable=False),
    sa.Column('deposit_event_id', sa.Integer(), nullable=False),
    sa.Column('letter_sha256', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('made_available_at', notify.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('first_consulted_at', notify.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('notified_at', notify.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('notified_on', sa.Date(), nullable=True),
    sa.Column('notification_basis', sa.String(length=16), nullable=True),
    sa.Column('notification_policy', sa.String(length=64), nullable=True),
    sa.Column('appeal_deadline', sa.Date(), nullable=True),
    sa.Column('postal_batch_id', sa.Integer(), nullable=True),
    sa.Column('exported_at', notify.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('content_purged_at', notify.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['deposit_event_id'], ['events.id'], name=op.f('fk_decisions_deposit_event_id_events')),
    sa.ForeignKeyConstraint(['holder_id'], ['holders.id'], name=op.f('fk_decisions_holder_id_holders')),
    sa.ForeignKeyConstraint(['postal_batch_id'], ['postal_batches.id'], name=op.f('fk_decisions_postal_batch_id_postal_batches')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions')),
    sa.UniqueConstraint('deposit_event_id', name=op.f('uq_decisions_deposit_event_id')),
    sa.UniqueConstraint('reference', name=op.f('uq_decisions_reference'))
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index('ix_decisions_holder_id_decided_on', ['holder_id', 'decided_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_decisions_postal_batch_id'), ['postal_batch_id'], unique=False)
        batch_op.create_index('ix_decisions_state_channel', ['state', 'channel'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index('ix_decisions_state_channel')
        batch_op.drop_index(batch_op.f('ix_decisions_postal_batch_id'))
        batch_op.drop_index('ix_decisions_holder_id_decided_on')

    op.drop_table('decisions')
    op.drop_table('postal_batches')
    op.drop_table('api_tokens')
