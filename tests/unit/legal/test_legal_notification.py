"""Notification date (R. 223-3-1 III). Every expected value is worked out by hand:
the comment on each case gives the local date d of the making available, the last
day d + 15 and the end of the delay (00:00 local of d + 16) with its UTC offset.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notify.legal.deadlines import (
    NotificationBasis,
    deemed_notification_at,
    deemed_notification_on,
    notification,
    notification_as_of,
)
from notify.legal.policies import (
    DEFAULT_NOTIFICATION_POLICY,
    FIFTEEN_DAYS_END_OF_DAY,
    FIFTEEN_DAYS_NEXT_WORKING_DAY,
)
from notify.legal.territories import TERRITORIES, get_territory


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


DEEMED_CASES = [
    # d = 11 Mar (00:30 CET); last day 26 Mar; ends 27 Mar 00:00 CET (+1).
    pytest.param(
        "metropole",
        utc(2026, 3, 10, 23, 30),
        date(2026, 3, 26),
        utc(2026, 3, 26, 23),
        id="paris-late-evening-utc-is-next-day",
    ),
    # d = 10 Mar (23:59:59 CET); last day 25 Mar; ends 26 Mar 00:00 CET.
    pytest.param(
        "metropole",
        utc(2026, 3, 10, 22, 59, 59),
        date(2026, 3, 25),
        utc(2026, 3, 25, 23),
        id="paris-one-second-before-midnight",
    ),
    # d = 11 Mar (00:00:00 CET exactly).
    pytest.param(
        "metropole",
        utc(2026, 3, 10, 23),
        date(2026, 3, 26),
        utc(2026, 3, 26, 23),
        id="paris-exactly-midnight",
    ),
    # d = 20 Mar (CET); last day 4 Apr; ends 5 Apr 00:00 CEST (+2): spring change 29 Mar.
    pytest.param(
        "metropole",
        utc(2026, 3, 20, 10),
        date(2026, 4, 4),
        utc(2026, 4, 4, 22),
        id="paris-across-spring-dst",
    ),
    # d = 20 Oct (CEST); last day 4 Nov; ends 5 Nov 00:00 CET (+1): autumn change 25 Oct.
    pytest.param(
        "metropole",
        utc(2026, 10, 20, 8),
        date(2026, 11, 4),
        utc(2026, 11, 4, 23),
        id="paris-across-autumn-dst",
    ),
    # d = 13 Mar; last day Sat 28 Mar; ends 29 Mar 00:00, still CET (change at 02:00).
    pytest.param(
        "metropole",
        utc(2026, 3, 13, 10),
        date(2026, 3, 28),
        utc(2026, 3, 28, 23),
        id="paris-ends-on-dst-sunday-midnight",
    ),
    # d = 31 Jan; last day 15 Feb; ends 16 Feb 00:00 CET.
    pytest.param(
        "metropole",
        utc(2026, 1, 31, 12),
        date(2026, 2, 15),
        utc(2026, 2, 15, 23),
        id="paris-month-end",
    ),
    # d = 14 Feb 2028; last day 29 Feb 2028 (leap year); ends 1 Mar 00:00 CET.
    pytest.param(
        "metropole",
        utc(2028, 2, 14, 12),
        date(2028, 2, 29),
        utc(2028, 2, 29, 23),
        id="paris-ends-on-29-february",
    ),
    # d = 29 Feb 2028; last day 15 Mar; ends 16 Mar 00:00 CET.
    pytest.param(
        "metropole",
        utc(2028, 2, 29, 10),
        date(2028, 3, 15),
        utc(2028, 3, 15, 23),
        id="paris-starts-on-29-february",
    ),
    # d = 14 Feb 2027 (not leap); last day 1 Mar; ends 2 Mar 00:00 CET.
    pytest.param(
        "metropole",
        utc(2027, 2, 14, 12),
        date(2027, 3, 1),
        utc(2027, 3, 1, 23),
        id="paris-february-not-leap",
    ),
    # d = 20 Dec; last day 4 Jan 2027; ends 5 Jan 00:00 CET.
    pytest.param(
        "metropole",
        utc(2026, 12, 20, 9),
        date(2027, 1, 4),
        utc(2027, 1, 4, 23),
        id="paris-across-new-year",
    ),
    # d = 1 Jul (23:59 CEST); last day 16 Jul; ends 17 Jul 00:00 CEST.
    pytest.param(
        "alsace-moselle",
        utc(2026, 7, 1, 21, 59),
        date(2026, 7, 16),
        utc(2026, 7, 16, 22),
        id="alsace-summer",
    ),
    # Réunion UTC+4, no DST. d = 11 Mar (00:30); ends 27 Mar 00:00 +4.
    pytest.param(
        "reunion",
        utc(2026, 3, 10, 20, 30),
        date(2026, 3, 26),
        utc(2026, 3, 26, 20),
        id="reunion-after-local-midnight",
    ),
    # d = 10 Mar (23:59 +4); ends 26 Mar 00:00 +4.
    pytest.param(
        "reunion",
        utc(2026, 3, 10, 19, 59),
        date(2026, 3, 25),
        utc(2026, 3, 25, 20),
        id="reunion-before-local-midnight",
    ),
    # Mayotte UTC+3. d = 11 Mar (00:00); ends 27 Mar 00:00 +3.
    pytest.param(
        "mayotte", utc(2026, 3, 10, 21), date(2026, 3, 26), utc(2026, 3, 26, 21), id="mayotte"
    ),
    # Guadeloupe UTC-4: 03:30Z on 11 Mar is 23:30 on 10 Mar; ends 26 Mar 00:00 -4.
    pytest.param(
        "guadeloupe",
        utc(2026, 3, 11, 3, 30),
        date(2026, 3, 25),
        utc(2026, 3, 26, 4),
        id="guadeloupe-utc-date-ahead",
    ),
    # Martinique UTC-4: 04:00Z on 11 Mar is 00:00 on 11 Mar; ends 27 Mar 00:00 -4.
    pytest.param(
        "martinique",
        utc(2026, 3, 11, 4),
        date(2026, 3, 26),
        utc(2026, 3, 27, 4),
        id="martinique-local-midnight",
    ),
    # Guyane UTC-3: 02:59Z on 11 Mar is 23:59 on 10 Mar; ends 26 Mar 00:00 -3.
    pytest.param(
        "guyane", utc(2026, 3, 11, 2, 59), date(2026, 3, 25), utc(2026, 3, 26, 3), id="guyane"
    ),
    # Saint-Barthélemy UTC-4: 08:00 on 1 Jun; last day 16 Jun; ends 17 Jun 00:00 -4.
    pytest.param(
        "saint-barthelemy",
        utc(2026, 6, 1, 12),
        date(2026, 6, 16),
        utc(2026, 6, 17, 4),
        id="saint-barthelemy",
    ),
    # Saint-Martin UTC-4: 03:00Z on 1 Jun is 23:00 on 31 May; ends 16 Jun 00:00 -4.
    pytest.param(
        "saint-martin",
        utc(2026, 6, 1, 3),
        date(2026, 6, 15),
        utc(2026, 6, 16, 4),
        id="saint-martin",
    ),
    # Miquelon -3 then -2 from 8 Mar 2026. d = 1 Mar; ends 17 Mar 00:00 -2.
    pytest.param(
        "saint-pierre-et-miquelon",
        utc(2026, 3, 1, 12),
        date(2026, 3, 16),
        utc(2026, 3, 17, 2),
        id="miquelon-across-spring-dst",
    ),
    # Miquelon -2 then -3 from 1 Nov 2026. d = 25 Oct; ends 10 Nov 00:00 -3.
    pytest.param(
        "saint-pierre-et-miquelon",
        utc(2026, 10, 25, 12),
        date(2026, 11, 9),
        utc(2026, 11, 10, 3),
        id="miquelon-across-autumn-dst",
    ),
]


@pytest.mark.parametrize(("territory", "made_available_at", "last_day", "ends_at"), DEEMED_CASES)
def test_deemed_notification(territory, made_available_at, last_day, ends_at):
    assert deemed_notification_at(made_available_at, territory) == ends_at
    assert deemed_notification_on(made_available_at, territory) == last_day
    result = notification(made_available_at, None, territory)
    assert result.basis == "deemed"
    assert result.at == ends_at
    assert result.on == last_day
    assert result.delay_ends_at == ends_at


def test_default_territory_is_metropole():
    assert deemed_notification_at(utc(2026, 3, 10, 23, 30)) == utc(2026, 3, 26, 23)


def test_result_is_utc_whatever_the_input_zone():
    made_available_at = datetime(2026, 3, 11, 0, 30, tzinfo=ZoneInfo("Europe/Paris"))
    result = deemed_notification_at(made_available_at, "reunion")
    # 11 Mar 00:30 Paris = 10 Mar 23:30Z = 11 Mar 03:30 Réunion; ends 27 Mar 00:00 +4.
    assert result == utc(2026, 3, 26, 20)
    assert result.utcoffset() == timedelta(0)


def test_naive_making_available_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        deemed_notification_at(datetime(2026, 3, 10, 12))


def test_unknown_territory_is_refused():
    with pytest.raises(ValueError, match="'corse'"):
        deemed_notification_at(utc(2026, 3, 10, 12), "corse")


MADE_AVAILABLE = utc(2026, 3, 10, 23, 30)  # d = 11 Mar; ends 2026-03-26T23:00Z


@pytest.mark.parametrize(
    ("territory", "made_available_at", "first_consulted_at", "basis", "at", "on"),
    [
        pytest.param(
            "metropole",
            MADE_AVAILABLE,
            utc(2026, 3, 26, 22, 59, 59, 999999),
            "consultation",
            utc(2026, 3, 26, 22, 59, 59, 999999),
            date(2026, 3, 26),
            id="consulted-1-microsecond-before-the-end",
        ),
        pytest.param(
            "metropole",
            MADE_AVAILABLE,
            utc(2026, 3, 26, 23),
            "deemed",
            utc(2026, 3, 26, 23),
            date(2026, 3, 26),
            id="consulted-exactly-at-the-end",
        ),
        pytest.param(
            "metropole",
            MADE_AVAILABLE,
            utc(2026, 4, 1, 10),
            "deemed",
            utc(2026, 3, 26, 23),
            date(2026, 3, 26),
            id="consulted-after-the-end",
        ),
        pytest.param(
            "metropole",
            MADE_AVAILABLE,
            MADE_AVAILABLE,
            "consultation",
            MADE_AVAILABLE,
            date(2026, 3, 11),
            id="consulted-at-the-making-available",
        ),
        # 23:30Z on 12 Mar is 00:30 on 13 Mar in Paris.
        pytest.param(
            "metropole",
            utc(2026, 3, 10, 9),
            utc(2026, 3, 12, 23, 30),
            "consultation",
            utc(2026, 3, 12, 23, 30),
            date(2026, 3, 13),
            id="consulted-late-evening-utc",
        ),
        # 21:00Z on 11 Mar is 01:00 on 12 Mar in Réunion.
        pytest.param(
            "reunion",
            utc(2026, 3, 10, 6),
            utc(2026, 3, 11, 21),
            "consultation",
            utc(2026, 3, 11, 21),
            date(2026, 3, 12),
            id="reunion-consultation-local-date",
        ),
        # 02:00Z on 12 Mar is 22:00 on 11 Mar in Guadeloupe.
        pytest.param(
            "guadeloupe",
            utc(2026, 3, 10, 14),
            utc(2026, 3, 12, 2),
            "consultation",
            utc(2026, 3, 12, 2),
            date(2026, 3, 11),
            id="guadeloupe-consultation-local-date",
        ),
    ],
)
def test_notification(territory, made_available_at, first_consulted_at, basis, at, on):
    result = notification(made_available_at, first_consulted_at, territory)
    assert result.basis == basis
    assert result.at == at
    assert result.on == on


def test_notification_records_policy_and_normalises_to_utc():
    consulted = datetime(2026, 3, 12, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
    result = notification(MADE_AVAILABLE, consulted)
    assert result.basis is NotificationBasis.CONSULTATION
    assert result.at == utc(2026, 3, 12, 9)
    assert result.at.tzinfo is UTC
    assert result.policy is FIFTEEN_DAYS_END_OF_DAY
    assert result.policy_ref == "fifteen_days_end_of_day/1"
    assert str(result.policy) == "fifteen_days_end_of_day/1"
    assert result.territory == "metropole"


def test_consultation_before_making_available_is_an_error():
    with pytest.raises(ValueError, match="precedes the making available"):
        notification(MADE_AVAILABLE, MADE_AVAILABLE - timedelta(microseconds=1))


def test_naive_consultation_is_refused():
    with pytest.raises(ValueError, match="first_consulted_at must be timezone-aware"):
        notification(MADE_AVAILABLE, datetime(2026, 3, 12, 10))


@pytest.mark.parametrize(
    ("now", "first_consulted_at", "expected_at"),
    [
        pytest.param(utc(2026, 3, 26, 22, 59), None, None, id="before-end-no-consultation"),
        pytest.param(utc(2026, 3, 26, 23), None, utc(2026, 3, 26, 23), id="at-the-end"),
        pytest.param(utc(2026, 3, 20), utc(2026, 3, 15), utc(2026, 3, 15), id="consulted"),
    ],
)
def test_notification_as_of(now, first_consulted_at, expected_at):
    result = notification_as_of(MADE_AVAILABLE, first_consulted_at, now)
    assert (result.at if result else None) == expected_at


def test_notification_as_of_refuses_a_consultation_in_the_future():
    with pytest.raises(ValueError, match="is after now"):
        notification_as_of(MADE_AVAILABLE, utc(2026, 3, 15), utc(2026, 3, 14))


EXTENSION_CASES = [
    # d = 13 Mar; last day Sat 28 Mar -> Mon 30 Mar; ends 31 Mar 00:00 CEST.
    pytest.param(
        "metropole",
        utc(2026, 3, 13, 10),
        date(2026, 3, 30),
        utc(2026, 3, 30, 22),
        id="saturday-to-monday",
    ),
    # d = 29 Jun; last day Tue 14 Jul -> Wed 15 Jul; ends 16 Jul 00:00 CEST.
    pytest.param(
        "metropole", utc(2026, 6, 29, 8), date(2026, 7, 15), utc(2026, 7, 15, 22), id="14-july"
    ),
    # d = 11 Dec 2025; last day Fri 26 Dec: a working day in metropolitan France.
    pytest.param(
        "metropole",
        utc(2025, 12, 11, 10),
        date(2025, 12, 26),
        utc(2025, 12, 26, 23),
        id="metropole-26-december-unchanged",
    ),
    # ... but a holiday in Alsace-Moselle: -> Mon 29 Dec; ends 30 Dec 00:00 CET.
    pytest.param(
        "alsace-moselle",
        utc(2025, 12, 11, 10),
        date(2025, 12, 29),
        utc(2025, 12, 29, 23),
        id="alsace-26-december",
    ),
    # d = 12 May; last day Wed 27 May, abolition in Guadeloupe -> Thu 28 May; ends 29 May -4.
    pytest.param(
        "guadeloupe",
        utc(2026, 5, 12, 14),
        date(2026, 5, 28),
        utc(2026, 5, 29, 4),
        id="guadeloupe-27-may",
    ),
    # d = 10 Mar; last day Wed 25 Mar, a working day.
    pytest.param(
        "metropole",
        utc(2026, 3, 10, 10),
        date(2026, 3, 25),
        utc(2026, 3, 25, 23),
        id="working-day-unchanged",
    ),
]


@pytest.mark.parametrize(("territory", "made_available_at", "last_day", "ends_at"), EXTENSION_CASES)
def test_next_working_day_policy(territory, made_available_at, last_day, ends_at):
    policy = FIFTEEN_DAYS_NEXT_WORKING_DAY
    assert deemed_notification_at(made_available_at, territory, policy=policy) == ends_at
    result = notification(made_available_at, None, territory, policy=policy)
    assert (result.on, result.at, result.policy_ref) == (
        last_day,
        ends_at,
        "fifteen_days_next_working_day/1",
    )


def test_extension_is_off_by_default():
    assert DEFAULT_NOTIFICATION_POLICY is FIFTEEN_DAYS_END_OF_DAY
    # d = 13 Mar; last day Sat 28 Mar is kept; ends 29 Mar 00:00 CET.
    assert deemed_notification_at(utc(2026, 3, 13, 10)) == utc(2026, 3, 28, 23)


instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
)
territories = st.sampled_from(TERRITORIES)


@given(made_available_at=instants, territory=territories)
def test_deemed_end_is_local_midnight_after_the_last_day(made_available_at, territory):
    zone = get_territory(territory).zone
    end = deemed_notification_at(made_available_at, territory)
    local_end = end.astimezone(zone)
    assert local_end.time() == time(0, 0)
    assert local_end.date() == deemed_notification_on(made_available_at, territory) + timedelta(1)
    assert local_end.date() == made_available_at.astimezone(zone).date() + timedelta(16)


@given(made_available_at=instants, territory=territories)
def test_deemed_end_is_between_15_and_16_days_later(made_available_at, territory):
    # 16 days minus the local time of day, give or take a one-hour DST change.
    end = deemed_notification_at(made_available_at, territory)
    assert made_available_at + timedelta(days=15, hours=-1) < end
    assert end <= made_available_at + timedelta(days=16, hours=1)


@given(
    made_available_at=instants,
    territory=territories,
    consulted_after=st.none() | st.timedeltas(min_value=timedelta(0), max_value=timedelta(30)),
)
def test_notification_never_after_the_end(made_available_at, territory, consulted_after):
    consulted = None if consulted_after is None else made_available_at + consulted_after
    end = deemed_notification_at(made_available_at, territory)
    result = notification(made_available_at, consulted, territory)
    assert made_available_at <= result.at <= end
    assert result.basis == (
        "consultation" if consulted is not None and consulted < end else "deemed"
    )


@given(made_available_at=instants, territory=territories)
def test_extended_end_is_later_and_after_a_working_day(made_available_at, territory):
    policy = FIFTEEN_DAYS_NEXT_WORKING_DAY
    last_day = deemed_notification_on(made_available_at, territory, policy)
    assert get_territory(territory).is_working_day(last_day)
    assert deemed_notification_at(made_available_at, territory, policy) >= (
        deemed_notification_at(made_available_at, territory)
    )
