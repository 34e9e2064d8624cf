"""Staff search of decisions (``/agents/decisions?…``) and its CSV export.

Results come newest first: by decision date, or by making available when a range of
making-available dates is asked, the decision's id breaking ties. Pages follow one
another by keyset (``after`` = the last row's sort value and id), so page 1000 costs what
page 1 costs; every filter has an index that gives its rows in that order (migration
0019), and a name is searched by a prefix of the holder's ``surname_key``.

Every page of results shown, and every export, is a read of the holders' files it lists:
it is recorded (``record_access``) in the same transaction as it is read.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from notify.accounts.models import Holder
from notify.auth.models import StaffMember
from notify.backoffice.access import AccessAction, Accessed, holder_file, record_access
from notify.decisions.models import Decision, DecisionState
from notify.legal.routing import Channel
from notify.legal.territories import DEFAULT_TERRITORY, get_territory
from notify.validation import name_key

PAGE_SIZE = 50
EXPORT_CAP = 10_000
"""The most rows one CSV export holds; past it the member narrows his criteria."""
NAME_PREFIX_MIN = 2
NAME_HOLDERS_MAX = 2_000
"""Up to this many holders bearing the name searched, their decisions are read by holder."""


class DateField(enum.StrEnum):
    DECIDED = "decision"  # the decision's date
    MADE_AVAILABLE = "mise_a_disposition"  # the making available (R. 223-3-1 III)


DATE_FIELD_LABELS = {DateField.DECIDED: "date de la décision",
                     DateField.MADE_AVAILABLE: "date de mise à disposition"}
CHANNEL_LABELS = {Channel.ONLINE: "en ligne", Channel.POSTAL_SIMPLE: "lettre simple",
                  Channel.POSTAL_REGISTERED: "lettre recommandée"}
STATE_LABELS = {DecisionState.PENDING_CERTIFICATION: "en attente de certification",
                DecisionState.AVAILABLE: "disponible, pas encore notifiée",
                DecisionState.NOTIFIED: "notifiée",
                DecisionState.AWAITING_PRINT: "en attente d'impression",
                DecisionState.EXPORTED: "remise à l'imprimeur"}


@dataclass(frozen=True)
class Criteria:
    """What the member asked for; empty fields are None. ``surname`` is a prefix."""

    reference: str | None = None
    licence_number: str | None = None
    surname: str | None = None
    date_field: DateField = DateField.DECIDED
    date_from: date | None = None
    date_to: date | None = None
    channel: str | None = None
    state: str | None = None

    @property
    def empty(self) -> bool:
        return not any((self.reference, self.licence_number, self.surname, self.date_from,
                        self.date_to, self.channel, self.state))

    @property
    def by_making_available(self) -> bool:
        return self.date_field == DateField.MADE_AVAILABLE and bool(self.date_from
                                                                     or self.date_to)

    def details(self) -> dict[str, str]:
        """The criteria as the access log keeps them (only those given)."""
        given = {name: value for name, value in asdict(self).items()
                 if value is not None and name != "date_field"}
        if self.date_from or self.date_to:
            given["date_field"] = self.date_field
        return {name: str(value) for name, value in given.items()}


@dataclass(frozen=True)
class Found:
    reference: str
    decided_on: date
    kind: str
    channel: str
    state: str
    made_available_at: datetime | None
    notified_at: datetime | None
    holder_id: int
    licence_number: str
    surname: str
    given_names: str


@dataclass(frozen=True)
class Page:
    rows: list[Found]
    next_after: str | None  # the cursor of the next page, None on the last one


def day_start(day: date) -> datetime:
    """Midnight of ``day`` in metropolitan legal time, as a UTC instant: making-available
    dates are searched as the staff reads them (Paris time)."""
    return datetime.combine(day, time(), get_territory(DEFAULT_TERRITORY).zone).astimezone(UTC)


def _statement(session: Session, criteria: Criteria):
    sort = Decision.made_available_at if criteria.by_making_available else Decision.decided_on
    query = (select(Decision.reference, Decision.decided_on, Decision.kind, Decision.channel,
                    Decision.state, Decision.made_available_at, Decision.notified_at,
                    Holder.id.label("holder_id"), Holder.licence_number, Holder.surname,
                    Holder.given_names, sort.label("sort_value"), Decision.id)
             .join(Holder, Holder.id == Decision.holder_id))
    if criteria.reference:
        query = query.where(Decision.reference == criteria.reference)
    if criteria.licence_number:
        query = query.where(Holder.licence_number == criteria.licence_number)
    if criteria.surname:
        # A name few holders bear: their ids first (the surname index), then their
        # decisions (the holder index), so that the planner never walks the decisions by
        # date hoping to meet them. A common name: one statement, the decisions by date
        # meet its holders soon.
        named = Holder.surname_key.like(name_key(criteria.surname) + "%")
        ids = session.scalars(select(Holder.id).where(named)
                              .limit(NAME_HOLDERS_MAX + 1)).all()
        query = query.where(Decision.holder_id.in_(ids) if len(ids) <= NAME_HOLDERS_MAX
                            else named)
    if criteria.by_making_available:
        if criteria.date_from:
            query = query.where(Decision.made_available_at >= day_start(criteria.date_from))
        if criteria.date_to:
            query = query.where(Decision.made_available_at
                                < day_start(criteria.date_to + timedelta(days=1)))
    else:
        if criteria.date_from:
            query = query.where(Decision.decided_on >= criteria.date_from)
        if criteria.date_to:
            query = query.where(Decision.decided_on <= criteria.date_to)
    if criteria.channel:
        query = query.where(Decision.channel == criteria.channel)
    if criteria.state:
        query = query.where(Decision.state == criteria.state)
    return query.order_by(sort.desc(), Decision.id.desc()), sort


def _cursor(row) -> str:
    return f"{row.sort_value.isoformat()}~{row.id}"


def _parse_cursor(after: str | None, criteria: Criteria) -> tuple[Any, int] | None:
    """The (sort value, id) of a cursor; None for the first page or a cursor that does
    not parse (the first page is shown then)."""
    if not after:
        return None
    value, _, row_id = after.partition("~")
    try:
        parsed = (datetime.fromisoformat(value) if criteria.by_making_available
                  else date.fromisoformat(value))
        return parsed, int(row_id)
    except ValueError:
        return None


def _found(row) -> Found:
    return Found(*row[:11])


def find(session: Session, criteria: Criteria, *, after: str | None = None,
         limit: int | None = None) -> Page:
    """One page of decisions matching ``criteria``, after the cursor ``after``
    (``limit`` rows, ``PAGE_SIZE`` by default)."""
    limit = limit or PAGE_SIZE
    query, sort = _statement(session, criteria)
    position = _parse_cursor(after, criteria)
    if position is not None:
        query = query.where(tuple_(sort, Decision.id) < tuple_(*position))
    rows = session.execute(query.limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return Page([_found(row) for row in rows], _cursor(rows[-1]) if more else None)


def _read(rows: Sequence[Found]) -> list[Accessed]:
    return [Accessed(holder_file(row.holder_id), row.reference) for row in rows]


def search(session: Session, member: StaffMember, criteria: Criteria, *, now: datetime,
           after: str | None = None) -> Page:
    """A page of results, recorded as read by ``member`` (flushes)."""
    page = find(session, criteria, after=after)
    record_access(session, member, AccessAction.SEARCH, now=now, read=_read(page.rows),
                  details=criteria.details())
    return page


@dataclass(frozen=True)
class Export:
    rows: list[Found]
    truncated: bool  # more than EXPORT_CAP decisions matched


def export(session: Session, member: StaffMember, criteria: Criteria, *,
           now: datetime) -> Export:
    """Every match up to ``EXPORT_CAP``, recorded as exported by ``member`` (flushes)
    before a byte of it is sent."""
    page = find(session, criteria, limit=EXPORT_CAP)
    record_access(session, member, AccessAction.EXPORT, now=now, read=_read(page.rows),
                  details={**criteria.details(), "rows": str(len(page.rows))})
    return Export(page.rows, truncated=page.next_after is not None)


CSV_HEADER = ("reference", "date_decision", "nature", "canal", "etat", "mise_a_disposition",
              "notification", "numero_permis", "nom", "prenoms")


def _cell(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula (OWASP "CSV injection")."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_row(row: Found) -> tuple[str, ...]:
    return tuple(_cell(value) for value in _csv_values(row))


def _csv_values(row: Found) -> tuple[str, ...]:
    return (row.reference, row.decided_on.isoformat(), row.kind, row.channel, row.state,
            row.made_available_at.isoformat() if row.made_available_at else "",
            row.notified_at.isoformat() if row.notified_at else "",
            row.licence_number, row.surname, row.given_names)
