"""Forecast of restorations (L. 223-6, L. 223-1, R. 223-1)."""

from __future__ import annotations

from datetime import date

import pytest

from notify.legal.points import DecisionKind, OffenceClass
from notify.legal.restoration import RecordedDecision, forecast_restorations

W, R = DecisionKind.WITHDRAWAL, DecisionKind.RESTORATION
TODAY = date(2026, 11, 29)


def withdrawal(on, points, balance, cls=OffenceClass.C4, offence=None, probationary=False):
    return RecordedDecision(W, on, points, balance, probationary, offence, cls)


def test_no_record_no_forecast():
    assert forecast_restorations([], TODAY) == []


def test_two_years_after_a_third_class_contravention():
    record = [withdrawal(date(2026, 3, 31), 3, 9, OffenceClass.C3)]
    [full, ten] = forecast_restorations(record, TODAY)
    assert (full.on, full.points, full.condition_until) == (date(2028, 3, 31), None,
                                                            date(2028, 3, 31))
    assert "1er alinéa" in full.rule
    assert "12 points" in full.summary
    # Each point of a 1st–4th class contravention comes back after ten years, whatever
    # happens meanwhile.
    assert (ten.on, ten.points, ten.condition_until) == (date(2036, 3, 31), 3, None)
    assert "5e alinéa" in ten.rule


@pytest.mark.parametrize("cls", [OffenceClass.C4, OffenceClass.C5, OffenceClass.DELIT])
def test_three_years_when_the_chain_holds_a_serious_offence(cls):
    record = [withdrawal(date(2025, 1, 10), 4, 8, cls),
              withdrawal(date(2026, 2, 28), 2, 6, OffenceClass.C3)]
    full = forecast_restorations(record, TODAY)[0]
    assert full.on == date(2029, 2, 28)  # from the last withdrawal, three years
    assert "2e alinéa" in full.rule


def test_an_old_serious_offence_before_a_full_balance_does_not_count():
    record = [withdrawal(date(2020, 1, 10), 4, 8, OffenceClass.DELIT),
              RecordedDecision(R, date(2023, 1, 10), 4, 12),
              withdrawal(date(2026, 2, 28), 2, 10, OffenceClass.C3)]
    forecasts = forecast_restorations(record, TODAY)
    assert forecasts[0].on == date(2028, 2, 28)
    # The délit's points already came back: no ten-year forecast for them.
    assert [f.points for f in forecasts if f.condition_until is None] == [2]


def test_single_point_after_six_months():
    record = [withdrawal(date(2026, 8, 31), 1, 11, OffenceClass.C4)]
    single, full, ten = forecast_restorations(record, TODAY)
    assert (single.on, single.points) == (date(2027, 2, 28), 1)  # month-end clamping
    assert "3e alinéa" in single.rule and single.condition_until == date(2027, 2, 28)
    assert full.on == date(2029, 8, 31)
    assert ten.on == date(2036, 8, 31)


def test_no_ten_year_rule_for_fifth_class_or_delit():
    record = [withdrawal(date(2026, 1, 5), 6, 6, OffenceClass.DELIT)]
    assert [f.condition_until is None for f in forecast_restorations(record, TODAY)] == [False]


def test_zero_balance_invalidates_the_licence_nothing_comes_back():
    record = [withdrawal(date(2026, 1, 5), 6, 6), withdrawal(date(2026, 10, 5), 6, 0)]
    assert forecast_restorations(record, TODAY) == []


def test_full_balance_nothing_to_forecast():
    record = [withdrawal(date(2023, 1, 5), 2, 10), RecordedDecision(R, date(2025, 1, 5), 2, 12)]
    assert forecast_restorations(record, TODAY) == []


def test_past_dates_are_not_forecast():
    record = [withdrawal(date(2020, 1, 5), 1, 11, OffenceClass.C3)]
    forecasts = forecast_restorations(record, TODAY)
    assert [f.on for f in forecasts] == [date(2030, 1, 5)]


def test_order_of_the_record_does_not_matter():
    record = [withdrawal(date(2026, 2, 28), 2, 6, OffenceClass.C3),
              withdrawal(date(2025, 1, 10), 4, 8, OffenceClass.C5)]
    assert forecast_restorations(record, TODAY) == forecast_restorations(record[::-1], TODAY)


def test_probationary_licence_yearly_gains_at_each_anniversary_without_offence():
    issued = date(2025, 6, 15)
    record = [withdrawal(date(2025, 9, 1), 1, 5, OffenceClass.C3, offence=date(2025, 7, 20),
                         probationary=True)]
    forecasts = forecast_restorations(record, TODAY, licence_issued_on=issued)
    gains = [(f.on, f.points) for f in forecasts if "R. 223-1" in f.rule]
    # First year: an offence on 20 July 2025, no gain on 15 June 2026 (past anyway);
    # then +2 at each anniversary still to come.
    assert gains == [(date(2027, 6, 15), 2), (date(2028, 6, 15), 2)]
    full = next(f for f in forecasts if f.points is None)
    assert "permis probatoire" in full.summary


def test_probationary_gains_after_early_accompanied_driving_are_three_for_two_years():
    issued = date(2026, 6, 1)
    record = [RecordedDecision(R, date(2026, 6, 1), 0, 6, True)]
    forecasts = forecast_restorations(record, date(2026, 6, 2), licence_issued_on=issued,
                                      early_accompanied_driving=True)
    assert [(f.on, f.points) for f in forecasts] == [(date(2027, 6, 1), 3),
                                                      (date(2028, 6, 1), 3)]


def test_probationary_gains_stop_at_twelve():
    issued = date(2026, 1, 1)
    record = [RecordedDecision(R, date(2026, 1, 2), 1, 11, True)]
    forecasts = forecast_restorations(record, date(2026, 1, 3), licence_issued_on=issued)
    assert [(f.on, f.points) for f in forecasts] == [(date(2027, 1, 1), 1)]
    assert forecasts[0].summary == "1er anniversaire de votre permis probatoire : 1 point de plus."
