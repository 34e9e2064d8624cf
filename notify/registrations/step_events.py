"""The evidence events of files' steps, written in bulk with a fixed-shape writer.

A step's event is ``event_row``'s (``notify.evidence.log``) byte for byte: subject
``registration:<number>``, tag ``registration_transition``, the actor's label, the
instant, ``data`` ``{"event", "from", "reason", "service", "to"}``. Its canonical JSON
(RFC 8785 for these values: sorted keys, no white space, UTF-8) is written here without
the general encoder's walk of a dictionary per event: the keys are known and sorted in
advance, every string goes through the encoder's own escaping (``encode_basestring``, the
function ``json`` uses with ``ensure_ascii=False``), the integer is its decimal spelling.
``tests/unit/registrations/test_step_events.py`` compares the bytes with ``event_row``'s
over awkward values (accents, quotes, backslashes, control characters, non-BMP text).

The chaining is ``append_events``'s: each event after its subject's last one, several
events of one subject in a call chained to each other, ids drawn before the insert.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from json.encoder import encode_basestring
from typing import Any

from sqlalchemy.orm import Session

from notify.db import bind_value, insert_tuples
from notify.evidence.log import (
    SUBJECTS_PER_READ,
    _last_events,
    _new_ids,
    format_instant,
    insert_event_rows,
)
from notify.evidence.models import Event as EvidenceEvent
from notify.evidence.models import EventTag
from notify.registrations.states import Transition

TAG = EventTag.REGISTRATION_TRANSITION
_COLUMNS = ("id", "subject", "seq", "tag", "actor", "occurred_at", "document", "prev_hash",
            "hash")


def _string(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def data_json(step: Transition) -> str:
    """The canonical JSON of a step's ``data``, keys in sorted order."""
    service = step.information_service
    return "".join((
        '{"event":', _string(step.event.value), ',"from":', _string(step.from_state.value),
        ',"reason":', _string(step.reason),
        ',"service":', _string(service.value if service is not None else None),
        ',"to":', _string(step.to_state.value), "}"))


def step_data(step: Transition) -> dict[str, Any]:
    """The same ``data`` as a dictionary (the general encoder's input)."""
    return {"event": step.event.value, "from": step.from_state.value, "to": step.to_state.value,
            "reason": step.reason,
            "service": (step.information_service.value
                        if step.information_service is not None else None)}


class DocumentForm:
    """What the events of one call share (actor, instant, tag), their parts of the
    canonical document spelt once: ``{"actor", "at", "data", "prev", "seq", "subject",
    "tag"}``, keys in sorted order."""

    __slots__ = ("head", "tail")

    def __init__(self, actor: str, at: datetime) -> None:
        self.head = (f'{{"actor":{encode_basestring(actor)},'
                     f'"at":{encode_basestring(format_instant(at))},"data":')
        self.tail = f',"tag":{encode_basestring(str(TAG))}}}'

    def document(self, subject: str, seq: int, prev_hash: str | None, data: str) -> str:
        """One event's canonical document; ``data``: ``data_json`` of its step."""
        return "".join((self.head, data, ',"prev":', _string(prev_hash), ',"seq":', str(seq),
                        ',"subject":', encode_basestring(subject), self.tail))


def append_step_events(session: Session, events: Sequence[tuple[str, str]], *, actor: str,
                       at: datetime) -> list[int]:
    """Chain and insert the events ``(subject, data_json)`` of one actor at one instant,
    in order; their ids, in order."""
    if not events:
        return []
    subjects = list(dict.fromkeys(subject for subject, _ in events))
    last: dict[str, tuple[int, str | None]] = {}
    for start in range(0, len(subjects), SUBJECTS_PER_READ):
        for subject, seq, hash_ in session.execute(
                _last_events(session, subjects[start:start + SUBJECTS_PER_READ])):
            last[subject] = (seq, hash_)
    ids = _new_ids(session, len(events))
    tag = str(TAG)
    form = DocumentForm(actor, at)
    sha256 = hashlib.sha256
    postgres = session.get_bind().dialect.name == "postgresql"
    stored_at = at if postgres else bind_value(session, EvidenceEvent.__table__.c.occurred_at, at)
    rows: list[Any] = []
    for id_, (subject, data) in zip(ids, events, strict=True):
        seq, prev_hash = last.get(subject, (0, None))
        seq += 1
        document = form.document(subject, seq, prev_hash, data)
        hash_ = sha256(document.encode("utf-8")).hexdigest()
        last[subject] = (seq, hash_)
        rows.append((id_, subject, seq, tag, actor, stored_at, document, prev_hash, hash_))
    if postgres:  # its COPY, with a violated chain answered as a ChainConflict
        insert_event_rows(session, [dict(zip(_COLUMNS, row, strict=True)) for row in rows])
    else:
        insert_tuples(session, EvidenceEvent.__table__, _COLUMNS, rows)
    return ids
