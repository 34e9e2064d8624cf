"""Bulk deposit: the API's code path against a raw insert of the same rows.

Measured in the same run, on SQLite (a fresh file) and on PostgreSQL when reachable
(a throwaway database ``notify_bench_<pid>``, dropped afterwards, so that two runs at
once do not drop each other's):

* baseline: the plain driver (sqlite3, psycopg; no SQLAlchemy) inserts the very rows
  the API stored (read back, ids included) into a database of the same schema and
  holders: one executemany of the N events and one of the N decisions, in one
  transaction like the API's one request (what the database alone costs). The former
  baseline went through SQLAlchemy with ``RETURNING`` sorted (one statement per row on
  SQLite) and with made-up rows, which flattered the API. Since 2026-11-30 it runs
  right after each API run, on the rows of that run, so that both meet the same load
  on a shared machine (before, all its runs came after all the others);
* API: ``POST /api/v1/decisions`` of N decisions through the Flask test client (JSON
  parsing, validation, routing, letter rendering and hashing, evidence, storage, the
  commit, the JSON answer); the body is encoded before the clock starts (since
  2026-11-30; before, the test client's encoding of the body was timed too);
* first, the CPU time of one letter: version 1 in full, version 2 in full and through
  its template (``render_letter``);
* the deposit operation (no HTTP) without the letter (a constant hash instead), with
  the letter through its template (``letter_sha256``, what the API does) and with the
  letter rendered in full (``render_letter_in_full``): what the letter costs, and what
  the template saves, in the same run.

Usage: ``.venv/bin/python bench/bench_deposit.py [--n 10000] [--repeat 3] [--no-postgres]``
(``--repeat``: the best of several runs of each measure, for a shared machine);
``--profile``: a cProfile of one API deposit of N decisions instead of the timings.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from notify import create_app  # noqa: E402
from notify import db as database  # noqa: E402
from notify.accounts.models import Account, Holder  # noqa: E402
from notify.auth import api_clients  # noqa: E402
from notify.clock import FixedClock  # noqa: E402
from notify.decisions import operations as ops  # noqa: E402
from notify.decisions.letters import (  # noqa: E402
    LETTER_V1,
    LETTER_V2,
    LetterFacts,
    letter_sha256,
    render_letter,
    render_letter_in_full,
)
from tests.deposits import restoration, withdrawal  # noqa: E402

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
POSTGRES = os.environ.get("NOTIFY_BENCH_POSTGRES",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/test")
THROWAWAY = f"notify_bench_{os.getpid()}"
SETS = 4
"""Sets of N holders: the API, and the operation without letter, with the letter's
template, with the letter rendered in full."""


def seed(db: database.Database, n: int) -> list[str]:
    """N holders, every other one with an open account (so both channels are used)."""
    licences = [f"B{i:011d}" for i in range(n)]
    with db.unit_of_work() as uow:
        s = uow.session
        s.execute(insert(Holder), [
            {"licence_number": lic, "surname": "BENCH", "given_names": "Alex",
             "birth_date": date(1980, 1, 1), "territory": "metropole",
             "postal_address": f"{i} rue du Banc, 75001 Paris", "imported_at": NOW,
             "updated_at": NOW} for i, lic in enumerate(licences)])
        ids = dict(s.execute(text("SELECT licence_number, id FROM holders")).all())
        s.execute(insert(Account), [
            {"reference": f"CPT-{i:016d}", "holder_id": ids[lic], "state": "active",
             "email": f"h{i}@example.fr", "email_verified_at": NOW, "password_hash": "x",
             "session_generation": 0, "conditions_version": "v", "conditions_accepted_at": NOW,
             "attestation_version": "v", "attestation_accepted_at": NOW, "created_at": NOW,
             "opened_at": NOW} for i, lic in enumerate(licences) if i % 2 == 0])
        uow.commit()
    return licences


def items_for(prefix: str, licences: list[str]) -> list[dict]:
    return [withdrawal(f"{prefix}-{i}", lic) if i % 3 else
            restoration(f"{prefix}-{i}", lic, points=1, balance_after=11,
                        restoration_basis="L223-6-3")
            for i, lic in enumerate(licences)]


def stored_rows(db: database.Database, prefix: str) -> dict[str, tuple[list[str], list[tuple]]]:
    """The events and decisions rows the API stored for the references ``prefix-*``, as
    the driver returns them (ids included), in id order."""
    queries = {
        "events": ("SELECT * FROM events WHERE subject LIKE :p ORDER BY id",
                   f"decision:{prefix}-%"),
        "decisions": ("SELECT * FROM decisions WHERE reference LIKE :p ORDER BY id",
                      f"{prefix}-%"),
    }
    stored = {}
    with db.engine.connect() as conn:
        for table, (query, pattern) in queries.items():
            result = conn.execute(text(query), {"p": pattern})
            stored[table] = (list(result.keys()), [tuple(row) for row in result])
    return stored


def raw_insert(url: str, stored: dict[str, tuple[list[str], list[tuple]]]) -> float:
    """The honest baseline: the plain driver (sqlite3 or psycopg, no SQLAlchemy) inserts
    the very rows the API stored, with their ids, in one transaction: one executemany
    per table, as the API's one request is one transaction. Into a database of the same
    schema (same migrations, same holders), so that the unique constraints do not meet
    the API's rows."""
    parsed = database.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        import sqlite3

        connection = sqlite3.connect(parsed.database, isolation_level=None)
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("PRAGMA foreign_keys = ON")
        mark, begin = "?", "BEGIN IMMEDIATE"
    else:
        import psycopg

        connection = psycopg.connect(parsed.set(drivername="postgresql")
                                     .render_as_string(hide_password=False))
        mark, begin = "%s", None
    start = time.perf_counter()
    cursor = connection.cursor()
    if begin:
        cursor.execute(begin)
    for table in ("events", "decisions"):
        columns, rows = stored[table]
        cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) "
                           f"VALUES ({', '.join([mark] * len(columns))})", rows)
    connection.commit() if not begin else cursor.execute("COMMIT")
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed


