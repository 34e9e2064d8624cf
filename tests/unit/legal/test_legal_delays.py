from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notify.legal.delays import (
    CLOSURE_DELAY_DEFAULT,
    EVIDENCE_MIN_RETENTION,
    MAX_CLOSURE_DELAY,
    RETENTION_PERIOD_DEFAULT,
    Period,
    add_months,
    closure_effective_at,
    decision_retained_until,
    evidence_retained_until,
    parse_period,
    validate_closure_delay,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P1M", Period(months=1)),
        ("P6Y", Period(years=6)),
        ("P15D", Period(days=15)),
        ("P1Y2M", Period(years=1, months=2)),
        ("P1Y2M3D", Period(years=1, months=2, days=3)),
        ("P2M10D", Period(months=2, days=10)),
        ("P1Y10D", Period(years=1, days=10)),
        ("P0D", Period()),
        ("P12M", Period(months=12)),
    ],
)
def test_parse_period(text, expected):
    assert parse_period(text) == expected
    assert str(expected) == text


@pytest.mark.parametrize(
    "text", ["", "P", "1M", "P1W", "PT1H", "P1DT2H", "P-1M", "P1M1Y", "p1m", "P1.5M", "P 1M"]
)
def test_parse_period_refuses(text):
    with pytest.raises(ValueError, match="invalid duration"):
        parse_period(text)


def test_parse_period_refuses_non_strings():
    with pytest.raises(ValueError, match="invalid duration"):
        parse_period(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs", [{"months": -1}, {"days": True}, {"years": 1.5}], ids=["negative", "bool", "float"]
)
def test_period_fields_are_non_negative_integers(kwargs):
    with pytest.raises(ValueError, match="non-negative integer"):
        Period(**kwargs)


@pytest.mark.parametrize(
    ("start", "period", "expected"),
    [
        pytest.param(date(2026, 1, 31), "P1M", date(2026, 2, 28), id="31-jan-common-year"),
        pytest.param(date(2028, 1, 31), "P1M", date(2028, 2, 29), id="31-jan-leap-year"),
        pytest.param(date(2026, 3, 31), "P1M", date(2026, 4, 30), id="31-mar"),
        pytest.param(date(2026, 12, 31), "P2M", date(2027, 2, 28), id="across-year-end"),
        pytest.param(date(2026, 11, 30), "P3M", date(2027, 2, 28), id="30-nov-3-months"),
        pytest.param(date(2028, 2, 29), "P1Y", date(2029, 2, 28), id="29-feb-plus-1-year"),
        pytest.param(date(2028, 2, 29), "P4Y", date(2032, 2, 29), id="29-feb-plus-4-years"),
        pytest.param(date(2026, 1, 31), "P1M1D", date(2026, 3, 1), id="months-then-days"),
        pytest.param(date(2026, 12, 15), "P1Y1M", date(2028, 1, 15), id="year-and-month"),
        pytest.param(date(2026, 5, 10), "P0D", date(2026, 5, 10), id="zero"),
        pytest.param(date(2026, 2, 20), "P15D", date(2026, 3, 7), id="days-only"),
    ],
)
def test_add_to_date(start, period, expected):
    assert parse_period(period).add_to(start) == expected


def test_add_to_datetime_keeps_the_wall_time():
    assert Period(months=1).add_to(datetime(2026, 1, 31, 14, 32)) == datetime(2026, 2, 28, 14, 32)


def test_add_months_backwards():
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)


@pytest.mark.parametrize(
    ("requested_at", "delay", "territory", "expected"),
    [
        # 14:32 CET on 15 Jan -> 14:32 CET on 15 Feb.
        pytest.param(
            utc(2026, 1, 15, 13, 32),
            "P1M",
            "metropole",
            utc(2026, 2, 15, 13, 32),
            id="default-one-month",
        ),
        # 10:00 CET on 15 Mar -> 10:00 CEST on 15 Apr = 08:00Z.
        pytest.param(
            utc(2026, 3, 15, 9), "P1M", "metropole", utc(2026, 4, 15, 8), id="across-spring-dst"
        ),
        # 10:00 CEST on 15 Oct -> 10:00 CET on 15 Nov = 09:00Z.
        pytest.param(
            utc(2026, 10, 15, 8), "P1M", "metropole", utc(2026, 11, 15, 9), id="across-autumn-dst"
        ),
        # 11:00 CET on 31 Jan -> 11:00 CET on 28 Feb.
        pytest.param(
            utc(2026, 1, 31, 10), "P1M", "metropole", utc(2026, 2, 28, 10), id="month-end"
        ),
        # 23:30Z on 30 Jan is 00:30 on 31 Jan in Paris -> 00:30 CET on 28 Feb = 23:30Z 27 Feb.
        pytest.param(
            utc(2026, 1, 30, 23, 30),
            "P1M",
            "metropole",
            utc(2026, 2, 27, 23, 30),
            id="local-date-differs-from-utc",
        ),
        # 10:00 in Réunion (+4) on 15 Jan -> 10:00 on 15 Apr.
        pytest.param(
            utc(2026, 1, 15, 6), "P3M", "reunion", utc(2026, 4, 15, 6), id="reunion-three-months"
        ),
        # 09:00 in Miquelon (-3) on 20 Feb -> 09:00 (-2) on 20 Mar = 11:00Z.
        pytest.param(
            utc(2026, 2, 20, 12),
            "P1M",
            "saint-pierre-et-miquelon",
            utc(2026, 3, 20, 11),
            id="miquelon-across-dst",
        ),
        # 02:30 CET on 1 Mar + 28 days = 02:30 on 29 Mar, skipped: 03:30 CEST = 01:30Z.
        pytest.param(
            utc(2026, 3, 1, 1, 30),
            "P28D",
            "metropole",
            utc(2026, 3, 29, 1, 30),
            id="lands-in-the-spring-gap",
        ),
    ],
)
def test_closure_effective_at(requested_at, delay, territory, expected):
    assert closure_effective_at(requested_at, parse_period(delay), territory) == expected


