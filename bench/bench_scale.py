"""Scale run (not in ``make bench``): the scheduler's per-tick queries, a holder page's
reads and an API read on a large PostgreSQL database.

Seeds a throwaway database in bulk, on the server (``INSERT ... SELECT
generate_series``, which is COPY without the client round trip): ``--scale`` x
10,000,000 decisions (online, notified, first consulted, not due for the purge), their
4 events each (40 M at scale 1), and 2,000,000 certified batches (the last one carrying
a heads snapshot), with a handful of pending rows on top (one uncertified batch, a few
unbatched events). The seeded tables' secondary indexes, unique and foreign-key
constraints are dropped before and built again after (as a restore does: one sort per
index instead of millions of insertions), then ``VACUUM ANALYZE``. Then each query is
run as the jobs run it, 20 times, and the median and worst times are printed with the
kind of plan PostgreSQL chose for each SELECT the query sent (its scan nodes):

* certification: ``close_batch`` (pending events, ``ix_events_unbatched``) and
  ``certify_oldest``'s oldest uncertified batch (``ix_evidence_batches_uncertified``),
  in a transaction rolled back; ``heads_due`` (whether the periodic heads snapshot is
  due: the last snapshot, then one event batched since);
* deemed notification and purge candidates (``record_deemed_notifications``,
  ``purge_expired``), finding nothing due;
* a holder's decisions (``holder_decisions``) and the API's ``decision_status``;
* baseline: ``SELECT 1`` timed the same way (a session, a transaction, a round trip).

Usage: ``.venv/bin/python bench/bench_scale.py [--scale 0.1]`` (scale 1: 10 M decisions,
40 M events, 2 M batches; needs about 25 GB of disk). ``NOTIFY_BENCH_DATABASE`` names
the throwaway database, dropped at the end unless ``--keep``; ``--reuse`` times the
queries on the database a previous ``--keep`` run left (same scale), without seeding,
so that the seed (33 min at scale 1) and the timings can be run at different moments:
the timings want a quiet machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import make_url, select, text
from sqlalchemy.exc import OperationalError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from notify import db as database  # noqa: E402
from notify.accounts.models import Holder  # noqa: E402
from notify.auth.permissions import DECISIONS_READ  # noqa: E402
from notify.decisions import operations as ops  # noqa: E402
from notify.decisions.holder import holder_decisions  # noqa: E402
from notify.decisions.notification import record_deemed_notifications  # noqa: E402
from notify.decisions.retention import purge_expired  # noqa: E402
from notify.evidence.batches import close_batch, heads_due  # noqa: E402
from notify.evidence.models import EvidenceBatch  # noqa: E402
from notify.settings import RETENTION_PERIOD_DEFAULT  # noqa: E402
from tests.plans import explain_selects

NOW = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)
SERVER = os.environ.get("NOTIFY_BENCH_POSTGRES",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
NAME = os.environ.get("NOTIFY_BENCH_DATABASE", "notify_scale")

SEED = """
INSERT INTO holders (licence_number, surname, surname_key, given_names, birth_date,
                     territory, postal_address, imported_at, updated_at, early_accompanied_driving)
SELECT lpad(h::text, 12, '0'), 'SCALE', 'SCALE', 'Alex', DATE '1980-01-01', 'metropole', 'x',
       :now, :now, false
FROM generate_series(1, :holders) AS h;

INSERT INTO evidence_batches (seq, prev_root, root, size, closed_at, token, gen_time,
                              attempts, next_attempt_at)
SELECT b, md5(b::text) || md5(b::text), md5(b::text) || md5('r' || b::text), 21, :now,
       '\\x00'::bytea, :now, 1, :now
FROM generate_series(1, :batches) AS b;

UPDATE evidence_batches SET heads_root = repeat('3', 64), heads_size = :decisions
WHERE seq = :batches;

INSERT INTO events (subject, seq, tag, actor, occurred_at, document, prev_hash, hash,
                    batch_id, leaf_index)
SELECT 'decision:S' || (i / 4), 1 + i % 4, 'consulted', 'holder', :now, repeat('x', 200),
       NULL, md5(i::text) || md5('s' || i::text), 1 + i % :batches, 1 + (i / :batches)
FROM generate_series(0, :events - 1) AS i;

INSERT INTO organisations (slug, name, kind, created_at)
VALUES ('scale', 'scale', 'points_register', now());

INSERT INTO decisions (reference, holder_id, kind, decided_on, points, balance_after,
                       probationary, restoration_basis, content_sha256, channel,
                       routing_reason, routing_policy, deposited_at, deposited_by,
                       organisation_id, deposit_event_id, letter_sha256, state,
                       made_available_at,
                       first_consulted_at, notified_at, notified_on, notification_basis,
                       notification_policy, appeal_deadline)
SELECT 'S' || substr(e.subject, 11), 1 + ((e.id / 4) % :holders), 'restoration',
       DATE '2027-01-01', 2, 12, false, 'L223-6-1', repeat('0', 64), 'online', 'scale',
       'scale/1', :recent, 'scale',
       (SELECT min(id) FROM organisations), e.id, repeat('0', 64), 'notified',
       :recent, :recent, :recent, DATE '2027-05-20', 'consultation', 'fifteen_days_end_of_day/1',
       DATE '2027-07-21'
FROM events e WHERE e.seq = 1;

INSERT INTO evidence_batches (seq, prev_root, root, size, closed_at, token, attempts,
                              next_attempt_at)
VALUES (:batches + 1, repeat('0', 64), repeat('2', 64), 1, :now, NULL, 0, :later);

INSERT INTO events (subject, seq, tag, actor, occurred_at, document, prev_hash, hash)
SELECT 'pending:' || i, 1, 'consulted', 'holder', :now, '{}', NULL, md5('pending' || i::text)
       || md5(i::text)
