"""The evidence's scheduled job (registered by ``notify.evidence.init_app``)."""

from __future__ import annotations

from datetime import timedelta

from notify.bootstrap import Services
from notify.evidence.batches import certify_pending
from notify.jobs import Job


def _certify(svc: Services):
    # One committed transaction per batch closed or certified: the TSA is called between.
    s = svc.settings
    return certify_pending(svc.db, svc.timestamp_client, svc.clock,
                           max_size=s.evidence_batch_size,
                           heads_every=timedelta(seconds=s.evidence_heads_seconds))


JOBS = (
    Job("certify_evidence", "certifie les lots d'événements (RFC 3161)", 2, _certify,
        every_setting="evidence_batch_seconds"),
)
