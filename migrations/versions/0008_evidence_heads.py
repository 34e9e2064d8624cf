"""Heads snapshots in evidence batches: the certified state of every subject.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 20:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('evidence_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heads_root', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('heads_size', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('evidence_batches', schema=None) as batch_op:
        batch_op.drop_column('heads_size')
        batch_op.drop_column('heads_root')
