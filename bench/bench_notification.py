"""Deemed-notification job over N due decisions on PostgreSQL, against one raw UPDATE.

In a throwaway database ``notify_bench`` (created, migrated, dropped afterwards):

* seed (not timed): N online decisions made available 16 to 45 days before "now", each
  with its ``made_available`` event (the chain the job appends to), spread over
  1,000-decision holders of which one in ten lives in La Réunion;
* raw: one ``UPDATE decisions SET state = 'notified', notified_at = ..., ...`` of the
  same rows with values computed in SQL (what the database alone costs to touch every
  row once), rolled back, then ``VACUUM ANALYZE``;
* job: ``run_deemed_notifications`` as the scheduler runs it: legal computation per
  (territory, day), one chained ``deemed_notified`` event per decision built in Python
  and bulk-inserted, the decisions updated, one committed transaction per chunk.

* job, two processes: the same seed again, the job run by two scheduler processes at
  once (rows taken ``FOR UPDATE SKIP LOCKED``), checked to record each decision once,
  timed from the moment both are started, imported and connected.

Each job process, the one-process run's included, first loads the holiday calendars
(``_warm_up``), as a scheduler's first tick does once for all.

Usage: ``.venv/bin/python bench/bench_notification.py [--n 100000] [--workers 2]``
(``NOTIFY_BENCH_POSTGRES`` names the server, default postgres@127.0.0.1;
``NOTIFY_BENCH_DATABASE`` the throwaway database, default ``notify_bench``).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from notify import db as database  # noqa: E402
from notify.clock import FixedClock  # noqa: E402
from notify.decisions.notification import (  # noqa: E402
    appeal_deadline_for,
    run_deemed_notifications,
)
from notify.legal.territories import TERRITORIES  # noqa: E402

NOW = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)
SERVER = os.environ.get("NOTIFY_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
NAME = os.environ.get("NOTIFY_BENCH_DATABASE", "notify_bench")


def create_database() -> str:
    url = database.recreate_postgres_database(SERVER, NAME)
    database.upgrade(url)
    return url


def drop_database() -> None:
    database.drop_postgres_database(SERVER, NAME)


SEED = """
INSERT INTO holders (licence_number, surname, surname_key, given_names, birth_date,
                     territory, postal_address, imported_at, updated_at, early_accompanied_driving)
SELECT lpad(h::text, 12, '0'), 'BENCH', 'BENCH', 'Alex', DATE '1980-01-01',
       CASE WHEN h % 10 = 0 THEN 'reunion' ELSE 'metropole' END, 'x', :now, :now, false
FROM generate_series(1, :holders) AS h;

INSERT INTO events (subject, seq, tag, actor, occurred_at, document, prev_hash, hash)
SELECT 'decision:B' || i, 1, 'made_available', 'system',
       :now - make_interval(days => 16 + i % 30, secs => i % 86400),
       repeat('x', 300), NULL, md5(i::text) || md5('b' || i::text)
FROM generate_series(1, :n) AS i;

INSERT INTO organisations (slug, name, kind, created_at)
VALUES ('bench', 'bench', 'points_register', now());

INSERT INTO decisions (reference, holder_id, kind, decided_on, points, balance_after,
                       probationary, restoration_basis, content_sha256, channel,
                       routing_reason, routing_policy, deposited_at, deposited_by,
                       organisation_id, deposit_event_id, letter_sha256, state, made_available_at)
SELECT 'B' || substr(e.subject, 11), 1 + (substr(e.subject, 11)::int % :holders),
       'restoration', DATE '2026-11-01', 2, 12, false, 'L223-6-1', repeat('0', 64),
       'online', 'bench', 'bench/1', e.occurred_at, 'bench',
       (SELECT min(id) FROM organisations), e.id, repeat('0', 64),
       'available', e.occurred_at
