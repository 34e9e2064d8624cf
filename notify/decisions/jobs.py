"""The decisions' scheduled jobs (registered by ``notify.decisions.init_app``)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from notify.bootstrap import Services
from notify.decisions.audit import run_checks
from notify.decisions.notification import run_deemed_notifications
from notify.decisions.operations import make_available
from notify.decisions.reminders import send_reminders
from notify.decisions.retention import run_purge
from notify.jobs import Job, in_one_unit


def _deemed(svc: Services):
    # Chunked: one committed transaction per chunk (notify.db.drain).
    return run_deemed_notifications(svc.db, svc.clock, policy=svc.settings.notification_policy)


def _purge(svc: Services):
    # Chunked: one committed transaction per chunk (notify.db.drain).
    return run_purge(svc.db, svc.clock, svc.settings.retention_period)


class EvidenceCheckFailed(Exception):
    """The log or the decisions table says something the other does not."""


def _check_evidence(session: Session, svc: Services) -> str:
    # A failed check fails the job, so that ``notify jobs status`` shows it.
    failed = [check for check in run_checks(session) if not check.ok]
    if failed:
        raise EvidenceCheckFailed(" ; ".join(f"{c.label} : {c.detail}" for c in failed))
    return "aucune anomalie"


JOBS = (
    Job("make_decisions_available",
        "met à disposition les décisions dont le dépôt est certifié et en alerte le titulaire",
        2, in_one_unit(lambda session, svc: make_available(
            session, now=svc.clock.now(), base_url=svc.settings.base_url,
            policy=svc.settings.notification_policy))),
    Job("send_decision_reminders",
        "rappelle au titulaire, quelques jours avant la fin du délai de quinze jours, une "
        "décision qu'il n'a pas encore ouverte",
        300, in_one_unit(lambda session, svc: send_reminders(
            session, now=svc.clock.now(), days_before=svc.settings.reminder_days_before,
            base_url=svc.settings.base_url, policy=svc.settings.notification_policy))),
    Job("record_deemed_notifications",
        "enregistre les notifications réputées acquises à l'issue du délai de quinze jours",
        60, _deemed),
    Job("purge_decisions", "supprime le contenu des décisions au terme de leur conservation",
        3600, _purge),
    Job("check_evidence",
        "compare la table des décisions au journal des preuves et vérifie le journal",
        86400, in_one_unit(_check_evidence)),
)
