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
