"""Purging a decision's content after the retention period (legal-rules §7)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from notify.decisions import holder
from notify.decisions import operations as deposit_ops
from notify.decisions.models import Decision
from notify.decisions.retention import PURGED_COLUMNS, purge_expired
from notify.evidence.log import events_of
from notify.legal.delays import Period
from tests.conftest import depositor_id
from tests.deposits import withdrawal
from tests.jobs import run_jobs

RETAINED_UNTIL = datetime(2032, 11, 20, 9, 30, tzinfo=UTC)
"""Made available 2026-11-20 09:30 UTC (10:30 Paris) + P6Y, in Paris wall time."""


def run(app, *names):
    run_jobs(app, *names)


def notified(app, session, clock, account, reference="D-1"):
    deposit_ops.deposit(session, [withdrawal(reference, account.holder.licence_number)],
                        depositor="t", organisation_id=depositor_id(session),
                        now=clock.now())
    session.commit()
    run(app, "certify_evidence", "make_decisions_available")
    decision = session.scalar(select(Decision).where(Decision.reference == reference))
    holder.consult(session, account.holder, reference, now=clock.now(), via="page")
    session.commit()
    return decision


def test_content_purged_after_retention_evidence_kept(app, session, clock, open_account):
    account = open_account()
    decision = notified(app, session, clock, account)
    kept = {name: getattr(decision, name) for name in (
        "reference", "kind", "decided_on", "content_sha256", "letter_sha256",
        "made_available_at", "first_consulted_at", "notified_at", "notified_on",
        "notification_basis", "appeal_deadline", "state")}
    events_before = [e.hash for e in events_of(session, decision.subject)]

    clock.set(RETAINED_UNTIL - timedelta(seconds=1))
    run(app, "purge_decisions")
    session.expire_all()
    assert decision.content_purged_at is None and decision.points == 2

    clock.set(RETAINED_UNTIL)
    run(app, "purge_decisions")
    session.expire_all()
    assert decision.content_purged_at == RETAINED_UNTIL
    assert all(getattr(decision, name) is None for name in PURGED_COLUMNS)
    assert {name: getattr(decision, name) for name in kept} == kept
    chain = events_of(session, decision.subject)
    assert [e.hash for e in chain[:-1]] == events_before
    purge = chain[-1]
    assert (purge.tag, purge.occurred_at, purge.actor) == ("content_purged", RETAINED_UNTIL,
                                                           "system")
    data = json.loads(purge.document)["data"]
    assert data["retention_period"] == "P6Y"
    assert data["retained_until"] == "2032-11-20T09:30:00.000000Z"
    assert data["content_sha256"] == decision.content_sha256

    # Idempotent.
    clock.advance(timedelta(days=1))
    run(app, "purge_decisions")
    assert [e.tag for e in events_of(session, decision.subject)].count("content_purged") == 1
    # Still listed for the holder, with a notice instead of the content.
    [shown] = holder.holder_decisions(session, account.holder)
    assert shown.purged


def test_unnotified_and_postal_decisions_are_not_purged(app, session, clock, open_account,
                                                        make_holder):
    account = open_account()
    deposit_ops.deposit(session, [withdrawal("D-1", account.holder.licence_number),
                                  withdrawal("P-1", make_holder().licence_number)],
                        depositor="t", organisation_id=depositor_id(session),
                        now=clock.now())
    session.commit()
    run(app, "certify_evidence", "make_decisions_available")
    report = purge_expired(session, now=RETAINED_UNTIL + timedelta(days=400),
                           retention=Period(years=6))
    assert report.purged == 0  # D-1 is only available (the deemed job never ran), P-1 postal
