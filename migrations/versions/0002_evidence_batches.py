"""Evidence batches: Merkle trees of events, each certified by an RFC 3161 token.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 15:43:23.707967
"""

import sqlalchemy as sa
from alembic import op

import notify.db

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('evidence_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('prev_root', sa.String(length=64), nullable=False),
    sa.Column('root', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('closed_at', notify.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('token', sa.LargeBinary(), nullable=True),
    sa.Column('gen_time', notify.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('tsa_serial', sa.String(length=64), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', notify.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_batches')),
    sa.UniqueConstraint('seq', name=op.f('uq_evidence_batches_seq'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('leaf_index', sa.Integer(), nullable=True))
        batch_op.create_index('ix_events_pending', ['batch_id', 'id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_events_batch_id_evidence_batches'), 'evidence_batches', ['batch_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_events_batch_id_evidence_batches'), type_='foreignkey')
        batch_op.drop_index('ix_events_pending')
        batch_op.drop_column('leaf_index')
        batch_op.drop_column('batch_id')

    op.drop_table('evidence_batches')
