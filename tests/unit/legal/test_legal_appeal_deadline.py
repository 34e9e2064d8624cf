"""Appeal deadline (CJA R. 421-1, R. 421-7), délai franc.

Each comment gives the échéance (same day number, or last day of the month), the
day after it (the day of expiry does not count) and the weekday / holiday shifts.
"""

import calendar
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notify.legal.deadlines import Residence, appeal_deadline
from notify.legal.policies import TWO_MONTHS_NOT_FRANC
from notify.legal.territories import TERRITORIES, get_territory

CASES = [
    # Échéance Wed 3 Feb 2027; filing still possible Thu 4 Feb.
    pytest.param(
        "metropole", "france", date(2026, 12, 3), date(2027, 2, 4), id="worked-example-3-december"
    ),
    # No 31 February: échéance Sun 28 Feb 2027; day after Mon 1 Mar.
    pytest.param(
        "metropole", "france", date(2026, 12, 31), date(2027, 3, 1), id="month-end-31-december"
    ),
    # 29 Feb 2027 does not exist: échéance 28 Feb; Mon 1 Mar.
    pytest.param(
        "metropole",
        "france",
        date(2026, 12, 29),
        date(2027, 3, 1),
        id="month-end-29-december-common-year",
    ),
    # Leap year: échéance Tue 29 Feb 2028; Wed 1 Mar.
    pytest.param(
        "metropole", "france", date(2027, 12, 31), date(2028, 3, 1), id="month-end-leap-year"
    ),
    # Échéance Sat 29 Apr 2028; Sun 30 Apr -> Mon 1 May (holiday) -> Tue 2 May.
    pytest.param(
        "metropole",
        "france",
        date(2028, 2, 29),
        date(2028, 5, 2),
        id="from-29-february-sunday-then-1-may",
    ),
    # Échéance Fri 13 Mar 2026; Sat 14 Mar -> Mon 16 Mar.
    pytest.param(
        "metropole", "france", date(2026, 1, 13), date(2026, 3, 16), id="lands-on-saturday"
    ),
    # Échéance Sat 2 May 2026; Sun 3 May -> Mon 4 May.
    pytest.param("metropole", "france", date(2026, 3, 2), date(2026, 5, 4), id="lands-on-sunday"),
    # Échéance Mon 30 Apr 2029 (3 months, overseas); Tue 1 May holiday -> Wed 2 May.
    pytest.param("metropole", "overseas", date(2029, 1, 30), date(2029, 5, 2), id="lands-on-1-may"),
    # Échéance Mon 13 Jul 2026; Tue 14 Jul holiday -> Wed 15 Jul.
    pytest.param(
        "metropole", "france", date(2026, 5, 13), date(2026, 7, 15), id="lands-on-14-july"
    ),
    # Échéance Tue 10 Nov 2026; Wed 11 Nov holiday -> Thu 12 Nov.
    pytest.param(
        "metropole", "france", date(2026, 9, 10), date(2026, 11, 12), id="lands-on-11-november"
    ),
    # Échéance Sat 31 Oct 2026; Sun 1 Nov (also a holiday) -> Mon 2 Nov.
    pytest.param(
        "metropole", "france", date(2026, 8, 31), date(2026, 11, 2), id="lands-on-all-saints-sunday"
    ),
    # Échéance Thu 24 Dec 2026; Fri 25 Dec holiday, Sat, Sun -> Mon 28 Dec.
    pytest.param(
        "metropole", "france", date(2026, 10, 24), date(2026, 12, 28), id="lands-on-25-december"
    ),
    # Échéance Thu 25 Dec 2025; Fri 26 Dec is a working day in metropolitan France...
    pytest.param(
        "metropole", "france", date(2025, 10, 25), date(2025, 12, 26), id="26-december-metropole"
    ),
    # ... but a holiday in Alsace-Moselle: Sat, Sun -> Mon 29 Dec.
    pytest.param(
        "alsace-moselle",
        "france",
        date(2025, 10, 25),
        date(2025, 12, 29),
        id="26-december-alsace-moselle",
    ),
    # Échéance Thu 2 Apr 2026; Fri 3 Apr is a working day in metropolitan France...
    pytest.param(
        "metropole", "france", date(2026, 2, 2), date(2026, 4, 3), id="good-friday-metropole"
    ),
    # ... Good Friday in Alsace-Moselle; Sat, Sun, Easter Monday -> Tue 7 Apr.
    pytest.param(
        "alsace-moselle",
        "france",
        date(2026, 2, 2),
        date(2026, 4, 7),
        id="good-friday-alsace-moselle",
    ),
    # Échéance Tue 26 May 2026; Wed 27 May: abolition day in Guadeloupe -> Thu 28 May.
    pytest.param(
        "guadeloupe", "france", date(2026, 3, 26), date(2026, 5, 28), id="27-may-guadeloupe"
    ),
    pytest.param(
        "metropole", "france", date(2026, 3, 26), date(2026, 5, 27), id="27-may-metropole"
    ),
    # Échéance Thu 21 May 2026; Fri 22 May (Martinique), Sat, Sun, Pentecost Mon -> Tue 26.
    pytest.param(
        "martinique", "france", date(2026, 3, 21), date(2026, 5, 26), id="22-may-martinique"
    ),
    # Échéance Tue 9 Jun 2026; Wed 10 Jun (Guyane) -> Thu 11 Jun.
    pytest.param("guyane", "france", date(2026, 4, 9), date(2026, 6, 11), id="10-june-guyane"),
    # Échéance Sun 19 Dec 2027; Mon 20 Dec (Réunion) -> Tue 21 Dec.
    pytest.param(
        "reunion", "france", date(2027, 10, 19), date(2027, 12, 21), id="20-december-reunion"
    ),
    pytest.param(
        "metropole", "france", date(2027, 10, 19), date(2027, 12, 20), id="20-december-metropole"
    ),
    # Échéance Sun 26 Apr 2026; Mon 27 Apr (Mayotte) -> Tue 28 Apr.
    pytest.param("mayotte", "france", date(2026, 2, 26), date(2026, 4, 28), id="27-april-mayotte"),
    # Échéance Thu 8 Oct 2026; Fri 9 Oct (Saint-Barthélemy), Sat, Sun -> Mon 12 Oct.
    pytest.param(
        "saint-barthelemy",
        "france",
        date(2026, 8, 8),
        date(2026, 10, 12),
        id="9-october-saint-barthelemy",
    ),
    # Échéance Wed 27 May 2026; Thu 28 May (Saint-Martin) -> Fri 29 May.
    pytest.param(
        "saint-martin", "france", date(2026, 3, 27), date(2026, 5, 29), id="28-may-saint-martin"
    ),
    # Three months: échéance Wed 3 Mar 2027; Thu 4 Mar.
    pytest.param(
        "metropole", "overseas", date(2026, 12, 3), date(2027, 3, 4), id="residing-overseas"
    ),
    # Four months: échéance Sat 3 Apr 2027; Sun 4 Apr -> Mon 5 Apr.
    pytest.param("metropole", "abroad", date(2026, 12, 3), date(2027, 4, 5), id="residing-abroad"),
    # Three months counted in one step: échéance Wed 31 Mar 2027 (not 28 Mar); Thu 1 Apr.
    pytest.param(
        "metropole",
        "overseas",
        date(2026, 12, 31),
        date(2027, 4, 1),
        id="overseas-month-end-one-step",
    ),
    # Four months: échéance Thu 30 Apr 2026; Fri 1 May holiday, Sat, Sun -> Mon 4 May.
    pytest.param("reunion", "abroad", date(2025, 12, 30), date(2026, 5, 4), id="abroad-1-may"),
]


