"""The migrations are the only way the schema is made: they must go up, down and up
again on both databases, and leave exactly the schema the models describe."""

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from notify import db as database
from notify.models import Base


def _fresh_url(backend, tmp_path):
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'migrations.db'}"
    server = os.environ["NOTIFY_TEST_DATABASE_URL"]
    return database.recreate_postgres_database(server, f"{server.rsplit('/', 1)[1]}_migrations")


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request, tmp_path):
    if request.param == "postgresql" and not os.environ.get("NOTIFY_TEST_DATABASE_URL"):
        pytest.skip("NOTIFY_TEST_DATABASE_URL is not set")
    return _fresh_url(request.param, tmp_path)


def _tables(url):
    engine = database.make_engine(url)
    names = set(inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    return names


def test_up_down_up(fresh_url):
    database.upgrade(fresh_url)
    assert _tables(fresh_url) == set(Base.metadata.tables)
    database.downgrade(fresh_url, "base")
    assert _tables(fresh_url) == set()
    database.upgrade(fresh_url)
    assert _tables(fresh_url) == set(Base.metadata.tables)


def test_migrations_match_the_models(fresh_url):
    database.upgrade(fresh_url)
    engine = database.make_engine(fresh_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_existing_tokens_keep_their_rights_through_0005(fresh_url):
    """Tokens made before organisations go to one organisation, with both scopes they
    had in effect; a failed login keeps its account; and back down again."""
    from datetime import UTC, datetime

    from sqlalchemy import text

    database.upgrade(fresh_url, "0004")
    engine = database.make_engine(fresh_url)
    now = datetime(2026, 11, 20, tzinfo=UTC).replace(tzinfo=None)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO api_tokens (name, token_sha256, created_at) "
                          "VALUES ('snpc', :sha, :now)"), {"sha": "a" * 64, "now": now})
        conn.execute(text("INSERT INTO login_failures (account_id, address, at) "
                          "VALUES (NULL, '10.0.0.1', :now)"), {"now": now})
    database.upgrade(fresh_url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT t.scopes, o.slug, o.kind FROM api_tokens t "
                                "JOIN organisations o ON o.id = t.organisation_id")).one()
        assert tuple(row) == ("decisions:deposit decisions:read", "registre-points",
                              "points_register")
        assert conn.execute(text("SELECT count(*) FROM login_failures")).scalar() == 1
    database.downgrade(fresh_url, "0004")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM organisations")).scalar() == 0
        assert conn.execute(text("SELECT name FROM api_tokens")).scalar() == "snpc"
    engine.dispose()
