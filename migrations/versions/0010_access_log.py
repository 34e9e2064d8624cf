"""The access audit's index: one row per file a staff member read (the read itself is a
``staff_access`` event of the evidence log).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 23:20:00
"""

import sqlalchemy as sa
from alembic import op

import notify.db

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('staff_accesses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', notify.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('staff_member_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('file', sa.String(length=64), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_staff_accesses_event_id_events')),
    sa.ForeignKeyConstraint(['staff_member_id'], ['staff_members.id'], name=op.f('fk_staff_accesses_staff_member_id_staff_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_accesses'))
    )
    op.create_index(op.f('ix_staff_accesses_at'), 'staff_accesses', ['at'], unique=False)
    op.create_index('ix_staff_accesses_file_at', 'staff_accesses', ['file', 'at'], unique=False)
    op.create_index('ix_staff_accesses_staff_member_id_at', 'staff_accesses', ['staff_member_id', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_staff_accesses_staff_member_id_at', table_name='staff_accesses')
    op.drop_index('ix_staff_accesses_file_at', table_name='staff_accesses')
    op.drop_index(op.f('ix_staff_accesses_at'), table_name='staff_accesses')
    op.drop_table('staff_accesses')
