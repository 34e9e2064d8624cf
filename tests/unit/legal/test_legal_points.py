import pytest

from notify.legal.delays import Period
from notify.legal.points import (
    MAX_POINTS,
    MAX_POINTS_PER_WITHDRAWAL,
    OffenceClass,
    Problem,
    check_decision,
    full_restoration_delay,
    probationary_ceiling,
    restoration_delay,
)


@pytest.mark.parametrize(
    ("kind", "points", "balance_after", "probationary", "previous", "basis"),
    [
        pytest.param("withdrawal", 4, 8, False, 12, None, id="withdrawal-4"),
        pytest.param("withdrawal", 1, 11, False, 12, None, id="withdrawal-1-from-12"),
        pytest.param("withdrawal", 8, 0, False, 8, None, id="simultaneous-cap"),
        pytest.param("withdrawal", 6, 0, False, 2, None, id="floored-at-zero"),
        pytest.param("withdrawal", 3, 3, True, 6, None, id="probationary"),
        pytest.param("withdrawal", 2, 5, False, None, None, id="no-previous-balance"),
        pytest.param("restoration", 4, 12, False, 8, "L223-6-1", id="two-years"),
        pytest.param("restoration", 12, 12, False, 0, "L223-6-2", id="from-zero-to-twelve"),
        pytest.param("restoration", 1, 11, False, 10, "L223-6-3", id="single-point"),
        pytest.param("restoration", 4, 9, False, 5, "stage", id="stage"),
        pytest.param("restoration", 6, 12, False, 9, None, id="capped-at-12"),
        pytest.param("restoration", 6, 8, True, 4, "L223-6-1", id="probationary-lower-cap"),
        pytest.param("restoration", 1, 1, False, None, None, id="restoration-to-1"),
    ],
)
def test_consistent_decisions(kind, points, balance_after, probationary, previous, basis):
    assert check_decision(kind, points, balance_after, probationary, previous, basis) == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(
            ("withdrawal", 2, 10, False, 9),
            [Problem("balance_after", "un retrait ne peut pas augmenter le solde")],
            id="withdrawal-increases",
        ),
        pytest.param(
            ("withdrawal", 2, 9, False, 9),
            [Problem("balance_after", "un retrait doit diminuer le solde")],
            id="withdrawal-unchanged",
        ),
        pytest.param(
            ("withdrawal", 2, 6, False, 9),
            [
                Problem(
                    "balance_after",
                    "solde incohérent : 9 points moins 2 points retirés donne 7 points, et non 6",
                )
            ],
            id="withdrawal-arithmetic",
        ),
        pytest.param(
            ("withdrawal", 0, 12, False),
            [
                Problem(
                    "points",
                    "un retrait porte sur 1 à 8 points (plafond des infractions "
                    "simultanées, art. L. 223-2 du code de la route)",
                ),
                Problem("balance_after", "après un retrait, le solde est au plus de 11 points"),
            ],
            id="withdrawal-zero-points",
        ),
        pytest.param(
            ("withdrawal", 9, 3, False),
            [
                Problem(
                    "points",
                    "un retrait porte sur 1 à 8 points (plafond des infractions "
                    "simultanées, art. L. 223-2 du code de la route)",
                )
            ],
            id="withdrawal-above-cap",
        ),
        pytest.param(
            ("withdrawal", 2, -1, False),
            [
                Problem(
                    "balance_after",
                    "le solde après la décision doit être compris entre 0 et 12 points",
                )
            ],
            id="negative-balance",
        ),
        pytest.param(
            ("restoration", 2, 13, False),
            [
                Problem(
                    "balance_after",
                    "le solde après la décision doit être compris entre 0 et 12 points",
                )
            ],
            id="balance-above-12",
        ),
        pytest.param(
            ("restoration", 0, 0, False),
            [
                Problem("points", "une reconstitution ajoute de 1 à 12 points"),
                Problem(
                    "balance_after", "après une reconstitution, le solde est d'au moins 1 point"
                ),
            ],
            id="restoration-nothing",
        ),
        pytest.param(
            ("restoration", 2, 7, False, 8),
            [Problem("balance_after", "une reconstitution ne peut pas diminuer le solde")],
            id="restoration-decreases",
        ),
        pytest.param(
            ("restoration", 2, 10, False, 6),
            [
                Problem(
                    "balance_after",
                    "solde incohérent : 6 points plus 2 points reconstitués "
                    "donne 8 points (plafonné à 12), et non 10",
                )
            ],
            id="restoration-arithmetic",
        ),
        pytest.param(
            ("restoration", 5, 10, False, 5, "stage"),
            [
                Problem(
                    "points",
                    "un stage de sensibilisation rend au plus 4 points "
                    "(art. R. 223-8 du code de la route)",
                )
            ],
            id="stage-above-4",
        ),
        pytest.param(
            ("restoration", 2, 12, False, 10, "L223-6-3"),
            [
                Problem(
                    "points",
                    "la réattribution après six mois porte sur un seul point "
                    "(art. L. 223-6, troisième alinéa, du code de la route)",
                )
            ],
            id="single-point-rule-with-2",
        ),
        pytest.param(
            ("withdrawal", 2, 8, False, 10, "stage"),
            [Problem("restoration_basis", "un retrait n'a pas de fondement de reconstitution")],
            id="withdrawal-with-basis",
        ),
        pytest.param(
            ("restoration", 2, 8, False, None, "L223-6-4"),
            [
                Problem(
                    "restoration_basis",
                    "fondement de reconstitution inconnu : 'L223-6-4' "
                    "(attendu : L223-6-1, L223-6-2, L223-6-3, L223-6-5, stage)",
                )
            ],
            id="unknown-basis",
        ),
        pytest.param(
            ("suspension", 2, 8, False),
            [
                Problem(
                    "kind",
                    "nature de décision inconnue : 'suspension' "
                    "(attendu : « withdrawal » ou « restoration »)",
                )
            ],
            id="unknown-kind",
        ),
        pytest.param(
            ("withdrawal", "2", 8.0, False, True),
            [
                Problem("points", "doit être un nombre entier de points"),
                Problem("balance_after", "doit être un nombre entier de points"),
                Problem("previous_balance", "doit être un nombre entier de points"),
            ],
            id="not-integers",
        ),
        pytest.param(
            ("withdrawal", 2, 8, False, 15),
            [
                Problem(
                    "previous_balance", "le solde antérieur doit être compris entre 0 et 12 points"
                )
            ],
            id="previous-above-12",
        ),
    ],
)
def test_inconsistent_decisions(args, expected):
    assert check_decision(*args) == expected


