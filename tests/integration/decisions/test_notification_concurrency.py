"""Races on notification: two first openings at once, two deemed-notification jobs at once.

These tests commit for real (each worker has its own engine), so they use a database
of their own built by the migrations: a SQLite file, and a PostgreSQL database named
after ``NOTIFY_TEST_DATABASE_URL``'s with ``_race`` appended when it is set.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from notify import db as database
from notify.accounts.models import Holder
from notify.decisions import holder as holder_ops
from notify.decisions.models import Decision
from notify.decisions.notification import run_deemed_notifications
from notify.evidence.log import record_event
from notify.evidence.models import Event, EventTag
from tests.conftest import depositor_id

MADE_AVAILABLE = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
DELAY_ENDS = datetime(2026, 12, 5, 23, 0, tzinfo=UTC)



def seed(url, count):
    """One holder with ``count`` decisions made available at MADE_AVAILABLE."""
    db = database.Database.from_url(url)
    with db.unit_of_work() as uow:
        s = uow.session
        holder = Holder(licence_number="900000000001", surname="TESTEUR", given_names="Alex",
                        birth_date=date(1980, 5, 17), territory="metropole",
                        postal_address="1 rue de l'Essai", imported_at=MADE_AVAILABLE,
                        updated_at=MADE_AVAILABLE)
        s.add(holder)
        s.flush()
        for n in range(count):
            subject = f"decision:R{n}"
            deposited = record_event(s, subject=subject, tag=EventTag.DEPOSITED, actor="api:t",
                                     at=MADE_AVAILABLE, data={})
            record_event(s, subject=subject, tag=EventTag.MADE_AVAILABLE, actor="system",
                         at=MADE_AVAILABLE, data={})
            s.add(Decision(
                reference=f"R{n}", holder_id=holder.id, kind="restoration",
                decided_on=date(2026, 11, 20), points=2, balance_after=12, probationary=False,
                restoration_basis="L223-6-1", content_sha256="0" * 64, channel="online",
                routing_reason="test", routing_policy="test/1", deposited_at=MADE_AVAILABLE,
                deposited_by="t", organisation_id=depositor_id(s),
                deposit_event_id=deposited.id, letter_sha256="0" * 64,
                state="available", made_available_at=MADE_AVAILABLE))
        uow.commit()
    return db



def count_events(db, tag):
    with db.unit_of_work() as uow:
        return dict(uow.session.execute(
            select(Event.subject, func.count()).where(Event.tag == tag)
            .group_by(Event.subject)).all())


def test_two_first_openings_at_once_record_one_first_consultation(run_together, committed_url):
    db = seed(committed_url, 20)
    opened_at = MADE_AVAILABLE + timedelta(days=2)

    def holder_opens_everything(via):
        def work():
            own = database.Database.from_url(committed_url)
            for n in range(20):
                with own.unit_of_work() as uow:
                    holder = uow.session.scalar(select(Holder))
                    holder_ops.consult(uow.session, holder, f"R{n}", now=opened_at, via=via)
                    uow.commit()
            own.engine.dispose()
        return work

    run_together(holder_opens_everything("page"), holder_opens_everything("pdf"))
    assert count_events(db, "first_consultation") == {f"decision:R{n}": 1 for n in range(20)}
    assert count_events(db, "consulted") == {}  # the second opening was the same day
    with db.unit_of_work() as uow:
        assert set(uow.session.scalars(select(Decision.notified_at))) == {opened_at}
    db.engine.dispose()


def test_two_deemed_notification_jobs_at_once(run_together, committed_url, clock):
    db = seed(committed_url, 300)
    clock.set(DELAY_ENDS + timedelta(hours=1))

    def job():
        own = database.Database.from_url(committed_url)
        run_deemed_notifications(own, clock, limit=25)
        own.engine.dispose()

    run_together(job, job)
    assert count_events(db, "deemed_notified") == {f"decision:R{n}": 1 for n in range(300)}
    with db.unit_of_work() as uow:
        assert set(uow.session.scalars(select(Decision.notified_at))) == {DELAY_ENDS}
    db.engine.dispose()
