"""The deemed-notification job's own writer of its events' data (``DeemedData``)
against the general canonical encoder over ``deemed_event_data``."""

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notify.decisions.notification import (
    DeemedData,
    appeal_deadline_for,
    deemed_event_data,
    notification_record,
)
from notify.evidence.log import canonical_json, format_instant
from notify.legal.deadlines import notification

AWKWARD = ["", "métropole", 'say "hi"', "back\\slash", "\x00\x1f\x7f", "\u2028",
           "🚗", "\\u00e9", "La Réunion\n"]


def general(made_available_at, record):
    return canonical_json({"made_available_at": format_instant(made_available_at),
                           "consulted_before_end": False,
                           "notification": record}).decode("utf-8")


@pytest.mark.parametrize("territory", ["metropole", "reunion", "guadeloupe", "mayotte"])
@pytest.mark.parametrize("made_available_at", [
    datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
    datetime(2026, 3, 28, 23, 30, tzinfo=UTC),  # the night of the change to summer time
    datetime(2026, 10, 24, 22, 59, 59, 999999, tzinfo=ZoneInfo("Europe/Paris")),
    datetime(2026, 12, 31, 20, 0, 0, 1, tzinfo=ZoneInfo("Indian/Reunion")),
])
def test_real_notifications(territory, made_available_at):
    notice = notification(made_available_at, None, territory)
    deadline = appeal_deadline_for(notice.on, territory)
    data = DeemedData(notification_record(notice, deadline))
    assert data.json(made_available_at) == canonical_json(
        deemed_event_data(made_available_at, notice, deadline)).decode("utf-8")


@pytest.mark.parametrize("text", AWKWARD)
def test_awkward_records(text):
    record = {text: text, "at": text, "big": 2**70, "nested": {"z": [text, None, True]},
              "on": date(2026, 1, 1).isoformat()}
    at = datetime(2026, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=5, minutes=45)))
    assert DeemedData(record).json(at) == general(at, record)


def test_a_record_with_a_float_is_refused():
    with pytest.raises(TypeError):
        DeemedData({"at": 1.5})


@given(at=st.datetimes(timezones=st.timezones()),
       record=st.dictionaries(st.text(), st.none() | st.booleans() | st.integers()
                              | st.text(), max_size=6))
def test_any_record_and_instant(at, record):
    assert DeemedData(record).json(at) == general(at, record)
