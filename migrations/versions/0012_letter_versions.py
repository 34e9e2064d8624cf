"""Letter versions: each decision's letter version and the addressee its letter names.

Revision ID: 0012
Revises: 0015
Create Date: 2026-11-29 23:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('letter_version', sa.String(length=32),
                                      server_default='lettre-decision/1', nullable=False))
        batch_op.add_column(sa.Column('addressee_name', sa.String(length=401), nullable=True))
        batch_op.add_column(sa.Column('addressee_address', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('addressee_territory', sa.String(length=32),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_column('addressee_territory')
        batch_op.drop_column('addressee_address')
        batch_op.drop_column('addressee_name')
        batch_op.drop_column('letter_version')
