from datetime import date, datetime, timedelta

import pytest

from notify.legal.territories import TERRITORIES, Territory, get_territory


def test_territory_codes_in_order():
    assert TERRITORIES == (
        "metropole",
        "alsace-moselle",
        "guadeloupe",
        "martinique",
        "guyane",
        "reunion",
        "mayotte",
        "saint-pierre-et-miquelon",
        "saint-barthelemy",
        "saint-martin",
    )


def test_get_territory_returns_the_member_and_is_idempotent():
    assert get_territory("reunion") is Territory.REUNION
    assert get_territory(Territory.REUNION) is Territory.REUNION
    assert get_territory("reunion").code == "reunion"


@pytest.mark.parametrize("code", ["corse", "", "Metropole", "nouvelle-caledonie"])
def test_unknown_territory_is_named_in_the_error(code):
    with pytest.raises(ValueError, match=f"unknown territory '{code}'"):
        get_territory(code)


@pytest.mark.parametrize(
    ("code", "tz_name", "overseas"),
    [
        ("metropole", "Europe/Paris", False),
        ("alsace-moselle", "Europe/Paris", False),
        ("guadeloupe", "America/Guadeloupe", True),
        ("martinique", "America/Martinique", True),
        ("guyane", "America/Cayenne", True),
        ("reunion", "Indian/Reunion", True),
        ("mayotte", "Indian/Mayotte", True),
        ("saint-pierre-et-miquelon", "America/Miquelon", True),
        ("saint-barthelemy", "America/St_Barthelemy", True),
        ("saint-martin", "America/Marigot", True),
    ],
)
def test_time_zone_and_overseas(code, tz_name, overseas):
    territory = get_territory(code)
    assert territory.tz_name == tz_name
    assert territory.zone.key == tz_name
    assert territory.overseas is overseas


@pytest.mark.parametrize(
    ("code", "winter_hours", "summer_hours"),
    [
        ("metropole", 1, 2),
        ("alsace-moselle", 1, 2),
        ("guadeloupe", -4, -4),
        ("martinique", -4, -4),
        ("guyane", -3, -3),
        ("reunion", 4, 4),
        ("mayotte", 3, 3),
        ("saint-pierre-et-miquelon", -3, -2),
        ("saint-barthelemy", -4, -4),
        ("saint-martin", -4, -4),
    ],
)
def test_utc_offsets_in_january_and_july(code, winter_hours, summer_hours):
    zone = get_territory(code).zone
    assert datetime(2026, 1, 15, 12, tzinfo=zone).utcoffset() == timedelta(hours=winter_hours)
    assert datetime(2026, 7, 15, 12, tzinfo=zone).utcoffset() == timedelta(hours=summer_hours)


@pytest.mark.parametrize(
    ("code", "day", "holiday"),
    [
        pytest.param("metropole", date(2026, 5, 1), True, id="metropole-1-may"),
        pytest.param("metropole", date(2026, 7, 14), True, id="metropole-14-july"),
        pytest.param("metropole", date(2026, 11, 11), True, id="metropole-11-november"),
        pytest.param("metropole", date(2026, 12, 25), True, id="metropole-christmas"),
        pytest.param("metropole", date(2026, 4, 6), True, id="metropole-easter-monday"),
        pytest.param("metropole", date(2026, 4, 3), False, id="metropole-good-friday"),
        pytest.param("metropole", date(2026, 12, 26), False, id="metropole-26-december"),
        pytest.param("alsace-moselle", date(2026, 4, 3), True, id="alsace-good-friday"),
        pytest.param("alsace-moselle", date(2026, 12, 26), True, id="alsace-26-december"),
        pytest.param("alsace-moselle", date(2027, 3, 26), True, id="alsace-good-friday-2027"),
        pytest.param("guadeloupe", date(2026, 5, 27), True, id="guadeloupe-abolition"),
        pytest.param("martinique", date(2026, 5, 22), True, id="martinique-abolition"),
        pytest.param("martinique", date(2026, 7, 21), True, id="martinique-schoelcher"),
        pytest.param("guyane", date(2026, 6, 10), True, id="guyane-abolition"),
        pytest.param("reunion", date(2026, 12, 20), True, id="reunion-abolition"),
        pytest.param("mayotte", date(2026, 4, 27), True, id="mayotte-abolition"),
        pytest.param("saint-barthelemy", date(2026, 10, 9), True, id="saint-barthelemy-abolition"),
        pytest.param("saint-martin", date(2026, 5, 28), True, id="saint-martin-abolition"),
        pytest.param("saint-pierre-et-miquelon", date(2026, 7, 14), True, id="spm-14-july"),
        pytest.param("metropole", date(2026, 5, 27), False, id="metropole-27-may"),
        pytest.param("reunion", date(2026, 5, 27), False, id="reunion-27-may"),
        pytest.param("guadeloupe", date(2026, 12, 20), False, id="guadeloupe-20-december"),
    ],
)
def test_public_holidays(code, day, holiday):
    assert get_territory(code).is_public_holiday(day) is holiday


def test_public_holidays_mapping_is_read_only():
    holidays = Territory.METROPOLE.public_holidays(2026)
    assert date(2026, 7, 14) in holidays
    with pytest.raises(TypeError):
        holidays[date(2026, 7, 15)] = "not a holiday"  # type: ignore[index]


@pytest.mark.parametrize(
    ("code", "day", "expected"),
    [
        pytest.param("metropole", date(2026, 5, 4), date(2026, 5, 4), id="monday-stays"),
        pytest.param("metropole", date(2026, 5, 1), date(2026, 5, 4), id="friday-1-may"),
        pytest.param("metropole", date(2026, 5, 2), date(2026, 5, 4), id="saturday"),
        pytest.param("metropole", date(2026, 5, 3), date(2026, 5, 4), id="sunday"),
        pytest.param("metropole", date(2025, 12, 26), date(2025, 12, 26), id="metro-26-dec"),
        pytest.param("alsace-moselle", date(2025, 12, 26), date(2025, 12, 29), id="alsace-26-dec"),
        pytest.param("alsace-moselle", date(2026, 4, 3), date(2026, 4, 7), id="alsace-easter"),
    ],
)
def test_working_day_on_or_after(code, day, expected):
    assert get_territory(code).working_day_on_or_after(day) == expected
