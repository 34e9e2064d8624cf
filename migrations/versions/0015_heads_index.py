"""Partial index for the certification job's "last heads snapshot".

Revision ID: 0015
Revises: 0009
Create Date: 2026-11-29 23:00:00

At every tick ``heads_due`` asks for the latest batch carrying a heads snapshot; with
millions of batches and one snapshot an hour, that read scanned the batches. The
index holds only the batches with a snapshot.
"""

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0009'
branch_labels = None
depends_on = None

WHERE = "heads_root IS NOT NULL"


def upgrade() -> None:
    op.create_index("ix_evidence_batches_heads", "evidence_batches", ["seq"], unique=False,
                    postgresql_where=sa.text(WHERE), sqlite_where=sa.text(WHERE))


def downgrade() -> None:
    op.drop_index("ix_evidence_batches_heads", table_name="evidence_batches")
