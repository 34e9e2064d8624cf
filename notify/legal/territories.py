"""Territories whose legal time and public holidays govern the holder's deadlines.

Legal basis: R. 223-3-1 III of the Code de la route fixes a delay "à compter de la
date de leur mise à disposition" without saying in which time that date is read.
Assumption: the date is the one of the holder's heure légale (décret n° 2017-292
du 6 mars 2017 for metropolitan France; each overseas département or collectivité
has its own legal time). Public holidays (jours fériés) are those of the holder's
territory: Alsace-Moselle keeps Good Friday and 26 December (droit local), and each
overseas territory commemorates the abolition of slavery on its own date
(loi n° 83-550 du 30 juin 1983, décret n° 83-1003 du 23 novembre 1983).

Holiday data come from the ``holidays`` package (France with a subdivision). A
lawyer should check one point of that data: for Guadeloupe (subdivision "971") the
package also lists Mi-Carême and Good Friday, which are customary days off there.

``Territory`` is a ``StrEnum``: a member equals its code (``Territory.REUNION ==
"reunion"``), so codes read from the database or a form can be compared directly.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import holidays

if TYPE_CHECKING:
    from collections.abc import Mapping

SATURDAY = 5


class Territory(StrEnum):
    """A territory with its own legal time zone and public holidays.

    Each member carries ``tz_name`` (IANA zone of the heure légale), ``overseas``
    (département or collectivité d'outre-mer) and ``label`` (French name).
    """

    METROPOLE = ("metropole", "Europe/Paris", False, None, "France métropolitaine")
    ALSACE_MOSELLE = ("alsace-moselle", "Europe/Paris", False, "57", "Alsace-Moselle")
    GUADELOUPE = ("guadeloupe", "America/Guadeloupe", True, "971", "Guadeloupe")
    MARTINIQUE = ("martinique", "America/Martinique", True, "972", "Martinique")
    GUYANE = ("guyane", "America/Cayenne", True, "973", "Guyane")
    REUNION = ("reunion", "Indian/Reunion", True, "974", "La Réunion")
    MAYOTTE = ("mayotte", "Indian/Mayotte", True, "976", "Mayotte")
    SAINT_PIERRE_ET_MIQUELON = (
        "saint-pierre-et-miquelon",
        "America/Miquelon",
        True,
        "PM",
        "Saint-Pierre-et-Miquelon",
    )
    SAINT_BARTHELEMY = ("saint-barthelemy", "America/St_Barthelemy", True, "BL", "Saint-Barthélemy")
    SAINT_MARTIN = ("saint-martin", "America/Marigot", True, "MF", "Saint-Martin")

    tz_name: str
    overseas: bool
    holidays_subdivision: str | None
    label: str

    def __new__(
        cls,
        code: str,
        tz_name: str,
        overseas: bool,
        holidays_subdivision: str | None,
        label: str,
    ) -> Territory:
        member = str.__new__(cls, code)
        member._value_ = code
        member.tz_name = tz_name
        member.overseas = overseas
        member.holidays_subdivision = holidays_subdivision
        member.label = label
        return member

    @property
    def code(self) -> str:
        return self.value

    @property
    def zone(self) -> ZoneInfo:
        """The legal time zone (heure légale) of the territory."""
        return ZoneInfo(self.tz_name)

    def public_holidays(self, year: int) -> Mapping[date, str]:
        """Jours fériés of the territory for one year, read-only, date -> name."""
        return _public_holidays(self, year)

    def is_public_holiday(self, day: date) -> bool:
        return day in _public_holidays(self, day.year)

    def is_working_day(self, day: date) -> bool:
        """A day that is neither a Saturday, a Sunday nor a jour férié (art. 642 CPC)."""
        return day.weekday() < SATURDAY and not self.is_public_holiday(day)

    def working_day_on_or_after(self, day: date) -> date:
        """``day`` itself if it is a working day, else the next working day.

        This is the prorogation of art. 642 CPC, second sentence: a delay that would
        expire on a Saturday, Sunday or jour férié ou chômé is extended to the first
        following working day.
        """
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day


TERRITORIES: tuple[Territory, ...] = tuple(Territory)
"""All territories; each member is also its code string (``"metropole" in TERRITORIES``)."""

DEFAULT_TERRITORY = Territory.METROPOLE


def get_territory(code: str | Territory) -> Territory:
    """The territory with this code; ``ValueError`` naming it when unknown."""
    try:
        return Territory(code)
    except ValueError:
        known = ", ".join(TERRITORIES)
        raise ValueError(f"unknown territory {code!r} (known: {known})") from None


@lru_cache(maxsize=512)
def _public_holidays(territory: Territory, year: int) -> Mapping[date, str]:
    calendar = holidays.country_holidays("FR", subdiv=territory.holidays_subdivision, years=year)
    return MappingProxyType(dict(calendar.items()))
