"""Jinja filters that show dates the French way, in the holder's legal time."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask

from notify.legal.delays import Period
from notify.legal.territories import get_territory

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")


def _local(value: datetime, territory: str) -> datetime:
    return value.astimezone(get_territory(territory).zone)


def date_fr(value: date | datetime | None, territory: str = "metropole") -> str:
    """« 3 décembre 2026 » (a datetime is first converted to the territory's legal time)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value, territory).date()
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS[value.month - 1]} {value.year}"


def datetime_fr(value: datetime | None, territory: str = "metropole") -> str:
    """« 3 décembre 2026 à 14:02:11 » in the territory's legal time."""
    if value is None:
        return ""
    local = _local(value, territory)
    return f"{date_fr(local.date())} à {local:%H:%M:%S}"


ZONE_NAMES = {
    "metropole": "heure de Paris",
    "alsace-moselle": "heure de Paris",
    "guadeloupe": "heure de la Guadeloupe",
    "martinique": "heure de la Martinique",
    "guyane": "heure de la Guyane",
    "reunion": "heure de La Réunion",
    "mayotte": "heure de Mayotte",
    "saint-pierre-et-miquelon": "heure de Saint-Pierre-et-Miquelon",
    "saint-barthelemy": "heure de Saint-Barthélemy",
    "saint-martin": "heure de Saint-Martin",
}
"""The legal time of each territory, named as the holder says it."""


def zone_name(territory: str) -> str:
    """« heure de La Réunion »."""
    return ZONE_NAMES[get_territory(territory).code]


def datetime_zone_fr(value: datetime | None, territory: str = "metropole") -> str:
    """« 3 décembre 2026 à 14:02:11 (heure de La Réunion) »: a time shown to a holder
    says in which zone it is read."""
    if value is None:
        return ""
    return f"{datetime_fr(value, territory)} ({zone_name(territory)})"


def day_end_zone_fr(day: date, territory: str = "metropole") -> str:
    """« 5 décembre 2026 à 24:00 (heure de Paris) »: the end of a delay's last day."""
    return f"{date_fr(day)} à 24:00 ({zone_name(territory)})"


def period_fr(value: Period) -> str:
    """« 1 mois », « 2 ans et 3 jours »."""
    parts = []
    if value.years:
        parts.append(f"{value.years} an{'s' if value.years > 1 else ''}")
    if value.months:
        parts.append(f"{value.months} mois")
    if value.days:
        parts.append(f"{value.days} jour{'s' if value.days > 1 else ''}")
    if not parts:
        return "0 jour"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " et " + parts[-1]


def duration_fr(seconds: int | None) -> str:
    """« 3 jours », « 5 heures », « moins d'une heure »."""
    if seconds is None:
        return ""
    days, hours = seconds // 86400, seconds // 3600
    if days >= 1:
        return f"{days} jour{'s' if days > 1 else ''}"
    if hours >= 1:
        return f"{hours} heure{'s' if hours > 1 else ''}"
    return "moins d'une heure"


def init_app(app: Flask) -> None:
    app.add_template_filter(date_fr)
    app.add_template_filter(datetime_fr)
    app.add_template_filter(datetime_zone_fr)
    app.add_template_filter(zone_name)
    app.add_template_filter(period_fr)
    app.add_template_filter(duration_fr)
