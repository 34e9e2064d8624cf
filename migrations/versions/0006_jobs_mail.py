"""Mail rendered when sent (template + arguments, wiped once sent), Message-ID and hash
of what was sent; the last run of every job.

Revision ID: 0006
Revises: 0008
Create Date: 2026-11-29 20:30:00

Messages queued before this revision carry bodies, not arguments: send them (``notify
jobs run-once``) before upgrading. Both directions refuse to run while messages are
pending rather than lose them.
"""

import sqlalchemy as sa
from alembic import op

import notify.db

revision = '0006'
down_revision = '0008'
branch_labels = None
depends_on = None


def _refuse_if_pending(direction: str) -> None:
    pending = op.get_bind().execute(
        sa.text("SELECT count(*) FROM outbox WHERE state = 'pending'")).scalar()
    if pending:
        raise RuntimeError(
            f"{pending} courriel(s) en attente dans l'outbox : envoyez-les "
            f"(notify jobs run-once) avant de migrer ({direction}).")


def upgrade() -> None:
    _refuse_if_pending("0006")
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('template', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('arguments', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('message_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('sent_sha256', sa.String(length=64), nullable=True))
    op.execute("UPDATE outbox SET template = kind")
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('template', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column('body_text')
        batch_op.drop_column('body_html')
        batch_op.create_index('ix_outbox_state_created_at', ['state', 'created_at'], unique=False)

    op.create_table('job_runs',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('started_at', notify.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', notify.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('duration_seconds', sa.Float(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_failed_at', notify.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_job_runs'))
    )


def downgrade() -> None:
    _refuse_if_pending("retour à 0004")
    op.drop_table('job_runs')
    # Sent bodies were purged or never kept: what was sent is known by its hash only.
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_state_created_at')
        batch_op.add_column(sa.Column('body_text', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('body_html', sa.Text(), nullable=False, server_default=''))
        batch_op.drop_column('sent_sha256')
        batch_op.drop_column('message_id')
        batch_op.drop_column('arguments')
        batch_op.drop_column('template')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('body_text', existing_type=sa.Text(), server_default=None)
        batch_op.alter_column('body_html', existing_type=sa.Text(), server_default=None)
