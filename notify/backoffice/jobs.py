"""The back office's scheduled jobs (registered by ``notify.backoffice.init_app``)."""

from __future__ import annotations

from notify.backoffice.journal import purge_access_log
from notify.jobs import Job, in_one_unit

JOBS = (
    Job("purge_access_log",
        "oublie les accès des agents plus anciens que la durée de conservation du journal",
        86400, in_one_unit(lambda session, svc: purge_access_log(
            session, now=svc.clock.now(), retention=svc.settings.access_log_retention))),
)
