"""A holder page's cost in process: CPU time per request and a cProfile of it.

The same data and session cookie as ``bench/bench_load.py`` (a holder with one decision
made available), the Flask test client instead of gunicorn, SQLite by default. Prints the
CPU time per request of three runs, the Python function calls per request, and the
profile sorted by cumulative time.

Usage: ``.venv/bin/python bench/profile_holder_page.py [--n 1000] [--path /decisions]
[--database-url postgresql+psycopg://…/bench_NAME] [--stats 60] [--dump FILE]``. A
PostgreSQL database given is emptied first.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench.bench_load as load  # noqa: E402
from notify import create_app  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="requests per run")
    parser.add_argument("--path", default="/decisions")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--stats", type=int, default=60, help="profile lines shown")
    parser.add_argument("--dump", default=None, help="write the pstats data to this file")
    args = parser.parse_args()
    logging.getLogger("alembic").setLevel(logging.WARNING)
    load.DEPOSIT_HOLDERS = 10  # no deposits here
    url = args.database_url
    if url is None:
        url = f"sqlite:///{tempfile.mkdtemp()}/profile.db"
    else:
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    instance = Path(tempfile.mkdtemp())
    cookie, _, _, _ = load.prepare(url, 400, instance)
    app = create_app({"mode": "demo", "instance_path": instance, "database_url": url,
                      "base_url": "http://127.0.0.1", "secret_key": load.SECRET_KEY,
                      "smtp_port": 1})
    client = app.test_client()
    client.set_cookie("notify_session", cookie, domain="127.0.0.1")
    headers = {"User-Agent": load.USER_AGENT}

    def one() -> None:
        response = client.get(args.path, headers=headers, base_url="https://127.0.0.1",
                              environ_base={"REMOTE_ADDR": "127.0.0.1"})
        if response.status_code != 200 or "Set-Cookie" in response.headers:
            raise SystemExit(f"unexpected answer: {response.status_code} {response.headers}")

    for _ in range(200):
        one()
    for _ in range(3):
        started = time.process_time()
        for _ in range(args.n):
            one()
        print(f"CPU per request: {(time.process_time() - started) / args.n * 1000:.3f} ms")
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.n):
        one()
    profile.disable()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    print(f"Python function calls per request: {stats.total_calls / args.n:.0f}")
    stats.sort_stats("cumulative").print_stats(args.stats)
    print(out.getvalue())
    if args.dump:
        profile.dump_stats(args.dump)


if __name__ == "__main__":
    main()
