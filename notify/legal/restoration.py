"""When points are expected to come back: the forecast shown in the holder's record.

Legal basis: L. 223-6 of the Code de la route (1st paragraph: all points after two years
without a new offence giving rise to a withdrawal; 2nd: three years when one of those
offences is a délit or a 4th/5th class contravention; 3rd: the single point of a
one-point withdrawal after six months; 5th: each point of a 1st–4th class contravention
after ten years, whatever happens meanwhile) and L. 223-1 / R. 223-1 (a probationary
licence gains 2 points, 3 after early accompanied driving, at the end of each year
without such an offence, until it reaches twelve).

Where the text is silent or our data is short, the choices below (policy
``restoration_forecast/1``):

* The delays run from the day the offence's reality was established (payment of the
  fine, final conviction…), which the points register knows but does not send us. We
  count from the decision's date instead: the decision is taken after that day, so a
  forecast is never earlier than the legal date, at worst a few days later.
* A forecast is a prediction, not a decision: each says the condition it rests on
  ("if no new offence before…"), and only a restoration decision restores points.
* A licence at zero points is invalid (L. 223-5): nothing comes back, no forecast.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from notify.legal.delays import Period, add_months
from notify.legal.points import (
    MAX_POINTS,
    DecisionKind,
    OffenceClass,
    full_restoration_delay,
    probationary_ceiling,
    restoration_delay,
)
from notify.legal.points import RestorationBasis as Basis

FORECAST_POLICY = "restoration_forecast/1"

TEN_YEAR_CLASSES = frozenset({OffenceClass.C1, OffenceClass.C2, OffenceClass.C3,
                              OffenceClass.C4})
"""Contraventions whose points come back one by one after ten years (L. 223-6, 5th)."""

PROBATION_YEARS = 3
PROBATION_YEARS_AFTER_EARLY_DRIVING = 2


@dataclass(frozen=True)
class RecordedDecision:
    """One decision of the holder's record, whatever the channel that notified it."""

    kind: DecisionKind
    decided_on: date
    points: int
    balance_after: int
    probationary: bool = False
    offence_date: date | None = None
    offence_class: OffenceClass | None = None


@dataclass(frozen=True)
class Forecast:
    """A date on which points should come back, the rule, and its condition."""

    on: date
    points: int | None
    """Points that come back; ``None`` when the licence returns to its maximum."""
    rule: str
    """The legal basis, as shown to the holder (« art. L. 223-6, 1er alinéa »)."""
    summary: str
    """What happens, in plain French."""
    condition_until: date | None
    """The forecast holds if no offence giving rise to a withdrawal is committed before
    this date; ``None`` when it holds whatever happens."""


def forecast_restorations(
    record: Sequence[RecordedDecision],
    today: date,
    *,
    licence_issued_on: date | None = None,
    early_accompanied_driving: bool = False,
) -> list[Forecast]:
    """The restorations to come, earliest first, for a holder whose record is ``record``.

    ``today`` excludes what is already past: a forecast date that has passed without a
    restoration decision means the register has not yet recorded it, or the condition
    failed; neither is ours to guess. ``licence_issued_on`` is needed for the yearly
    gains of a probationary licence (anniversaries); without it they are not dated.
    """
    if not record:
        return []
    decisions = sorted(record, key=lambda d: d.decided_on)
    latest = decisions[-1]
    balance = latest.balance_after
    if balance == 0:
        return []
    withdrawals = [d for d in decisions if d.kind is DecisionKind.WITHDRAWAL]
    # The withdrawals since the balance was last at the maximum: their offences decide
    # between two and three years (L. 223-6, 2nd paragraph), and only their points can
    # still come back one by one.
    chain = _since_last_full_balance(decisions)
    forecasts: list[Forecast] = []
    if chain:
        forecasts += _after_last_withdrawal(chain, latest)
        forecasts += _ten_year_points(chain)
    if latest.probationary and licence_issued_on is not None:
        forecasts += _probationary_gains(withdrawals, balance, licence_issued_on,
                                         early_accompanied_driving,
                                         after=max(today, latest.decided_on))
    return sorted((f for f in forecasts if f.on > today), key=lambda f: (f.on, f.rule))


def _since_last_full_balance(decisions: Sequence[RecordedDecision]) -> list[RecordedDecision]:
    chain: list[RecordedDecision] = []
    for decision in decisions:
        if decision.balance_after == MAX_POINTS:
            chain = []
        elif decision.kind is DecisionKind.WITHDRAWAL:
            chain.append(decision)
    return chain


def _after_last_withdrawal(chain, latest) -> list[Forecast]:
    last = chain[-1]
    classes = [d.offence_class for d in chain if d.offence_class is not None]
    delay = full_restoration_delay(classes)
    full_on = delay.add_to(last.decided_on)
    paragraph = "2e" if delay == restoration_delay(Basis.THREE_YEARS) else "1er"
    target = ("au nombre maximal de points de votre permis probatoire" if latest.probationary
              else f"à {MAX_POINTS} points")
    forecasts = [Forecast(
        on=full_on, points=None, rule=f"art. L. 223-6, {paragraph} alinéa, du code de la route",
        summary=f"Votre solde revient {target}.", condition_until=full_on)]
    if last.points == 1:
        single_on = restoration_delay(Basis.SINGLE_POINT).add_to(last.decided_on)
        forecasts.append(Forecast(
            on=single_on, points=1, rule="art. L. 223-6, 3e alinéa, du code de la route",
            summary="Le point retiré par la dernière décision vous est rendu.",
            condition_until=single_on))
    return forecasts


def _ten_year_points(withdrawals) -> list[Forecast]:
    delay = restoration_delay(Basis.TEN_YEARS)
    return [
        Forecast(
            on=delay.add_to(d.decided_on), points=d.points,
            rule="art. L. 223-6, 5e alinéa, du code de la route",
            summary=(f"Les {d.points} points retirés le {d.decided_on:%d/%m/%Y} vous sont rendus, "
                     "même en cas de nouvelle infraction." if d.points > 1 else
                     f"Le point retiré le {d.decided_on:%d/%m/%Y} vous est rendu, même en cas "
                     "de nouvelle infraction."),
            condition_until=None)
        for d in withdrawals
        if d.offence_class in TEN_YEAR_CLASSES
    ]


def _probationary_gains(withdrawals, balance: int, issued_on: date,
                        early_accompanied_driving: bool, after: date) -> list[Forecast]:
    """Gains at the anniversaries still to come; a year in which an offence giving rise
    to a withdrawal was committed brings nothing."""
    years = PROBATION_YEARS_AFTER_EARLY_DRIVING if early_accompanied_driving else PROBATION_YEARS
    step = probationary_ceiling(1, early_accompanied_driving) - probationary_ceiling(0)
    offence_days = [d.offence_date for d in withdrawals if d.offence_date is not None]
    forecasts = []
    expected = balance
    for year in range(1, years + 1):
        anniversary = Period(years=year).add_to(issued_on)
        start = add_months(anniversary, -12)
        if anniversary <= after or expected >= MAX_POINTS:
            continue
        if any(start <= day < anniversary for day in offence_days):
            continue
        gain = min(step, MAX_POINTS - expected)
        expected += gain
        forecasts.append(Forecast(
            on=anniversary, points=gain, rule="art. L. 223-1 et R. 223-1 du code de la route",
            summary=(f"{'1er' if year == 1 else f'{year}e'} anniversaire de votre permis "
                     f"probatoire : {gain} point{'s' if gain > 1 else ''} de plus."),
            condition_until=anniversary))
    return forecasts
