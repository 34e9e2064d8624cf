"""Points of the driving licence: checks on deposited decisions, and display helpers.

Legal basis: L. 223-1 (twelve points; probationary licence), L. 223-2 (points
withdrawn per offence; simultaneous offences capped at two thirds of the maximum,
i.e. 8 points), L. 223-6 (restoration), R. 223-1 (probationary licence), R. 223-8
(restoration after a stage de sensibilisation: 4 points at most).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from notify.legal.delays import Period

MAX_POINTS = 12
"""Nombre maximal de points (L. 223-1)."""

PROBATIONARY_INITIAL_POINTS = 6
"""Capital initial du permis probatoire (L. 223-1, R. 223-1)."""

MAX_POINTS_PER_WITHDRAWAL = 8
"""Two thirds of the maximum: cap on simultaneous offences (L. 223-2 II)."""

MAX_POINTS_PER_STAGE = 4
"""Points regained by a stage de sensibilisation (R. 223-8)."""


class DecisionKind(StrEnum):
    WITHDRAWAL = "withdrawal"
    """Retrait de points (lettre 48, 48M, 48N, 48SI)."""
    RESTORATION = "restoration"
    """Reconstitution / réattribution de points."""


class RestorationBasis(StrEnum):
    """The paragraph (alinéa) of L. 223-6 under which points are restored."""

    TWO_YEARS = "L223-6-1"
    """1er alinéa : tous les points après deux ans sans nouvelle infraction."""
    THREE_YEARS = "L223-6-2"
    """2e alinéa : trois ans si un délit ou une contravention de 4e/5e classe."""
    SINGLE_POINT = "L223-6-3"
    """3e alinéa : le point d'un retrait d'un point, après six mois."""
    TEN_YEARS = "L223-6-5"
    """5e alinéa : chaque point d'une contravention des 4 premières classes, dix ans."""
    STAGE = "stage"
    """4e alinéa et R. 223-8 : stage de sensibilisation volontaire."""


class OffenceClass(StrEnum):
    """Classes of contraventions (C1 to C5) and délits."""

    C1 = "C1"
    C2 = "C2"
    C3 = "C3"
    C4 = "C4"
    C5 = "C5"
    DELIT = "DELIT"


_THREE_YEAR_CLASSES = frozenset({OffenceClass.C4, OffenceClass.C5, OffenceClass.DELIT})

_RESTORATION_DELAYS: dict[RestorationBasis, Period | None] = {
    RestorationBasis.TWO_YEARS: Period(years=2),
    RestorationBasis.THREE_YEARS: Period(years=3),
    RestorationBasis.SINGLE_POINT: Period(months=6),
    RestorationBasis.TEN_YEARS: Period(years=10),
    RestorationBasis.STAGE: None,
}


def restoration_delay(basis: str | RestorationBasis) -> Period | None:
    """The delay without new offence after which points come back, for display.

    L. 223-6: 2 years (1st paragraph), 3 years (2nd), 6 months for the single point
    of a one-point withdrawal (3rd), 10 years per point of a 1st-4th class
    contravention (5th). ``None`` for a stage (R. 223-8: no delay, once a year).
    """
    return _RESTORATION_DELAYS[RestorationBasis(basis)]


def full_restoration_delay(offence_classes: Iterable[str | OffenceClass]) -> Period:
    """Delay after which the maximum is restored (L. 223-6, 1st and 2nd paragraphs):
    3 years if one of the offences is a délit or a 4th/5th class contravention,
    else 2 years.
    """
    classes = {OffenceClass(value) for value in offence_classes}
    return Period(years=3) if classes & _THREE_YEAR_CLASSES else Period(years=2)


def probationary_ceiling(completed_years: int, early_accompanied_driving: bool = False) -> int:
    """Maximum balance of a probationary licence after ``completed_years`` years
    without withdrawal, for display (L. 223-1, R. 223-1): 6 points, then +2 a year
    for three years, or +3 a year for two years after early accompanied driving.
    """
    if completed_years < 0:
        raise ValueError("completed_years must not be negative")
    step = 3 if early_accompanied_driving else 2
    return min(MAX_POINTS, PROBATIONARY_INITIAL_POINTS + step * completed_years)


