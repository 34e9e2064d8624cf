"""Authentication in one place: API clients of organisations with scopes, decisions
owned by the organisation that deposited them, staff members with TOTP and recovery
codes, login failures per principal and per trusted device.

Existing tokens, and the decisions already deposited, go to one organisation created
here (the points register), and the tokens keep what they could do: deposit and read.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 20:05:00
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import notify.db

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

EXISTING_ORGANISATION = {
    'slug': 'registre-points',
    'name': 'Registre national des permis de conduire (jetons antérieurs)',
    'kind': 'points_register',
}
EXISTING_SCOPES = 'decisions:deposit decisions:read'


def _organisation_for_existing_rows(conn) -> int | None:
    tokens = conn.execute(sa.text('SELECT count(*) FROM api_tokens')).scalar()
    decisions = conn.execute(sa.text('SELECT count(*) FROM decisions')).scalar()
    if not tokens and not decisions:
        return None
    organisations = sa.table('organisations', sa.column('slug'), sa.column('name'),
                             sa.column('kind'),
                             sa.column('created_at', notify.db.UTCDateTime(timezone=True)))
    conn.execute(organisations.insert().values(**EXISTING_ORGANISATION,
                                               created_at=datetime.now(UTC)))
    return conn.execute(sa.text('SELECT id FROM organisations WHERE slug = :slug'),
                        {'slug': EXISTING_ORGANISATION['slug']}).scalar()


def upgrade() -> None:
    conn = op.get_bind()
    organisation_id = _organisation_for_existing_rows(conn)

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('scopes', sa.String(length=200), nullable=True))
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
    if organisation_id is not None:
        conn.execute(sa.text('UPDATE api_tokens SET organisation_id = :o, scopes = :s'),
                     {'o': organisation_id, 's': EXISTING_SCOPES})
        conn.execute(sa.text('UPDATE decisions SET organisation_id = :o'), {'o': organisation_id})
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.alter_column('organisation_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('scopes', existing_type=sa.String(length=200), nullable=False)
        batch_op.create_index(batch_op.f('ix_api_tokens_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_api_tokens_organisation_id_organisations'), 'organisations', ['organisation_id'], ['id'])
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.alter_column('organisation_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_decisions_organisation_id_organisations'), 'organisations', ['organisation_id'], ['id'])

    # Failed logins: per principal (holder or staff member) and per trusted device.
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('principal', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('device', sa.String(length=32), nullable=True))
    conn.execute(sa.text("UPDATE login_failures SET principal = 'holder:' || "
                         "CAST(account_id AS VARCHAR(20)) WHERE account_id IS NOT NULL"))
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_account_at')
        batch_op.drop_constraint('fk_login_failures_account_id_accounts', type_='foreignkey')
        batch_op.drop_column('account_id')
        batch_op.create_index('ix_login_failures_principal_at', ['principal', 'at'], unique=False)
        batch_op.create_index('ix_login_failures_device_at', ['device', 'at'], unique=False)

    op.create_table('staff_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=24), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('totp_secret', sa.String(length=200), nullable=True),
    sa.Column('totp_last_step', sa.Integer(), nullable=True),
    sa.Column('session_generation', sa.Integer(), nullable=False),
    sa.Column('enrolment_token_sha256', sa.String(length=64), nullable=True),
    sa.Column('enrolment_expires_at', notify.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', notify.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('enrolled_at', notify.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_login_at', notify.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('disabled_at', notify.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_members')),
    sa.UniqueConstraint('email', name=op.f('uq_staff_members_email')),
    sa.UniqueConstraint('enrolment_token_sha256', name=op.f('uq_staff_members_enrolment_token_sha256')),
    sa.UniqueConstraint('reference', name=op.f('uq_staff_members_reference'))
    )
    op.create_table('staff_recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_member_id', sa.Integer(), nullable=False),
    sa.Column('code_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', notify.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', notify.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['staff_member_id'], ['staff_members.id'], name=op.f('fk_staff_recovery_codes_staff_member_id_staff_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_recovery_codes')),
    sa.UniqueConstraint('code_sha256', name=op.f('uq_staff_recovery_codes_code_sha256'))
    )
    with op.batch_alter_table('staff_recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_recovery_codes_staff_member_id'), ['staff_member_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('staff_recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_recovery_codes_staff_member_id'))
    op.drop_table('staff_recovery_codes')
    op.drop_table('staff_members')

    conn = op.get_bind()
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('account_id', sa.Integer(), nullable=True))
    # Staff members' failures and trusted-device marks have no place in the old table.
    conn.execute(sa.text("DELETE FROM login_failures WHERE principal LIKE 'staff:%'"))
    conn.execute(sa.text("UPDATE login_failures SET account_id = "
                         "CAST(substr(principal, 8) AS INTEGER) WHERE principal LIKE 'holder:%'"))
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_device_at')
        batch_op.drop_index('ix_login_failures_principal_at')
        batch_op.drop_column('device')
        batch_op.drop_column('principal')
        batch_op.create_foreign_key('fk_login_failures_account_id_accounts', 'accounts', ['account_id'], ['id'])
        batch_op.create_index('ix_login_failures_account_at', ['account_id', 'at'], unique=False)

    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_decisions_organisation_id_organisations'), type_='foreignkey')
        batch_op.drop_column('organisation_id')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_api_tokens_organisation_id_organisations'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_api_tokens_organisation_id'))
        batch_op.drop_column('scopes')
        batch_op.drop_column('organisation_id')
    # The organisation made for the earlier tokens goes with the columns that used it.
    conn.execute(sa.text('DELETE FROM organisations WHERE slug = :slug'),
                 {'slug': EXISTING_ORGANISATION['slug']})
