"""The fixed-shape writer of event documents (``EventForm``) against the general one.

The deemed-notification job writes its documents by ``EventForm.document``; every
stored hash is over these bytes, so they must be those of ``event_row`` (the general
canonical encoder) for any value, however awkward.
"""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notify.evidence.log import EventForm, canonical_json, event_row
from notify.evidence.models import EventTag

AWKWARD = [
    "", "décision:D-1", "Œuvre à l'étude — « guillemets »", 'quote " and \\ backslash',
    "tab\tnewline\ncarriage\rreturn", "\x00\x01\x1f\x7f\x80\x9f", "\u2028\u2029",
    "\ufeffBOM", "\\u00e9 already escaped", "emoji 🚗🇫🇷", "\U0010ffff", "/slash/",
    "<script>&amp;</script>", "ünïcödé ÅÇ", "\ud7ff\ue000",
]

INSTANTS = [
    datetime(2026, 11, 30, 2, 30, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 0, 0, 1, tzinfo=ZoneInfo("Europe/Paris")),
    datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=ZoneInfo("Indian/Reunion")),
    datetime(2026, 6, 1, 12, 0, tzinfo=ZoneInfo("Pacific/Chatham")),  # +12:45
    datetime(2026, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=-9, minutes=-30))),
    datetime(999, 1, 1, tzinfo=UTC),  # format_instant's other spelling
    datetime(1, 1, 1, 5, tzinfo=timezone(timedelta(hours=-4))),
]

DATA = [
    {},
    {"a": None, "b": True, "c": False, "d": 0, "e": -1},
    {"big": 2**80, "negative": -(2**70), "list": [1, "é", None, [True, {"x": "y"}]]},
    {s: s for s in AWKWARD},
    {"notification": {"basis": "deemed", "at": "2026-12-06T00:00:00.000000Z",
                      "territory": "reunion", "appeal_policy": "cja/1"}},
]


def general(subject, seq, prev_hash, tag, actor, at, data):
    return event_row(subject=subject, seq=seq, prev_hash=prev_hash, tag=tag, actor=actor,
                     at=at, data=data)["document"]


def fast(subject, seq, prev_hash, tag, actor, at, data):
    return EventForm(tag, actor, at).document(subject, seq, prev_hash,
                                              canonical_json(data).decode("utf-8"))


@pytest.mark.parametrize("text", AWKWARD)
@pytest.mark.parametrize("at", INSTANTS)
def test_awkward_strings_and_time_zones(text, at):
    for seq, prev_hash in ((1, None), (2, "0" * 64), (10**30, text)):
        arguments = (text, seq, prev_hash, EventTag.DEEMED_NOTIFIED, text, at, {"v": text})
        assert fast(*arguments) == general(*arguments)


@pytest.mark.parametrize("data", DATA)
@pytest.mark.parametrize("tag", list(EventTag))
def test_every_tag_and_nested_data(tag, data):
    arguments = ("decision:D-1", 3, "a" * 64, tag, "system", INSTANTS[0], data)
    assert fast(*arguments) == general(*arguments)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=12)


@given(subject=st.text(), seq=st.integers(min_value=1), prev_hash=st.none() | st.text(),
       tag=st.sampled_from(list(EventTag)), actor=st.text(),
       at=st.datetimes(timezones=st.timezones()),
       data=st.dictionaries(st.text(), json_values, max_size=5))
def test_any_value(subject, seq, prev_hash, tag, actor, at, data):
    arguments = (subject, seq, prev_hash, tag, actor, at, data)
    assert fast(*arguments) == general(*arguments)


def test_the_writer_refuses_what_the_general_one_refuses():
    with pytest.raises(ValueError):
        EventForm(EventTag.DEEMED_NOTIFIED, "system", datetime(2026, 1, 1))  # naive
    with pytest.raises(TypeError):
        EventForm(EventTag.DEEMED_NOTIFIED, None, INSTANTS[0])
