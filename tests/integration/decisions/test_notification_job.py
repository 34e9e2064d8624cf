"""The deemed-notification job (R. 223-3-1 III): legal instant, idempotence, bulk path."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from notify.accounts.models import Holder
from notify.cli import jobs as jobs_command
from notify.decisions import holder
from notify.decisions import operations as deposit_ops
from notify.decisions.models import Decision
from notify.decisions.notification import (
    record_deemed_notification,
    record_deemed_notifications,
    run_deemed_notifications,
)
from notify.evidence.log import canonical_json, event_hash, events_of
from notify.legal.deadlines import deemed_notification_at
from tests.conftest import depositor_id
from tests.deposits import withdrawal
from tests.jobs import run_jobs

DELAY_ENDS = datetime(2026, 12, 5, 23, 0, tzinfo=UTC)
"""Made available 2026-11-20 09:30 UTC: the delay ends at 24:00 of 5 December in Paris."""


def run(app, *names):
    run_jobs(app, *names)


def available(app, session, clock, accounts):
    """One withdrawal per account, certified and made available by the real jobs."""
    items = [withdrawal(f"D-{n}", account.holder.licence_number)
             for n, account in enumerate(accounts, 1)]
    results = deposit_ops.deposit(session, items, depositor="t",
                                  organisation_id=depositor_id(session), now=clock.now())
    assert {r.channel for r in results} == {"online"}
    session.commit()
    run(app, "certify_evidence", "make_decisions_available")
    session.expire_all()
    return [session.scalar(select(Decision).where(Decision.reference == f"D-{n}"))
            for n in range(1, len(accounts) + 1)]


def accounts(open_account, n, **fields):
    return [open_account(email=f"t{i}@example.fr", **fields) for i in range(n)]


def test_deemed_at_the_legal_instant_not_the_jobs(app, session, clock, open_account):
    [decision] = available(app, session, clock, accounts(open_account, 1))
    assert deemed_notification_at(decision.made_available_at) == DELAY_ENDS

    clock.set(DELAY_ENDS - timedelta(microseconds=1))
    run(app, "record_deemed_notifications")
    session.expire_all()
    assert decision.state == "available"

    clock.set(DELAY_ENDS + timedelta(days=9, hours=7))  # the scheduler was down for days
    run(app, "record_deemed_notifications")
    session.expire_all()
    assert decision.state == "notified"
    assert (decision.notified_at, decision.notified_on) == (DELAY_ENDS, date(2026, 12, 5))
    assert (decision.notification_basis, decision.notification_policy) == (
        "deemed", "fifteen_days_end_of_day/1")
    assert decision.appeal_deadline == date(2027, 2, 8)  # Sat 6 February -> Monday
    assert decision.first_consulted_at is None
    event = events_of(session, decision.subject)[-1]
    assert (event.tag, event.actor, event.occurred_at) == ("deemed_notified", "system",
                                                           DELAY_ENDS)
    document = json.loads(event.document)
    assert document["at"] == "2026-12-05T23:00:00.000000Z"
    assert document["data"] == {
        "made_available_at": "2026-11-20T09:30:00.000000Z",
        "consulted_before_end": False,
        "notification": {
            "basis": "deemed", "at": "2026-12-05T23:00:00.000000Z", "on": "2026-12-05",
            "policy": "fifteen_days_end_of_day/1",
            "delay_ends_at": "2026-12-05T23:00:00.000000Z", "territory": "metropole",
            "appeal_deadline": "2027-02-08", "appeal_policy": "two_months_franc/1",
            "residence": "france"}}

    # Idempotent: running again records nothing.
    run(app, "record_deemed_notifications")
    assert [e.tag for e in events_of(session, decision.subject)].count("deemed_notified") == 1


def test_chain_of_the_bulk_event_is_that_of_record_event(app, session, clock, open_account):
    """The bulk path builds the documents itself: same bytes as the one-by-one path."""
    one, two = available(app, session, clock, accounts(open_account, 2))
    record_deemed_notification(session, one, "metropole")
    clock.set(DELAY_ENDS)
    assert record_deemed_notifications(session, now=clock.now()).notified == 1
    session.commit()
    session.expire_all()
    by_one, by_bulk = events_of(session, one.subject)[-1], events_of(session, two.subject)[-1]
    assert by_bulk.document == by_one.document.replace("decision:D-1", "decision:D-2").replace(
        by_one.prev_hash, by_bulk.prev_hash)
    for decision in (one, two):
        chain = events_of(session, decision.subject)
        assert [e.seq for e in chain] == list(range(1, len(chain) + 1))
        for previous, event in zip([None, *chain], chain, strict=False):
            assert event.hash == event_hash(canonical_json(json.loads(event.document)))
            assert event.prev_hash == (previous.hash if previous else None)
    assert (one.notified_at, one.notified_on, one.appeal_deadline) == (
        two.notified_at, two.notified_on, two.appeal_deadline)


def test_only_unconsulted_decisions_past_their_own_end(app, session, clock, open_account):
    metro, consulted, reunion = available(
        app, session, clock, [*accounts(open_account, 2),
                              open_account(email="r@example.fr", territory="reunion")])
    holder.consult(session, session.get(Holder, consulted.holder_id), "D-2",
                   now=clock.now() + timedelta(days=1), via="page")
    session.commit()
    # 09:30 UTC is 13:30 in La Réunion (UTC+4): d = 20 Nov, end 6 Dec 00:00 = 5 Dec 20:00 UTC.
    reunion_end = datetime(2026, 12, 5, 20, 0, tzinfo=UTC)
    clock.set(reunion_end)
    report = run_deemed_notifications(app.extensions["notify"].db, clock)
    assert report.notified == 1
    session.expire_all()
    assert (reunion.state, reunion.notified_at, reunion.notified_on) == (
        "notified", reunion_end, date(2026, 12, 5))
    assert (metro.state, consulted.notification_basis) == ("available", "consultation")
    clock.set(DELAY_ENDS)
    assert run_deemed_notifications(app.extensions["notify"].db, clock).notified == 1
    session.expire_all()
    assert metro.notified_at == DELAY_ENDS
    assert [e.tag for e in events_of(session, consulted.subject)].count("deemed_notified") == 0


def test_chunks_take_every_due_decision(app, session, clock, open_account):
    decisions = available(app, session, clock, accounts(open_account, 5))
    clock.set(DELAY_ENDS)
    report = run_deemed_notifications(app.extensions["notify"].db, clock, limit=2)
    assert (report.notified, report.scanned) == (5, 5)
    session.expire_all()
    assert {d.state for d in decisions} == {"notified"}


def test_jobs_run_once_now_records_deemed_notifications(app, session, clock, open_account):
    [decision] = available(app, session, clock, accounts(open_account, 1))
    result = app.test_cli_runner().invoke(jobs_command, ["run-once", "--now",
                                                         "2026-12-06T00:00:00+01:00"])
    assert result.exit_code == 0, result.output
    assert "record_deemed_notifications: DeemedReport(notified=1" in result.output
    session.expire_all()
    assert decision.notified_at == DELAY_ENDS


def test_the_next_working_day_policy_is_a_setting(db, clock, timestamp_client, smtp_server,
                                                  session, open_account, tmp_path):
    """5 December 2026 is a Saturday: under ``fifteen_days_next_working_day`` the delay
    ends on Monday 7 December at 24:00 in Paris, and the decision records that policy."""
    from notify import create_app

    app = create_app({"mode": "test", "instance_path": tmp_path / "i", "database": db,
                      "clock": clock, "timestamp_client": timestamp_client,
                      "smtp_host": "127.0.0.1", "smtp_port": smtp_server.port,
                      "notification_policy": "fifteen_days_next_working_day"})
    [decision] = available(app, session, clock, accounts(open_account, 1))
    monday_end = datetime(2026, 12, 7, 23, 0, tzinfo=UTC)
    clock.set(monday_end - timedelta(microseconds=1))
    run(app, "record_deemed_notifications")
    session.expire_all()
    assert decision.state == "available"
    clock.set(monday_end)
    run(app, "record_deemed_notifications")
    session.expire_all()
    assert (decision.notified_at, decision.notified_on, decision.notification_policy) == (
        monday_end, date(2026, 12, 7), "fifteen_days_next_working_day/1")
