"""The scheduler's per-tick queries read their partial index, not the whole table.

On PostgreSQL, with many rows that are not candidates (certified batches, batched
events, notified and recent decisions) and sequential scans disabled so that the plan
does not depend on the table sizes: each job runs once (finding nothing to do), the
SELECTs it sent are captured as they went to the driver, and ``EXPLAIN`` of each must
name the index made for it (migration 0007).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from notify.backoffice.search import Criteria, DateField, find
from notify.decisions.notification import record_deemed_notifications
from notify.decisions.retention import purge_expired
from notify.evidence.batches import certify_oldest, close_batch, heads_due
from notify.settings import RETENTION_PERIOD_DEFAULT
from tests.plans import explain_selects, seeded_session

SEED = """
INSERT INTO evidence_batches (seq, prev_root, root, size, closed_at, token, gen_time,
                              attempts, next_attempt_at)
SELECT b, repeat('0', 64), repeat('1', 64), 2, :now, '\\x00'::bytea, :now, 1, :now
FROM generate_series(1, 5000) AS b;

UPDATE evidence_batches SET heads_root = repeat('3', 64), heads_size = 1 WHERE seq = 4000;

INSERT INTO events (subject, seq, tag, actor, occurred_at, document, prev_hash, hash,
                    batch_id, leaf_index)
SELECT 'decision:P' || i, 1, 'deposited', 'api:plan', :now, '{}', NULL, md5(i::text) ||
       md5('p' || i::text), (SELECT id FROM evidence_batches WHERE seq = 1 + i % 5000), 1
FROM generate_series(1, 20000) AS i;

INSERT INTO holders (licence_number, surname, surname_key, given_names, birth_date,
                     territory, postal_address, imported_at, updated_at, early_accompanied_driving)
VALUES ('P00000000001', 'PLAN', 'PLAN', 'Alex', DATE '1980-01-01', 'metropole', 'x', :now, :now,
        false);

INSERT INTO organisations (slug, name, kind, created_at)
VALUES ('plan', 'plan', 'points_register', now());

INSERT INTO decisions (reference, holder_id, kind, decided_on, points, balance_after,
                       probationary, restoration_basis, content_sha256, channel,
                       routing_reason, routing_policy, deposited_at, deposited_by,
                       organisation_id, deposit_event_id, letter_sha256, state,
                       made_available_at,
                       notified_at, first_consulted_at)
SELECT 'P' || substr(e.subject, 11), (SELECT id FROM holders WHERE surname = 'PLAN'),
       'restoration', DATE '2026-11-01', 2, 12, false, 'L223-6-1', repeat('0', 64),
       'online', 'plan', 'plan/1', :now, 'plan',
       (SELECT min(id) FROM organisations), e.id, repeat('0', 64),
       CASE WHEN e.id % 2 = 0 THEN 'notified' ELSE 'available' END, :now,
       CASE WHEN e.id % 2 = 0 THEN :now END, CASE WHEN e.id % 2 = 0 THEN :now END
FROM events e WHERE e.subject LIKE 'decision:P%';

ANALYZE evidence_batches;
ANALYZE events;
ANALYZE holders;
ANALYZE decisions
"""


def _explainer(session):
    """A function returning the EXPLAIN of the SELECTs that ``work(session)`` sends."""

    def plans(work) -> list[str]:
        return ["\n".join(lines) for lines in explain_selects(session, work)]

    return plans


@pytest.fixture
def planned(db, clock):
    """The session of a PostgreSQL database holding many non-candidate rows, and a
    function returning the EXPLAIN of the SELECTs a job sends."""
    session = seeded_session(db, clock, SEED)
    yield _explainer(session)
    session.close()


def _uses(plans: list[str], index: str) -> bool:
    return any(index in plan for plan in plans)


def test_pending_events_use_their_partial_index(planned, clock):
    plans = planned(lambda s: close_batch(s, clock.now(), max_size=1000))
    assert _uses(plans, "ix_events_unbatched"), plans


def test_the_oldest_uncertified_batch_uses_its_partial_index(planned, clock):
    plans = planned(lambda s: certify_oldest(s, client=None, now=clock.now()))
    assert _uses(plans, "ix_evidence_batches_uncertified"), plans


def test_deemed_candidates_use_their_partial_index(planned, clock):
    plans = planned(lambda s: record_deemed_notifications(s, now=clock.now()))
    assert _uses(plans, "ix_decisions_deemed_candidates"), plans


def test_purge_candidates_use_their_partial_index(planned, clock):
    plans = planned(lambda s: purge_expired(s, now=clock.now() + timedelta(days=1),
                                            retention=RETENTION_PERIOD_DEFAULT))
    assert _uses(plans, "ix_decisions_purge_candidates"), plans


def test_the_last_heads_snapshot_uses_its_partial_index(planned, clock):
    plans = planned(lambda s: heads_due(s, clock.now(), timedelta(0)))
    assert _uses(plans, "ix_evidence_batches_heads"), plans


# --- the staff search (migration 0019) ------------------------------------------------

SEARCH_SEED = """
INSERT INTO holders (licence_number, surname, surname_key, given_names, birth_date,
                     territory, postal_address, imported_at, updated_at, early_accompanied_driving)
