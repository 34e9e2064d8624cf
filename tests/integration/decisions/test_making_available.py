"""Making available (R. 223-3-1 III) once the deposit is certified, and the alert (II)."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from notify.decisions import operations as ops
from notify.decisions.models import Decision
from notify.evidence.log import events_of
from notify.evidence.models import Event, EvidenceBatch
from notify.mail.models import OutboxMessage
from tests.conftest import depositor_id
from tests.deposits import withdrawal
from tests.jobs import run_jobs


def deposit_online(session, clock, open_account, reference="D-1"):
    account = open_account()
    [result] = ops.deposit(session, [withdrawal(reference, account.holder.licence_number)],
                           depositor="t", organisation_id=depositor_id(session),
                        now=clock.now())
    assert result.channel == "online"
    session.commit()
    return account, session.scalar(select(Decision).where(Decision.reference == reference))


def certify_by_hand(session, decision, gen_time):
    """Shortcut for these tests: put the deposit event in a batch that has a token, as
    the evidence batching (notify.evidence.batches) does; the token bytes are not
    checked by the making available, only their presence and the genTime."""
    batch = EvidenceBatch(seq=1, prev_root="0" * 64, root="1" * 64, size=1,
                          closed_at=gen_time, token=b"token", gen_time=gen_time,
                          next_attempt_at=gen_time, attempts=1)
    session.add(batch)
    session.flush()
    session.get(Event, decision.deposit_event_id).batch_id = batch.id
    session.commit()


def test_nothing_is_made_available_before_certification(ctx, session, clock, open_account):
    _, decision = deposit_online(session, clock, open_account)
    clock.advance(timedelta(days=20))
    report = ops.make_available(session, now=clock.now(), base_url=ctx.settings.base_url)
    assert report.made_available == 0
    assert decision.state == "pending_certification"
    assert decision.made_available_at is None
    assert ops.record_of_holder(session, decision.holder_id) == []


def test_certified_deposit_is_made_available_at_gen_time_and_alerted(ctx, session, clock,
                                                                     open_account):
    account, decision = deposit_online(session, clock, open_account)
    gen_time = clock.now() + timedelta(seconds=3)
    certify_by_hand(session, decision, gen_time)
    clock.advance(timedelta(minutes=5))

    report = ops.make_available(session, now=clock.now(), base_url=ctx.settings.base_url)
    session.commit()
    assert (report.made_available, report.alerts_queued) == (1, 1)
    assert decision.state == "available"
    assert decision.made_available_at == gen_time  # the certified instant, not the job's
    made = events_of(session, decision.subject)[-1]
    assert (made.tag, made.occurred_at, made.actor) == ("made_available", gen_time, "system")
    assert json.loads(made.document)["data"]["letter_sha256"] == decision.letter_sha256

    mail = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "decision_alert"))
    assert (mail.to_address, mail.subject_ref) == (account.email, "decision:D-1")
    assert mail.subject == "Une nouvelle décision est disponible dans votre espace"
    assert "https://notify.test/decisions" in mail.bodies()[0]
    assert "https://notify.test/decisions" in mail.bodies()[1]
    for detail in ("D-1", "Lyon", "Excès", "2 points", account.holder.licence_number):
        assert detail not in mail.subject + mail.bodies()[0] + mail.bodies()[1]
    assert [row.id for row in ops.record_of_holder(session, decision.holder_id)] == [decision.id]

    # Idempotent: a second run finds nothing to do.
    again = ops.make_available(session, now=clock.now(), base_url=ctx.settings.base_url)
    assert again.made_available == 0
    assert session.query(OutboxMessage).count() == 2  # address verification + one alert


def test_jobs_certify_make_available_and_send_the_alert(app, session, clock, open_account,
                                                        inbox):
    """The real chain: embedded TSA, the making available, SMTP to aiosmtpd."""
    account, decision = deposit_online(session, clock, open_account)
    clock.advance(timedelta(seconds=30))
    run_jobs(app)
    session.expire_all()
    assert decision.state == "available"
    batch = session.scalar(select(EvidenceBatch).join(Event, Event.batch_id == EvidenceBatch.id)
                           .where(Event.id == decision.deposit_event_id))
    assert decision.made_available_at == batch.gen_time
    alerts = [m for m in inbox.messages if m["To"] == account.email
              and "nouvelle décision" in m["Subject"]]
    assert len(alerts) == 1
    assert [e.tag for e in events_of(session, decision.subject)] == [
        "deposited", "made_available", "alert_sent"]


def test_decisions_of_another_holder_are_not_found(ctx, session, clock, open_account):
    _, decision = deposit_online(session, clock, open_account)
    certify_by_hand(session, decision, clock.now())
    ops.make_available(session, now=clock.now(), base_url=ctx.settings.base_url)
    other = open_account(email="autre@example.fr")
    assert [row.id for row in ops.record_of_holder(session, decision.holder_id)] == [decision.id]
    assert ops.record_of_holder(session, other.holder_id) == []
