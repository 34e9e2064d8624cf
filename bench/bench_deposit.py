"""Bulk deposit: the API's code path against a raw insert of the same rows.

Measured in the same run, on SQLite (a fresh file) and on PostgreSQL when reachable
(a throwaway database ``notify_bench_<pid>``, dropped afterwards, so that two runs at
once do not drop each other's):

* raw: one executemany INSERT of N events and one of N decisions, values computed
  beforehand (what the database alone costs);
* API: ``POST /api/v1/decisions`` of N decisions through the Flask test client (JSON
  parsing, validation, routing, letter rendering and hashing, evidence, storage, the
  commit, the JSON answer);
* API without the letter: the same operation with the PDF rendering replaced by a
  constant hash, to show what the rest of the path costs.

Usage: ``.venv/bin/python bench/bench_deposit.py [--n 10000] [--no-postgres]``.
"""

from __future__ import annotations

import argparse
import hashlib
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
from notify.clock import FixedClock  # noqa: E402
from notify.decisions import operations as ops  # noqa: E402
from notify.decisions import tokens  # noqa: E402
from notify.decisions.models import Decision  # noqa: E402
from notify.evidence.models import Event  # noqa: E402
from tests.deposits import restoration, withdrawal  # noqa: E402

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
POSTGRES = os.environ.get("NOTIFY_BENCH_POSTGRES",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/test")
THROWAWAY = f"notify_bench_{os.getpid()}"


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


def raw_insert(db: database.Database, licences: list[str]) -> float:
    """The same number of events and decisions, values prepared before the clock starts."""
    with db.unit_of_work() as uow:
        ids = dict(uow.session.execute(text("SELECT licence_number, id FROM holders")).all())
    document = "x" * 330  # about the size of a deposited event's canonical JSON
    events = [{"subject": f"decision:RAW-{i}", "seq": 1, "tag": "deposited", "actor": "api:b",
               "occurred_at": NOW, "document": document, "prev_hash": None,
               "hash": hashlib.sha256(f"raw{i}".encode()).hexdigest()}
              for i in range(len(licences))]
    decisions = [{"reference": f"RAW-{i}", "holder_id": ids[lic], "kind": "withdrawal",
                  "decided_on": date(2026, 11, 20), "points": 2, "balance_after": 10,
                  "probationary": False, "offence_date": date(2026, 10, 2),
                  "offence_place": "Lyon (69)",
                  "offence_description": "Excès de vitesse inférieur à 20 km/h",
                  "offence_class": "C3", "restoration_basis": None, "content_sha256": "a" * 64,
                  "channel": "online", "routing_reason": "r" * 150,
                  "routing_policy": "routing_stage_by_post/1", "deposited_at": NOW,
                  "deposited_by": "b", "letter_sha256": "b" * 64,
                  "state": "pending_certification"} for i, lic in enumerate(licences)]
    start = time.perf_counter()
    with db.unit_of_work() as uow:
        event_ids = list(uow.session.scalars(
            insert(Event).returning(Event.id, sort_by_parameter_order=True), events))
        for row, event_id in zip(decisions, event_ids, strict=True):
            row["deposit_event_id"] = event_id
        uow.session.execute(insert(Decision.__table__), decisions)
        uow.commit()
    return time.perf_counter() - start


def api_deposit(app, secret: str, items: list[dict]) -> float:
    client = app.test_client()
    start = time.perf_counter()
    response = client.post("/api/v1/decisions", json=items,
                           headers={"Authorization": f"Bearer {secret}"})
    elapsed = time.perf_counter() - start
    results = response.get_json()["results"]
    accepted = sum(r["outcome"] == "accepted" for r in results)
    if response.status_code != 200 or accepted != len(items):
        raise SystemExit(f"deposit failed: {response.status_code} {results[:3]}")
    return elapsed


def api_without_letters(app, items: list[dict]) -> float:
    db = app.extensions["notify"].db
    start = time.perf_counter()
    with app.app_context(), db.unit_of_work() as uow:
        ops.deposit(uow.session, items, depositor="bench", now=NOW,
                    letter_hash=lambda facts: "0" * 64)
        uow.commit()
    return time.perf_counter() - start


def run(label: str, url: str, n: int) -> None:
    database.upgrade(url)
    app = create_app({"mode": "test", "instance_path": Path(tempfile.mkdtemp()),
                      "database_url": url, "clock": FixedClock(NOW),
                      "base_url": "https://bench.invalid"})
    db = app.extensions["notify"].db
    # Three sets of holders, so that each measurement starts from holders without
    # decisions (the balance checks would otherwise chain on the previous run's).
    licences = seed(db, 3 * n)
    with db.unit_of_work() as uow:
        _, secret = tokens.create_token(uow.session, "bench-api", NOW)
        uow.commit()
    raw = raw_insert(db, licences[:n])
    api = api_deposit(app, secret, items_for("API", licences[n:2 * n]))
    bare = api_without_letters(app, items_for("BARE", licences[2 * n:]))
    db.engine.dispose()
    print(f"{label}: {n} decisions")
    print(f"  raw insert (events + decisions) : {n / raw:10.0f} /s  ({raw:.2f} s)")
    print(f"  API path (full, with PDF letter): {n / api:10.0f} /s  ({api:.2f} s)"
          f"  ratio {raw / api:.3f}")
    print(f"  API path without the PDF letter : {n / bare:10.0f} /s  ({bare:.2f} s)"
          f"  ratio {raw / bare:.3f}")


def postgres_url() -> str | None:
    try:
        return database.recreate_postgres_database(POSTGRES, THROWAWAY)
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        print(f"PostgreSQL not reachable ({type(exc).__name__}): skipped")
        return None


def drop_postgres() -> None:
    database.drop_postgres_database(POSTGRES, THROWAWAY)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite", f"sqlite:///{tmp}/bench.db", args.n)
    if not args.no_postgres:
        url = postgres_url()
        if url:
            try:
                run("PostgreSQL", url, args.n)
            finally:
                drop_postgres()


if __name__ == "__main__":
    main()
