"""Load run: holder pages and the API under concurrent clients, against a bare Flask
"hello" under the same server, all measured in the same run.

The production server (gunicorn, gunicorn.conf.py, NOTIFY_WEB_WORKERS/THREADS) serves
on loopback, in turn: ``bench/hello.py`` (the baseline), then notify. For each target,
``--clients`` threads of this process send requests back to back over keep-alive
connections for ``--seconds``; the run reports throughput, p50/p99 latency and errors
(any status but 200, or a refused deposit item), each with its ratio to hello's, and
the server's CPU time per request (master and workers, from /proc) with its ratio to
hello's: on a machine shared with other work, throughput follows the share of the
cores the server gets, while CPU per request barely moves. Targets (``--targets``, all
by default, each after hello):

* ``decisions``: a logged-in holder's ``GET /decisions`` (one decision made available:
  of the five deposited per holder, the later four are refused, their balances not
  following the first's);
* ``account``: the same holder's account page, ``GET /compte`` (balance and decisions);
* ``read``: ``GET /api/v1/decisions/<reference>`` with a bearer token;
* ``deposit``: ``POST /api/v1/decisions`` of 10 decisions (distinct references).

The holder's session cookie is made as a browser would hold it after logging in
(Flask-Login's ids, the CSRF token), so that pages do not set a new cookie each time.

Data: ``--holders`` holders, half with an open account (their decision made available,
the others' routed to the post), and 20,000 holders without decisions for the deposits
(each deposited decision takes one), seeded before the servers start. SQLite by default
(a fresh file); ``--postgres`` uses a throwaway PostgreSQL database.

Usage: ``.venv/bin/python bench/bench_load.py [--clients 10] [--seconds 5] [--postgres]
[--targets decisions deposit] [--database NAME]``; the issue's rows: ``--clients 10 --seconds 8`` on
SQLite and ``--clients 50 --seconds 8 --postgres``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_deposit import NOW, POSTGRES, items_for, seed  # noqa: E402
from notify import create_app  # noqa: E402
from notify import db as database  # noqa: E402
from notify.auth import api_clients  # noqa: E402
from notify.clock import FixedClock  # noqa: E402
from notify.decisions import operations as ops  # noqa: E402
from notify.demo.serve import ROOT, server_command  # noqa: E402

SECRET_KEY = "bench-load-secret-key-not-for-production-0123456789"
USER_AGENT = "notify-bench-load"
THROWAWAY = f"notify_load_{os.getpid()}"
TARGETS = ("decisions", "account", "read", "deposit")
DEPOSIT_HOLDERS = 20_000
"""Holders without decisions, one per deposited decision (a second decision of the same
holder would chain its balance on the first and be refused)."""


def prepare(url: str, holders: int, instance: Path) -> tuple[str, str, list[str], list[str]]:
    """Seed; return a holder's session cookie, an API token, the references of the
    decisions made available, and licences of holders without decisions."""
    from flask import session as flask_session
    from flask_login import login_user
    from flask_wtf.csrf import generate_csrf
    from sqlalchemy import text

    from notify.accounts.models import Account
    from notify.accounts.texts import ATTESTATION, CONDITIONS
    from notify.auth.principals import HolderPrincipal

    database.upgrade(url)
    app = create_app({"mode": "demo", "instance_path": instance, "database_url": url,
                      "clock": FixedClock(NOW), "base_url": "http://127.0.0.1",
                      "secret_key": SECRET_KEY})
    db = app.extensions["notify"].db
    licences = seed(db, holders + DEPOSIT_HOLDERS)
    fresh, licences = licences[holders:], licences[:holders]
    with app.app_context(), db.unit_of_work() as uow:
        items = [item for n in range(5) for item in items_for(f"L{n}", licences)]
        organisation = api_clients.create_organisation(uow.session, "load", "Banc de charge",
                                                       "points_register", NOW)
        ops.deposit(uow.session, items, depositor="load", organisation_id=organisation.id,
                    now=NOW)
        uow.session.execute(text("UPDATE decisions SET state = 'available', "
                                 "made_available_at = deposited_at WHERE channel = 'online'"))
        # The account page names the texts the holder accepted: the current ones.
        uow.session.execute(text("UPDATE accounts SET conditions_version = :c, "
                                 "attestation_version = :a"),
                            {"c": CONDITIONS.version, "a": ATTESTATION.version})
        references = list(uow.session.scalars(text(
            "SELECT reference FROM decisions WHERE channel = 'online' ORDER BY id")))
        _, secret = api_clients.create_client(uow.session, "load", "load",
                                              ["decisions:deposit", "decisions:read"], NOW)
        account = uow.session.scalars(
            text("SELECT id FROM accounts ORDER BY id LIMIT 1")).one()
        account = uow.session.get(Account, account)
        uow.commit()
        with app.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.0.1"},
                                      headers={"User-Agent": USER_AGENT}):
            login_user(HolderPrincipal(account))
            # A browser's session holds the CSRF token of the login form it posted;
            # without it every page would set a new session cookie.
            generate_csrf()
            cookie = app.session_interface.get_signing_serializer(app).dumps(
                dict(flask_session))
    db.engine.dispose()
    return cookie, secret, references, fresh


class Target:
    def __init__(self, name: str, method: str, path, headers: dict[str, str],
                 body=None, check=None) -> None:
        self.name, self.method, self.path, self.headers = name, method, path, headers
        self.body, self.check = body, check


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by the server's master and its workers,
    from /proc: a per-request cost that the machine's other load barely changes."""
    total, pids = 0.0, [pid]
    while pids:
        current = pids.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rpartition(")")[2].split()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:  # a worker that just exited
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        pids.extend(int(child) for child in children)
    return total


