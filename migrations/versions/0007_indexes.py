"""Partial indexes for the scheduler's per-tick queries.

Revision ID: 0007
Revises: 0011
Create Date: 2026-11-29 20:00:00

The certification job's pending events and oldest uncertified batch, and the
candidates of the deemed-notification and purge jobs: each index holds only the rows
its job is looking for, so a tick costs the same with 40 million events as with none.
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0011'
branch_labels = None
depends_on = None

DEEMED = ("state = 'available' AND channel = 'online' "
          "AND first_consulted_at IS NULL AND notified_at IS NULL")
PURGE = "state = 'notified' AND channel = 'online' AND content_purged_at IS NULL"

INDEXES = (
    ("ix_events_unbatched", "events", ["id"], "batch_id IS NULL"),
    ("ix_evidence_batches_uncertified", "evidence_batches", ["seq"], "token IS NULL"),
    ("ix_decisions_deemed_candidates", "decisions", ["made_available_at"], DEEMED),
    ("ix_decisions_purge_candidates", "decisions", ["made_available_at"], PURGE),
)


def upgrade() -> None:
    for name, table, columns, where in INDEXES:
        op.create_index(name, table, columns, unique=False,
                        postgresql_where=sa.text(where), sqlite_where=sa.text(where))


def downgrade() -> None:
    for name, table, _, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
