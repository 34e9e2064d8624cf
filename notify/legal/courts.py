"""The competent administrative court and the appeal terms that apply to one holder.

Legal basis:

* CJA R. 312-8: a dispute over an individual decision taken against a person by an
  administrative authority under its police powers (a withdrawal or restoration of
  points is one) belongs to the tribunal administratif of the place where that person
  resides at the date of the decision.
* CJA R. 221-3 (version of décret n° 2015-1444 du 6 novembre 2015): the seat and the
  ressort (departments, overseas collectivités) of each tribunal administratif; R. 221-1
  names the overseas ones (« tribunal administratif de la Guadeloupe »…).
* CJA R. 421-1 and R. 421-7: two months, plus one month (délai de distance) for a
  person residing overseas who appeals before a tribunal seated in metropolitan France,
  or who does not reside in the collectivité where the overseas tribunal seats, plus two
  months for a person residing abroad.

Data and assumptions (where our data is short):

* The residence is the holder's territory and postal address as the register sends
  them. The department is read from the postal code (its first two digits; 200–201 is
  Corse-du-Sud, 202–206 Haute-Corse; 97x is overseas). A few communes carry the postal
  code of a neighbouring department: the letter then names a neighbouring court; the
  register's INSEE code of the commune, if it ever sends it, would settle it.
* An overseas territory gives its court whatever the address says. A metropolitan
  holder whose address has no usable postal code gets no named court (``None``): the
  letter then says « le tribunal administratif dans le ressort duquel se trouve votre
  résidence », which is never wrong.
* Every holder thus appeals before the court of his own residence: no délai de distance
  applies (``Residence.FRANCE``). A holder residing abroad is not in the register's
  data; the letter states the two extra months of R. 421-7 in words for that case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from types import MappingProxyType

from notify.legal.deadlines import Residence, appeal_deadline, appeal_months
from notify.legal.policies import DEFAULT_APPEAL_POLICY, AppealPolicy
from notify.legal.territories import Territory, get_territory

COURTS_BASIS = "CJA R. 312-8, R. 221-1 et R. 221-3 (décret n° 2015-1444 du 6 novembre 2015)"

_METROPOLITAN_RESSORTS = {
    "Amiens": ("02", "60", "80"),
    "Bastia": ("2A", "2B"),
    "Besançon": ("25", "39", "70", "90"),
    "Bordeaux": ("24", "33", "47"),
    "Caen": ("14", "50", "61"),
    "Cergy-Pontoise": ("92", "95"),
    "Châlons-en-Champagne": ("08", "10", "51", "52"),
    "Clermont-Ferrand": ("03", "15", "43", "63"),
    "Dijon": ("21", "58", "71", "89"),
    "Grenoble": ("26", "38", "73", "74"),
    "Lille": ("59", "62"),
    "Limoges": ("19", "23", "36", "87"),
    "Lyon": ("01", "07", "42", "69"),
    "Marseille": ("04", "05", "13"),
    "Melun": ("77", "94"),
    "Montpellier": ("11", "34", "66"),
    "Montreuil": ("93",),
    "Nancy": ("54", "55", "88"),
    "Nantes": ("44", "49", "53", "72", "85"),
    "Nice": ("06",),
    "Nîmes": ("30", "48", "84"),
    "Orléans": ("18", "28", "37", "41", "45"),
    "Paris": ("75",),
    "Pau": ("32", "40", "64", "65"),
    "Poitiers": ("16", "17", "79", "86"),
    "Rennes": ("22", "29", "35", "56"),
    "Rouen": ("27", "76"),
    "Strasbourg": ("57", "67", "68"),
    "Toulon": ("83",),
    "Toulouse": ("09", "12", "31", "46", "81", "82"),
    "Versailles": ("78", "91"),
}
"""R. 221-3: seat of each metropolitan tribunal administratif and its departments."""


@dataclass(frozen=True)
class Court:
    """A tribunal administratif: its name (R. 221-1) and the territory of its seat."""

    name: str
    seat: Territory


def _court_name(city: str) -> str:
    article = "d'" if city[0] in "AEIOUÉÎ" else "de "
    return f"tribunal administratif {article}{city}"


_OVERSEAS_COURTS = {
    Territory.GUADELOUPE: "tribunal administratif de la Guadeloupe",
    Territory.MARTINIQUE: "tribunal administratif de la Martinique",
    Territory.GUYANE: "tribunal administratif de la Guyane",
    Territory.REUNION: "tribunal administratif de La Réunion",
    Territory.MAYOTTE: "tribunal administratif de Mayotte",
    Territory.SAINT_PIERRE_ET_MIQUELON: "tribunal administratif de Saint-Pierre-et-Miquelon",
    Territory.SAINT_BARTHELEMY: "tribunal administratif de Saint-Barthélemy",
    Territory.SAINT_MARTIN: "tribunal administratif de Saint-Martin",
}

COURT_OF_DEPARTMENT = MappingProxyType({
    department: Court(_court_name(city), Territory.METROPOLE)
    for city, departments in _METROPOLITAN_RESSORTS.items() for department in departments})
"""Metropolitan department code -> its tribunal administratif (R. 221-3)."""

COURT_OF_TERRITORY = MappingProxyType({
    territory: Court(name, territory) for territory, name in _OVERSEAS_COURTS.items()})
"""Overseas territory -> its tribunal administratif (R. 221-1, R. 221-3)."""

_POSTAL_CODE = re.compile(r"(?<!\d)(\d{5})(?!\d)")


def department_of(postal_address: str | None) -> str | None:
    """The department of the last five-digit postal code of the address, or ``None``.

    « 12 rue des Lilas, 69003 Lyon » -> « 69 »; 20000 -> « 2A », 20200 -> « 2B »;
    97400 -> « 974 »; an address without a postal code, or with a code that is no
    department's (00…, 98… Monaco), -> ``None``.
    """
    codes = _POSTAL_CODE.findall(postal_address or "")
    if not codes:
        return None
    code = codes[-1]
    if code.startswith("97"):
        return code[:3]
    if code.startswith("20"):
        return "2A" if code[2] in "01" else "2B"
    department = code[:2]
    return department if department in COURT_OF_DEPARTMENT else None


def competent_court(territory: str | Territory, postal_address: str | None) -> Court | None:
    """The tribunal administratif of the holder's residence (R. 312-8), see the module.

    Overseas: the territory's court. Metropolitan France and Alsace-Moselle: the court of
    the postal code's department (R. 221-3); ``None`` when the address gives none.
    """
    territory = get_territory(territory)
    if territory.overseas:
        return COURT_OF_TERRITORY[territory]
    department = department_of(postal_address)
    return COURT_OF_DEPARTMENT.get(department) if department else None


def residence_for_appeal(territory: str | Territory, court: Court | None) -> Residence:
    """Where the holder resides relative to the court's seat, for CJA R. 421-7.

    A court seated in metropolitan France: ``OVERSEAS`` (one more month) for a holder of
    an overseas territory. A court seated overseas: ``OVERSEAS`` for a holder who does
    not reside in that collectivité. Otherwise, and when the court is the unnamed court
    of the holder's own residence (``None``), ``FRANCE``: no délai de distance.
    """
    territory = get_territory(territory)
    if court is None:
        return Residence.FRANCE
    if not court.seat.overseas:
        return Residence.OVERSEAS if territory.overseas else Residence.FRANCE
    return Residence.FRANCE if territory is court.seat else Residence.OVERSEAS


@dataclass(frozen=True)
class AppealTerms:
    """The appeal that one holder may bring: before which court, within how many months.

    The one source of the appeal rule for the letter (which states it) and for the
    holder's page and the notification events (which compute the date with
    ``deadline``).
    """

    territory: Territory
    court: Court | None
    residence: Residence
    months: int
    policy: AppealPolicy

    def deadline(self, notified_on: date) -> date:
        """The last day to appeal (``notify.legal.deadlines.appeal_deadline``)."""
        return appeal_deadline(notified_on, self.territory, self.residence, self.policy)


def appeal_terms(territory: str | Territory, postal_address: str | None = None,
                 policy: AppealPolicy = DEFAULT_APPEAL_POLICY) -> AppealTerms:
    """The appeal terms of a holder of ``territory`` living at ``postal_address``.

    The months are R. 421-1's two plus R. 421-7's délai de distance for the residence
    relative to the competent court (``residence_for_appeal``): for every holder of the
    register, whose court is that of his residence, two months.
    """
    return _terms(get_territory(territory), competent_court(territory, postal_address),
                  policy)


@lru_cache(maxsize=256)
def _terms(territory: Territory, court: Court | None, policy: AppealPolicy) -> AppealTerms:
    residence = residence_for_appeal(territory, court)
    return AppealTerms(territory, court, residence, appeal_months(residence, policy), policy)
