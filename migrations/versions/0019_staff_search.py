"""Staff search: the holders' surname key and its prefix index, the decisions' indexes
for searching by date, state and channel newest first.

Revision ID: 0019
Revises: 0017
Create Date: 2026-11-29 23:40:00
"""

import sqlalchemy as sa
from alembic import op

from notify.validation import name_key

revision = '0019'
down_revision = '0017'
branch_labels = None
depends_on = None

CHUNK = 10_000


def upgrade() -> None:
    with op.batch_alter_table('holders') as batch:
        batch.add_column(sa.Column('surname_key', sa.String(length=200), nullable=True))
    holders = sa.table('holders', sa.column('id', sa.Integer), sa.column('surname', sa.String),
                       sa.column('surname_key', sa.String))
    connection = op.get_bind()
    after = 0
    while True:
        rows = connection.execute(sa.select(holders.c.id, holders.c.surname)
                                  .where(holders.c.id > after).order_by(holders.c.id)
                                  .limit(CHUNK)).all()
        if not rows:
            break
        connection.execute(holders.update().where(holders.c.id == sa.bindparam('key_id'))
                           .values(surname_key=sa.bindparam('key')),
                           [{'key_id': row.id, 'key': name_key(row.surname)} for row in rows])
        after = rows[-1].id
    with op.batch_alter_table('holders') as batch:
        batch.alter_column('surname_key', existing_type=sa.String(length=200), nullable=False)
    op.create_index('ix_holders_surname_key', 'holders', ['surname_key', 'id'], unique=False,
                    postgresql_ops={'surname_key': 'varchar_pattern_ops'})
    op.create_index('ix_decisions_decided_on_id', 'decisions', ['decided_on', 'id'], unique=False)
    op.create_index('ix_decisions_made_available_at_id', 'decisions', ['made_available_at', 'id'],
                    unique=False)
    op.create_index('ix_decisions_state_decided_on_id', 'decisions', ['state', 'decided_on', 'id'],
                    unique=False)
    op.create_index('ix_decisions_channel_decided_on_id', 'decisions',
                    ['channel', 'decided_on', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_decisions_channel_decided_on_id', table_name='decisions')
    op.drop_index('ix_decisions_state_decided_on_id', table_name='decisions')
    op.drop_index('ix_decisions_made_available_at_id', table_name='decisions')
    op.drop_index('ix_decisions_decided_on_id', table_name='decisions')
    op.drop_index('ix_holders_surname_key', table_name='holders')
    with op.batch_alter_table('holders') as batch:
        batch.drop_column('surname_key')
