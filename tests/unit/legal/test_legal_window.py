from datetime import UTC, date, datetime

from notify.legal.window import POINTS_LICENCE_IN_FORCE_ON, latest_legal_date


def test_the_points_licence_came_into_force_on_1_july_1992():
    assert POINTS_LICENCE_IN_FORCE_ON == date(1992, 7, 1)


def test_latest_date_is_that_of_the_territory_furthest_ahead():
    # 21:30 UTC: still 20 November in Paris (22:30) and the Antilles, already the 21st
    # in La Réunion and Mayotte (UTC+4, UTC+3).
    assert latest_legal_date(datetime(2026, 11, 20, 21, 30, tzinfo=UTC)) == date(2026, 11, 21)
    assert latest_legal_date(datetime(2026, 11, 20, 19, 30, tzinfo=UTC)) == date(2026, 11, 20)