def test_closure_defaults():
    assert CLOSURE_DELAY_DEFAULT == Period(months=1)
    assert MAX_CLOSURE_DELAY == Period(months=3)
    assert closure_effective_at(utc(2026, 1, 15, 13, 32)) == utc(2026, 2, 15, 13, 32)
    assert closure_effective_at(utc(2026, 1, 15, 13, 32), "P2M") == utc(2026, 3, 15, 13, 32)


def test_closure_refuses_naive_and_too_long():
    with pytest.raises(ValueError, match="timezone-aware"):
        closure_effective_at(datetime(2026, 1, 15, 13, 32))
    with pytest.raises(ValueError, match="exceeds the maximum of P3M"):
        closure_effective_at(utc(2026, 1, 15), Period(months=4))


@pytest.mark.parametrize(
    "period",
    ["P0D", "P1M", "P3M", "P89D", "P2M28D", "P1M15D"],
)
def test_closure_delay_accepted(period):
    assert validate_closure_delay(period) == parse_period(period)


@pytest.mark.parametrize(
    "period",
    [
        "P3M1D",
        "P4M",
        "P1Y",
        # From 28 Feb 2026: +90 days = 29 May, +3 months = 28 May.
        "P90D",
        # From 1 Dec 2026: 1 Feb + 29 days = 2 Mar 2027, +3 months = 1 Mar.
        "P2M29D",
    ],
)
def test_closure_delay_refused(period):
    with pytest.raises(ValueError, match=f"closure delay {period} exceeds the maximum of P3M"):
        validate_closure_delay(period)


def test_retention_defaults():
    assert RETENTION_PERIOD_DEFAULT == Period(years=6)
    assert EVIDENCE_MIN_RETENTION == Period(years=1)


@pytest.mark.parametrize(
    ("made_available_at", "expected"),
    [
        # 00:30 CET on 11 Mar 2026 -> 00:30 CET on 11 Mar 2032.
        pytest.param(utc(2026, 3, 10, 23, 30), utc(2032, 3, 10, 23, 30), id="local-date"),
        # 13:00 CET on 29 Feb 2028 -> 13:00 CET on 28 Feb 2034.
        pytest.param(utc(2028, 2, 29, 12), utc(2034, 2, 28, 12), id="29-february"),
    ],
)
def test_decision_retained_until(made_available_at, expected):
    assert decision_retained_until(made_available_at) == expected


@pytest.mark.parametrize(
    ("recorded_at", "decision_until", "expected"),
    [
        pytest.param(
            utc(2026, 3, 10, 10),
            utc(2032, 3, 10, 23, 30),
            utc(2032, 3, 10, 23, 30),
            id="as-long-as-the-decision",
        ),
        # Short retention: 11:00 CET on 10 Mar 2026 + 1 year = 11:00 CET on 10 Mar 2027.
        pytest.param(
            utc(2026, 3, 10, 10), utc(2026, 6, 1), utc(2027, 3, 10, 10), id="at-least-one-year"
        ),
    ],
)
def test_evidence_retained_until(recorded_at, decision_until, expected):
    assert evidence_retained_until(recorded_at, decision_until) == expected


@given(
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    months=st.integers(min_value=0, max_value=48),
)
def test_add_months_keeps_the_day_number_or_clamps_to_month_end(start, months):
    result = Period(months=months).add_to(start)
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == months
    if result.day != start.day:
        assert result.day < start.day
        assert (result + timedelta(days=1)).day == 1


@given(
    recorded_at=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
    ),
    decision_days=st.integers(min_value=0, max_value=5000),
)
def test_evidence_outlives_the_decision_and_one_year(recorded_at, decision_days):
    decision_until = recorded_at + timedelta(days=decision_days)
    until = evidence_retained_until(recorded_at, decision_until)
    assert until >= decision_until
    assert until >= recorded_at + timedelta(days=365, hours=-1)
