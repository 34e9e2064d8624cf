"""The staff's backlog dashboard: the backlog queries (``queries``) laid out as tables,
each shown beside its chart and exported as CSV from the same rows, so that the page,
its charts and its exports never disagree.

Cells keep their values (numbers, instants); the page and the CSV format them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from notify.registrations import queries
from notify.registrations.models import Centre
from notify.registrations.states import STATE_LABELS, State

WEEKS = 12
"""Weeks of the intake chart."""
DELAY_WEEKS = 4
"""Weeks of the steps the delays per step are computed on (the current delays)."""
UNASSIGNED = "non affecté"
STALE_LIMIT = 500


@dataclass(frozen=True)
class Chart:
    """Bars, one group per row of the table; ``series`` names the bars of a group and
    ``columns`` the table's columns they take their values from."""

    series: tuple[str, ...]
    columns: tuple[int, ...]
    scale: float = 1  # values are divided by it (86400: seconds shown in days, "j")


@dataclass(frozen=True)
class Table:
    name: str  # in the CSV's address: …/tableau-de-bord.csv?table=<name>
    title: str
    description: str
    columns: tuple[str, ...]
    rows: list[tuple] = field(default_factory=list)
    chart: Chart | None = None
    links: bool = False  # the first cell is a file number, linked to its page
    on_page: int | None = None  # rows shown on the page (all of them in the CSV)


def centres(session: Session) -> list[Centre]:
    return list(session.scalars(select(Centre).order_by(Centre.code)))


def _per_centre(session: Session, centre_id: int | None) -> Table:
    counts = queries.files_per_centre_and_state(session, centre_id, open_only=True)
    states = [s for s in State if any(state == s for _c, state, _n in counts)]
    grid: dict[str, dict[str, int]] = {}
    for code, state, n in counts:
        grid.setdefault(code or UNASSIGNED, {})[state] = n
    rows = [(code, sum(per_state.values()), *(per_state.get(s, 0) for s in states))
            for code, per_state in grid.items()]
    return Table("centres", "Dossiers en cours par centre et par statut",
                 "Nombre de dossiers en cours de chaque centre d'instruction dans chaque "
                 "statut (les dossiers terminés sont comptés par semaine plus bas).",
                 ("Centre", "En cours", *(STATE_LABELS[s] for s in states)), rows,
                 Chart(("en cours",), (1,)))


def _ages(session: Session, now: datetime, centre_id: int | None) -> Table:
    return Table("ages", "Âge des dossiers en cours",
                 "Dossiers en cours selon le temps écoulé depuis leur dépôt.",
                 ("Âge depuis le dépôt", "Dossiers en cours"),
                 queries.age_distribution(session, now, centre_id), Chart(("dossiers",), (1,)))


def _weeks(session: Session, now: datetime, centre_id: int | None) -> Table:
    rows = queries.weekly_intake_and_completions(session, now, WEEKS, centre_id)
    return Table("semaines", f"Dépôts et dossiers terminés, {WEEKS} dernières semaines",
                 "Par semaine de sept jours : dossiers déposés et dossiers terminés "
                 "(distribués, rejetés ou classés sans suite). Quand les dépôts dépassent "
                 "les dossiers terminés, le stock grandit.",
                 ("Semaine commençant le", "Déposés", "Terminés"), rows,
                 Chart(("déposés", "terminés"), (1, 2)))


def _delays(session: Session, now: datetime) -> Table:
    rows = [(STATE_LABELS[State(d.state)], d.count, d.median_seconds, d.p90_seconds)
            for d in queries.recent_step_delays(session, now - timedelta(weeks=DELAY_WEEKS))]
    return Table("delais", f"Temps passé par étape, {DELAY_WEEKS} dernières semaines",
                 "Pour les dossiers sortis d'un statut au cours de la période : temps "
                 "médian passé dans ce statut, et temps sous lequel sortent 9 dossiers sur "
                 "10 (90e centile), à l'heure près. Tous centres confondus.",
                 ("Statut", "Dossiers sortis", "Médiane", "90e centile"), rows,
                 Chart(("médiane", "90e centile"), (2, 3), scale=86400))


def _oldest(session: Session, centre_id: int | None, names: dict[int, str]) -> Table:
    return Table("anciens", "Dossiers en cours les plus anciens",
                 "Les 20 dossiers en cours déposés depuis le plus longtemps.",
                 ("Dossier", "Centre", "Statut", "Déposé le"),
                 [(a.number, names.get(a.centre_id, UNASSIGNED),
                   STATE_LABELS[State(a.state)], a.filed_at)
                  for a in queries.oldest_files(session, centre_id=centre_id)], links=True)


def _stale(session: Session, now: datetime, days: int, centre_id: int | None,
           names: dict[int, str]) -> Table:
    rows = [(a.number, names.get(a.centre_id, UNASSIGNED), STATE_LABELS[State(a.state)],
             a.state_since_at)
            for a in queries.stale_files(session, now, days, centre_id=centre_id,
                                         limit=STALE_LIMIT)]
    count = f"{len(rows)}" if len(rows) < STALE_LIMIT else f"{STALE_LIMIT} ou plus"
    return Table("inactifs", f"Dossiers sans événement depuis {days} jours : {count}",
                 f"Dossiers en cours dont le statut n'a pas changé depuis {days} jours, "
                 f"les plus anciens d'abord (les {STALE_LIMIT} premiers dans l'export CSV).",
                 ("Dossier", "Centre", "Statut", "Dans ce statut depuis le"), rows,
                 links=True, on_page=20)


def _late(session: Session, now: datetime, mandate_days: int) -> Table:
    return Table("retards", "Retards de transmission par professionnel",
                 f"Dossiers transmis après le délai de {mandate_days} jours suivant le "
                 "mandat, et dossiers non transmis dont le délai est dépassé. Tous centres "
                 "confondus.",
                 ("Professionnel", "Habilitation", "Transmis en retard",
                  "Non transmis, délai dépassé"),
                 [(p.name, p.habilitation_number, p.transmitted_late, p.overdue)
                  for p in queries.late_files_per_provider(session, now)],
                 Chart(("transmis en retard", "non transmis"), (2, 3)))


TABLES = ("centres", "ages", "semaines", "delais", "anciens", "inactifs", "retards")


def dashboard(session: Session, now: datetime, *, centre_id: int | None, stale_days: int,
              mandate_days: int, only: str | None = None) -> list[Table]:
    """The dashboard's tables, in page order (``only``: just that one, for its CSV)."""
    names = {c.id: c.code for c in centres(session)}
    build = {
        "centres": lambda: _per_centre(session, centre_id),
        "ages": lambda: _ages(session, now, centre_id),
        "semaines": lambda: _weeks(session, now, centre_id),
        "delais": lambda: _delays(session, now),
        "anciens": lambda: _oldest(session, centre_id, names),
        "inactifs": lambda: _stale(session, now, stale_days, centre_id, names),
        "retards": lambda: _late(session, now, mandate_days),
    }
    return [build[name]() for name in TABLES if only is None or name == only]
