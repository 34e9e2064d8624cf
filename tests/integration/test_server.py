"""The production web server (gunicorn with gunicorn.conf.py, as ``make run`` uses it)
starts, serves pages from its workers and stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request

from notify import db as database
from notify.demo.serve import ROOT, server_command


def _get(url: str, deadline: float) -> tuple[int, bytes]:
    while True:  # until the workers listen; bounded by the deadline, not timed
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_gunicorn_serves_the_application(tmp_path, free_port):
    url = f"sqlite:///{tmp_path / 'server.db'}"
    database.upgrade(url)
    port = free_port()
    env = {**os.environ, "NOTIFY_MODE": "demo", "NOTIFY_DATABASE_URL": url,
           "NOTIFY_INSTANCE_PATH": str(tmp_path / "instance"),
           "NOTIFY_BASE_URL": f"http://127.0.0.1:{port}", "NOTIFY_WEB_WORKERS": "2",
           "NOTIFY_WEB_THREADS": "2"}
    server = subprocess.Popen(server_command("127.0.0.1", port), env=env, cwd=ROOT,
                              stderr=subprocess.PIPE, text=True)
    try:
        status, body = _get(f"http://127.0.0.1:{port}/sante", time.monotonic() + 60)
        assert (status, body) == (200, b'{"status":"ok"}\n')
        status, body = _get(f"http://127.0.0.1:{port}/", time.monotonic() + 10)
        assert status == 200 and "<html" in body.decode()
    finally:
        server.send_signal(signal.SIGTERM)
        _, errors = server.communicate(timeout=30)
    assert server.returncode == 0, errors
    assert "Booting worker" in errors  # gunicorn's workers served, not another server
