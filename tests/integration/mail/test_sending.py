"""The outbox sender against a real SMTP server on loopback (aiosmtpd)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from notify.evidence.log import events_of
from notify.mail.models import MessageState, OutboxMessage
from notify.mail.outbox import enqueue
from notify.mail.sending import recipient_key, retry_delay, send_due
from notify.mail.smtp import SMTPTransport


@pytest.fixture
def transport(smtp_server):
    return SMTPTransport("127.0.0.1", smtp_server.port, sender="ne-pas-repondre@notify.test")


@pytest.fixture
def down_transport(free_port):
    """Nothing listens there: the connection is refused, as when the server is down."""
    return SMTPTransport("127.0.0.1", free_port(), sender="ne-pas-repondre@notify.test",
                         timeout=2)


KEY = recipient_key("test secret")


def queue(session, clock, kind="verify_email", to="titulaire@example.fr", subject_ref=None,
          **arguments):
    """Queue a message, outside any Flask context (as an operation run by a job does)."""
    arguments = arguments or {"link": "https://notify.test/compte/verification/abc",
                              "hours": 48}
    message = enqueue(session, kind=kind, to=to, subject="Confirmez votre adresse",
                      template="verify_email", now=clock.now(), subject_ref=subject_ref,
                      **arguments)
    session.commit()
    return message


def send(db, transport, clock, max_attempts=3, connections=1):
    return send_due(db, transport, clock, sender="ne-pas-repondre@notify.test",
                    max_attempts=max_attempts, key=KEY, connections=connections)


def test_message_is_delivered_and_the_answer_recorded(app, db, session, clock, transport,
                                                      inbox):
    message = queue(session, clock)
    report = send(db, transport, clock)
    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    [received] = inbox.messages
    assert received["To"] == "titulaire@example.fr"
    assert received["Subject"] == "Confirmez votre adresse"
    assert "https://notify.test/compte/verification/abc" in received.get_body(
        ("plain",)).get_content()
    assert received.get_body(("html",)) is not None
    session.refresh(message)
    assert message.state == MessageState.SENT
    assert message.smtp_response.startswith("250 ")
    assert message.sent_at == clock.now()
    assert send(db, transport, clock).sent == 0  # nothing is sent twice


def test_server_down_keeps_the_message_and_retries_with_backoff(app, db, session, clock,
                                                                down_transport, transport,
                                                                inbox):
    message = queue(session, clock)
    report = send(db, down_transport, clock)
    assert (report.sent, report.retried) == (0, 1)
    session.refresh(message)
    assert message.state == MessageState.PENDING
    assert message.attempts == 1
    assert "injoignable" in message.last_error
    assert message.next_attempt_at == clock.now() + retry_delay(1)

    assert send(db, transport, clock).sent == 0  # not due yet
    clock.advance(retry_delay(1))
    assert send(db, transport, clock).sent == 1
    assert len(inbox.messages) == 1
    session.refresh(message)
    assert (message.state, message.attempts, message.last_error) == (MessageState.SENT, 2, None)


def test_permanent_refusal_is_final_and_recorded(app, db, session, clock, transport, inbox):
    inbox.refuse_with = "550 5.1.1 <titulaire@example.fr>: Mailbox unavailable"
    message = queue(session, clock)
    report = send(db, transport, clock)
    assert report.failed == 1
    session.refresh(message)
    assert message.state == MessageState.FAILED
    assert message.last_error.startswith("550")
    assert "titulaire@example.fr" not in message.last_error  # no address in logs or evidence
    assert "<adresse>" in message.last_error
    assert inbox.messages == []


def test_temporary_refusals_give_up_after_the_last_attempt(app, db, session, clock, transport,
                                                           inbox):
    inbox.refuse_with = "451 4.3.0 Try again later"
    message = queue(session, clock)
    for attempt in range(1, 4):
        send(db, transport, clock, max_attempts=3)
        session.refresh(message)
        assert message.attempts == attempt
        clock.advance(timedelta(hours=7))
    assert message.state == MessageState.FAILED
    assert message.last_error.startswith("451")


def test_backoff_doubles_and_is_capped():
    assert [retry_delay(n) for n in (1, 2, 3)] == [timedelta(seconds=30), timedelta(minutes=1),
                                                   timedelta(minutes=2)]
    assert retry_delay(40) == timedelta(hours=6)


def test_alert_acceptance_is_an_event_of_its_decision(app, db, session, clock, transport,
                                                      inbox):
    queue(session, clock, kind="decision_alert", subject_ref="decision:TEST-1")
    queue(session, clock, kind="verify_email", subject_ref="account:CPT-1")
    send(db, transport, clock)
    [event] = events_of(session, "decision:TEST-1")
    assert event.tag == "alert_sent"
    assert '"smtp_response":"250 ' in event.document
    assert events_of(session, "account:CPT-1") == []


def test_alert_final_failure_is_an_event_too(app, db, session, clock, transport, inbox):
    inbox.refuse_with = "550 5.1.1 Mailbox unavailable"
    queue(session, clock, kind="decision_alert", subject_ref="decision:TEST-2")
    send(db, transport, clock)
    [event] = events_of(session, "decision:TEST-2")
    assert event.tag == "alert_failed"
    assert session.scalar(select(OutboxMessage.state)) == MessageState.FAILED


def test_several_connections_deliver_each_message_once(app, db, session, clock, transport,
                                                       inbox):
    for n in range(7):
        queue(session, clock, kind="decision_alert", to=f"t{n}@example.fr",
              subject_ref=f"decision:MULTI-{n}")
    report = send(db, transport, clock, connections=3)
    assert report.sent == 7
    assert sorted(m["To"] for m in inbox.messages) == [f"t{n}@example.fr" for n in range(7)]
    for n in range(7):
        assert [e.tag for e in events_of(session, f"decision:MULTI-{n}")] == ["alert_sent"]