def load(port: int, target: Target, clients: int, seconds: float,
         server: subprocess.Popen) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds
    counter = iter(range(10**9))

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        own, own_errors = [], 0
        while time.perf_counter() < stop:
            n = next(counter)
            path = target.path(n) if callable(target.path) else target.path
            body = target.body(n) if target.body else None
            started = time.perf_counter()
            try:
                connection.request(target.method, path, body=body, headers=target.headers)
                response = connection.getresponse()
                data = response.read()
                ok = response.status == 200 and (target.check is None or target.check(data))
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                ok = False
            own.append(time.perf_counter() - started)
            own_errors += not ok
        connection.close()
        with lock:
            latencies.extend(own)
            errors[0] += own_errors

    started, cpu = time.perf_counter(), server_cpu(server.pid)
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed, cpu = time.perf_counter() - started, server_cpu(server.pid) - cpu
    latencies.sort()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {"name": target.name, "requests": len(latencies), "rate": len(latencies) / elapsed,
            "p50": q[49] * 1000, "p99": q[98] * 1000, "errors": errors[0],
            "cpu": cpu * 1000 / max(len(latencies), 1)}


def start_server(app: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    command = server_command("127.0.0.1", port)
    command[-1] = app
    server = subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/")
            connection.getresponse().read()
            connection.close()
            return server
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise SystemExit(f"{app} did not start") from None
            time.sleep(0.2)


def stop_server(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(label: str, url: str, args) -> None:
    instance = Path(tempfile.mkdtemp())
    cookie, secret, references, licences = prepare(url, args.holders, instance)
    env = {**os.environ, "NOTIFY_MODE": "demo", "NOTIFY_DATABASE_URL": url,
           "NOTIFY_INSTANCE_PATH": str(instance), "NOTIFY_BASE_URL": "http://127.0.0.1",
           "NOTIFY_SECRET_KEY": SECRET_KEY, "NOTIFY_SMTP_PORT": "1",
           "NOTIFY_WEB_WORKERS": str(args.workers), "NOTIFY_WEB_THREADS": str(args.threads)}
    api = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}

    def deposit_body(n: int) -> bytes:
        batch = items_for(f"D{n}", [licences[(10 * n + i) % len(licences)] for i in range(10)])
        return json.dumps(batch).encode()

    def accepted(data: bytes) -> bool:
        return all(r["outcome"] == "accepted" for r in json.loads(data)["results"])

    results = []
    port = free_port()
    server = start_server("bench.hello:app", port, env)
    try:
        results.append(load(port, Target("hello (bare Flask)", "GET", "/", {}), args.clients,
                            args.seconds, server))
    finally:
        stop_server(server)
    holder = {"Cookie": f"notify_session={cookie}", "User-Agent": USER_AGENT}
    targets = {
        "decisions": Target("holder GET /decisions", "GET", "/decisions", holder),
        "account": Target("holder GET /compte", "GET", "/compte", holder),
        "read": Target("API GET /api/v1/decisions/<ref>", "GET",
                       lambda n: f"/api/v1/decisions/{references[n % len(references)]}", api),
        "deposit": Target("API POST /api/v1/decisions (10)", "POST", "/api/v1/decisions",
                          api, body=deposit_body, check=accepted),
    }
    port = free_port()
    server = start_server("notify.wsgi:app", port, env)
    try:
        for name in args.targets:
            results.append(load(port, targets[name], args.clients, args.seconds, server))
    finally:
        stop_server(server)
    hello, hello_cpu = results[0]["rate"], results[0]["cpu"]
    print(f"{label}: {args.clients} clients, {args.seconds:g} s each, gunicorn "
          f"{args.workers} workers x {args.threads} threads")
    for r in results:
        print(f"  {r['name']:<36} {r['rate']:8.0f} req/s  ratio {r['rate'] / hello:5.3f}  "
              f"p50 {r['p50']:7.1f} ms  p99 {r['p99']:7.1f} ms  errors {r['errors']}"
              f"/{r['requests']}  server CPU {r['cpu']:5.2f} ms/req "
              f"(ratio {hello_cpu / r['cpu']:5.3f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--holders", type=int, default=400)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--database", default=None,
                        help="with --postgres: the database to (re)create and keep on the "
                             "server of NOTIFY_BENCH_POSTGRES (default: a throwaway one, "
                             "dropped afterwards)")
    parser.add_argument("--targets", nargs="+", default=list(TARGETS), choices=TARGETS,
                        help="what to load after hello (default: all)")
    args = parser.parse_args()
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    if not args.postgres:
        with tempfile.TemporaryDirectory() as tmp:
            run("SQLite", f"sqlite:///{tmp}/load.db", args)
        return
    name = args.database or THROWAWAY
    url = database.recreate_postgres_database(POSTGRES, name)
    try:
        run("PostgreSQL", url, args)
    finally:
        if args.database is None:
            database.drop_postgres_database(POSTGRES, name)


if __name__ == "__main__":
    main()