FROM events e;
"""

RAW_UPDATE = """
UPDATE decisions SET state = 'notified',
       notified_at = date_trunc('day', made_available_at) + interval '16 days',
       notified_on = (made_available_at + interval '15 days')::date,
       notification_basis = 'deemed', notification_policy = 'fifteen_days_end_of_day/1',
       appeal_deadline = (made_available_at + interval '2 months 16 days')::date
WHERE state = 'available' AND notified_at IS NULL
"""


def seed(url: str, n: int) -> database.Database:
    db = database.Database.from_url(url)
    started = time.perf_counter()
    with db.engine.begin() as conn:
        for statement in SEED.split(";"):
            if statement.strip():
                conn.execute(text(statement), {"now": NOW, "n": n,
                                               "holders": max(n // 1000, 1)})
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    print(f"seeded {n:,} due decisions in {time.perf_counter() - started:.1f} s")
    return db


def _warm_up() -> None:
    """What a scheduler already running has done once for all: the holiday calendars'
    modules, which the ``holidays`` package imports at their first use (0.3-0.5 s)."""
    for territory in TERRITORIES:
        appeal_deadline_for(NOW.date(), territory)


def _job_process(url: str, ready=None) -> None:
    db = database.Database.from_url(url)
    with db.engine.connect():  # the pool's connection opened before the start
        pass
    _warm_up()
    if ready is not None:
        ready.wait()  # every process started, imported and connected
    run_deemed_notifications(db, FixedClock(NOW))
    db.engine.dispose()


def run_job(url: str, workers: int) -> float:
    """The job in ``workers`` processes at once (one: in this process). Timed from the
    moment every process is ready, as schedulers already running would be: the start
    of an interpreter is not the job's."""
    if workers == 1:
        db = database.Database.from_url(url)
        with db.engine.connect():
            pass
        _warm_up()
        started = time.perf_counter()
        run_deemed_notifications(db, FixedClock(NOW))
        elapsed = time.perf_counter() - started
        db.engine.dispose()
        return elapsed
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(workers + 1)
    processes = [context.Process(target=_job_process, args=(url, ready))
                 for _ in range(workers)]
    for process in processes:
        process.start()
    ready.wait()
    started = time.perf_counter()
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise SystemExit(f"a job process failed ({process.exitcode})")
    return time.perf_counter() - started


def check(db: database.Database, n: int) -> None:
    with db.engine.connect() as conn:
        events, subjects, notified = conn.execute(text(
            "SELECT count(*), count(DISTINCT subject), (SELECT count(*) FROM decisions "
            "WHERE state = 'notified') FROM events WHERE tag = 'deemed_notified'")).one()
    assert events == subjects == notified == n, (events, subjects, notified)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    n = args.n
    try:
        url = create_database()
        db = seed(url, n)
        with db.engine.connect() as conn:
            started = time.perf_counter()
            trans = conn.begin()
            updated = conn.execute(text(RAW_UPDATE)).rowcount
            raw = time.perf_counter() - started
            trans.rollback()
        assert updated == n, updated
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE decisions"))
        job = run_job(url, 1)
        check(db, n)
        db.engine.dispose()

        print(f"raw UPDATE     : {raw:8.2f} s  {n / raw:12,.0f} rows/s")
        print(f"deemed job     : {job:8.2f} s  {n / job:12,.0f} decisions/s "
              f"(events inserted and chained, decisions updated, committed)")
        print(f"ratio job / raw: {job / raw:8.1f}x the time of the raw UPDATE")
        if args.workers > 1:
            url = create_database()
            db = seed(url, n)
            parallel = run_job(url, args.workers)
            check(db, n)
            db.engine.dispose()
            print(f"deemed job, {args.workers} processes: {parallel:8.2f} s  "
                  f"{n / parallel:12,.0f} decisions/s, ratio {parallel / raw:.1f}x the raw "
                  f"UPDATE, speed-up {job / parallel:.2f} over one process")
    finally:
        drop_database()


if __name__ == "__main__":
    main()
