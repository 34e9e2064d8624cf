"""Vehicle registration files, providers, centres, transitions, tracking failures.

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-29 19:47:00.226918
"""

import sqlalchemy as sa
from alembic import op

import notify.db

revision = '0009'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
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

    op.create_table('registration_centres',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('contact', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_registration_centres_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_centres')),
    sa.UniqueConstraint('code', name=op.f('uq_registration_centres_code')),
    sa.UniqueConstraint('organisation_id', name=op.f('uq_registration_centres_organisation_id'))
    )
    op.create_table('registration_providers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('habilitation_number', sa.String(length=32), nullable=False),
    sa.Column('agrement_number', sa.String(length=32), nullable=True),
    sa.Column('prefecture', sa.String(length=100), nullable=False),
    sa.Column('siret', sa.String(length=14), nullable=False),
    sa.Column('activity', sa.String(length=200), nullable=False),
    sa.Column('guarantor', sa.String(length=200), nullable=True),
    sa.Column('guarantee_amount_euros', sa.Integer(), nullable=True),
    sa.Column('guarantee_expires_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('suspended_until', sa.Date(), nullable=True),
    sa.Column('status_ground', sa.String(length=32), nullable=True),
    sa.Column('status_changed_at', notify.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', notify.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_registration_providers_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_providers')),
    sa.UniqueConstraint('habilitation_number', name=op.f('uq_registration_providers_habilitation_number')),
    sa.UniqueConstraint('organisation_id', name=op.f('uq_registration_providers_organisation_id'))
    )
    op.create_table('registration_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('tracking_code_sha256', sa.String(length=64), nullable=False),
    sa.Column('national_number', sa.String(length=64), nullable=True),
    sa.Column('procedure', sa.String(length=32), nullable=False),
    sa.Column('vin', sa.String(length=17), nullable=False),
    sa.Column('plate', sa.String(length=12), nullable=True),
    sa.Column('plate_format', sa.String(length=8), nullable=True),
    sa.Column('applicant_name', sa.String(length=200), nullable=False),
    sa.Column('applicant_email', sa.String(length=254), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.Column('provider_reference', sa.String(length=64), nullable=True),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('state_since_at', notify.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('information_service', sa.String(length=16), nullable=True),
    sa.Column('last_reason', sa.Text(), nullable=True),
    sa.Column('mandate_signed_at', notify.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('transmit_by_at', notify.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('submitted_at', notify.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('filed_at', notify.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('owner_mail', sa.Boolean(), nullable=False),
    sa.Column('provider_flag', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_registration_applications_account_id_accounts')),
    sa.ForeignKeyConstraint(['centre_id'], ['registration_centres.id'], name=op.f('fk_registration_applications_centre_id_registration_centres')),
    sa.ForeignKeyConstraint(['provider_id'], ['registration_providers.id'], name=op.f('fk_registration_applications_provider_id_registration_providers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_applications')),
    sa.UniqueConstraint('number', name=op.f('uq_registration_applications_number')),
    sa.UniqueConstraint('provider_id', 'provider_reference', name=op.f('uq_registration_applications_provider_id'))
    )
    with op.batch_alter_table('registration_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_applications_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registration_applications_applicant_email'), ['applicant_email'], unique=False)
        batch_op.create_index('ix_registration_applications_centre_id_state', ['centre_id', 'state'], unique=False)
        batch_op.create_index('ix_registration_applications_state_since_at', ['state', 'state_since_at'], unique=False)

    op.create_table('registration_provider_status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('suspended_until', sa.Date(), nullable=True),
    sa.Column('legal_ground', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('at', notify.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['registration_providers.id'], name=op.f('fk_registration_provider_status_changes_provider_id_registration_providers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_provider_status_changes'))
    )
    with op.batch_alter_table('registration_provider_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_provider_status_changes_provider_id'), ['provider_id'], unique=False)

    op.create_table('registration_transitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=32), nullable=False),
    sa.Column('from_state', sa.String(length=32), nullable=True),
    sa.Column('to_state', sa.String(length=32), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('at', notify.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('seconds_in_previous', sa.Integer(), nullable=True),
    sa.Column('evidence_event_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['registration_applications.id'], name=op.f('fk_registration_transitions_application_id_registration_applications')),
    sa.ForeignKeyConstraint(['evidence_event_id'], ['events.id'], name=op.f('fk_registration_transitions_evidence_event_id_events')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_transitions')),
    sa.UniqueConstraint('evidence_event_id', name=op.f('uq_registration_transitions_evidence_event_id'))
    )
    with op.batch_alter_table('registration_transitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_transitions_application_id'), ['application_id'], unique=False)
        batch_op.create_index('ix_registration_transitions_from_state', ['from_state', 'seconds_in_previous'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('registration_transitions', schema=None) as batch_op:
        batch_op.drop_index('ix_registration_transitions_from_state')
        batch_op.drop_index(batch_op.f('ix_registration_transitions_application_id'))

    op.drop_table('registration_transitions')
    with op.batch_alter_table('registration_provider_status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_provider_status_changes_provider_id'))

    op.drop_table('registration_provider_status_changes')
    with op.batch_alter_table('registration_applications', schema=None) as batch_op:
        batch_op.drop_index('ix_registration_applications_state_since_at')
        batch_op.drop_index('ix_registration_applications_centre_id_state')
        batch_op.drop_index(batch_op.f('ix_registration_applications_applicant_email'))
        batch_op.drop_index(batch_op.f('ix_registration_applications_account_id'))

    op.drop_table('registration_applications')
    op.drop_table('registration_providers')
    op.drop_table('registration_centres')
    with op.batch_alter_table('registration_tracking_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_registration_tracking_failures_number_at')
        batch_op.drop_index('ix_registration_tracking_failures_address_at')

    op.drop_table('registration_tracking_failures')
