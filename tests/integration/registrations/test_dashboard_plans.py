"""The backlog dashboard's queries read the indexes made for them (migration 0017).

On PostgreSQL, with 20,000 files (most finished, some open, some transmitted late) and
sequential scans disabled so that the plan does not depend on the table sizes: each
table of the dashboard is built once, the SELECTs it sent are captured as they went to
the driver, and ``EXPLAIN`` of them must name the index expected. Their speed on
1,000,000 files is measured by ``bench/bench_registrations_dashboard.py``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from notify.registrations import dashboard
from tests.plans import explain_selects, seeded_session

SEED = """
INSERT INTO organisations (id, slug, name, kind, created_at)
SELECT 9000 + i, 'plan-' || i, 'Plan ' || i, CASE WHEN i <= 2 THEN 'centre' ELSE 'provider' END,
       :now
FROM generate_series(1, 4) AS i;

INSERT INTO registration_centres (id, organisation_id, code, name, contact)
SELECT i, 9000 + i, 'PLAN-' || i, 'Plan ' || i, '-' FROM generate_series(1, 2) AS i;

INSERT INTO registration_providers (id, organisation_id, habilitation_number, prefecture,
                                    siret, activity, status, status_changed_at, created_at)
SELECT i, 9000 + i, 'HAB-PLAN-' || i, 'Rhône', '73282932000074', 'Garage', 'active', :now,
       :now
FROM generate_series(3, 4) AS i;

INSERT INTO registration_applications (
    id, number, tracking_code_sha256, procedure, vin, applicant_name, applicant_email,
    provider_id, provider_reference, content_sha256, centre_id, state, state_since_at,
    mandate_signed_at, transmit_by_at, submitted_at, filed_at, owner_mail)
SELECT i, 'IMP' || i, repeat('0', 64), 'duplicata', 'VF1RFA00067123456', 'A', 'a@example.fr',
       3 + i % 2, 'REF-' || i, repeat('0', 64), 1 + i % 2,
       CASE WHEN i % 50 = 0 THEN 'en_instruction' WHEN i % 97 = 0 THEN 'a_completer'
            ELSE 'distribue' END,
       :now - (i || ' hours')::interval,
       :now - (i || ' hours')::interval - interval '40 days',
       :now - (i || ' hours')::interval - interval '25 days',
       CASE WHEN i % 97 = 0 THEN NULL
            WHEN i % 31 = 0 THEN :now - (i || ' hours')::interval - interval '20 days'
            ELSE :now - (i || ' hours')::interval - interval '39 days' END,
       :now - (i || ' hours')::interval - interval '40 days', true
FROM generate_series(1, 20000) AS i;

INSERT INTO events (id, subject, seq, tag, actor, occurred_at, document, prev_hash, hash)
SELECT 900000 + i, 'registration:IMP' || i, 1, 'registration_transition', 'plan', :now, '{}',
       NULL, md5(i::text) || md5('plan' || i::text)
FROM generate_series(1, 20000) AS i;

INSERT INTO registration_transitions (application_id, event, from_state, to_state, actor, at,
                                      seconds_in_previous, evidence_event_id)
SELECT i, 'submit', 'a_completer', 'en_attente_paiement', 'plan',
       :now - (i || ' hours')::interval, 3600 * (i % 72), 900000 + i
FROM generate_series(1, 20000) AS i;

ANALYZE registration_applications;
ANALYZE registration_transitions
"""

_OPEN = ("ix_registration_applications_open_filed_at",
         "ix_registration_applications_open_centre_id_state",
         "ix_registration_applications_open_state_since_at")
EXPECTED = {  # each query: one index of each group
    # All (or a centre's) open files are read: any index of the open files only will do
    # (on a million files the planner takes the one it can read alone, see the bench).
    "centres": [_OPEN],
    "ages": [_OPEN],
    "semaines": [("ix_registration_applications_filed_at_centre_id",),
                 ("ix_registration_applications_finished_state_since_at",)],
    "delais": [("ix_registration_transitions_at_from_state",)],
    "anciens": [("ix_registration_applications_open_filed_at",
                 "ix_registration_applications_open_centre_id_state")],
    "inactifs": [("ix_registration_applications_open_state_since_at",)],
    "retards": [("ix_registration_applications_transmitted_late",),
                ("ix_registration_applications_not_transmitted",)],
}


@pytest.fixture
def explain(db, clock):
    """A function building one dashboard table on a seeded PostgreSQL database and
    returning the EXPLAIN of every SELECT it sent."""
    session = seeded_session(db, clock, SEED)

    def plans(name: str, centre_id: int | None) -> str:
        return "\n".join("\n".join(lines) for lines in explain_selects(
            session, lambda s: dashboard.dashboard(
                s, clock.now() + timedelta(hours=1), centre_id=centre_id, stale_days=30,
                mandate_days=15, only=name)))

    yield plans
    session.close()


@pytest.mark.parametrize("centre_id", [None, 1])
@pytest.mark.parametrize("name", dashboard.TABLES)
def test_each_dashboard_query_reads_its_index(explain, name, centre_id):
    if name in ("delais", "retards") and centre_id is not None:
        pytest.skip("all centres only")
    plan = explain(name, centre_id)
    for group in EXPECTED[name]:
        assert any(index in plan for index in group), plan
    assert "Seq Scan" not in plan, plan