def api_deposit(app, secret: str, items: list[dict]) -> float:
    """The request's body is encoded before the clock starts, as the baseline's rows are
    made before its clock starts: what is timed is the server's work."""
    client = app.test_client()
    body = json.dumps(items).encode("utf-8")
    start = time.perf_counter()
    response = client.post("/api/v1/decisions", data=body, content_type="application/json",
                           headers={"Authorization": f"Bearer {secret}"})
    elapsed = time.perf_counter() - start
    results = response.get_json()["results"]
    accepted = sum(r["outcome"] == "accepted" for r in results)
    if response.status_code != 200 or accepted != len(items):
        raise SystemExit(f"deposit failed: {response.status_code} {results[:3]}")
    return elapsed


def operation(app, items: list[dict], organisation_id: int, letter_hash) -> float:
    """The deposit operation and its commit, without HTTP, with ``letter_hash``."""
    db = app.extensions["notify"].db
    start = time.perf_counter()
    with app.app_context(), db.unit_of_work() as uow:
        ops.deposit(uow.session, items, depositor="bench", organisation_id=organisation_id,
                    now=NOW, letter_hash=letter_hash)
        uow.commit()
    return time.perf_counter() - start


def letter_in_full(facts) -> str:
    return hashlib.sha256(render_letter_in_full(facts)).hexdigest()


def build(url: str, n: int):
    """A database of the schema, ``SETS`` × ``n`` holders and the depositing organisation."""
    database.upgrade(url)
    app = create_app({"mode": "test", "instance_path": Path(tempfile.mkdtemp()),
                      "database_url": url, "clock": FixedClock(NOW),
                      "base_url": "https://bench.invalid"})
    # One set of holders per measurement, so that each starts from holders without
    # decisions (the balance checks would otherwise chain on the previous run's).
    db = app.extensions["notify"].db
    licences = seed(db, SETS * n)
    with db.unit_of_work() as uow:
        api_clients.create_organisation(uow.session, "bench", "Banc d'essai",
                                        "points_register", NOW)
        uow.commit()
    return app, licences


def run(label: str, url: str, copy_url: str, n: int, repeat: int) -> None:
    app, licences = build(url, n * repeat)
    db = app.extensions["notify"].db
    with db.unit_of_work() as uow:
        client, secret = api_clients.create_client(uow.session, "bench-api", "bench",
                                                   ["decisions:deposit"], NOW)
        organisation_id = client.organisation_id
        uow.commit()
    copy_app, _ = build(copy_url, n * repeat)  # the same schema, holders and organisation
    copy_app.extensions["notify"].db.engine.dispose()
    sets = iter(licences[k * n:(k + 1) * n] for k in range(SETS * repeat))
    times: dict[str, list[float]] = {}
    for r in range(repeat):
        times.setdefault("api", []).append(
            api_deposit(app, secret, items_for(f"API{r}", next(sets))))
        # The baseline right after the API, so that both meet the same load.
        times.setdefault("raw", []).append(raw_insert(copy_url, stored_rows(db, f"API{r}")))
        for name, letter_hash in (("bare", lambda facts: "0" * 64),
                                  ("template", letter_sha256), ("full", letter_in_full)):
            times.setdefault(name, []).append(operation(
                app, items_for(f"{name.upper()}{r}", next(sets)), organisation_id,
                letter_hash))
    db.engine.dispose()
    best = {name: min(values) for name, values in times.items()}
    raw = best["raw"]
    print(f"{label}: {n} decisions, best of {repeat}")
    print(f"  baseline: plain driver executemany of the rows the API stored: "
          f"{n / raw:10.0f} /s  ({raw:.2f} s)")
    for name, title in (("api", "API path (full, with PDF letter)"),
                        ("bare", "operation, no letter (constant) "),
                        ("template", "operation, letter template      "),
                        ("full", "operation, letter in full       ")):
        print(f"  {title}: {n / best[name]:10.0f} /s  ({best[name]:.2f} s)"
              f"  ratio {raw / best[name]:.3f}")
    if repeat > 1:
        print("  API against the baseline of the same repetition: " + ", ".join(
            f"{raw_time / api_time:.3f}" for raw_time, api_time in zip(
                times["raw"], times["api"], strict=True)))


