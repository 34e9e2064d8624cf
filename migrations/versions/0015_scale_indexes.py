"""Indexes found missing by the scale run: the last heads snapshot, an alert's message.

Revision ID: 0015
Revises: 0010
Create Date: 2026-11-29 23:00:00

At every tick ``heads_due`` asks for the latest batch carrying a heads snapshot; with
millions of batches and one snapshot an hour, that read scanned the batches. The
index holds only the batches with a snapshot. The API's read of a decision asks for
the last outbox message of its subject, which no index served (the outbox holds every
message of its retention period).
"""

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0010'
branch_labels = None
depends_on = None

WHERE = "heads_root IS NOT NULL"


def upgrade() -> None:
    op.create_index("ix_evidence_batches_heads", "evidence_batches", ["seq"], unique=False,
                    postgresql_where=sa.text(WHERE), sqlite_where=sa.text(WHERE))
    op.create_index("ix_outbox_subject_ref_id", "outbox", ["subject_ref", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbox_subject_ref_id", table_name="outbox")
    op.drop_index("ix_evidence_batches_heads", table_name="evidence_batches")
