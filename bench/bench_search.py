"""Staff search on a large PostgreSQL database (not in ``make bench``: it seeds millions).

Seeds a throwaway database by ``COPY``: ``--scale`` x 10,000,000 decisions of
``--scale`` x 2,000,000 holders (surnames drawn from a few thousand, the common ones
often, as in a register), decided over six years, 70 % online (mostly notified), 20 %
by simple letter, 10 % registered. To seed fast, the indexes and constraints of
``holders`` and ``decisions`` are dropped before the copy and made again after it, all
but the foreign key from ``decisions.deposit_event_id`` to ``events``: the search never
reads events, so no event is seeded. Then ``VACUUM ANALYZE``.

Then each kind of search (``notify.backoffice.search.find``: one page of 50) is run 20
times with different values, and the median and worst times are printed with the ratio
to the baseline: one decision read by primary key (``SELECT … WHERE id = :id``, a
session, a transaction, a round trip), timed the same way.

Usage: ``.venv/bin/python bench/bench_search.py [--scale 0.1]`` (scale 1: 10 M decisions).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from notify import db as database  # noqa: E402
from notify.backoffice.search import Criteria, DateField, find  # noqa: E402
from notify.validation import name_key  # noqa: E402

SERVER = os.environ.get("NOTIFY_BENCH_POSTGRES",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
NAME = os.environ.get("NOTIFY_BENCH_DATABASE", "notify_search")
NOW = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)
FIRST_DAY = date(2021, 1, 1)
DAYS = 6 * 365
KEPT_FOREIGN_KEY = "fk_decisions_deposit_event_id_events"

SYLLABLES = ("ba", "be", "bo", "ca", "co", "da", "de", "du", "fa", "fe", "ga", "gu", "la",
             "le", "lo", "ma", "me", "mo", "na", "ne", "pa", "pe", "ra", "re", "ro", "sa",
             "se", "ta", "te", "to", "va", "vi")
COMMON = ("MARTIN", "BERNARD", "THOMAS", "PETIT", "ROBERT", "RICHARD", "DURAND", "DUBOIS",
          "MOREAU", "LAURENT", "SIMON", "MICHEL", "LEFÈVRE", "LEROY", "ROUX", "DAVID",
          "BERTRAND", "MOREL", "FOURNIER", "GIRARD", "DUPONT", "LAMBERT", "FONTAINE")


def surnames(rng: random.Random, count: int) -> list[str]:
    """Common surnames, then made-up ones of two or three syllables."""
    made = {"".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 3)))).upper()
            for _ in range(count * 2)}
    return list(COMMON) + sorted(made)[:count]


def _constraints_and_indexes(conn) -> tuple[list[tuple[str, str, str]], list[str]]:
    constraints = conn.execute(text(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
        "FROM pg_constraint WHERE conrelid IN ('holders'::regclass, 'decisions'::regclass) "
        "AND contype IN ('u', 'f') ORDER BY contype DESC")).all()
    indexes = conn.execute(text(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('holders', 'decisions') "
        "AND indexname NOT LIKE 'pk_%' AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE contype = 'u')")).all()
    return [tuple(row) for row in constraints], [row.indexdef for row in indexes]


def seed(db: database.Database, decisions: int, holders: int) -> None:
    rng = random.Random(20261129)
    names = surnames(rng, 3000)
    weights = [1 / (rank + 1) for rank in range(len(names))]  # a few names, often
    raw = db.engine.raw_connection()
    try:
        with raw.cursor() as cur:
            cur.execute("INSERT INTO organisations (slug, name, kind, created_at) "
                        "VALUES ('bench', 'bench', 'points_register', now())")
        raw.commit()
        with db.engine.begin() as conn:
            constraints, indexes = _constraints_and_indexes(conn)
            for table, name, _ in constraints:
                conn.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
            for definition in indexes:
                conn.execute(text(f'DROP INDEX "{definition.split()[2]}"'))
        drawn = rng.choices(names, weights, k=holders)
        with raw.cursor() as cur:
            with cur.copy("COPY holders (id, licence_number, surname, surname_key, "
                          "given_names, birth_date, territory, postal_address, imported_at, "
                          "updated_at, early_accompanied_driving) FROM STDIN") as copy:
                for h in range(1, holders + 1):
                    surname = drawn[h - 1]
                    copy.write_row((h, f"{h:012d}", surname, name_key(surname), "Alex",
                                    date(1980, 1, 1), "metropole", "x", NOW, NOW, False))
            org = cur.execute("SELECT min(id) FROM organisations").fetchone()[0]
            with cur.copy("COPY decisions (id, reference, holder_id, kind, decided_on, "
                          "content_sha256, channel, routing_reason, routing_policy, "
                          "deposited_at, deposited_by, organisation_id, deposit_event_id, "
                          "letter_sha256, state, made_available_at, notified_at) "
                          "FROM STDIN") as copy:
                zero = "0" * 64
                for n in range(1, decisions + 1):
                    day = FIRST_DAY + timedelta(days=n * DAYS // decisions)
                    at = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
                    pick = n % 10
                    if pick < 7:
                        channel, made = "online", at + timedelta(days=1)
                        state = "available" if n % 97 == 0 else "notified"
                        notified = None if state == "available" else made + timedelta(days=3)
                    else:
                        channel = "postal_registered" if pick == 9 else "postal_simple"
                        made = notified = None
                        state = "awaiting_print" if n % 1009 == 0 else "exported"
                    copy.write_row((n, f"D{n:010d}", rng.randint(1, holders), "withdrawal", day,
                                    zero, channel, "bench", "bench/1", at, "bench", org, n,
                                    zero, state, made, notified))
        raw.commit()
    finally:
        raw.close()
    with db.engine.begin() as conn:
        conn.execute(text("SET maintenance_work_mem = '512MB'"))
        for definition in indexes:
            conn.execute(text(definition))
        for table, name, definition in constraints:
            if name != KEPT_FOREIGN_KEY:
                conn.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))
        conn.execute(text("SELECT setval('holders_id_seq', :h)"), {"h": holders})
        conn.execute(text("SELECT setval('decisions_id_seq', :d)"), {"d": decisions})
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE holders"))
        conn.execute(text("VACUUM ANALYZE decisions"))


def timed(db: database.Database, works: list) -> tuple[float, float]:
    times = []
    for work in works:
        with db.unit_of_work() as uow:
            started = time.perf_counter()
            work(uow.session)
            times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, max(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    decisions = int(10_000_000 * args.scale)
    holders = max(decisions // 5, 1)
    url = database.recreate_postgres_database(SERVER, NAME)
    try:
        database.upgrade(url)
        db = database.Database.from_url(url)
        started = time.perf_counter()
        seed(db, decisions, holders)
        print(f"seeded {decisions:,} decisions of {holders:,} holders by COPY in "
              f"{time.perf_counter() - started:.0f} s (scale {args.scale:g})")
        rng = random.Random(7)
        repeat = args.repeat

        def ids():
            return [rng.randint(1, decisions) for _ in range(repeat)]

        def days():
            return [FIRST_DAY + timedelta(days=rng.randrange(DAYS - 31)) for _ in range(repeat)]

        common = [name_key(name)[:4] for name in rng.choices(COMMON, k=repeat)]
        rare = [name_key(name) for name in rng.choices(surnames(random.Random(20261129), 3000)[
            -500:], k=repeat)]

        def search(criteria_list):
            return [lambda s, c=c: find(s, c) for c in criteria_list]

        def deep(criteria: Criteria, pages: int):
            """The ``pages``-th page alone, its cursor found beforehand."""
            with db.unit_of_work() as uow:
                after = None
                for _ in range(pages - 1):
                    after = find(uow.session, criteria, after=after).next_after
            return [lambda s: find(s, criteria, after=after)] * repeat

        kinds = {
            "baseline: one decision by primary key": [
                lambda s, i=i: s.execute(text("SELECT * FROM decisions WHERE id = :i"),
                                         {"i": i}).one() for i in ids()],
            "reference": search(Criteria(reference=f"D{i:010d}") for i in ids()),
            "licence number": search(Criteria(licence_number=f"{rng.randint(1, holders):012d}")
                                     for _ in range(repeat)),
            "surname prefix, common (4 letters)": search(Criteria(surname=n) for n in common),
            "surname, rare": search(Criteria(surname=n) for n in rare),
            "decision date, one month": search(
                Criteria(date_from=d, date_to=d + timedelta(days=30)) for d in days()),
            "making available, one month": search(
                Criteria(date_field=DateField.MADE_AVAILABLE, date_from=d,
                         date_to=d + timedelta(days=30)) for d in days()),
            "state, rare (awaiting print)": search([Criteria(state="awaiting_print")] * repeat),
            "channel, registered letter": search([Criteria(channel="postal_registered")]
                                                 * repeat),
            "channel + state + month": search(
                Criteria(channel="online", state="available", date_from=d,
                         date_to=d + timedelta(days=30)) for d in days()),
            "surname + decision dates (one year)": search(
                Criteria(surname=n, date_from=d, date_to=d + timedelta(days=365))
                for n, d in zip(common, days(), strict=True)),
            "state, 200th page (keyset)": deep(Criteria(state="notified"), 200),
        }
        baseline = None
        for name, works in kinds.items():
            median, worst = timed(db, works)
            baseline = baseline or median
            print(f"  {name:<44} median {median:8.2f} ms  worst {worst:8.2f} ms  "
                  f"x{median / baseline:6.1f}")
        db.engine.dispose()
    finally:
        database.drop_postgres_database(SERVER, NAME)


if __name__ == "__main__":
    main()
