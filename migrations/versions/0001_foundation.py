"""Foundation: holders, accounts, the evidence log, the e-mail outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 15:39:52.427232
"""

import sqlalchemy as sa
from alembic import op

import notify.db

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=32), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('occurred_at', notify.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=True),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events')),
    sa.UniqueConstraint('hash', name=op.f('uq_events_hash')),
    sa.UniqueConstraint('subject', 'seq', name=op.f('uq_events_subject'))
    )
    op.create_table('holders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('licence_number', sa.String(length=12), nullable=False),
    sa.Column('surname', sa.String(length=200), nullable=False),
    sa.Column('given_names', sa.String(length=200), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('territory', sa.String(length=32), nullable=False),
    sa.Column('postal_address', sa.Text(), nullable=False),
    sa.Column('imported_at', notify.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', notify.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_holders')),
    sa.UniqueConstraint('licence_number', name=op.f('uq_holders_licence_number'))
    )
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('subject_ref', sa.String(length=64), nullable=True),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', notify.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', notify.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', notify.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('smtp_response', sa.Text(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_state_next_attempt_at', ['state', 'next_attempt_at'], unique=False)

    op.create_table('accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=24), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('email_verified_at', notify.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('pending_email', sa.String(length=254), nullable=True),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('session_generation', sa.Integer(), nullable=False),
    sa.Column('conditions_version', sa.String(length=32), nullable=False),
    sa.Column('conditions_accepted_at', notify.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attestation_version', sa.String(length=32), nullable=False),
    sa.Column('attestation_accepted_at', notify.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', notify.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('opened_at', notify.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closure_requested_at', notify.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closure_effective_at', notify.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', notify.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['holder_id'], ['holders.id'], name=op.f('fk_accounts_holder_id_holders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('email', name=op.f('uq_accounts_email')),
    sa.UniqueConstraint('holder_id', name=op.f('uq_accounts_holder_id')),
    sa.UniqueConstraint('reference', name=op.f('uq_accounts_reference'))
    )
    op.create_table('activation_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('issued_at', notify.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', notify.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', notify.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', notify.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['holder_id'], ['holders.id'], name=op.f('fk_activation_codes_holder_id_holders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activation_codes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_activation_codes_code_hash'))
    )
    with op.batch_alter_table('activation_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activation_codes_holder_id'), ['holder_id'], unique=False)

    op.create_table('email_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=24), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', notify.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', notify.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', notify.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_email_tokens_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_email_tokens_token_hash'))
    )
    with op.batch_alter_table('email_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_email_tokens_account_id'), ['account_id'], unique=False)

    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('at', notify.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_login_failures_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failures_account_at', ['account_id', 'at'], unique=False)
        batch_op.create_index('ix_login_failures_address_at', ['address', 'at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_address_at')
        batch_op.drop_index('ix_login_failures_account_at')

    op.drop_table('login_failures')
    with op.batch_alter_table('email_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_tokens_account_id'))

    op.drop_table('email_tokens')
    with op.batch_alter_table('activation_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activation_codes_holder_id'))

    op.drop_table('activation_codes')
    op.drop_table('accounts')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_state_next_attempt_at')

    op.drop_table('outbox')
    op.drop_table('holders')
    op.drop_table('events')
