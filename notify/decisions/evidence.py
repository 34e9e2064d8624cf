"""The ``deposited`` events of a bulk deposit, appended in one statement.

``notify.evidence.log.record_event`` reads the subject's last event and flushes once
per event: two round trips per decision, the main cost of a deposit of thousands.
A deposited decision's subject is new (its reference was just checked unused, and
``decisions.reference`` is unique), so its first event has ``seq`` 1 and no previous
hash, and can be built without reading anything. The document is exactly the one
``record_event`` would build (a test compares them byte for byte); should a subject
already have events, the unique (subject, seq) constraint fails the whole deposit
rather than forking its chain.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from notify.evidence.log import canonical_json, event_hash, format_instant
from notify.evidence.models import Event, EventTag


def record_first_events(
    session: Session,
    *,
    subjects_data: Sequence[tuple[str, Mapping[str, Any]]],
    tag: EventTag,
    actor: str,
    at: datetime,
) -> list[int]:
    """Append the first event of each (subject, data); returns their ids, in order."""
    if not subjects_data:
        return []
    instant = format_instant(at)
    rows = []
    for subject, data in subjects_data:
        body = canonical_json({"subject": subject, "seq": 1, "tag": str(tag), "actor": actor,
                               "at": instant, "data": dict(data), "prev": None})
        rows.append({"subject": subject, "seq": 1, "tag": str(tag), "actor": actor,
                     "occurred_at": at, "document": body.decode("utf-8"), "prev_hash": None,
                     "hash": event_hash(body)})
    return list(session.scalars(
        insert(Event).returning(Event.id, sort_by_parameter_order=True), rows))