@dataclass(frozen=True)
class Problem:
    """One reason a deposited decision is refused: the field and a French message."""

    field: str
    message: str


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_decision(
    kind: str | DecisionKind,
    points: int,
    balance_after: int,
    probationary: bool,
    previous_balance: int | None = None,
    restoration_basis: str | RestorationBasis | None = None,
) -> list[Problem]:
    """Check the points arithmetic of a decision submitted for deposit.

    Rules (L. 223-1, L. 223-2, L. 223-6, R. 223-8):

    * a balance is between 0 and 12 points, whatever the licence: the ceiling of a
      probationary licence depends on its seniority, which the depositor does not
      send, so 12 is the only bound checked;
    * a withdrawal takes 1 to 8 points (8 = cap for simultaneous offences) and
      leaves 0 to 11 points;
    * a restoration adds at least 1 point (at most 4 after a stage) and leaves 1 to
      12 points;
    * with ``previous_balance``: a withdrawal leaves previous - points, floored at
      0; a restoration leaves previous + points, capped at 12 (on a probationary
      licence the cap may be lower, so only a balance between previous + 1 and that
      value is required).

    Returns an empty list when the decision is consistent.
    """
    problems: list[Problem] = []
    try:
        kind = DecisionKind(kind)
    except ValueError:
        return [
            Problem(
                "kind",
                f"nature de décision inconnue : {kind!r} "
                "(attendu : « withdrawal » ou « restoration »)",
            )
        ]
    numbers = {"points": points, "balance_after": balance_after}
    if previous_balance is not None:
        numbers["previous_balance"] = previous_balance
    for field, value in numbers.items():
        if not _is_int(value):
            problems.append(Problem(field, "doit être un nombre entier de points"))
    if problems:
        return problems

    if not 0 <= balance_after <= MAX_POINTS:
        problems.append(
            Problem(
                "balance_after",
                f"le solde après la décision doit être compris entre 0 et {MAX_POINTS} points",
            )
        )
    if previous_balance is not None and not 0 <= previous_balance <= MAX_POINTS:
        problems.append(
            Problem(
                "previous_balance",
                f"le solde antérieur doit être compris entre 0 et {MAX_POINTS} points",
            )
        )

    if kind is DecisionKind.WITHDRAWAL:
        problems += _check_withdrawal(points, balance_after, restoration_basis)
        if previous_balance is not None and not problems:
            problems += _check_withdrawal_balance(points, balance_after, previous_balance)
    else:
        problems += _check_restoration(points, balance_after, restoration_basis)
        if previous_balance is not None and not problems:
            problems += _check_restoration_balance(
                points, balance_after, previous_balance, probationary
            )
    return problems


def _check_withdrawal(
    points: int,
    balance_after: int,
    restoration_basis: str | RestorationBasis | None,
) -> list[Problem]:
    problems: list[Problem] = []
    if restoration_basis is not None:
        problems.append(
            Problem("restoration_basis", "un retrait n'a pas de fondement de reconstitution")
        )
    if not 1 <= points <= MAX_POINTS_PER_WITHDRAWAL:
        problems.append(
            Problem(
                "points",
                f"un retrait porte sur 1 à {MAX_POINTS_PER_WITHDRAWAL} points "
                "(plafond des infractions simultanées, art. L. 223-2 du code de la route)",
            )
        )
    if balance_after == MAX_POINTS:
        problems.append(
            Problem(
                "balance_after",
                f"après un retrait, le solde est au plus de {MAX_POINTS - 1} points",
            )
        )
    return problems


def _check_withdrawal_balance(
    points: int, balance_after: int, previous_balance: int
) -> list[Problem]:
    problems: list[Problem] = []
    if balance_after > previous_balance:
        problems.append(Problem("balance_after", "un retrait ne peut pas augmenter le solde"))
    elif balance_after == previous_balance:
        problems.append(Problem("balance_after", "un retrait doit diminuer le solde"))
    else:
        expected = max(0, previous_balance - points)
        if balance_after != expected:
            problems.append(
                Problem(
                    "balance_after",
                    f"solde incohérent : {previous_balance} points moins {points} points "
                    f"retirés donne {expected} points, et non {balance_after}",
                )
            )
    return problems


def _check_restoration(
    points: int,
    balance_after: int,
    restoration_basis: str | RestorationBasis | None,
) -> list[Problem]:
    problems: list[Problem] = []
    basis: RestorationBasis | None = None
    if restoration_basis is not None:
        try:
            basis = RestorationBasis(restoration_basis)
        except ValueError:
            known = ", ".join(RestorationBasis)
            problems.append(
                Problem(
                    "restoration_basis",
                    f"fondement de reconstitution inconnu : {restoration_basis!r} "
                    f"(attendu : {known})",
                )
            )
    if not 1 <= points <= MAX_POINTS:
        problems.append(Problem("points", f"une reconstitution ajoute de 1 à {MAX_POINTS} points"))
    elif basis is RestorationBasis.STAGE and points > MAX_POINTS_PER_STAGE:
        problems.append(
            Problem(
                "points",
                f"un stage de sensibilisation rend au plus {MAX_POINTS_PER_STAGE} points "
                "(art. R. 223-8 du code de la route)",
            )
        )
    elif basis is RestorationBasis.SINGLE_POINT and points != 1:
        problems.append(
            Problem(
                "points",
                "la réattribution après six mois porte sur un seul point "
                "(art. L. 223-6, troisième alinéa, du code de la route)",
            )
        )
    if balance_after == 0:
        problems.append(
            Problem("balance_after", "après une reconstitution, le solde est d'au moins 1 point")
        )
    return problems


def _check_restoration_balance(
    points: int, balance_after: int, previous_balance: int, probationary: bool
) -> list[Problem]:
    problems: list[Problem] = []
    if balance_after < previous_balance:
        problems.append(
            Problem("balance_after", "une reconstitution ne peut pas diminuer le solde")
        )
    elif balance_after == previous_balance:
        problems.append(Problem("balance_after", "une reconstitution doit augmenter le solde"))
    else:
        ceiling = min(MAX_POINTS, previous_balance + points)
        consistent = balance_after <= ceiling if probationary else balance_after == ceiling
        if not consistent:
            problems.append(
                Problem(
                    "balance_after",
                    f"solde incohérent : {previous_balance} points plus {points} points "
                    f"reconstitués donne {ceiling} points (plafonné à {MAX_POINTS}), "
                    f"et non {balance_after}",
                )
            )
    return problems
