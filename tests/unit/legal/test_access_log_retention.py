"""The access log's retention cut-off: now minus the period, in metropolitan wall time."""

from __future__ import annotations

from datetime import datetime

import pytest

from notify.legal.delays import ACCESS_LOG_RETENTION_DEFAULT, Period, access_log_cutoff


@pytest.mark.parametrize(("now", "period", "cutoff"), [
    ("2027-06-15T10:00:00+00:00", "P1Y", "2026-06-15T10:00:00+00:00"),  # summer to summer
    ("2027-01-15T10:00:00+00:00", "P6M", "2026-07-15T09:00:00+00:00"),  # CET back to CEST
    ("2027-03-31T10:00:00+00:00", "P1M", "2027-02-28T11:00:00+00:00"),  # month end, CEST→CET
    ("2027-01-15T10:00:00+00:00", "P10D", "2027-01-05T10:00:00+00:00"),
])
def test_the_cutoff_is_now_minus_the_period_in_paris_wall_time(now, period, cutoff):
    assert access_log_cutoff(datetime.fromisoformat(now), period) == \
        datetime.fromisoformat(cutoff)


def test_the_default_is_one_year_as_the_cnil_recommends_at_most():
    assert ACCESS_LOG_RETENTION_DEFAULT == Period(years=1)
    with pytest.raises(ValueError):
        access_log_cutoff(datetime(2027, 1, 1), "P1Y")  # naive: refused
