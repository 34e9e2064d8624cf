"""The holder's consultation of his decisions (R. 223-3-1 III) against a real database."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from notify.decisions import holder as ops
from notify.decisions import operations as deposit_ops
from notify.decisions.models import Decision
from notify.decisions.notification import run_deemed_notifications
from notify.errors import NotFound
from notify.evidence.log import events_of
from notify.legal.deadlines import appeal_deadline
from tests.conftest import depositor_id
from tests.deposits import restoration, withdrawal
from tests.jobs import run_jobs

PARIS_D = date(2026, 11, 20)
"""The test clock starts 2026-11-20 09:30 UTC, 10:30 in Paris."""
DELAY_ENDS = datetime(2026, 12, 5, 23, 0, tzinfo=UTC)
"""24:00 of d + 15 = 5 December 2026 in Paris (CET, UTC+1)."""


def run(app, *names):
    run_jobs(app, *names)


def available(app, session, clock, account, *items):
    """Deposit ``items`` for ``account``, certify them and make them available (real jobs,
    embedded TSA reading the test clock)."""
    items = items or (withdrawal("D-1", account.holder.licence_number),)
    results = deposit_ops.deposit(session, list(items), depositor="t",
                                  organisation_id=depositor_id(session), now=clock.now())
    assert {r.channel for r in results} == {"online"}, [r.as_json() for r in results]
    session.commit()
    run(app, "certify_evidence", "make_decisions_available")
    session.expire_all()
    decisions = [session.scalar(select(Decision).where(Decision.reference == r.reference))
                 for r in results]
    assert all(d.state == "available" for d in decisions)
    return decisions if len(decisions) > 1 else decisions[0]


def tags(session, decision):
    return [e.tag for e in events_of(session, decision.subject)]


def test_first_opening_notifies_and_is_recorded_once(app, session, clock, open_account):
    account = open_account()
    decision = available(app, session, clock, account)
    assert decision.made_available_at == clock.now()  # genTime of the embedded TSA
    clock.advance(timedelta(days=3, hours=4))
    opened_at = clock.now()

    shown = ops.consult(session, account.holder, "D-1", now=opened_at, via="page")
    session.commit()
    assert shown.decision is decision
    assert decision.state == "notified"
    assert decision.first_consulted_at == decision.notified_at == opened_at
    assert decision.notified_on == date(2026, 11, 23)
    assert decision.notification_basis == "consultation"
    assert decision.notification_policy == "fifteen_days_end_of_day/1"
    assert decision.appeal_deadline == appeal_deadline(date(2026, 11, 23), "metropole",
                                                       "france") == date(2027, 1, 25)
    first = events_of(session, decision.subject)[-1]
    assert (first.tag, first.actor, first.occurred_at) == ("first_consultation", "holder",
                                                           opened_at)
    data = json.loads(first.document)["data"]
    assert data["via"] == "page" and data["within_delay"] is True
    assert data["notification"]["basis"] == "consultation"
    assert data["notification"]["on"] == "2026-11-23"
    assert data["notification"]["appeal_deadline"] == "2027-01-25"
    assert data["notification"]["residence"] == "france"

    # Opening it again the same (Paris) day records nothing; the next day, one event.
    clock.advance(timedelta(hours=5))  # 2026-11-23 19:30 Paris
    ops.consult(session, account.holder, "D-1", now=clock.now(), via="pdf")
    assert tags(session, decision).count("consulted") == 0
    clock.advance(timedelta(hours=6))  # 2026-11-24 01:30 Paris
    ops.consult(session, account.holder, "D-1", now=clock.now(), via="pdf")
    ops.consult(session, account.holder, "D-1", now=clock.now(), via="page")
    session.commit()
    assert tags(session, decision) == ["deposited", "made_available", "first_consultation",
                                       "consulted"]
    assert decision.notified_at == opened_at  # unchanged by later openings


def test_the_pdf_is_a_first_consultation_too(app, session, clock, open_account):
    account = open_account()
    decision = available(app, session, clock, account)
    ops.consult(session, account.holder, "D-1", now=clock.now(), via="pdf")
    session.commit()
    [event] = [e for e in events_of(session, decision.subject)
               if e.tag == "first_consultation"]
    assert json.loads(event.document)["data"]["via"] == "pdf"


def test_listing_is_not_a_consultation(app, session, clock, open_account):
    account = open_account()
    decision = available(app, session, clock, account)
    listed = ops.holder_decisions(session, account.holder)
    assert [d.reference for d in listed] == ["D-1"]
    assert listed[0].is_new
    assert decision.first_consulted_at is None
    assert tags(session, decision) == ["deposited", "made_available"]


def test_opening_after_the_end_is_deemed_notified_first(app, session, clock, open_account):
    """The job has not passed yet: the deemed notification is recorded at its legal
    instant, then the consultation, which does not move the notification date."""
    account = open_account()
    decision = available(app, session, clock, account)
    clock.set(DELAY_ENDS)  # exactly the end: too late to notify by consultation
    ops.consult(session, account.holder, "D-1", now=clock.now(), via="page")
    session.commit()
    assert decision.notification_basis == "deemed"
    assert decision.notified_at == DELAY_ENDS
    assert decision.notified_on == date(2026, 12, 5)
    assert decision.first_consulted_at == DELAY_ENDS
    events = events_of(session, decision.subject)
    assert [e.tag for e in events][-2:] == ["deemed_notified", "first_consultation"]
    assert events[-2].occurred_at == DELAY_ENDS
    data = json.loads(events[-1].document)["data"]
    assert data["within_delay"] is False and data["notification"] is None

    # The job, passing later, finds nothing more to do.
    clock.advance(timedelta(days=1))
    assert run_deemed_notifications(app.extensions["notify"].db, clock).notified == 0


def test_one_second_before_the_end_is_a_consultation(app, session, clock, open_account):
    account = open_account()
    decision = available(app, session, clock, account)
    clock.set(DELAY_ENDS - timedelta(seconds=1))
    ops.consult(session, account.holder, "D-1", now=clock.now(), via="page")
    assert (decision.notification_basis, decision.notified_on) == ("consultation",
                                                                   date(2026, 12, 5))


def test_opening_after_the_job_changes_nothing_but_is_recorded(app, session, clock,
                                                               open_account):
    account = open_account()
    decision = available(app, session, clock, account)
    clock.set(DELAY_ENDS + timedelta(days=2))
    run(app, "record_deemed_notifications")
    session.expire_all()
    notified = (decision.notified_at, decision.notified_on, decision.appeal_deadline)
    ops.consult(session, account.holder, "D-1", now=clock.now(), via="page")
    session.commit()
    assert (decision.notified_at, decision.notified_on, decision.appeal_deadline) == notified
    assert tags(session, decision)[-2:] == ["deemed_notified", "first_consultation"]


def test_only_the_holders_own_visible_decisions(app, session, clock, open_account,
                                                make_holder):
    account = open_account()
    decision = available(app, session, clock, account)
    other = open_account(email="autre@example.fr")
    for holder, reference in ((other.holder, "D-1"), (account.holder, "NOPE")):
        with pytest.raises(NotFound) as refused:
            ops.consult(session, holder, reference, now=clock.now(), via="page")
        assert refused.value.message == ops.NOT_FOUND
    assert ops.holder_decisions(session, other.holder) == []
    # Deposited but not certified yet: does not exist for the holder.
    deposit_ops.deposit(session, [restoration("D-2", account.holder.licence_number)],
                        depositor="t", organisation_id=depositor_id(session),
                        now=clock.now())
    with pytest.raises(NotFound):
        ops.consult(session, account.holder, "D-2", now=clock.now(), via="page")
    session.commit()
    assert decision.first_consulted_at is None
    assert tags(session, decision) == ["deposited", "made_available"]


def test_notification_lines(app, session, clock, open_account):
    account = open_account()
    first, second = available(app, session, clock, account,
                              withdrawal("D-1", account.holder.licence_number),
                              restoration("D-2", account.holder.licence_number))
    listed = {d.reference: d for d in ops.holder_decisions(session, account.holder)}
    assert listed["D-1"].notification_line == (
        "Mise à disposition le 20 novembre 2026 ; à défaut de consultation, elle sera "
        "réputée notifiée le 5 décembre 2026 (fin du délai de quinze jours : à ouvrir avant "
        "le 5 décembre 2026 à 24:00 (heure de Paris))")
    clock.set(datetime(2026, 12, 3, 13, 2, 11, tzinfo=UTC))
    shown = ops.consult(session, account.holder, "D-1", now=clock.now(), via="page")
    session.commit()
    assert shown.notification_line == ("Notifiée le 3 décembre 2026 (première consultation, "
                                       "horodatage en cours)")
    clock.advance(timedelta(seconds=4))
    run(app, "certify_evidence")
    shown = ops.consult(session, account.holder, "D-1", now=clock.now(), via="page")
    assert shown.notification_line == ("Notifiée le 3 décembre 2026 (première consultation, "
                                       "horodatée le 3 décembre 2026 à 14:02:15 (heure de Paris))")
    assert shown.appeal_line.startswith("Vous pouvez former un recours contentieux jusqu'au "
                                        "4 février 2027 inclus")
    clock.set(DELAY_ENDS + timedelta(hours=1))
    run(app, "record_deemed_notifications")
    session.expire_all()
    [deemed] = [d for d in ops.holder_decisions(session, account.holder)
                if d.reference == "D-2"]
    assert deemed.notification_line == ("Réputée notifiée le 5 décembre 2026 (fin du délai "
                                        "de quinze jours)")
    assert second.appeal_deadline == date(2027, 2, 8)  # 6 Feb 2027 is a Saturday


def test_overview_balance_is_from_the_latest_visible_decision(app, session, clock,
                                                              open_account):
    account = open_account()
    assert ops.overview(session, account.holder, clock.now()).balance is None
    available(app, session, clock, account,
              withdrawal("D-1", account.holder.licence_number, decided_on="2026-11-10"),
              restoration("D-2", account.holder.licence_number, points=2,
                          balance_after=12, decided_on="2026-11-18"))
    # A later decision not certified yet is not counted.
    deposit_ops.deposit(session, [withdrawal("D-3", account.holder.licence_number,
                                             points=3, balance_after=9)],
                        depositor="t", organisation_id=depositor_id(session),
                        now=clock.now())
    seen = ops.overview(session, account.holder, clock.now())
    assert (seen.balance, seen.balance_decided_on) == (12, date(2026, 11, 18))
    assert sorted(d.reference for d in seen.decisions) == ["D-1", "D-2"]


def test_purged_decision_records_no_consultation(app, session, clock, open_account):
    account = open_account()
    decision = available(app, session, clock, account)
    ops.consult(session, account.holder, "D-1", now=clock.now(), via="page")
    decision.content_purged_at = clock.now()
    session.commit()
    clock.advance(timedelta(days=2))
    shown = ops.consult(session, account.holder, "D-1", now=clock.now(), via="page")
    assert shown.purged
    assert tags(session, decision)[-1] == "first_consultation"
