"""One bad row cannot stop the mail: undeliverable addresses, Message-IDs, evidence of
what was sent, no link left readable, the outbox purged (real SMTP server on loopback)."""

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import insert, select

from notify.evidence.log import events_of
from notify.mail.models import MessageState, OutboxMessage
from notify.mail.outbox import enqueue
from notify.mail.sending import purge_sent, recipient_key, send_due
from notify.mail.smtp import SMTPUTF8_MISSING, SMTPTransport
from notify.models import Base

SENDER = "ne-pas-repondre@notify.test"
KEY = recipient_key("test secret")


def send(db, port, clock, connections=1):
    return send_due(db, SMTPTransport("127.0.0.1", port, sender=SENDER), clock, sender=SENDER,
                    max_attempts=3, key=KEY, connections=connections)


def alert(session, clock, to, ref):
    return enqueue(session, kind="decision_alert", to=to, subject="Une nouvelle décision",
                   template="decision_alert", now=clock.now(), subject_ref=ref,
                   link="https://notify.test/decisions")


@pytest.fixture
def ascii_only_server(new_inbox, free_port):
    controller = Controller(new_inbox(), hostname="127.0.0.1", port=free_port(),
                            enable_SMTPUTF8=False)
    controller.start()
    yield controller
    controller.stop()


def test_an_undeliverable_row_fails_alone_with_its_reason(db, session, clock,
                                                          ascii_only_server):
    smtp_server, inbox = ascii_only_server, ascii_only_server.handler
    # Written before addresses were checked at input: the server offers no SMTPUTF8.
    alert(session, clock, "avant@example.fr", "decision:A")
    bad = alert(session, clock, "zoë@exemple.fr", "decision:B")
    alert(session, clock, "apres@example.fr", "decision:C")
    session.commit()

    report = send(db, smtp_server.port, clock, connections=2)

    assert (report.sent, report.failed, report.retried) == (2, 1, 0)
    assert sorted(m["To"] for m in inbox.messages) == ["apres@example.fr", "avant@example.fr"]
    session.refresh(bad)
    assert bad.state == MessageState.FAILED
    assert bad.last_error == SMTPUTF8_MISSING
    [failed] = events_of(session, "decision:B")
    assert failed.tag == "alert_failed"
    assert "zoë" not in failed.document
    assert send(db, smtp_server.port, clock).sent == 0  # nothing left, nothing stuck


def test_an_internationalised_address_goes_out_where_smtputf8_is_offered(db, session, clock,
                                                                         new_inbox, free_port):
    server = Controller(new_inbox(), hostname="127.0.0.1", port=free_port(),
                        enable_SMTPUTF8=True)
    server.start()
    message = alert(session, clock, "zoë@exemple.fr", "decision:U")
    session.commit()
    try:
        assert send(db, server.port, clock).sent == 1
    finally:
        server.stop()
    [received] = server.handler.messages
    assert received["To"] == "zoë@exemple.fr"
    assert "https://notify.test/decisions" in received.get_body(("plain",)).get_content()
    session.refresh(message)
    assert message.state == MessageState.SENT


def test_a_message_whose_template_fails_is_failed_and_the_others_go(db, session, clock,
                                                                    smtp_server, inbox):
    broken = enqueue(session, kind="verify_email", to="a@example.fr", subject="x",
                     template="verify_email", now=clock.now(), hours=48)  # no link
    alert(session, clock, "b@example.fr", "decision:T")
    session.commit()
    report = send(db, smtp_server.port, clock)
    assert (report.sent, report.failed) == (1, 1)
    session.refresh(broken)
    assert broken.state == MessageState.FAILED
    assert "impossible à composer" in broken.last_error and "link" in broken.last_error


def test_alert_evidence_names_the_message_not_the_address(db, session, clock, smtp_server,
                                                          inbox):
    message = alert(session, clock, "titulaire@example.fr", "decision:E")
    session.commit()
    send(db, smtp_server.port, clock)

    [raw] = inbox.raw
    [received] = inbox.messages
    session.refresh(message)
    [event] = events_of(session, "decision:E")
    data = json.loads(event.document)["data"]
    assert received["Message-ID"] == message.message_id == data["message_id"]
    assert data["message_sha256"] == message.sent_sha256 == hashlib.sha256(raw).hexdigest()
    assert data["recipient_hmac"] == hmac.new(KEY, b"titulaire@example.fr",
                                              hashlib.sha256).hexdigest()
    assert data["smtp_response"].startswith("250 ")
    assert "titulaire@example.fr" not in event.document
    assert KEY != b"test secret"


def test_no_link_is_readable_in_the_database_once_sent(app, db, session, clock, open_account,
                                                       send_mail, inbox):
    from notify.accounts import operations as ops

    account = open_account(email="oubli@example.fr")
    settings = app.extensions["notify"].settings
    ops.request_password_reset(session, "oubli@example.fr", clock.now(), settings)
    session.commit()
    send_mail()
    [reset] = [m for m in inbox.messages if m["Subject"].startswith("Réinitialisation")]
    token = reset.get_body(("plain",)).get_content().split("/mot-de-passe/nouveau/")[1].split()[0]
    assert len(token) > 20

    # Every column of every row of every table, as text.
    dump = []
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)):
            dump.extend(str(value) for value in row)
    assert not any(token in value for value in dump)
    assert session.scalars(select(OutboxMessage.arguments).where(
        OutboxMessage.state == MessageState.SENT)).all() == [None] * 2  # verify + reset
    assert account.email == "oubli@example.fr"


def test_finished_messages_are_purged_after_the_period_pending_ones_never(db, session, clock,
                                                                          smtp_server, inbox):
    sent = alert(session, clock, "a@example.fr", "decision:P1")
    session.commit()
    send(db, smtp_server.port, clock)
    inbox.refuse_with = "550 5.1.1 Mailbox unavailable"
    failed = alert(session, clock, "b@example.fr", "decision:P2")
    session.commit()
    send(db, smtp_server.port, clock)
    # A message not yet sent (server down for long) is kept whatever its age.
    session.execute(insert(OutboxMessage).values(
        kind="verify_email", to_address="c@example.fr", subject="x", template="verify_email",
        arguments={"link": "https://notify.test/x", "hours": 48}, state=MessageState.PENDING,
        attempts=5, created_at=clock.now(), next_attempt_at=clock.now() + timedelta(days=30)))
    session.commit()
    ids = {sent.id, failed.id}

    assert purge_sent(session, clock.now() + timedelta(days=7), timedelta(days=7)) == 0
    clock.advance(timedelta(days=7, seconds=1))
    assert purge_sent(session, clock.now(), timedelta(days=7)) == 2
    session.commit()
    left = session.scalars(select(OutboxMessage)).all()
    assert [m.state for m in left] == [MessageState.PENDING]
    assert not ids & {m.id for m in left}
    # The alert's evidence outlives its outbox row.
    assert [e.tag for e in events_of(session, "decision:P1")] == ["alert_sent"]
