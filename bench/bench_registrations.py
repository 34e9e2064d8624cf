"""Registration files: filing one by one, and a bulk status update of 10,000 items
through the API (``POST /api/v1/registrations/transitions``, a centre's token, the WSGI
application without network), on SQLite (a fresh file) and on PostgreSQL when
``--postgres URL`` is given (a throwaway database ``<name>_bench`` next to it, dropped
afterwards).

Baseline, in the same run: the rows that call wrote (its chained evidence events and
its transition rows) deleted, then inserted again by the plain driver (sqlite3 or
psycopg ``executemany``) in one transaction: what the database alone costs for them.
The API also reads the files, decides each step, hashes each event, updates the files
and answers each item; the ratio is baseline time / API time (goal ≥ 0.5).

Usage: ``.venv/bin/python -m bench.bench_registrations [--files 2000] [--postgres URL]``.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import func, select

from notify import create_app
from notify import db as database
from notify.auth import api_clients
from notify.clock import FixedClock
from notify.evidence.models import Event as EvidenceEvent
from notify.registrations import operations as reg
from notify.registrations.models import Centre, Transition

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
STEPS = (("request_information", "Pièce illisible"), ("provide_information", None),
         ("approve", None), ("start_production", None), ("ship", None))
TABLES = ("events", "registration_transitions")


def _raw_connection(url: str):
    if url.startswith("sqlite"):
        return sqlite3.connect(url.removeprefix("sqlite:///")), "?"
    return psycopg.connect(url.replace("postgresql+psycopg", "postgresql")), "%s"


def _reinsert(url: str, after: dict[str, int]) -> float:
    """Delete the rows the call wrote, then time inserting them again, raw."""
    connection, mark = _raw_connection(url)
    try:
        cursor = connection.cursor()
        rows = {}
        for table in TABLES:
            cursor.execute(f"SELECT * FROM {table} WHERE id > {after[table]} ORDER BY id")
            rows[table] = ([d[0] for d in cursor.description], cursor.fetchall())
        for table in reversed(TABLES):
            cursor.execute(f"DELETE FROM {table} WHERE id > {after[table]}")
        connection.commit()
        started = time.perf_counter()
        for table in TABLES:
            columns, values = rows[table]
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                               f"({', '.join([mark] * len(columns))})", values)
        connection.commit()
        return time.perf_counter() - started
    finally:
        connection.close()


def run(url: str, files: int, instance: Path) -> None:
    database.upgrade(url)
    clock = FixedClock(NOW)
    app = create_app({"mode": "test", "database_url": url, "clock": clock,
                      "instance_path": instance, "base_url": "https://notify.test"})
    db = app.extensions["notify"].db
    staff = reg.Actor.staff("bench")
    with app.app_context(), db.unit_of_work() as uow:
        s = uow.session
        cert = api_clients.create_organisation(s, "cert", "CERT", "centre", NOW)
        s.add(Centre(organisation_id=cert.id, code="CERT", name="CERT", contact="-"))
        _, token = api_clients.create_client(s, "cert-sys", "cert",
                                             ["registrations:instruct"], NOW)
        s.flush()
        started = time.perf_counter()
        numbers = [reg.file_application(s, staff, {
            "procedure": "duplicata", "vin": "VF1RFA00067123456", "plate": "AB-123-CD",
            "centre": "CERT", "applicant": {"name": "A", "email": f"a{i}@example.fr"}},
            now=NOW, mandate_days=15, test_domains=True).application.number for i in range(files)]
        uow.commit()
        filing = time.perf_counter() - started
        for event in ("submit", "record_payment"):
            reg.bulk_transition(s, staff, [{"number": n, "event": event} for n in numbers],
                                now=NOW, base_url="https://notify.test")
        uow.commit()
        after = {"events": s.scalar(select(func.max(EvidenceEvent.id))),
                 "registration_transitions": s.scalar(select(func.max(Transition.id)))}
    body = json.dumps([{"number": n, "event": e, "reason": r} for e, r in STEPS
                       for n in numbers]).encode()
    clock.set(NOW + timedelta(days=1))
    client = app.test_client()
    started = time.perf_counter()
    response = client.post("/api/v1/registrations/transitions", data=body,
                           content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})
    bulk = time.perf_counter() - started
    results = response.get_json()["results"]
    assert all(r["outcome"] == "accepted" for r in results), results[:3]
    db.engine.dispose()
    baseline = _reinsert(url, after)
    items = len(results)
    print(f"{url.split(':')[0]}: filing {files} files one by one: {files / filing:,.0f} "
          f"files/s; API bulk update of {items:,} items: {bulk:.2f} s "
          f"({items / bulk:,.0f} items/s); baseline raw executemany of its {items:,} events "
          f"and {items:,} transition rows: {baseline:.2f} s ({items / baseline:,.0f} "
          f"items/s); ratio {baseline / bulk:.2f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--postgres")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{folder}/bench.db", args.files, Path(folder) / "instance")
        if args.postgres:
            name = f"{args.postgres.rsplit('/', 1)[1]}_bench"
            url = database.recreate_postgres_database(args.postgres, name)
            try:
                run(url, args.files, Path(folder) / "instance-pg")
            finally:
                database.drop_postgres_database(args.postgres, name)


if __name__ == "__main__":
    main()
