"""Holders: the licence's first issue date and early accompanied driving, which date the
yearly gains of a probationary licence (L. 223-1, R. 223-1).

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30 00:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('holders') as batch:
        batch.add_column(sa.Column('licence_issued_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('early_accompanied_driving', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table('holders') as batch:
        batch.alter_column('early_accompanied_driving', existing_type=sa.Boolean(),
                           server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('holders') as batch:
        batch.drop_column('early_accompanied_driving')
        batch.drop_column('licence_issued_on')
