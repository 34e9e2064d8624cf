"""The PostgreSQL plans of the SELECTs a piece of code sends, as it sends them (shared by
the query-plan tests and ``bench/bench_scale.py``)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session


def explain_selects(session: Session, work: Callable[[Session], object],
                    analyze: bool = False) -> list[list[str]]:
    """Run ``work(session)``, then ``EXPLAIN`` each SELECT it sent with its parameters;
    returns each plan's lines. With ``analyze``, each SELECT is run again by
    ``EXPLAIN ANALYZE``, whose last line gives the server's execution time."""
    connection = session.connection()
    sent: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", capture)
    try:
        work(session)
    finally:
        event.remove(connection, "before_cursor_execute", capture)
    plans = []
    with connection.connection.driver_connection.cursor() as cursor:
        for statement, parameters in sent:
            cursor.execute(("EXPLAIN ANALYZE " if analyze else "EXPLAIN ") + statement,
                           parameters)
            plans.append([row[0] for row in cursor.fetchall()])
    return plans


def seeded_session(db, clock, seed: str) -> Session:
    """A session on the test's PostgreSQL database with the statements of ``seed`` run in
    its transaction (``:now`` the clock's instant) and sequential scans discouraged, so
    that a plan names the index a query could use; skips the test on SQLite."""
    if db.dialect != "postgresql":
        pytest.skip("the plans checked are PostgreSQL's")
    session = db.session_factory()
    for statement in seed.split(";"):
        session.execute(text(statement), {"now": clock.now()})
    session.execute(text("SET LOCAL enable_seqscan = off"))
    return session
