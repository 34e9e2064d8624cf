"""SQLite: pages that only read do not take the write lock; writers still queue.

Every transaction used to start with ``BEGIN IMMEDIATE``, so a holder's list waited
behind the scheduler's writes and behind other readers. Read-only sessions now start a
deferred transaction (WAL snapshot) under ``PRAGMA query_only``; sessions that may
write keep ``BEGIN IMMEDIATE`` and so never meet "database is locked".
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from notify import db as database
from notify.evidence.log import record_event
from notify.evidence.models import Event, EventTag


@pytest.fixture
def sqlite_db(tmp_path):
    url = f"sqlite:///{tmp_path / 'locking.db'}"
    database.upgrade(url)
    db = database.Database.from_url(url)
    yield db
    db.engine.dispose()


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(Event))


def test_a_reader_proceeds_while_a_writer_holds_the_lock(sqlite_db, clock):
    with sqlite_db.unit_of_work() as writer:
        record_event(writer.session, subject="decision:R1", tag=EventTag.CONSULTED,
                     actor="holder", at=clock.now(), data={})  # holds the write lock
        reader = sqlite_db.read_session_factory()
        try:
            # With BEGIN IMMEDIATE this waited for the busy timeout, then failed.
            assert _count(reader) == 0  # the snapshot before the uncommitted write
        finally:
            reader.close()
        writer.commit()
    reader = sqlite_db.read_session_factory()
    assert _count(reader) == 1
    reader.close()


def test_a_read_only_session_refuses_to_write(sqlite_db, clock):
    session = sqlite_db.read_session_factory()
    try:
        with pytest.raises(OperationalError, match="readonly"):
            record_event(session, subject="decision:R1", tag=EventTag.CONSULTED,
                         actor="holder", at=clock.now(), data={})
    finally:
        session.close()
    # The pooled connection goes back to writing for a writer's session.
    with sqlite_db.unit_of_work() as uow:
        record_event(uow.session, subject="decision:R1", tag=EventTag.CONSULTED,
                     actor="holder", at=clock.now(), data={})
        uow.commit()
        assert uow.session.execute(text("PRAGMA query_only")).scalar() == 0


def test_two_writers_that_read_then_write_never_meet_a_locked_database(
        sqlite_db, clock, run_together):
    url = sqlite_db.engine.url.render_as_string(hide_password=False)

    def writer():
        own = database.Database.from_url(url)
        for _ in range(40):
            with own.unit_of_work() as uow:
                # reads the subject's last event, then inserts the next one
                record_event(uow.session, subject="decision:R1", tag=EventTag.CONSULTED,
                             actor="holder", at=clock.now(), data={})
                uow.commit()
        own.engine.dispose()

    def reader():
        own = database.Database.from_url(url)
        for _ in range(200):
            session = own.read_session_factory()
            _count(session)
            session.close()
        own.engine.dispose()

    run_together(writer, writer, reader)
    with sqlite_db.unit_of_work() as uow:
        seqs = uow.session.scalars(select(Event.seq).order_by(Event.seq)).all()
    assert seqs == list(range(1, 81))


def test_the_holder_pages_use_a_read_only_session(app):
    from notify.web import _is_read_only

    for path, expected in (("/decisions", True), ("/compte", True),
                           ("/decisions/R1", False), ("/connexion", False)):
        with app.test_request_context(path):
            assert _is_read_only() is expected, path
