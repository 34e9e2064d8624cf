"""The registrations' scheduled job (registered by ``notify.registrations.init_app``)."""

from __future__ import annotations

from notify.auth.throttle import LoginLimits
from notify.jobs import Job, in_one_unit
from notify.registrations.operations import forget_tracking_failures

JOBS = (
    Job("forget_tracking_failures",
        "oublie les échecs de suivi d'immatriculation hors de la fenêtre de limitation",
        600, in_one_unit(lambda session, svc: forget_tracking_failures(
            session, svc.clock.now(), LoginLimits.from_settings(svc.settings)))),
)