FROM generate_series(1, 5) AS i
"""


TABLES = ("holders", "evidence_batches", "events", "decisions")

# The seeded tables' secondary indexes and their unique and foreign-key constraints
# (primary keys stay): how to drop each, and how to build it again.
CONSTRAINTS = """
SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname),
       format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname,
              pg_get_constraintdef(oid))
FROM pg_constraint WHERE conrelid = ANY(:tables ::regclass[]) AND contype IN ('f', 'u')
ORDER BY contype = 'f' DESC
"""
INDEXES = """
SELECT format('DROP INDEX %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid)
FROM pg_index i WHERE i.indrelid = ANY(:tables ::regclass[]) AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
"""


def seed(db: database.Database, sizes: dict, params: dict) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
        statements = [*conn.execute(text(CONSTRAINTS), {"tables": list(TABLES)}),
                      *conn.execute(text(INDEXES), {"tables": list(TABLES)})]
        for drop, _ in statements:
            conn.exec_driver_sql(drop)
        for statement in SEED.split(";"):
            conn.execute(text(statement), {**sizes, **params})
        # the unique constraints before the foreign keys that may need them
        for _, create in reversed(statements):
            conn.exec_driver_sql(create)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def timed(db: database.Database, work, repeat: int = 20) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        with db.unit_of_work() as uow:  # rolled back: nothing changes between runs
            started = time.perf_counter()
            work(uow.session)
            times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, max(times) * 1000


def plan_kinds(db: database.Database, work) -> str:
    """The scan nodes of the plan of each SELECT ``work`` sends (as it sent them)."""
    with db.unit_of_work() as uow:
        kinds = [" + ".join(line.strip(" ->").split("  (")[0] for line in plan
                            if "Scan" in line)
                 for plan in explain_selects(uow.session, work)]
    return "; ".join(kind for kind in kinds if kind)


def server_time(db: database.Database, work, repeat: int = 20) -> float:
    """The median over ``repeat`` runs of the server's execution time of the SELECTs
    ``work`` sends, summed (``EXPLAIN ANALYZE``'s "Execution Time"), in ms: the
    queries themselves, without the client's session, round trips and Python."""
    totals = []
    for _ in range(repeat):
        with db.unit_of_work() as uow:
            plans = explain_selects(uow.session, work, analyze=True)
        totals.append(sum(float(line.split(":")[1].split()[0]) for plan in plans
                          for line in plan if line.startswith("Execution Time")))
    return statistics.median(totals)


def oldest_uncertified(session):
    # certify_oldest's first query, without asking a TSA for a token
    return session.scalar(select(EvidenceBatch).where(EvidenceBatch.token.is_(None))
                          .order_by(EvidenceBatch.seq).limit(1)
                          .with_for_update(skip_locked=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--keep", action="store_true",
                        help="keep the seeded database for a later --reuse")
    parser.add_argument("--reuse", action="store_true",
                        help="time the queries on the database a --keep run left")
    args = parser.parse_args()
    decisions = int(10_000_000 * args.scale)
    sizes = {"events": 4 * decisions, "batches": int(2_000_000 * args.scale),
             "holders": max(decisions // 5, 1)}
    if args.reuse:
        url = make_url(SERVER).set(database=NAME).render_as_string(hide_password=False)
    else:
        url = database.recreate_postgres_database(SERVER, NAME)
    try:
        db = database.Database.from_url(url)
        if args.reuse:
            try:
                with db.unit_of_work() as uow:
                    seeded = uow.session.scalar(text("SELECT count(*) FROM evidence_batches"))
            except OperationalError:
                sys.exit(f"no database {NAME} to reuse: seed one first with --keep")
            print(f"reusing {NAME}: {seeded:,} batches")
        else:
            database.upgrade(url)
            started = time.perf_counter()
            seed(db, sizes, {"now": NOW, "later": NOW + timedelta(hours=1),
                             "recent": NOW - timedelta(days=30), "decisions": decisions})
            print(f"seeded {decisions:,} decisions, {sizes['events']:,} events, "
                  f"{sizes['batches']:,} batches in {time.perf_counter() - started:.0f} s "
                  f"(scale {args.scale:g})", flush=True)
        with db.unit_of_work() as uow:
            reference, organisation_id = uow.session.execute(text(
                "SELECT reference, organisation_id FROM decisions WHERE holder_id = 1 "
                "LIMIT 1")).one()
        queries = {
            "baseline: SELECT 1 in a transaction": lambda s: s.execute(text("SELECT 1")),
            "certification: close_batch (pending events)":
                lambda s: close_batch(s, NOW, max_size=10_000),
            "certification: oldest uncertified batch": oldest_uncertified,
            "certification: heads_due (periodic snapshot)":
                lambda s: heads_due(s, NOW, timedelta(0)),
            "deemed notification candidates": lambda s: record_deemed_notifications(s, now=NOW),
            "purge candidates": lambda s: purge_expired(s, now=NOW,
                                                        retention=RETENTION_PERIOD_DEFAULT),
            "holder page: holder_decisions": lambda s: holder_decisions(s, s.get(Holder, 1)),
            "API read: decision_status": lambda s: ops.decision_status(
                s, reference, DECISIONS_READ, organisation_id),
        }
        for name, work in queries.items():
            median, worst = timed(db, work)
            print(f"  {name:<46} median {median:8.2f} ms  worst {worst:8.2f} ms  "
                  f"server {server_time(db, work):6.3f} ms  "
                  f"[{plan_kinds(db, work) or 'no table'}]", flush=True)
        db.engine.dispose()
    finally:
        if not args.keep:
            database.drop_postgres_database(SERVER, NAME)


if __name__ == "__main__":
    main()
