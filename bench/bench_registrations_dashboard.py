"""The registrations dashboard's queries on 1,000,000 files, on PostgreSQL.

A throwaway database ``<name>_dashboard_bench`` next to ``--postgres URL`` is migrated,
then seeded by COPY: three centres (one with a backlog: half of its files stuck "en
instruction"), 20 providers, ``--files`` files filed over two years, each walked
through the state machine with believable delays until "now" (so recent files are
open, older ones finished), and every step a transition row (about 7 per finished
file). The foreign key from transitions to the evidence log is dropped in that
database only: the dashboard never reads the log, and a million chained events would
only slow the seeding down.

Each query of the dashboard (``notify.registrations.dashboard``) is timed as the page
runs it, for all centres and for the backlogged centre: one warm-up, then the median of
five runs. Baseline, in the same run: ``SELECT count(*)`` of all files (a plain full
scan of the table).

Usage: ``.venv/bin/python -m bench.bench_registrations_dashboard --postgres URL
[--files 1000000]``.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from notify import create_app
from notify import db as database
from notify.registrations import dashboard, queries
from notify.registrations.states import FINAL_STATES

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
DAY = 86400
CENTRES = ("CERT-A", "CERT-B", "CERT-C")
PROVIDERS = 20
GOAL_MS = 200


def _stamp(at: datetime) -> str:
    return at.isoformat()


def _walk(rng: random.Random, filed: datetime, stuck: bool):
    """The steps of one file filed at ``filed`` until NOW: (event, from, to, at, seconds)
    and where it stands (state, since)."""
    path = [("submit", "a_completer", "en_attente_paiement", rng.uniform(0.05, 3) * DAY),
            ("record_payment", "en_attente_paiement", "en_instruction",
             rng.uniform(0.05, 2) * DAY)]
    if stuck:
        path.append(None)  # stays "en instruction"
    else:
        if rng.random() < 0.12:
            path += [("request_information", "en_instruction", "en_attente_information",
                      rng.uniform(2, 25) * DAY),
                     ("provide_information", "en_attente_information", "en_instruction",
                      rng.uniform(1, 20) * DAY)]
        ending = rng.random()
        if ending < 0.05:
            path.append(("reject", "en_instruction", "rejetee", rng.uniform(3, 40) * DAY))
        elif ending < 0.07:
            path.append(("abandon", "en_instruction", "sans_suite", rng.uniform(3, 40) * DAY))
        else:
            path += [("approve", "en_instruction", "validee", rng.uniform(3, 45) * DAY),
                     ("start_production", "validee", "titre_en_production",
                      rng.uniform(0.5, 3) * DAY),
                     ("ship", "titre_en_production", "titre_en_acheminement",
                      rng.uniform(1, 4) * DAY),
                     ("deliver", "titre_en_acheminement", "distribue",
                      rng.uniform(1, 7) * DAY)]
    state, since, steps = "a_completer", filed, []
    for step in path:
        if step is None:
            break
        event, from_state, to_state, seconds = step
        at = since + timedelta(seconds=int(seconds))
        if at >= NOW:
            break
        steps.append((event, from_state, to_state, at, int(seconds)))
        state, since = to_state, at
    return steps, state, since


def _chunks(files: int, part: int):
    """The COPY text of the files (``part`` 0) or of their transitions (1), in chunks;
    the same random walk both times (same seed), so that both agree."""
    rng = random.Random(9)
    sha = hashlib.sha256(b"bench").hexdigest()
    span = 730 * DAY
    out = io.StringIO()
    transition_id = 0
    for i in range(1, files + 1):
        filed = NOW - timedelta(seconds=int(span * (1 - (i - 0.5) / files)))
        centre = rng.choices((1, 2, 3), weights=(4, 3, 3))[0]
        stuck = centre == 1 and rng.random() < 0.5
        steps, state, since = _walk(rng, filed, stuck)
        provider = rng.randint(1, PROVIDERS) if rng.random() < 0.7 else None
        mandate = filed - timedelta(days=rng.uniform(0, 3)) if provider else None
        submit_at = steps[0][3] if steps else None
        # Providers 3 and 13 transmit late now and then.
        if provider and provider % 10 == 3 and submit_at and rng.random() < 0.3:
            submit_at = mandate + timedelta(days=rng.uniform(16, 30))
        transmit_by = mandate + timedelta(days=15) if mandate else None
        if part == 0:
            out.write("\t".join((
                str(i), f"IM{i:010d}", sha, "changement_titulaire", "VF1RFA00067123456",
                "AB-123-CD", f"Demandeur {i}", f"d{i}@example.fr",
                str(provider) if provider else "\\N",
                f"REF-{i}" if provider else "\\N", sha, str(centre), state, _stamp(since),
                _stamp(mandate) if mandate else "\\N",
                _stamp(transmit_by) if transmit_by else "\\N",
                _stamp(submit_at) if submit_at else "\\N", _stamp(filed), "t")) + "\n")
        else:
            transition_id += 1
            out.write(f"{transition_id}\t{i}\tfiled\t\\N\ta_completer\tbench\t"
                      f"{_stamp(filed)}\t\\N\t{transition_id}\n")
            for event, from_state, to_state, at, seconds in steps:
                transition_id += 1
                out.write(f"{transition_id}\t{i}\t{event}\t{from_state}\t{to_state}"
                          f"\tbench\t{_stamp(at)}\t{seconds}\t{transition_id}\n")
        if i % 20000 == 0:
            yield out.getvalue()
            out = io.StringIO()
    yield out.getvalue()


def seed(connection, files: int) -> int:
    """COPY the centres, providers, files and transitions; returns the transitions."""
    cursor = connection.cursor()
    cursor.execute("ALTER TABLE registration_transitions DROP CONSTRAINT "
                   "fk_registration_transitions_evidence_event_id_events")
    for i, code in enumerate(CENTRES, start=1):
        cursor.execute("INSERT INTO organisations (id, slug, name, kind, created_at) "
                       "VALUES (%s, %s, %s, 'centre', %s)", (i, code.lower(), code, NOW))
        cursor.execute("INSERT INTO registration_centres (id, organisation_id, code, name, "
                       "contact) VALUES (%s, %s, %s, %s, '-')", (i, i, code, code))
    for p in range(1, PROVIDERS + 1):
        org = 100 + p
        cursor.execute("INSERT INTO organisations (id, slug, name, kind, created_at) "
                       "VALUES (%s, %s, %s, 'provider', %s)",
                       (org, f"garage-{p}", f"Garage {p}", NOW))
        cursor.execute(
            "INSERT INTO registration_providers (id, organisation_id, habilitation_number, "
            "prefecture, siret, activity, status, status_changed_at, created_at, "
            "guarantee_expires_on) VALUES (%s, %s, %s, 'Rhône', '73282932000074', 'Garage', "
            "'active', %s, %s, %s)",
            (p, org, f"HAB-{p:04d}", NOW, NOW, (NOW + timedelta(days=10 * p)).date()))
    with cursor.copy("COPY registration_applications (id, number, tracking_code_sha256, "
                     "procedure, vin, plate, applicant_name, applicant_email, provider_id, "
                     "provider_reference, content_sha256, centre_id, state, state_since_at, "
                     "mandate_signed_at, transmit_by_at, submitted_at, filed_at, owner_mail) "
                     "FROM STDIN") as copy:
        for chunk in _chunks(files, 0):
            copy.write(chunk)
    transition_id = 0
    with cursor.copy("COPY registration_transitions (id, application_id, event, from_state, "
                     "to_state, actor, at, seconds_in_previous, evidence_event_id) "
                     "FROM STDIN") as copy:
        for chunk in _chunks(files, 1):
            copy.write(chunk)
            transition_id += chunk.count("\n")
    connection.commit()
    return transition_id


def _timed(session, work) -> float:
    work(session)  # warm-up
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        work(session)
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs)


def run(url: str, files: int, instance: Path) -> None:
    database.upgrade(url)
    app = create_app({"mode": "test", "database_url": url, "instance_path": instance,
                      "base_url": "https://notify.test"})
    db = app.extensions["notify"].db
    started = time.perf_counter()
    raw = db.engine.raw_connection()
    try:
        steps = seed(raw.driver_connection, files)
    finally:
        raw.close()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE registration_applications"))
        conn.execute(text("VACUUM ANALYZE registration_transitions"))
    print(f"seeded {files:,} files and {steps:,} transitions by COPY in "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    with db.session_factory() as session:
        open_files = session.scalar(text(
            "SELECT count(*) FROM registration_applications WHERE state NOT IN ("
            + ", ".join(f"'{s}'" for s in sorted(FINAL_STATES)) + ")"))
        print(f"open files: {open_files:,}", flush=True)
        baseline = _timed(session, lambda s: s.scalar(text(
            "SELECT count(*) FROM registration_applications")))
        print(f"baseline SELECT count(*) of all files: {baseline:.0f} ms", flush=True)
        worst = 0.0
        for centre_id, label in ((None, "all centres"), (1, "CERT-A (backlog)")):
            for name in dashboard.TABLES:
                ms = _timed(session, lambda s, name=name, centre_id=centre_id:
                            dashboard.dashboard(s, NOW, centre_id=centre_id, stale_days=30,
                                                mandate_days=15, only=name))
                worst = max(worst, ms)
                print(f"  {label:18} {name:9} {ms:7.1f} ms  ratio to baseline "
                      f"{ms / baseline:.2f}{'' if ms < GOAL_MS else '  OVER GOAL'}",
                      flush=True)
        search = _timed(session, lambda s: queries.search_files(s, "IM0000500000"))
        print(f"  search by file number: {search:.1f} ms", flush=True)
        print(f"slowest dashboard query: {worst:.0f} ms (goal < {GOAL_MS} ms)", flush=True)
    db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1_000_000)
    parser.add_argument("--postgres", required=True)
    parser.add_argument("--keep", action="store_true",
                        help="keep the database afterwards (to EXPLAIN the queries)")
    args = parser.parse_args()
    name = f"{args.postgres.rsplit('/', 1)[1]}_dashboard_bench"
    url = database.recreate_postgres_database(args.postgres, name)
    try:
        with tempfile.TemporaryDirectory() as folder:
            run(url, args.files, Path(folder) / "instance")
    finally:
        if not args.keep:
            database.drop_postgres_database(args.postgres, name)


if __name__ == "__main__":
    main()
