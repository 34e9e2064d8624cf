"""A sender killed with SIGKILL in the middle of a batch re-sends at most the messages in
flight: no more than one per SMTP session.

The sender is a real process sending to a real SMTP server (aiosmtpd, in this test's
process); the database is the test's own (committed_url), SQLite and PostgreSQL.
"""

import asyncio
import email
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from notify import db as database
from notify.clock import FixedClock
from notify.evidence.models import Event
from notify.mail.models import MessageState, OutboxMessage
from notify.mail.sending import CLAIM_LEASE, recipient_key, send_due
from notify.mail.smtp import SMTPTransport

SENDER = "ne-pas-repondre@notify.test"
MESSAGES = 200
KILL_AFTER = 40
SESSIONS = 2

SENDER_PROCESS = """
import sys
from notify.clock import SystemClock
from notify.db import Database
from notify.mail.sending import recipient_key, send_due
from notify.mail.smtp import SMTPTransport

url, port, sessions = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sender = "ne-pas-repondre@notify.test"
send_due(Database.from_url(url), SMTPTransport("127.0.0.1", port, sender=sender),
         SystemClock(), sender=sender, max_attempts=3, key=recipient_key("k"),
         connections=sessions)
"""


class StallingInbox:
    """Accepts messages until ``stall_after`` of them, then holds every further DATA
    until ``released`` (the sender is killed meanwhile) and answers it 451."""

    def __init__(self, stall_after: int) -> None:
        self.stall_after = stall_after
        self.received: list[str] = []  # Message-IDs, in order, duplicates included
        self.stalled = threading.Event()
        self.released = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        if self.stall_after is not None and len(self.received) >= self.stall_after:
            self.stalled.set()
            await asyncio.get_running_loop().run_in_executor(None, self.released.wait)
            return "451 4.3.0 Try again later"
        self.received.append(email.message_from_bytes(envelope.content)["Message-ID"])
        return "250 Message accepted for delivery"


def test_killed_sender_resends_at_most_one_message_per_session(committed_url, free_port):
    start = datetime.now(UTC) - timedelta(minutes=1)
    db = database.Database.from_url(committed_url)
    with db.unit_of_work() as uow:
        for n in range(MESSAGES):
            uow.session.add(OutboxMessage(
                kind="decision_alert", subject_ref=f"decision:K{n}", to_address=f"t{n}@example.fr",
                subject="Une nouvelle décision est disponible", template="decision_alert",
                arguments={"link": "https://notify.test/decisions"}, state=MessageState.PENDING,
                attempts=0, created_at=start, next_attempt_at=start))
        uow.commit()

    inbox = StallingInbox(KILL_AFTER)
    server = Controller(inbox, hostname="127.0.0.1", port=free_port())
    server.start()
    try:
        sender = subprocess.Popen([sys.executable, "-c", SENDER_PROCESS, committed_url,
                                   str(server.port), str(SESSIONS)])
        try:
            assert inbox.stalled.wait(timeout=120), "the sender never reached the server"
        finally:
            os.kill(sender.pid, signal.SIGKILL)
            assert sender.wait(timeout=60) == -signal.SIGKILL
            inbox.released.set()
        accepted_before_kill = len(inbox.received)
        assert accepted_before_kill == KILL_AFTER

        # Restarted once the crashed sender's lease is over.
        inbox.stall_after = None
        later = FixedClock(datetime.now(UTC) + CLAIM_LEASE + timedelta(minutes=1))
        send_due(db, SMTPTransport("127.0.0.1", server.port, sender=SENDER), later,
                 sender=SENDER, max_attempts=3, key=recipient_key("k"), connections=SESSIONS)
    finally:
        server.stop()

    counts = Counter(inbox.received)
    duplicates = sum(n - 1 for n in counts.values())
    assert len(counts) == MESSAGES  # every message arrived
    assert duplicates <= SESSIONS, f"{duplicates} messages sent twice"
    with db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.state == MessageState.SENT)) == MESSAGES
        assert uow.session.scalar(select(func.count()).select_from(Event).where(
            Event.tag == "alert_sent")) == MESSAGES
        assert set(uow.session.scalars(select(OutboxMessage.message_id))) == set(counts)
    db.engine.dispose()