def test_constants():
    assert (MAX_POINTS, MAX_POINTS_PER_WITHDRAWAL) == (12, 8)


@pytest.mark.parametrize(
    ("basis", "expected"),
    [
        ("L223-6-1", Period(years=2)),
        ("L223-6-2", Period(years=3)),
        ("L223-6-3", Period(months=6)),
        ("L223-6-5", Period(years=10)),
        ("stage", None),
    ],
)
def test_restoration_delay(basis, expected):
    assert restoration_delay(basis) == expected


@pytest.mark.parametrize(
    ("classes", "expected"),
    [
        pytest.param(["C3"], Period(years=2), id="third-class"),
        pytest.param(["C1", "C2", "C3"], Period(years=2), id="first-three-classes"),
        pytest.param(["C3", "C4"], Period(years=3), id="fourth-class"),
        pytest.param([OffenceClass.C5], Period(years=3), id="fifth-class"),
        pytest.param(["DELIT"], Period(years=3), id="delit"),
        pytest.param([], Period(years=2), id="none"),
    ],
)
def test_full_restoration_delay(classes, expected):
    assert full_restoration_delay(classes) == expected


def test_unknown_offence_class():
    with pytest.raises(ValueError, match="C6"):
        full_restoration_delay(["C6"])


@pytest.mark.parametrize(
    ("years", "accompanied", "expected"),
    [
        (0, False, 6),
        (1, False, 8),
        (2, False, 10),
        (3, False, 12),
        (5, False, 12),
        (0, True, 6),
        (1, True, 9),
        (2, True, 12),
        (3, True, 12),
    ],
)
def test_probationary_ceiling(years, accompanied, expected):
    assert probationary_ceiling(years, accompanied) == expected
