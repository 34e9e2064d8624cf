"""Scheduled jobs. Each is thin: app context, one unit of work, one operation.

They run in the scheduler process (``notify scheduler``), never inside web workers,
or once each with ``notify jobs run-once``. Every job is safe to run twice at once:
rows are taken with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, and SQLite serialises
writers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask

from notify.accounts.operations import (
    LoginLimits,
    forget_login_failures,
    make_closures_effective,
)
from notify.bootstrap import Services
from notify.decisions.notification import run_deemed_notifications
from notify.decisions.operations import make_available
from notify.decisions.retention import run_purge
from notify.evidence.batches import certify_pending
from notify.mail.sending import send_due
from notify.registrations.operations import forget_tracking_failures

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    every_seconds: float
    run: Callable[[Services], object]
    every_setting: str | None = None  # a setting that overrides every_seconds

    def interval(self, settings) -> float:
        return getattr(settings, self.every_setting) if self.every_setting else self.every_seconds


def _certify_evidence(services: Services):
    return certify_pending(services.db, services.timestamp_client, services.clock,
                           max_size=services.settings.evidence_batch_size)


def _send_outbox(services: Services):
    s = services.settings
    return send_due(services.db, services.mail_transport, services.clock,
                    sender=s.mail_from, max_attempts=s.outbox_max_attempts,
                    connections=s.smtp_connections)


def _make_decisions_available(services: Services):
    with services.db.unit_of_work() as uow:
        report = make_available(uow.session, now=services.clock.now(),
                                base_url=services.settings.base_url)
        uow.commit()
    return report


def _record_deemed_notifications(services: Services):
    return run_deemed_notifications(services.db, services.clock,
                                    policy=services.settings.notification_policy)


def _purge_decisions(services: Services):
    return run_purge(services.db, services.clock, services.settings.retention_period)


def _forget_login_failures(services: Services):
    with services.db.unit_of_work() as uow:
        forgotten = forget_login_failures(uow.session, services.clock.now(),
                                          LoginLimits.from_settings(services.settings))
        uow.commit()
    return forgotten


def _forget_tracking_failures(services: Services):
    with services.db.unit_of_work() as uow:
        forgotten = forget_tracking_failures(uow.session, services.clock.now(),
                                             LoginLimits.from_settings(services.settings))
        uow.commit()
    return forgotten


def _close_accounts(services: Services):
    with services.db.unit_of_work() as uow:
        closed = make_closures_effective(uow.session, services.clock.now())
        uow.commit()
    return closed


# In the order ``jobs run-once`` runs them: certify first, so that what the later jobs
# make available or send rests on certified events.
JOBS: tuple[Job, ...] = (
    Job("certify_evidence", "certifie les lots d'événements (RFC 3161)", 2, _certify_evidence,
        every_setting="evidence_batch_seconds"),
    Job("close_accounts", "rend effectives les fermetures de compte échues", 60, _close_accounts),
    Job("make_decisions_available",
        "met à disposition les décisions dont le dépôt est certifié et en alerte le titulaire",
        2, _make_decisions_available),
    Job("send_outbox", "envoie les courriels en attente", 5, _send_outbox),
    Job("record_deemed_notifications",
        "enregistre les notifications réputées acquises à l'issue du délai de quinze jours",
        60, _record_deemed_notifications),
    Job("forget_login_failures", "oublie les échecs de connexion hors de la fenêtre de limitation",
        600, _forget_login_failures),
    Job("forget_tracking_failures",
        "oublie les échecs de suivi d'immatriculation hors de la fenêtre de limitation",
        600, _forget_tracking_failures),
    Job("purge_decisions", "supprime le contenu des décisions au terme de leur conservation",
        3600, _purge_decisions),
)


def run_job(app: Flask, job: Job, services: Services | None = None):
    """Run one job inside the app context; log and re-raise what goes wrong."""
    with app.app_context():
        try:
            result = job.run(services or app.extensions["notify"])
        except Exception:
            log.exception("job %s failed", job.name)
            raise
        log.info("job %s: %s", job.name, result)
        return result
