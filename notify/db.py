"""Database plumbing: engine, sessions, the unit of work, the UTC column type, migrations.

Rules of the house:

* operations only ``flush``; one place commits: the view (per request), the job, or
  the CLI command, through ``UnitOfWork.commit()``;
* every timestamp is stored timezone-aware in UTC (``UTCDateTime``);
* the schema is made by the Alembic migrations only (``upgrade``), tests included.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    ARRAY,
    Column,
    DateTime,
    Engine,
    MetaData,
    Table,
    any_,
    create_engine,
    event,
    literal,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

R = TypeVar("R")

MIGRATIONS_PATH = Path(__file__).resolve().parent.parent / "migrations"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime. Naive values are refused: they are always a bug here.

    SQLite has no time zone type, so the value is stored as naive UTC there and made
    aware again on the way out; PostgreSQL stores a ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime refused: {value!r}")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


READ_ONLY = "notify_read_only"
"""Execution option of the connections of read-only sessions (see ``_configure_sqlite``)."""


def _memoised(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    seen: dict[Any, Any] = {}

    def converted(value):
        if value not in seen:
            seen[value] = convert(value)
        return seen[value]

    return converted


def among(session: Session, column: Column, values: Sequence):
    """``column IN values``; on PostgreSQL ``column = ANY(:array)``, one parameter: an
    IN of hundreds of values is a new statement text at each execution, which SQLAlchemy
    renders and psycopg parses again (a tenth of a deposit's time on PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(list(values), ARRAY(column.type)))
    return column.in_(values)


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (mappings with the same keys) into ``table`` in the session's
    transaction, in order, at the driver's speed, for the bulk writers.

    PostgreSQL: one ``COPY`` (about a third of the time of a pipelined executemany of as
    many INSERTs). SQLite: the driver's ``executemany`` of one prepared INSERT, each
    value converted by its column's type once per distinct value (a bulk's rows share
    their instants), without the ORM's per-row machinery. A constraint violated is the
    same ``IntegrityError`` as an ORM INSERT's.
    """
    if not rows:
        return
    columns = list(rows[0])
    values = operator.itemgetter(*columns)
    if len(columns) == 1:
        def values(row, _column=columns[0]):  # itemgetter of one key gives no tuple
            return (row[_column],)
    dialect = session.get_bind().dialect
    if dialect.name == "postgresql":  # COPY adapts Python values itself
        insert_tuples(session, table, columns, [values(row) for row in rows])
        return
    # Only the columns whose type converts (dates, instants): a bulk's other values go
    # to the driver as they are.
    converters = [(i, _memoised(process)) for i, column in enumerate(columns) if (
        process := table.c[column].type.dialect_impl(dialect).bind_processor(dialect))]
    parameters = []
    for row in rows:
        converted = list(values(row))
        for i, convert in converters:
            converted[i] = convert(converted[i])
        parameters.append(converted)
    insert_tuples(session, table, columns, parameters)


def bind_value(session: Session, column: Column, value: Any) -> Any:
    """``value`` as the driver receives it for ``column`` (its type's bind processing
    for the session's dialect): for a bulk writer that gives ``insert_tuples`` a value
    shared by its rows, converted once."""
    dialect = session.get_bind().dialect
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    return process(value) if process else value


def insert_tuples(session: Session, table: Table, columns: Sequence[str],
                  rows: Sequence[tuple[Any, ...]]) -> None:
    """``insert_rows`` for rows already given as tuples in ``columns``' order, with the
    values SQLite's driver takes (``bind_value`` for those a type converts; PostgreSQL's
    ``COPY`` adapts Python values itself): no mapping built or read per row."""
    if not rows:
        return
    session.flush()  # what the ORM has pending goes first, as before any statement
    connection = session.connection()
    dialect = connection.dialect
    raw = connection.connection.driver_connection
    if dialect.name == "postgresql":
        statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    else:
        statement = (f"INSERT INTO {table.name} ({', '.join(columns)}) "
                     f"VALUES ({', '.join('?' * len(columns))})")
    try:
        if dialect.name == "postgresql":
            with raw.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        raw.cursor().executemany(statement, rows)
    except dialect.dbapi.IntegrityError as exc:
        raise IntegrityError(statement, None, exc) from exc


def _configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, a busy timeout, and transactions SQLAlchemy really controls.

    pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; we turn it
    off and emit BEGIN ourselves (SQLAlchemy's documented recipe). A transaction that
    may write starts with ``BEGIN IMMEDIATE``: a deferred transaction that reads then
    writes fails at once with "database is locked" when another process writes
    meanwhile (the busy timeout does not apply to that upgrade), which the web app and
    the scheduler would hit; writers queue instead.

    A read-only transaction (a connection with the ``READ_ONLY`` execution option, as
    ``Database.read_session_factory`` gives) starts with a plain deferred ``BEGIN``
    under ``PRAGMA query_only``: in WAL mode it reads its snapshot while a writer holds
    the write lock, and a write by mistake fails at once instead of racing for the lock.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 10000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        read_only = bool(connection.get_execution_options().get(READ_ONLY))
        pooled = connection.connection  # the pooled DBAPI connection, with its own dict
        # Straight to the driver: these statements need none of SQLAlchemy's execution
        # machinery, which would cost as much as a page's query.
        driver = pooled.driver_connection
        if pooled.info.get(READ_ONLY, False) != read_only:
            driver.execute(f"PRAGMA query_only = {int(read_only)}")
            pooled.info[READ_ONLY] = read_only
        driver.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")


POOL_SIZE = 5
"""SQLAlchemy's default: the connections a pool keeps open at least."""


