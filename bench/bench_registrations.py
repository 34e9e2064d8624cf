"""Registration files: filing one by one, a bulk status update of 10,000 items, and the
demo load, on SQLite (a fresh file) and on PostgreSQL when ``--postgres URL`` is given
(a throwaway database ``<name>_bench`` next to it, dropped afterwards).

Baseline, in the same run: the same number of bare single-row UPDATEs of the state,
each in its own savepoint (what the database alone costs per item).

Usage: ``.venv/bin/python -m bench.bench_registrations [--files 2000] [--postgres URL]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update

from notify import create_app
from notify import db as database
from notify.auth.models import Organisation
from notify.clock import FixedClock
from notify.registrations import operations as reg
from notify.registrations.models import Application, Centre

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
STEPS = (("submit", None), ("record_payment", None),
         ("request_information", "Pièce illisible"), ("provide_information", None),
         ("approve", None))


def run(url: str, files: int, instance: Path) -> None:
    database.upgrade(url)
    clock = FixedClock(NOW)
    app = create_app({"mode": "test", "database_url": url, "clock": clock,
                      "instance_path": instance, "base_url": "https://notify.test"})
    db = app.extensions["notify"].db
    staff = reg.Actor.staff("bench")
    with app.app_context(), db.unit_of_work() as uow:
        s = uow.session
        cert = Organisation(slug="cert", name="CERT", kind="centre", created_at=NOW)
        s.add(cert)
        s.flush()
        s.add(Centre(organisation_id=cert.id, code="CERT", name="CERT", contact="-"))
        s.flush()
        started = time.perf_counter()
        numbers = [reg.file_application(s, staff, {
            "procedure": "duplicata", "vin": "VF1RFA00067123456", "plate": "AB-123-CD",
            "centre": "CERT", "applicant": {"name": "A", "email": f"a{i}@example.fr"}},
            now=NOW, mandate_days=15).application.number for i in range(files)]
        uow.commit()
        filing = time.perf_counter() - started
    items = [{"number": n, "event": e, "reason": r} for e, r in STEPS for n in numbers]
    clock.set(NOW + timedelta(days=1))
    with app.app_context(), db.unit_of_work() as uow:
        started = time.perf_counter()
        results = reg.bulk_transition(uow.session, staff, items, now=clock.now(),
                                      base_url="https://notify.test")
        uow.commit()
        bulk = time.perf_counter() - started
    assert all(r.outcome == "applied" for r in results), results[:3]
    with db.unit_of_work() as uow:
        started = time.perf_counter()
        for n in numbers * len(STEPS):
            with uow.session.begin_nested():
                uow.session.execute(update(Application).where(Application.number == n)
                                    .values(state="x"))
        baseline = time.perf_counter() - started
    print(f"{url.split(':')[0]}: filing {files} files one by one: "
          f"{files / filing:,.0f} files/s; bulk update of {len(items):,} items: "
          f"{bulk:.1f} s ({len(items) / bulk:,.0f} items/s, 1 mail per awaited-information "
          f"step); baseline bare UPDATE per savepoint: {len(items) / baseline:,.0f}/s, "
          f"ratio {baseline / bulk:.2f}", flush=True)
    db.engine.dispose()


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
