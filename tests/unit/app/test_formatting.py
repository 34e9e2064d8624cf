"""Times shown to a holder say in which zone they are read."""

from datetime import UTC, date, datetime

import pytest

from notify.legal.territories import TERRITORIES
from notify.web.formatting import ZONE_NAMES, datetime_zone_fr, day_end_zone_fr, zone_name


def test_every_territory_has_its_zone_named():
    assert set(ZONE_NAMES) == set(TERRITORIES)


@pytest.mark.parametrize(("territory", "shown"), [
    ("metropole", "3 décembre 2026 à 14:02:11 (heure de Paris)"),
    ("reunion", "3 décembre 2026 à 17:02:11 (heure de La Réunion)"),
    ("guadeloupe", "3 décembre 2026 à 09:02:11 (heure de la Guadeloupe)"),
])
def test_datetime_zone_fr_converts_and_names_the_zone(territory, shown):
    assert datetime_zone_fr(datetime(2026, 12, 3, 13, 2, 11, tzinfo=UTC), territory) == shown


def test_day_end_is_midnight_of_the_last_day_in_the_holders_zone():
    assert day_end_zone_fr(date(2026, 12, 1), "mayotte") == (
        "1er décembre 2026 à 24:00 (heure de Mayotte)")
    assert zone_name("alsace-moselle") == "heure de Paris"
