"""The accounts' scheduled jobs (registered by ``notify.accounts.init_app``)."""

from __future__ import annotations

from notify.accounts.operations import make_closures_effective
from notify.auth.throttle import LoginLimits, forget_login_failures
from notify.jobs import Job, in_one_unit

JOBS = (
    Job("close_accounts", "rend effectives les fermetures de compte échues", 60,
        in_one_unit(lambda session, svc: make_closures_effective(
            session, svc.clock.now(), svc.settings.base_url))),
    Job("forget_login_failures", "oublie les échecs de connexion hors de la fenêtre de limitation",
        600, in_one_unit(lambda session, svc: forget_login_failures(
            session, svc.clock.now(), LoginLimits.from_settings(svc.settings)))),
)
