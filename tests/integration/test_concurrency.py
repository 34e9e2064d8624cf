"""Two schedulers at once on one database: nothing sent twice, nothing certified twice.

These tests commit for real (each worker has its own engine and connections), so they
use a database of their own, built by the migrations: a SQLite file, and a PostgreSQL
database when NOTIFY_TEST_DATABASE_URL is set.
"""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from notify import db as database
from notify.evidence.batches import GENESIS_ROOT, certify_pending
from notify.evidence.log import record_event
from notify.evidence.models import Event, EventTag, EvidenceBatch
from notify.mail.models import MessageState, OutboxMessage
from notify.mail.sending import send_due
from notify.mail.smtp import SMTPTransport
from tests.integration.decisions.test_notification_concurrency import (
    DELAY_ENDS,
    count_events,
    seed,
)


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


def test_two_scheduler_processes_run_every_job_once(committed_url, smtp_server, inbox, tmp_path):
    """Two scheduler processes (``notify jobs run-once``, every job in turn) started
    together on one PostgreSQL database: both succeed, and each evidence batch, alert
    and deemed notification exists once."""
    if not committed_url.startswith("postgresql"):
        pytest.skip("several scheduler processes are a PostgreSQL deployment")
    db = seed(committed_url, 200)  # due decisions, their events not yet certified
    with db.unit_of_work() as uow:
        # alerts of other decisions (an alert goes out fifteen days before the deemed
        # notification of its decision)
        for n in range(60):
            uow.session.add(OutboxMessage(
                kind="decision_alert", subject_ref=f"decision:A{n}", to_address=f"t{n}@example.fr",
                subject="Une nouvelle décision est disponible", template="decision_alert",
                arguments={"link": "https://notify.test/decisions"},
                state=MessageState.PENDING, attempts=0, created_at=DELAY_ENDS,
                next_attempt_at=DELAY_ENDS))
        uow.commit()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOTIFY_")}
    env.update(NOTIFY_MODE="demo", NOTIFY_INSTANCE_PATH=str(tmp_path / "instance"),
               NOTIFY_SECRET_KEY="k" * 32, NOTIFY_DATABASE_URL=committed_url,
               NOTIFY_SMTP_HOST="127.0.0.1", NOTIFY_SMTP_PORT=str(smtp_server.port))
    command = [sys.executable, "-m", "notify.cli"]
    subprocess.run([*command, "tsa", "init"], env=env, check=True, capture_output=True,
                   timeout=120)
    schedulers = [subprocess.Popen(
        [*command, "jobs", "run-once", "--now", (DELAY_ENDS + timedelta(hours=1)).isoformat()],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(2)]
    for scheduler in schedulers:
        output = scheduler.communicate(timeout=300)[0]
        # Every job ran in both, and succeeded: only the daily audit refuses the seeded
        # decisions, which have no deposit in the log.
        assert [line.split(":")[0] for line in output.splitlines()
                if ": ÉCHEC " in line] == ["check_evidence"], output
        assert "record_deemed_notifications: DeemedReport(" in output, output

    subjects = {f"decision:R{n}": 1 for n in range(200)}
    assert count_events(db, "deemed_notified") == subjects
    assert count_events(db, "alert_sent") == {f"decision:A{n}": 1 for n in range(60)}
    assert sorted(m["To"] for m in inbox.messages) == sorted(f"t{n}@example.fr"
                                                             for n in range(60))
    with db.unit_of_work() as uow:
        s = uow.session
        batches = s.scalars(select(EvidenceBatch).order_by(EvidenceBatch.seq)).all()
        assert [b.seq for b in batches] == list(range(1, len(batches) + 1))
        previous = GENESIS_ROOT.hex()
        for batch in batches:
            assert batch.prev_root == previous
            previous = batch.root
        # the seeded events (deposited, made available), each in one batch
        assert s.scalar(select(func.count()).select_from(Event).where(
            Event.tag.in_(["deposited", "made_available"]), Event.batch_id.is_(None))) == 0
        # leaves: the previous root, the events, a heads snapshot's document if any
        assert sum(b.size - 1 - (b.heads_root is not None) for b in batches) == s.scalar(
            select(func.count()).select_from(Event).where(Event.batch_id.is_not(None)))
    db.engine.dispose()


def test_two_schedulers_send_one_reminder_per_decision(run_together, committed_url, clock,
                                                       smtp_server, timestamp_client,
                                                       tmp_path):
    from datetime import date

    from notify import create_app
    from notify.accounts import operations as accounts
    from notify.accounts.register import HolderRow, import_holders, issue_activation_codes
    from notify.decisions.operations import deposit
    from notify.decisions.reminders import send_reminders
    from tests.conftest import depositor_id
    from tests.deposits import withdrawal
    from tests.jobs import run_jobs

    app = create_app({"mode": "test", "instance_path": tmp_path / "instance",
                      "database_url": committed_url, "clock": clock,
                      "timestamp_client": timestamp_client, "smtp_host": "127.0.0.1",
                      "smtp_port": smtp_server.port, "base_url": "https://notify.test"})
    services = app.extensions["notify"]
    numbers = [f"7{n:011d}" for n in range(12)]
    with app.app_context(), services.db.unit_of_work() as uow:
        import_holders(uow.session, [HolderRow(number, "CONCURRENT", "Alex", date(1980, 1, 2),
                                               "metropole", "1 rue du Test, 75001 Paris")
                                     for number in numbers], clock.now())
        codes = {h.licence_number: code for h, code, _ in
                 issue_activation_codes(uow.session, clock.now(), timedelta(days=9))}
        for number in numbers:
            activation = accounts.check_activation(uow.session, number, date(1980, 1, 2),
                                                   codes[number], clock.now())
            registration = accounts.register(
                uow.session, activation_id=activation.id, email=f"c{number}@example.fr",
                password="correct horse battery staple", accepted_conditions=True,
                attested_deadlines=True, now=clock.now(), settings=services.settings)
            accounts.verify_email(uow.session, registration.verification_token, clock.now(),
                                  services.settings)
        deposit(uow.session, [withdrawal(f"C-{number}", number) for number in numbers],
                depositor="t", organisation_id=depositor_id(uow.session), now=clock.now())
        uow.commit()
    run_jobs(app, "certify_evidence", "make_decisions_available")
    now = clock.now() + timedelta(days=13)

    def scheduler():
        own = database.Database.from_url(committed_url)
        for _ in range(3):
            with own.unit_of_work() as uow:
                send_reminders(uow.session, now=now, days_before=3,
                               base_url="https://notify.test", limit=5)
                uow.commit()
        own.engine.dispose()

    run_together(scheduler, scheduler)
    with services.db.unit_of_work() as uow:
        s = uow.session
        assert s.scalar(select(func.count()).select_from(Event).where(
            Event.tag == EventTag.REMINDER_QUEUED)) == len(numbers)
        assert s.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.kind == "decision_reminder")) == len(numbers)
        assert s.scalar(select(func.count(func.distinct(OutboxMessage.subject_ref))).where(
            OutboxMessage.kind == "decision_reminder")) == len(numbers)
    services.db.engine.dispose()
