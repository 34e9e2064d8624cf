"""The reminder before the end of the fifteen-day delay, through the real SMTP server on
loopback, with the test clock: sent once, a few days before the end, only if the decision
is still unopened; recorded as evidence; no date moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from notify.decisions import holder as ops
from notify.decisions.operations import ALERT_SUBJECT
from notify.evidence.log import events_of
from tests.integration.decisions.test_holder_consultation import DELAY_ENDS, available, run
from tests.web.decisions.test_holder_pages import text_of

REMINDER = "Rappel : une décision vous attend sur votre compte"


def _texts(inbox, subject):
    return [m.get_body(("plain",)).get_content() for m in inbox.messages
            if m["Subject"] == subject]


def test_alert_says_until_when_and_one_reminder_comes_three_days_before(
        app, session, clock, open_account, send_mail, inbox):
    account = open_account(territory="reunion")
    decision = available(app, session, clock, account)
    send_mail()
    [alert] = _texts(inbox, ALERT_SUBJECT)
    print(alert)
    # Made available on 20 November 2026 at 13:30 in La Réunion: the last day is
    # 5 December, and the alert says so in the holder's named time.
    assert "jusqu'au 5 décembre 2026 à 24:00 (heure de La Réunion)" in alert
    inbox.messages.clear()

    ends = datetime(2026, 12, 5, 20, 0, tzinfo=UTC)  # 24:00 in La Réunion (UTC+4)
    clock.set(ends - timedelta(days=3, seconds=1))
    run(app, "send_decision_reminders", "send_outbox")
    assert _texts(inbox, REMINDER) == []

    clock.set(ends - timedelta(days=3))
    run(app, "send_decision_reminders", "send_outbox")
    [reminder] = _texts(inbox, REMINDER)
    print(reminder)
    assert "jusqu'au 5 décembre 2026 à 24:00 (heure de La Réunion)" in reminder
    assert "Ce rappel ne change aucune date" in reminder
    assert "https://notify.test/decisions" in reminder
    assert account.holder.licence_number not in reminder

    clock.advance(timedelta(hours=5))
    run(app, "send_decision_reminders", "send_outbox")  # once only
    assert len(_texts(inbox, REMINDER)) == 1
    session.expire_all()
    tags = [e.tag for e in events_of(session, decision.subject)]
    assert tags[-2:] == ["reminder_queued", "reminder_sent"]
    assert tags.count("reminder_queued") == 1
    assert (decision.notified_at, decision.first_consulted_at) == (None, None)

    clock.set(ends)
    run(app, "record_deemed_notifications")
    session.expire_all()
    assert decision.notified_at == ends  # the reminder moved nothing


def test_no_reminder_for_an_opened_decision(app, session, clock, open_account, inbox):
    account = open_account()
    available(app, session, clock, account)
    ops.consult(session, account.holder, "D-1", now=clock.now(), via="page")
    session.commit()
    clock.set(DELAY_ENDS - timedelta(days=1))
    run(app, "send_decision_reminders", "send_outbox")
    assert _texts(inbox, REMINDER) == []


def test_decision_page_names_the_notifying_instant_and_zone(browser, app, session, clock,
                                                            open_account):
    account = open_account(territory="reunion")
    available(app, session, clock, account)
    clock.set(datetime(2026, 12, 3, 13, 2, 11, tzinfo=UTC))
    browser.login("titulaire@example.fr")
    page = text_of(browser.get("/decisions/D-1"))
    assert ("Instant de la notification : votre première consultation, le 3 décembre 2026 à "
            "17:02:11 (heure de La Réunion).") in page
    assert "Les heures de cette page sont à l'heure de La Réunion" in page
