"""The access log's retention: past NOTIFY_ACCESS_LOG_RETENTION the index rows go and the
events' documents are blanked, the events and their hashes stay, so that every other
subject's proof through the same batches still verifies."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from notify.auth.models import StaffMember
from notify.backoffice.access import AccessAction, Accessed, holder_file, record_access
from notify.backoffice.journal import PURGE_SUBJECT
from notify.backoffice.models import StaffAccess
from notify.decisions import operations as deposit_ops
from notify.decisions.audit import export_bundle, run_checks
from notify.evidence.batches import check_log
from notify.evidence.bundle import check_bundle
from notify.evidence.log import events_of
from notify.evidence.models import Event, EventTag
from tests.conftest import depositor_id
from tests.deposits import withdrawal
from tests.jobs import run_jobs


@pytest.fixture
def read_then_deposited(app, session, clock, open_account, enrolled_staff):
    """A member's read of a holder's file and a decision's deposit, in the same batch."""
    account = open_account()
    enrolled_staff()
    member = session.scalars(select(StaffMember)).one()
    record_access(session, member, AccessAction.HOLDER, now=clock.now(), reason="Contrôle",
                  read=[Accessed(holder_file(account.holder_id))])
    deposit_ops.deposit(session, [withdrawal("D-1", account.holder.licence_number)],
                        depositor="t", organisation_id=depositor_id(session), now=clock.now())
    session.commit()
    run_jobs(app, "certify_evidence", "make_decisions_available")
    run_jobs(app, "certify_evidence")
    access = session.scalars(select(Event).where(Event.tag == EventTag.STAFF_ACCESS)).one()
    deposit = session.scalars(select(Event).where(Event.tag == EventTag.DEPOSITED)).one()
    assert access.batch_id == deposit.batch_id is not None
    return member, access


def test_the_purge_keeps_hashes_and_the_decision_bundle_still_verifies(
        app, session, clock, read_then_deposited, tsa_files):
    member, access = read_then_deposited
    kept_hash = access.hash
    clock.advance(timedelta(days=200))
    run_jobs(app, "purge_access_log")  # within the year: nothing goes
    session.expire_all()
    assert session.scalar(select(StaffAccess.id)) is not None
    assert events_of(session, PURGE_SUBJECT) == []

    clock.advance(timedelta(days=170))
    run_jobs(app, "purge_access_log", "certify_evidence")
    session.expire_all()
    assert session.scalars(select(StaffAccess)).all() == []
    purged = session.get(Event, access.id)
    assert (purged.document, purged.hash) == ("", kept_hash)
    [record] = events_of(session, PURGE_SUBJECT)
    data = json.loads(record.document)["data"]
    assert (record.tag, data["rows"], data["events"], data["retention"]) == (
        EventTag.ACCESS_LOG_PURGED, 1, 1, "P1Y")
    assert data["cutoff"].startswith(f"{clock.now().year - 1}-")

    assert check_log(session) == []
    assert all(check.ok for check in run_checks(session)), run_checks(session)
    report = check_bundle(export_bundle(app.extensions["notify"], "decision:D-1").data,
                          [tsa_files.root])
    assert report.ok, report.failures

    run_jobs(app, "purge_access_log")  # twice: nothing more, no second record
    session.expire_all()
    assert len(events_of(session, PURGE_SUBJECT)) == 1


def test_a_blank_document_of_any_other_tag_is_still_reported(app, session, clock,
                                                             read_then_deposited):
    _, access = read_then_deposited
    deposit = session.scalars(select(Event).where(Event.tag == EventTag.DEPOSITED)).one()
    session.execute(update(Event).where(Event.id == deposit.id).values(document=""))
    session.execute(update(Event).where(Event.id == access.id).values(document=""))
    session.commit()
    assert check_log(session) == [
        f"événement {deposit.id} : son document ne donne plus son empreinte"]


def test_a_staff_access_document_edited_rather_than_blanked_is_reported(
        app, session, read_then_deposited):
    _, access = read_then_deposited
    session.execute(update(Event).where(Event.id == access.id).values(document="{}"))
    session.commit()
    assert check_log(session) == [
        f"événement {access.id} : son document ne donne plus son empreinte"]
