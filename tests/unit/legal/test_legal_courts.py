"""The competent tribunal administratif and the appeal terms of one holder (CJA R. 312-8,
R. 221-3, R. 421-1, R. 421-7)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notify.decisions.notification import appeal_deadline_for
from notify.legal.courts import (
    COURT_OF_DEPARTMENT,
    COURT_OF_TERRITORY,
    Court,
    appeal_terms,
    competent_court,
    department_of,
    residence_for_appeal,
)
from notify.legal.deadlines import Residence, appeal_deadline
from notify.legal.territories import TERRITORIES, Territory

METROPOLITAN_DEPARTMENTS = [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B"]


def test_every_metropolitan_department_has_one_court_and_there_are_31():
    assert sorted(COURT_OF_DEPARTMENT) == sorted(METROPOLITAN_DEPARTMENTS)
    assert len({court.name for court in COURT_OF_DEPARTMENT.values()}) == 31
    assert COURT_OF_DEPARTMENT["07"].name == "tribunal administratif de Lyon"
    assert COURT_OF_DEPARTMENT["84"].name == "tribunal administratif de Nîmes"
    assert COURT_OF_DEPARTMENT["92"].name == "tribunal administratif de Cergy-Pontoise"
    assert COURT_OF_DEPARTMENT["93"].name == "tribunal administratif de Montreuil"
    assert COURT_OF_DEPARTMENT["2A"].name == "tribunal administratif de Bastia"
    assert COURT_OF_DEPARTMENT["06"].name == "tribunal administratif de Nice"
    assert COURT_OF_DEPARTMENT["11"].name == "tribunal administratif de Montpellier"


def test_every_overseas_territory_has_its_own_court():
    overseas = [t for t in TERRITORIES if t.overseas]
    assert sorted(COURT_OF_TERRITORY) == sorted(overseas)
    assert COURT_OF_TERRITORY[Territory.REUNION] == Court(
        "tribunal administratif de La Réunion", Territory.REUNION)
    assert COURT_OF_TERRITORY[Territory.GUADELOUPE].name == (
        "tribunal administratif de la Guadeloupe")


@pytest.mark.parametrize(("address", "department"), [
    ("12 rue des Lilas, 69003 Lyon", "69"),
    ("4 place Kléber, 67000 Strasbourg", "67"),
    ("1 cours Napoléon, 20000 Ajaccio", "2A"),
    ("2 boulevard Paoli, 20200 Bastia", "2B"),
    ("21 rue de Paris, 97400 Saint-Denis", "974"),
    ("Appartement 12345678, 3 rue X, 75011 Paris CEDEX 11", "75"),  # the last 5 digits
    ("Chemin des Vignes, Lieu-dit sans code", None),
    ("7 avenue de Monte-Carlo, 98000 Monaco", None),
    ("", None),
    (None, None),
])
def test_department_of_the_postal_code(address, department):
    assert department_of(address) == department


def test_court_of_the_residence():
    assert competent_court("metropole", "12 rue des Lilas, 69003 Lyon").name == (
        "tribunal administratif de Lyon")
    assert competent_court("alsace-moselle", "4 place Kléber, 67000 Strasbourg").name == (
        "tribunal administratif de Strasbourg")
    # Overseas: the territory decides, whatever the address says.
    assert competent_court("reunion", "sans code").name == (
        "tribunal administratif de La Réunion")
    # Metropolitan holder without a usable postal code: no named court.
    assert competent_court("metropole", "Lieu-dit sans code") is None


def test_residence_relative_to_the_courts_seat_r_421_7():
    paris = COURT_OF_DEPARTMENT["75"]
    reunion = COURT_OF_TERRITORY[Territory.REUNION]
    assert residence_for_appeal("metropole", paris) is Residence.FRANCE
    assert residence_for_appeal("reunion", paris) is Residence.OVERSEAS  # 1st paragraph
    assert residence_for_appeal("reunion", reunion) is Residence.FRANCE
    assert residence_for_appeal("mayotte", reunion) is Residence.OVERSEAS  # 2nd paragraph
    assert residence_for_appeal("metropole", reunion) is Residence.OVERSEAS
    assert residence_for_appeal("guyane", None) is Residence.FRANCE


@pytest.mark.parametrize("territory", list(TERRITORIES))
def test_every_holder_appeals_before_his_own_court_within_two_months(territory):
    terms = appeal_terms(territory, "3 rue X, 13001 Marseille")
    assert terms.residence is Residence.FRANCE
    assert terms.months == 2
    if territory.overseas:
        assert terms.court.seat is territory


@settings(deadline=None)
@given(st.dates(min_value=date(2016, 10, 31), max_value=date(2040, 12, 31)),
       st.sampled_from(TERRITORIES))
def test_the_page_and_the_letter_share_one_rule(notified_on, territory):
    """``appeal_deadline_for`` (holder page, notification events) is the deadline of the
    terms the letter states: a holder in La Réunion gets no extra month on either."""
    terms = appeal_terms(territory)
    assert appeal_deadline_for(notified_on, territory) == terms.deadline(notified_on)
    assert terms.deadline(notified_on) == appeal_deadline(notified_on, territory,
                                                          Residence.FRANCE)