@pytest.mark.parametrize(("territory", "residence", "notified_on", "expected"), CASES)
def test_appeal_deadline(territory, residence, notified_on, expected):
    assert appeal_deadline(notified_on, territory, residence) == expected


def test_defaults_are_metropole_and_france():
    assert appeal_deadline(date(2026, 12, 3)) == date(2027, 2, 4)
    assert appeal_deadline(date(2026, 12, 3), residence=Residence.FRANCE) == date(2027, 2, 4)


@pytest.mark.parametrize(
    ("notified_on", "expected"),
    [
        # Échéance Wed 3 Feb 2027 itself.
        pytest.param(date(2026, 12, 3), date(2027, 2, 3), id="same-day-number"),
        # Échéance Sun 28 Feb 2027 -> Mon 1 Mar.
        pytest.param(date(2026, 12, 31), date(2027, 3, 1), id="sunday-to-monday"),
    ],
)
def test_not_franc_policy(notified_on, expected):
    assert appeal_deadline(notified_on, policy=TWO_MONTHS_NOT_FRANC) == expected


@pytest.mark.parametrize("residence", ["France", "mars", "", "etranger"])
def test_unknown_residence(residence):
    with pytest.raises(ValueError, match="unknown residence"):
        appeal_deadline(date(2026, 12, 3), residence=residence)


def test_a_datetime_is_not_a_legal_date():
    with pytest.raises(TypeError, match="notified_on must be a date"):
        appeal_deadline(datetime(2026, 12, 3, 10))


def test_unknown_territory():
    with pytest.raises(ValueError, match="unknown territory 'corse'"):
        appeal_deadline(date(2026, 12, 3), "corse")


def same_day_number_months_later(day: date, months: int) -> date:
    """Test oracle, written independently of the code under test."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
territories = st.sampled_from(TERRITORIES)
residences = st.sampled_from(["france", "overseas", "abroad"])


@given(notified_on=days, territory=territories, residence=residences)
def test_deadline_is_a_working_day_after_the_echeance(notified_on, territory, residence):
    months = {"france": 2, "overseas": 3, "abroad": 4}[residence]
    deadline = appeal_deadline(notified_on, territory, residence)
    echeance = same_day_number_months_later(notified_on, months)
    assert get_territory(territory).is_working_day(deadline)
    assert echeance < deadline <= echeance + timedelta(days=7)
    assert deadline >= same_day_number_months_later(notified_on, 2) + timedelta(days=1)


@given(first=days, second=days, territory=territories, residence=residences)
def test_later_notification_never_gives_an_earlier_deadline(first, second, territory, residence):
    first, second = sorted((first, second))
    assert appeal_deadline(first, territory, residence) <= appeal_deadline(
        second, territory, residence
    )


@given(notified_on=days, territory=territories)
def test_distance_never_shortens_the_deadline(notified_on, territory):
    france = appeal_deadline(notified_on, territory, "france")
    overseas = appeal_deadline(notified_on, territory, "overseas")
    abroad = appeal_deadline(notified_on, territory, "abroad")
    assert france < overseas < abroad
