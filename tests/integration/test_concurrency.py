"""Two schedulers at once on one database: nothing sent twice, nothing certified twice.

These tests commit for real (each worker has its own engine and connections), so they
use a database of their own, built by the migrations: a SQLite file, and a PostgreSQL
database when NOTIFY_TEST_DATABASE_URL is set.
"""

from datetime import timedelta

from sqlalchemy import func, select

from notify import db as database
from notify.evidence.batches import GENESIS_ROOT, certify_pending
from notify.evidence.log import record_event
from notify.evidence.models import Event, EventTag, EvidenceBatch
from notify.mail.models import MessageState, OutboxMessage
from notify.mail.sending import send_due
from notify.mail.smtp import SMTPTransport


def test_two_senders_never_send_a_message_twice(run_together, committed_url, clock,
                                                smtp_server, inbox):
    db = database.Database.from_url(committed_url)
    with db.unit_of_work() as uow:
        for n in range(120):
            uow.session.add(OutboxMessage(
                kind="decision_alert", subject_ref=f"decision:R{n}", to_address=f"t{n}@example.fr",
                subject="Une nouvelle décision est disponible", template="decision_alert",
                arguments={"link": "https://notify.test/decisions"},
                state=MessageState.PENDING, attempts=0, created_at=clock.now(),
                next_attempt_at=clock.now()))
        uow.commit()

    def sender():
        own = database.Database.from_url(committed_url)
        transport = SMTPTransport("127.0.0.1", smtp_server.port, sender="n@notify.test")
        while send_due(own, transport, clock, sender="n@notify.test", max_attempts=3,
                       key=b"k", limit=10).sent:
            pass
        own.engine.dispose()

    run_together(sender, sender)
    assert sorted(m["To"] for m in inbox.messages) == sorted(f"t{n}@example.fr"
                                                             for n in range(120))
    with db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Event).where(
            Event.tag == "alert_sent")) == 120
    db.engine.dispose()


def test_two_certifiers_put_each_event_in_exactly_one_batch(run_together, committed_url, clock,
                                                             timestamp_client):
    db = database.Database.from_url(committed_url)
    with db.unit_of_work() as uow:
        for n in range(300):
            record_event(uow.session, subject=f"decision:R{n % 7}", tag=EventTag.CONSULTED,
                         actor="holder", at=clock.now() + timedelta(seconds=n), data={})
        uow.commit()

    def certifier():
        own = database.Database.from_url(committed_url)
        for _ in range(20):
            certify_pending(own, timestamp_client, clock, max_size=25)
        own.engine.dispose()

    run_together(certifier, certifier)
    with db.unit_of_work() as uow:
        s = uow.session
        assert s.scalar(select(func.count()).select_from(Event).where(
            Event.batch_id.is_(None))) == 0
        batches = s.scalars(select(EvidenceBatch).order_by(EvidenceBatch.seq)).all()
        assert [b.seq for b in batches] == list(range(1, len(batches) + 1))
        assert sum(b.size - 1 for b in batches) == 300
        assert all(b.token is not None for b in batches)
        previous = GENESIS_ROOT.hex()
        for batch in batches:
            assert batch.prev_root == previous
            previous = batch.root
    db.engine.dispose()
