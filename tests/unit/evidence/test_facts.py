"""The legal checks of a decision's events, on facts built by hand (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from notify.decisions.notification import deemed_event_data
from notify.evidence.facts import Fact, decision_checks, summarise
from notify.legal.deadlines import appeal_deadline, notification

DEPOSIT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
MADE = DEPOSIT + timedelta(seconds=2)
END = datetime(2026, 12, 5, 23, 0, tzinfo=UTC)  # 24:00 of 5 December, Paris


def fact(seq, tag, at, certified_at=None, batch=1, **data):
    return Fact(seq, tag, "system", at, data, certified_at or at, batch)


def deposited():
    return fact(1, "deposited", DEPOSIT, MADE, batch=1)


def made(at=MADE, batch=1):
    return fact(2, "made_available", at, at + timedelta(seconds=2), batch=2,
                evidence_batch=batch)


def deemed_fact(at=END, certified_at=END + timedelta(hours=1), made_at=MADE):
    notice = notification(made_at, None, "metropole")
    data = deemed_event_data(made_at, notice, appeal_deadline(notice.on, "metropole"))
    return Fact(3, "deemed_notified", "system", at, data, certified_at, 3)


def failed(checks):
    return {c.name for c in checks if not c.ok}


def test_a_sound_deemed_notification_passes_every_check():
    facts = [deposited(), made(), deemed_fact()]
    checks = decision_checks(facts, complete_until=END + timedelta(hours=1))
    assert failed(checks) == set()
    assert [c.name for c in checks] == [
        "legal.recorded_before_certified", "legal.made_available", "legal.deemed_instant",
        "legal.deemed_certified_after", "legal.no_consultation_before_end"]
    assert all(c.label and c.detail for c in checks)
    assert summarise(facts).notification["basis"] == "deemed"


def test_the_making_available_must_be_the_certified_deposit():
    assert failed(decision_checks([deposited(), made(at=MADE + timedelta(hours=1))])) == {
        "legal.made_available"}
    assert failed(decision_checks([deposited(), made(batch=7)])) == {"legal.made_available"}


def test_a_deemed_instant_other_than_the_recomputed_one_is_refused():
    shifted = deemed_fact()
    record = dict(shifted.data["notification"], at="2026-12-06T23:00:00.000000Z")
    wrong = Fact(3, "deemed_notified", "system", END, dict(shifted.data, notification=record),
                 shifted.certified_at, 3)
    checks = decision_checks([deposited(), made(), wrong], END + timedelta(days=2))
    assert failed(checks) == {"legal.deemed_instant"}


def test_a_deemed_notification_certified_before_the_end_is_refused():
    early = deemed_fact(certified_at=END - timedelta(minutes=1))
    assert {"legal.deemed_certified_after", "legal.recorded_before_certified"} <= failed(
        decision_checks([deposited(), made(), early], END))


@pytest.mark.parametrize("complete_until", [None, END - timedelta(seconds=1)])
def test_absence_needs_the_log_complete_after_the_end(complete_until):
    checks = decision_checks([deposited(), made(), deemed_fact()], complete_until)
    assert failed(checks) == {"legal.no_consultation_before_end"}


def test_a_consultation_before_the_making_available_is_refused():
    early = fact(3, "first_consultation", MADE - timedelta(seconds=1), via="page",
                 notification=None)
    assert "legal.consultation" in failed(decision_checks([deposited(), made(), early]))


def test_a_consultation_within_the_delay_notifies_at_its_instant():
    at = MADE + timedelta(days=3)
    notice = notification(MADE, at, "metropole")
    from notify.decisions.notification import notification_record

    record = notification_record(notice, appeal_deadline(notice.on, "metropole"))
    good = fact(3, "first_consultation", at, at + timedelta(seconds=2), via="page",
                notification=record, within_delay=True)
    assert failed(decision_checks([deposited(), made(), good])) == set()
    moved = fact(3, "first_consultation", at + timedelta(hours=1), at + timedelta(hours=2),
                 via="page", notification=record, within_delay=True)
    assert failed(decision_checks([deposited(), made(), moved])) == {"legal.consultation"}