def profile(label: str, url: str, n: int) -> None:
    """cProfile of one ``POST /api/v1/decisions`` of ``n`` decisions, after a warm-up: the
    functions of ``notify`` by cumulative time, and the whole request by own time."""
    import cProfile
    import pstats

    app, licences = build(url, n)
    db = app.extensions["notify"].db
    with db.unit_of_work() as uow:
        _, secret = api_clients.create_client(uow.session, "bench-api", "bench",
                                              ["decisions:deposit"], NOW)
        uow.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    client.post("/api/v1/decisions", json=items_for("WARM", licences[n:n + 100]),
                headers=headers)
    body = json.dumps(items_for("PROFILE", licences[:n])).encode("utf-8")
    profiler = cProfile.Profile()
    cpu = time.process_time()
    profiler.enable()
    response = client.post("/api/v1/decisions", data=body, content_type="application/json",
                           headers=headers)
    profiler.disable()
    cpu = time.process_time() - cpu
    if response.status_code != 200:
        raise SystemExit(f"deposit failed: {response.status_code}")
    print(f"{label}: profile of one deposit of {n} decisions "
          f"(CPU {cpu / n * 1e6:.0f} µs a decision, profiled)")
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(r"notify/", 30)
    stats.sort_stats("tottime").print_stats(20)
    db.engine.dispose()


def letter_facts(i: int, version: str) -> LetterFacts:
    """A letter like the bench's items (withdrawals and restorations), ``i`` its holder."""
    addressee = (dict(holder_name=f"Alex BENCH{i}", postal_address=f"{i} rue du Banc, 75001 "
                      "Paris", territory="metropole") if version != LETTER_V1 else {})
    common = dict(reference=f"L-{i}", licence_number=f"B{i:011d}", decided_on=date(2026, 11, 20),
                  probationary=False, version=version, **addressee)
    if i % 3:
        return LetterFacts(kind="withdrawal", points=2, balance_after=10, channel="online",
                           offence_date=date(2026, 10, 2), offence_place="Lyon (69)",
                           offence_description="Excès de vitesse inférieur à 20 km/h",
                           offence_class="C3", **common)
    return LetterFacts(kind="restoration", points=1, balance_after=11, channel="postal_simple",
                       restoration_basis="L223-6-3", **common)


def letter_cpu(count: int = 5000, repeat: int = 3) -> None:
    """CPU time per letter (``time.process_time``: steadier than the wall clock on a
    shared machine), best of ``repeat``, after a warm-up."""
    print(f"Letters: CPU per letter, {count} letters, best of {repeat}")
    for title, version, render in (("version 1, in full", LETTER_V1, render_letter),
                                   ("version 2, in full", LETTER_V2, render_letter_in_full),
                                   ("version 2, template", LETTER_V2, render_letter)):
        best = float("inf")
        for r in range(repeat):
            letters = [letter_facts(r * count + i, version) for i in range(count)]
            for facts in letters[:100]:
                render(facts)
            start = time.process_time()
            for facts in letters:
                render(facts)
            best = min(best, time.process_time() - start)
        print(f"  {title:20s}: {best / count * 1e6:7.1f} µs")


def postgres_url(name: str) -> str | None:
    try:
        return database.recreate_postgres_database(POSTGRES, name)
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        print(f"PostgreSQL not reachable ({type(exc).__name__}): skipped")
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run each measure this many times and keep the best "
                             "(on a shared, noisy machine)")
    parser.add_argument("--profile", action="store_true",
                        help="instead of timing, profile one API deposit of N decisions "
                             "(cProfile) on SQLite and, unless --no-postgres, PostgreSQL")
    args = parser.parse_args()
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    if args.profile:
        with tempfile.TemporaryDirectory() as tmp:
            profile("SQLite", f"sqlite:///{tmp}/profile.db", args.n)
        url = None if args.no_postgres else postgres_url(THROWAWAY)
        if url:
            try:
                profile("PostgreSQL", url, args.n)
            finally:
                database.drop_postgres_database(POSTGRES, THROWAWAY)
        return
    letter_cpu()
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite", f"sqlite:///{tmp}/bench.db", f"sqlite:///{tmp}/copy.db", args.n,
            args.repeat)
    if not args.no_postgres:
        url = postgres_url(THROWAWAY)
        if url:
            try:
                run("PostgreSQL", url, postgres_url(f"{THROWAWAY}_copy"), args.n,
                    args.repeat)
            finally:
                database.drop_postgres_database(POSTGRES, THROWAWAY)
                database.drop_postgres_database(POSTGRES, f"{THROWAWAY}_copy")

if __name__ == "__main__":
    main()
