"""The migrations are the only way the schema is made: they must go up, down and up
again on both databases, and leave exactly the schema the models describe."""

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from notify import db as database
from notify.models import Base


def _fresh_url(backend, tmp_path):
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'migrations.db'}"
    base = make_url(os.environ["NOTIFY_TEST_DATABASE_URL"])
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS notify_migrations"))
        conn.execute(text("CREATE DATABASE notify_migrations"))
    admin.dispose()
    return base.set(database="notify_migrations").render_as_string(hide_password=False)


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
