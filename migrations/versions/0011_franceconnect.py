"""FranceConnect links: an account and the FranceConnect subject it signs in with.

Revision ID: 0011
Revises: 0005
Create Date: 2026-11-29 20:10:00
"""

import sqlalchemy as sa
from alembic import op

import notify.db

revision = '0011'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('franceconnect_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=255), nullable=False),
    sa.Column('sub', sa.String(length=255), nullable=False),
    sa.Column('linked_at', notify.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_franceconnect_links_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_franceconnect_links')),
    sa.UniqueConstraint('account_id', name=op.f('uq_franceconnect_links_account_id')),
    sa.UniqueConstraint('issuer', 'sub', name=op.f('uq_franceconnect_links_issuer'))
    )


def downgrade() -> None:
    op.drop_table('franceconnect_links')