def make_engine(url: str, threads: int = POOL_SIZE) -> Engine:
    """``threads``: how many threads of the process may use the database at once (a web
    worker's). The pool keeps that many connections open: beyond its size it closes each
    connection given back, so every request of the extra threads would open a new one
    (a PostgreSQL backend, or a SQLite file and its pragmas)."""
    parsed = make_url(url)
    pool = {"pool_size": max(POOL_SIZE, threads)}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **({} if parsed.database in (None, "", ":memory:")
                                       else pool))
        _configure_sqlite(engine)
        return engine
    # Sessions in UTC, the zone of every stored instant: psycopg then gives timestamps
    # with datetime.UTC itself, which UTCDateTime and format_instant take as they are,
    # instead of a ZoneInfo each value is converted from (a server whose default zone
    # is another would also have given local times to SQL casts).
    connect_args = {} if "options" in parsed.query else {"options": "-c TimeZone=UTC"}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **pool)


class Database:
    """An engine and the session factories bound to it (or to one test connection).

    ``session_factory`` makes the sessions of units of work that may write;
    ``read_session_factory`` those of pages that only read: on SQLite they do not take
    the write lock, so they neither wait behind writers nor make writers wait. A test
    database bound to one connection uses its one factory for both.
    """

    def __init__(self, engine: Engine, session_factory: sessionmaker | None = None,
                 read_session_factory: sessionmaker | None = None) -> None:
        self.engine = engine
        if session_factory is None:
            session_factory = sessionmaker(engine, expire_on_commit=False)
            read_session_factory = read_session_factory or sessionmaker(
                engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)
        self.session_factory = session_factory
        self.read_session_factory = read_session_factory or session_factory

    @classmethod
    def from_url(cls, url: str, threads: int = POOL_SIZE) -> Database:
        return cls(make_engine(url, threads))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)


class UnitOfWork:
    """A session that rolls back on exit unless ``commit()`` was called."""

    def __init__(self, session_factory: sessionmaker) -> None:
        self._factory = session_factory
        self.session: Session | None = None

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        return self

    def __exit__(self, *exc_info) -> None:
        assert self.session is not None
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        assert self.session is not None
        self.session.commit()


def committed(db: Database, work: Callable[[Session], R], *,
              retry: tuple[type[Exception], ...] = (), tries: int = 3) -> R:
    """``work(session)`` in a unit of work, committed. On one of the ``retry``
    exceptions (a conflict with a concurrent transaction, which wrote nothing) it is
    rolled back and done again, at most ``tries`` times in all."""
    for attempt in range(1, tries + 1):
        with db.unit_of_work() as uow:
            try:
                result = work(uow.session)
                uow.commit()
                return result
            except retry:
                if attempt == tries:
                    raise
    raise AssertionError("unreachable")


def drain(db: Database, step: Callable[[Session, int], R], *,
          retry: tuple[type[Exception], ...] = ()) -> list[R]:
    """Run a job in chunks: ``step(session, after_id)`` handles the rows after
    ``after_id`` and returns a report whose ``last_id`` is where the next chunk starts,
    or None when there was nothing left. Each chunk is its own committed transaction,
    so a long job holds no lock for long and a crash loses at most one chunk; a chunk
    that fails with one of ``retry`` is done again (``committed``)."""
    reports = []
    after_id = 0
    while True:
        report = committed(db, lambda session, after=after_id: step(session, after),
                           retry=retry)
        reports.append(report)
        if report.last_id is None:
            return reports
        after_id = report.last_id


def recreate_postgres_database(server_url: str, name: str) -> str:
    """Drop and create the PostgreSQL database ``name`` on the server of ``server_url``;
    return its URL. For tests and benchmarks that need a database of their own."""
    base = make_url(server_url)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(server_url: str, name: str) -> None:
    admin = create_engine(make_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_PATH))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)

