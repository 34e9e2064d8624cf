"""Registrations, staff side: the backlog dashboard's indexes and the staff search's
(VIN, registration number); the tracking page's failed
tries are counted by the login's throttle (``login_failures``, principal
``registration:<number>``), so their own table goes.

Failed tries are only kept for the throttling window: none is carried over either way.

Revision ID: 0017
Revises: 0012
Create Date: 2026-11-30 00:00:00
"""

import sqlalchemy as sa
from alembic import op

import notify.db

revision = '0017'
down_revision = '0012'
branch_labels = None
depends_on = None

_FINALS = "'distribue', 'rejetee', 'sans_suite'"
_PARTIAL = {
    'ix_registration_applications_open_filed_at': (
        ['filed_at', 'id'], f"state NOT IN ({_FINALS})"),
    'ix_registration_applications_open_centre_id_state': (
        ['centre_id', 'state', 'filed_at'], f"state NOT IN ({_FINALS})"),
    'ix_registration_applications_open_state_since_at': (
        ['state_since_at', 'centre_id'], f"state NOT IN ({_FINALS})"),
    'ix_registration_applications_finished_state_since_at': (
        ['state_since_at', 'centre_id'], f"state IN ({_FINALS})"),
    'ix_registration_applications_transmitted_late': (
        ['provider_id'], "submitted_at > transmit_by_at"),
    'ix_registration_applications_not_transmitted': (
        ['transmit_by_at', 'provider_id'], "submitted_at IS NULL AND state = 'a_completer'"),
}


def upgrade() -> None:
    with op.batch_alter_table('registration_tracking_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_registration_tracking_failures_number_at')
        batch_op.drop_index('ix_registration_tracking_failures_address_at')
    op.drop_table('registration_tracking_failures')

    op.create_index('ix_registration_applications_filed_at_centre_id',
                    'registration_applications', ['filed_at', 'centre_id'], unique=False)
    op.create_index('ix_registration_applications_vin', 'registration_applications', ['vin'],
                    unique=False)
    op.create_index('ix_registration_applications_plate', 'registration_applications',
                    ['plate'], unique=False)
    for name, (columns, where) in _PARTIAL.items():
        op.create_index(name, 'registration_applications', columns, unique=False,
                        postgresql_where=sa.text(where), sqlite_where=sa.text(where))
    op.create_index('ix_registration_transitions_at_from_state', 'registration_transitions',
                    ['at', 'from_state', 'seconds_in_previous'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_registration_transitions_at_from_state',
                  table_name='registration_transitions')
    for name in reversed(_PARTIAL):
        op.drop_index(name, table_name='registration_applications')
    op.drop_index('ix_registration_applications_plate', table_name='registration_applications')
    op.drop_index('ix_registration_applications_vin', table_name='registration_applications')
    op.drop_index('ix_registration_applications_filed_at_centre_id',
                  table_name='registration_applications')

    op.create_table('registration_tracking_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('at', notify.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_tracking_failures'))
    )
    with op.batch_alter_table('registration_tracking_failures', schema=None) as batch_op:
        batch_op.create_index('ix_registration_tracking_failures_address_at', ['address', 'at'], unique=False)
        batch_op.create_index('ix_registration_tracking_failures_number_at', ['number', 'at'], unique=False)
