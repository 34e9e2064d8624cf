"""Outbox: alerts per second into a local aiosmtpd server, against raw smtplib sends.

Measured in the same run, against the same loopback aiosmtpd server:

The aiosmtpd server runs in a process of its own, as a real relay would.

* raw: the same N messages (built beforehand) sent with ``smtplib`` on one connection,
  MAIL/RCPT/DATA each, nothing recorded (what SMTP alone costs);
* sender: ``notify.mail.sending.send_due`` as the ``send_outbox`` job runs it, on a
  fresh SQLite file (or PostgreSQL with ``--postgres``): rows claimed 500 at a time
  (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, one commit), each message rendered from its
  template, sent over ``--connections`` SMTP sessions, each answer committed (with the
  others that arrived meanwhile) before its session sends the next message: state,
  Message-ID, SHA-256 of what was sent, arguments wiped, an ``alert_sent`` event chained
  to the decision's subject.

Usage: ``.venv/bin/python bench/bench_outbox.py [--n 5000] [--postgres]``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import smtplib
import socket
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from notify import db as database  # noqa: E402
from notify.clock import FixedClock  # noqa: E402
from notify.evidence.models import Event  # noqa: E402
from notify.mail.message import new_message_id, render  # noqa: E402
from notify.mail.models import MessageState, OutboxMessage  # noqa: E402
from notify.mail.sending import recipient_key, send_due  # noqa: E402
from notify.mail.smtp import SMTPTransport  # noqa: E402

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
SENDER = "ne-pas-repondre@notify.test"
SERVER = os.environ.get("NOTIFY_BENCH_POSTGRES",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
NAME = os.environ.get("NOTIFY_BENCH_DATABASE", "notify_bench")


class Counter:
    def __init__(self, count) -> None:
        self.count = count

    async def handle_DATA(self, server, session, envelope):
        with self.count.get_lock():
            self.count.value += 1
        return "250 Message accepted for delivery"


def serve(port: int, count, stop) -> None:
    """The SMTP server, in its own process: in this one it would take the GIL from the
    client being measured."""
    controller = Controller(Counter(count), hostname="127.0.0.1", port=port)
    controller.start()
    stop.wait()
    controller.stop()


def wait_for(port: int) -> None:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the SMTP server did not start")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(postgres: bool, directory: str) -> str:
    if not postgres:
        return f"sqlite:///{directory}/outbox.db"
    return database.recreate_postgres_database(SERVER, NAME)


def drop_postgres() -> None:
    database.drop_postgres_database(SERVER, NAME)


def queue(db: database.Database, n: int) -> None:
    with db.unit_of_work() as uow:
        uow.session.execute(insert(OutboxMessage), [
            {"kind": "decision_alert", "subject_ref": f"decision:B{i}",
             "to_address": f"h{i}@example.fr",
             "subject": "Une nouvelle décision est disponible dans votre espace",
             "template": "decision_alert", "arguments": {"link": "https://notify.test/decisions"},
             "state": MessageState.PENDING,
             "attempts": 0, "created_at": NOW, "next_attempt_at": NOW} for i in range(n)])
        uow.commit()


def raw_send(db: database.Database, port: int) -> tuple[float, int]:
    with db.unit_of_work() as uow:
        messages = [render(message_id=new_message_id(SENDER), sender=SENDER,
                           to=row.to_address, subject=row.subject, text=text, html=html, at=NOW)
                    for row in uow.session.scalars(select(OutboxMessage).order_by(
                        OutboxMessage.id))
                    for text, html in [row.bodies()]]
    started = time.perf_counter()
    client = smtplib.SMTP("127.0.0.1", port)
    client.ehlo()
    for n, message in enumerate(messages):
        client.sendmail(SENDER, [f"h{n}@example.fr"], message)
    client.quit()
    return time.perf_counter() - started, len(messages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--connections", type=int, default=2,
                        help="SMTP sessions of the sender (NOTIFY_SMTP_CONNECTIONS)")
    args = parser.parse_args()
    port = free_port()
    count, stop = multiprocessing.Value("i", 0), multiprocessing.Event()
    server = multiprocessing.Process(target=serve, args=(port, count, stop))
    server.start()
    wait_for(port)
    with tempfile.TemporaryDirectory() as directory:
        url = database_url(args.postgres, directory)
        try:
            database.upgrade(url)
            db = database.Database.from_url(url)
            queue(db, args.n)

            raw, sent = raw_send(db, port)
            assert count.value == sent == args.n

            transport = SMTPTransport("127.0.0.1", port, sender=SENDER)
            clock = FixedClock(NOW)
            started = time.perf_counter()
            total = 0
            while report := send_due(db, transport, clock, sender=SENDER, max_attempts=3,
                                     key=recipient_key("bench"),
                                     connections=args.connections):
                if not report.sent and not report.retried and not report.failed:
                    break
                total += report.sent
            job = time.perf_counter() - started
            with db.unit_of_work() as uow:
                events = uow.session.scalar(select(func.count()).select_from(Event))
            assert total == events == args.n and count.value == 2 * args.n
            db.engine.dispose()
        finally:
            if args.postgres:
                drop_postgres()
    stop.set()
    server.join()
    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(f"raw smtplib, one connection : {args.n / raw:8,.0f} messages/s ({raw:.2f} s)")
    print(f"outbox sender ({backend:10}) : {args.n / job:8,.0f} alerts/s   ({job:.2f} s, "
          "rows claimed, each answer committed before the next send, events chained)")
    print(f"ratio sender / raw          : {(args.n / job) / (args.n / raw):8.2f}")


if __name__ == "__main__":
    main()