SELECT 'S' || lpad(h::text, 11, '0'), 'NOM' || (h % 500), 'NOM' || (h % 500), 'Alex',
       DATE '1980-01-01', 'metropole', 'x', :now, :now, false
FROM generate_series(1, 2000) AS h;

INSERT INTO events (subject, seq, tag, actor, occurred_at, document, prev_hash, hash)
SELECT 'decision:S' || i, 1, 'deposited', 'api:plan', :now, '{}', NULL,
       md5(i::text) || md5('s' || i::text)
FROM generate_series(1, 20000) AS i;

INSERT INTO organisations (slug, name, kind, created_at)
VALUES ('search', 'search', 'points_register', now());

INSERT INTO decisions (reference, holder_id, kind, decided_on, content_sha256, channel,
                       routing_reason, routing_policy, deposited_at, deposited_by,
                       organisation_id, deposit_event_id, letter_sha256, state,
                       made_available_at)
SELECT 'S' || n, (SELECT min(id) FROM holders) + n % 2000, 'withdrawal',
       DATE '2020-01-01' + n % 2500,  repeat('0', 64), c.channel, 'plan', 'plan/1', :now,
       'plan', (SELECT min(id) FROM organisations), e.id, repeat('0', 64),
       CASE WHEN c.channel <> 'online' THEN (CASE WHEN n % 50 = 0 THEN 'awaiting_print'
                                                  ELSE 'exported' END)
            WHEN n % 20 = 0 THEN 'available' ELSE 'notified' END,
       CASE WHEN c.channel = 'online'
            THEN TIMESTAMPTZ '2020-01-02 10:00+00' + n % 2500 * INTERVAL '1 day' END
FROM (SELECT e.id, substr(e.subject, 11)::int AS n FROM events e
      WHERE e.subject LIKE 'decision:S%') AS e
CROSS JOIN LATERAL (SELECT CASE WHEN e.n % 10 = 0 THEN 'postal_registered'
                                WHEN e.n % 10 < 3 THEN 'postal_simple'
                                ELSE 'online' END AS channel) AS c;

ANALYZE holders;
ANALYZE events;
ANALYZE decisions
"""


@pytest.fixture
def searched(db, clock):
    """Like ``planned``, over decisions of many holders, dates, channels and states."""
    session = seeded_session(db, clock, SEARCH_SEED)
    yield _explainer(session)
    session.close()



@pytest.mark.parametrize(("criteria", "indexes"), [
    (Criteria(reference="S17"), ["uq_decisions_reference"]),
    (Criteria(licence_number="S00000000017"),
     ["uq_holders_licence_number", "ix_decisions_holder_id_decided_on"]),
    (Criteria(surname="nom12"), ["ix_holders_surname_key"]),
    (Criteria(date_from=date(2026, 10, 1), date_to=date(2026, 11, 30)),
     ["ix_decisions_decided_on_id"]),
    (Criteria(date_field=DateField.MADE_AVAILABLE, date_from=date(2026, 10, 1)),
     ["ix_decisions_made_available_at_id"]),
    (Criteria(state="awaiting_print"), ["ix_decisions_state_decided_on_id"]),
    (Criteria(channel="postal_registered"), ["ix_decisions_channel_decided_on_id"]),
])
def test_each_kind_of_staff_search_reads_its_index(searched, criteria, indexes):
    plans = searched(lambda s: find(s, criteria))
    for index in indexes:
        assert _uses(plans, index), plans
