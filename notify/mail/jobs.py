"""The mail's scheduled jobs (registered by ``notify.mail.init_app``)."""

from __future__ import annotations

from datetime import timedelta

from notify.bootstrap import Services
from notify.jobs import Job, in_one_unit
from notify.mail.sending import purge_sent, recipient_key, send_due


def _send(svc: Services):
    # Claims in one transaction, then records each SMTP answer as it comes (see
    # notify.mail.sending): a crash re-sends at most one message per SMTP session.
    s = svc.settings
    return send_due(svc.db, svc.mail_transport, svc.clock, sender=s.mail_from,
                    max_attempts=s.outbox_max_attempts, key=recipient_key(s.secret_key),
                    connections=s.smtp_connections)


JOBS = (
    Job("send_outbox", "envoie les courriels en attente", 5, _send),
    Job("purge_outbox", "supprime les courriels envoyés ou en échec au terme de leur conservation",
        3600, in_one_unit(lambda session, svc: purge_sent(
            session, svc.clock.now(), timedelta(days=svc.settings.outbox_retention_days)))),
)
