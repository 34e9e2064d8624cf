"""Shared fixtures.

The schema is built once per run by the real Alembic migrations; every test then runs
inside a transaction that is rolled back (operations' commits only release savepoints).
Database tests run on a SQLite file, and again on PostgreSQL when
``NOTIFY_TEST_DATABASE_URL`` is set (``.ci/run`` sets it).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from notify import create_app
from notify import db as database
from notify.clock import FixedClock

START = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def _backends() -> list[str]:
    backends = ["sqlite"]
    if os.environ.get("NOTIFY_TEST_DATABASE_URL"):
        backends.append("postgresql")
    return backends


def _reset_postgres(url: str) -> None:
    engine = database.make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session", params=_backends())
def database_url(request, tmp_path_factory) -> str:
    if request.param == "postgresql":
        url = os.environ["NOTIFY_TEST_DATABASE_URL"]
        _reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    database.upgrade(url)
    return url


@pytest.fixture(scope="session")
def engine(database_url):
    engine = database.make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine) -> Iterator[database.Database]:
    """A Database whose sessions live in one outer transaction, rolled back at the end."""
    connection = engine.connect()
    outer = connection.begin()
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint",
                           expire_on_commit=False)
    yield database.Database(engine, factory)
    outer.rollback()
    connection.close()


@pytest.fixture
def session(db):
    s = db.session_factory()
    yield s
    s.close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


class _Inbox:
    """What the loopback SMTP server received (envelope recipients and raw bytes)."""

    def __init__(self) -> None:
        self.messages: list = []
        self.refuse_with: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_with:
            return self.refuse_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import email
        import email.policy

        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server():
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def inbox(smtp_server) -> _Inbox:
    handler = smtp_server.handler
    handler.messages.clear()
    handler.refuse_with = None
    return handler


@pytest.fixture
def app(db, clock, smtp_server, tmp_path):
    return create_app({
        "mode": "test",
        "instance_path": tmp_path / "instance",
        "database": db,
        "clock": clock,
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_server.port,
        "base_url": "https://notify.test",
    })


@pytest.fixture
def client(app):
    return app.test_client()
