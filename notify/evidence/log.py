"""Appending to the evidence log: the one function every legal event goes through."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from notify.db import among, bind_value, insert_rows, insert_tuples
from notify.evidence.models import Event, EventTag

_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
# ``_ENCODER.encode`` makes a new C encoder at each call (a fresh table of the containers
# it is in, to detect cycles), which costs three times the encoding of an event; this one
# is made once. The same C function, arguments and so bytes, but for the cycle table:
# ``_check_types`` runs first on every document, and a cycle fails (RecursionError)
# either way.
_C_ENCODER = (json.encoder.c_make_encoder(
    None, _ENCODER.default, json.encoder.encode_basestring, None, ":", ",", True, False,
    True) if json.encoder.c_make_encoder is not None else None)


def _encode(document: Mapping[str, Any]) -> str:
    """``_ENCODER.encode(document)`` for a document that ``_check_types`` accepted."""
    if _C_ENCODER is None:
        return _ENCODER.encode(document)
    return "".join(_C_ENCODER(document, 0))


_SCALARS = frozenset((str, int, bool))

canonical_string = json.encoder.encode_basestring
"""A string as ``_ENCODER`` spells it, quotes included (the escaping its C encoder uses
with ``ensure_ascii=False``), for writers of documents of a fixed shape."""


def _check_types(value: Any, checked: set[int] | None = None) -> None:
    """Refuse floats (their JCS form is subtle) and non-string keys; runs on every event,
    so it compares types directly instead of calling isinstance on abstract classes.

    ``checked``: the ids of dicts already checked, for a bulk writer whose events share
    a part of their data (the same object, alive and unchanged while it writes)."""
    kind = type(value)
    if kind is float:
        raise TypeError("floats are not allowed in evidence documents")
    if kind is dict:
        if checked is not None:
            if id(value) in checked:
                return
            checked.add(id(value))
        for key, item in value.items():
            if type(key) is not str:
                raise TypeError("evidence document keys must be strings")
            if item is None or type(item) in _SCALARS:
                continue  # most values: no call to check them
            _check_types(item, checked)
    elif kind is list or kind is tuple:
        for item in value:
            _check_types(item, checked)


def canonical_json(document: Mapping[str, Any]) -> bytes:
    """RFC 8785 (JCS) serialisation for the values we log: str, int, bool, None, dict, list.

    For these types JCS reduces to sorted keys, no insignificant white space and UTF-8;
    floats, whose JCS form is subtle, are refused rather than approximated.
    """
    _check_types(document if type(document) is dict else dict(document))
    return _encode(document).encode("utf-8")


def event_hash(document_bytes: bytes) -> str:
    return hashlib.sha256(document_bytes).hexdigest()


def format_instant(at: datetime) -> str:
    """ISO 8601 in UTC with microseconds and a ``Z``: one spelling for every instant."""
    if at.tzinfo is None:
        raise ValueError("naive datetime in an evidence event")
    if at.tzinfo is not UTC:
        at = at.astimezone(UTC)
    if at.year < 1000:  # strftime does not pad such years; keep its spelling for them
        return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    # the same characters as that strftime, in a third of its time ("+00:00" cut off)
    return at.isoformat(timespec="microseconds")[:-6] + "Z"


def event_row(*, subject: str, seq: int, prev_hash: str | None, tag: EventTag, actor: str,
              at: datetime, data: Mapping[str, Any] | None,
              checked: set[int] | None = None, instant: str | None = None) -> dict[str, Any]:
    """The column values of one event: its canonical document and that document's hash.

    The one definition of an event's form; ``record_event`` and the bulk writers (a
    deposit of thousands, the deemed-notification job) all build rows with it.
    ``checked`` is ``_check_types``'s, for a bulk writer; ``instant``, for a bulk writer
    whose events share their ``at``, is ``format_instant(at)``, formatted once.
    """
    data = dict(data or {})
    _check_types(data, checked)  # the other fields are strings and an int by construction
    body = _encode({
        "subject": subject,
        "seq": seq,
        "tag": str(tag),
        "actor": actor,
        "at": instant or format_instant(at),
        "data": data,
        "prev": prev_hash,
    }).encode("utf-8")
    return {"subject": subject, "seq": seq, "tag": str(tag), "actor": actor,
            "occurred_at": at, "document": body.decode("utf-8"), "prev_hash": prev_hash,
            "hash": event_hash(body)}


def record_event(
    session: Session,
    *,
    subject: str,
    tag: EventTag,
    actor: str,
    at: datetime,
    data: Mapping[str, Any] | None = None,
) -> Event:
    """Append one event to ``subject``'s chain (flushes; the caller's unit of work commits).

    ``actor`` says who caused it (``holder``, ``system``, ``api:<token name>``…), ``data``
    what changed. No personal data beyond what the legal step needs goes in ``data``.
    """
    previous = session.execute(
        select(Event.seq, Event.hash)
        .where(Event.subject == subject)
        .order_by(Event.seq.desc())
        .limit(1)
    ).first()
    event = Event(**event_row(
        subject=subject,
        seq=previous.seq + 1 if previous else 1,
        prev_hash=previous.hash if previous else None,
        tag=tag, actor=actor, at=at, data=data,
    ))
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class NewEvent:
    subject: str
    tag: EventTag
    actor: str
    at: datetime
    data: Mapping[str, Any]


EVENT_COLUMNS = ("subject", "seq", "tag", "actor", "occurred_at", "document", "prev_hash",
                 "hash")
CHAIN_CONSTRAINT = "uq_events_subject"  # the unique (subject, seq)


class ChainConflict(IntegrityError):
    """Another transaction appended to one of the subjects first (PostgreSQL, bulk
    append): nothing was forked, this transaction must roll back, and its work may be
    done again on the new last events (``notify.db.committed(..., retry=...)``)."""


SUBJECTS_PER_READ = 2000
"""Subjects whose last events one query reads (well under SQLite's bound parameters)."""


def append_events(session: Session, events: Sequence[NewEvent]) -> list[int]:
    """Bulk ``record_event``: chain each event after its subject's last one, in order;
    returns their ids, in order (for rows that point at their event).

    One query per 2,000 subjects reads their last ``(seq, hash)``; the rows go in with
    ``insert_event_rows``. Several events of one subject in ``events`` chain to each
    other. As with ``record_event``, the unique ``(subject, seq)`` makes a concurrent
    append to the same subject fail the transaction instead of forking the chain.
    """
    if not events:
        return []
    last = _read_last_events(session, [e.subject for e in events])
    rows = []
    checked: set[int] = set()  # the parts of data the events share are checked once
    for e in events:
        seq, prev_hash = last.get(e.subject, (0, None))
        row = event_row(subject=e.subject, seq=seq + 1, prev_hash=prev_hash, tag=e.tag,
                        actor=e.actor, at=e.at, data=e.data, checked=checked)
        last[e.subject] = (seq + 1, row["hash"])
        rows.append(row)
    ids = _new_ids(session, len(rows))
    for row, id_ in zip(rows, ids, strict=True):
        row["id"] = id_
    insert_event_rows(session, rows)
    return ids


def _read_last_events(session: Session, subjects: Sequence[str]
                      ) -> dict[str, tuple[int, str | None]]:
    """The last ``(seq, hash)`` of each of ``subjects`` that has events, one query per
    2,000 subjects."""
    subjects = list(dict.fromkeys(subjects))
    last: dict[str, tuple[int, str | None]] = {}
    for start in range(0, len(subjects), SUBJECTS_PER_READ):
        for subject, seq, hash_ in session.execute(
                _last_events(session, subjects[start:start + SUBJECTS_PER_READ])):
            last[subject] = (seq, hash_)
    return last


def _last_events(session: Session, subjects: list[str]):
    """The query of the last ``(subject, seq, hash)`` of each of ``subjects``.

    PostgreSQL: ``DISTINCT ON`` over the unique (subject, seq) index, the subjects in
    one array parameter (``among``). Elsewhere: each subject's ``max(seq)`` joined back."""
    if session.get_bind().dialect.name == "postgresql":
        return (select(Event.subject, Event.seq, Event.hash)
                .where(among(session, Event.subject, subjects))
                .order_by(Event.subject, Event.seq.desc()).ext(distinct_on(Event.subject)))
    newest = (select(Event.subject, func.max(Event.seq).label("seq"))
              .where(Event.subject.in_(subjects)).group_by(Event.subject).subquery())
    return select(Event.subject, Event.seq, Event.hash).join(
        newest, (Event.subject == newest.c.subject) & (Event.seq == newest.c.seq))


def insert_event_rows(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows made by ``event_row`` (with their ``id`` if they have one), in order
    (ids follow it), set-based.

    PostgreSQL: one ``COPY`` in the session's transaction, its text format written here
    (events are the largest bulk; a violated chain is a ``ChainConflict``). SQLite:
    ``notify.db.insert_rows``, the driver's executemany.
    """
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        insert_rows(session, Event.__table__, rows)
        return
    with_id = "id" in rows[0]
    columns = ("id", *EVENT_COLUMNS) if with_id else EVENT_COLUMNS
    # COPY's text format written here rather than by psycopg's per-value adaptation
    # (write_row): a third of the time; only the free-text columns may need escaping.
    lines = []
    for row in rows:
        prev_hash = row["prev_hash"]
        line = "\t".join((
            _copy_text(row["subject"]), str(row["seq"]), _copy_text(row["tag"]),
            _copy_text(row["actor"]), row["occurred_at"].isoformat(),
            _copy_text(row["document"]), _COPY_NULL if prev_hash is None else prev_hash,
            row["hash"]))
        lines.append(f"{row['id']}\t{line}\n" if with_id else line + "\n")
    _copy_events(session, columns, "".join(lines))


def _copy_events(session: Session, columns: Sequence[str], text_: str) -> None:
    """``COPY`` rows already in COPY's text format into ``events`` (PostgreSQL)."""
    session.flush()  # what the ORM has pending goes first, as before any statement
    statement = f"COPY events ({', '.join(columns)}) FROM STDIN"
    raw = session.connection().connection.driver_connection
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            copy.write(text_)
    except psycopg.errors.IntegrityError as exc:
        # a concurrent append took a (subject, seq): the same error as an INSERT's
        kind = ChainConflict if exc.diag.constraint_name == CHAIN_CONSTRAINT else IntegrityError
        raise kind(statement, None, exc) from exc


_COPY_NULL = "\\N"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: str) -> str:
    """A text value in COPY's text format (backslash, tab, newline, carriage return
    escaped; a canonical document has none of the last three, rarely a backslash)."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_ESCAPES)
    return value


class EventForm:
    """What events written together share (tag, actor, instant), with the parts of their
    canonical document that these fix spelt once: the fast path of ``event_row`` for a
    bulk writer whose ``data`` has a fixed shape and is given as its canonical JSON.

    The document's keys are known and sorted in advance (``actor``, ``at``, ``data``,
    ``prev``, ``seq``, ``subject``, ``tag``); every string goes through the general
    encoder's own escaping (``canonical_string``), so the bytes are ``event_row``'s
    (``tests/unit/evidence/test_fixed_shape.py`` compares them over awkward values).
    """

    __slots__ = ("tag", "actor", "at", "_head", "_tail", "_copy_fixed")

    def __init__(self, tag: EventTag, actor: str, at: datetime) -> None:
        if type(actor) is not str:
            raise TypeError("an event's actor is a string")
        self.tag, self.actor, self.at = tag, actor, at
        self._head = (f'{{"actor":{canonical_string(actor)},'
                      f'"at":{canonical_string(format_instant(at))},"data":')
        self._tail = f',"tag":{canonical_string(str(tag))}}}'
        # the COPY text of the columns after seq: tag, actor, occurred_at
        self._copy_fixed = f"{_copy_text(str(tag))}\t{_copy_text(actor)}\t{at.isoformat()}"

    def document(self, subject: str, seq: int, prev_hash: str | None, data_json: str) -> str:
        """The canonical document of one event; ``data_json``: its data's canonical JSON,
        checked by the caller (no float, string keys)."""
        return "".join((self._head, data_json,
                        ',"prev":', "null" if prev_hash is None else canonical_string(prev_hash),
                        ',"seq":', int.__repr__(seq), ',"subject":', canonical_string(subject),
                        self._tail))


def append_encoded_events(session: Session, events: Sequence[tuple[str, EventForm, str]],
                          *, last: dict[str, tuple[int, str | None]] | None = None,
                          with_ids: bool = False) -> list[int]:
    """``append_events`` for events given as ``(subject, form, data_json)``, for a writer
    that needs no ``NewEvent``, row dict or general encoder per event (the
    deemed-notification job, a centre's bulk steps: tens of thousands of events of one
    shape). The same chaining, and on PostgreSQL the same ``COPY``.

    ``with_ids``: the events' ids are taken beforehand (``_new_ids``) and returned, in
    order, for a caller that links rows to them; otherwise they are left to the column's
    default (the sequence), one query fewer, and ``[]`` is returned.

    ``last``: the last ``(seq, hash)`` of every subject (``(0, None)`` for one without
    events), when the caller has read them in this transaction (with the rows it locked);
    read here otherwise. A stale one fails the chain's unique ``(subject, seq)``, as a
    concurrent append does: a ``ChainConflict``."""
    if not events:
        return []
    if last is None:
        last = _read_last_events(session, [subject for subject, _, _ in events])
    else:
        last = dict(last)  # chained as it goes; the caller's stays as it was
    ids = _new_ids(session, len(events)) if with_ids else []
    postgres = session.get_bind().dialect.name == "postgresql"
    columns = ("id", *EVENT_COLUMNS) if with_ids else EVENT_COLUMNS
    lines: list[str] = []
    rows: list[tuple[Any, ...]] = []
    stored_at: dict[datetime, Any] = {}  # each form's instant as SQLite's driver takes it
    sha256 = hashlib.sha256
    for n, (subject, form, data_json) in enumerate(events):
        seq, prev_hash = last[subject] if subject in last else (0, None)
        seq += 1
        document = form.document(subject, seq, prev_hash, data_json)
        hash_ = sha256(document.encode("utf-8")).hexdigest()
        last[subject] = (seq, hash_)
        if postgres:
            line = (f"{_copy_text(subject)}\t{seq}\t{form._copy_fixed}\t"
                    f"{_copy_text(document)}\t{_COPY_NULL if prev_hash is None else prev_hash}"
                    f"\t{hash_}\n")
            lines.append(f"{ids[n]}\t{line}" if with_ids else line)
            continue
        if form.at not in stored_at:
            stored_at[form.at] = bind_value(session, Event.__table__.c.occurred_at, form.at)
        row = (subject, seq, str(form.tag), form.actor, stored_at[form.at], document,
               prev_hash, hash_)
        rows.append((ids[n], *row) if with_ids else row)
    if postgres:
        _copy_events(session, columns, "".join(lines))
    else:
        insert_tuples(session, Event.__table__, columns, rows)
    return ids


def append_first_events(
    session: Session,
    *,
    subjects_data: Sequence[tuple[str, Mapping[str, Any]]],
    tag: EventTag,
    actor: str,
    at: datetime,
) -> list[int]:
    """Bulk-append the first event of each new subject; returns their ids, in order.

    For a deposit of thousands: a new subject has no previous event to read, so its
    first event is built without a query and all are inserted in one statement. Should
    a subject already have events, the unique (subject, seq) constraint fails the whole
    transaction rather than forking its chain.
    """
    instant = format_instant(at)
    rows = [event_row(subject=subject, seq=1, prev_hash=None, tag=tag, actor=actor, at=at,
                      data=data, instant=instant) for subject, data in subjects_data]
    if not rows:
        return []
    ids = _new_ids(session, len(rows))
    for row, id_ in zip(rows, ids, strict=True):
        row["id"] = id_
    insert_event_rows(session, rows)
    return ids


def _new_ids(session: Session, count: int) -> list[int]:
    """``count`` ids for new events, taken before inserting them (so that the insert
    needs no ``RETURNING``, which SQLite can only give one row at a time in order).

    PostgreSQL: the id sequence's next values. SQLite: the ids after the largest, as
    SQLite itself would give them; the write lock is held (``BEGIN IMMEDIATE``), and a
    writer that took one meanwhile would make the insert fail on the primary key, never
    write elsewhere."""
    if session.get_bind().dialect.name == "postgresql":
        return list(session.scalars(
            text("SELECT nextval(pg_get_serial_sequence('events', 'id')) "
                 "FROM generate_series(1, :n)"), {"n": count}))
    last = session.scalar(select(func.coalesce(func.max(Event.id), 0)))
    return list(range(last + 1, last + 1 + count))


def events_of(session: Session, subject: str) -> list[Event]:
    return list(
        session.scalars(select(Event).where(Event.subject == subject).order_by(Event.seq))
    )
