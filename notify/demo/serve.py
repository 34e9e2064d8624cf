"""``notify demo serve``: the web server, the scheduler and the mail catcher together.

The scheduler runs in its own process (as in production); the mail catcher in a
thread of this one. Ctrl-C stops all three.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import click
from flask import Flask
from werkzeug.serving import run_simple

from notify.demo.mailcatcher import start_catcher


def _banner(url: str, credentials: Path | None) -> str:
    lines = ["", f"  Site de démonstration : {url}",
             f"  Courriels reçus       : {url}/demo/courriels", ""]
    if credentials and credentials.exists():
        data = json.loads(credentials.read_text())
        lines.append("  Comptes ouverts (adresse électronique / mot de passe) :")
        for h in data.get("holders", []):
            lines.append(f"    {h['email']}  /  {h['password']}")
        if data.get("registration"):
            lines.append("")
            lines.append("  Pour essayer l'inscription (n° de permis / naissance / code) :")
            for r in data["registration"]:
                lines.append(f"    {r['licence_number']}  /  {r['birth_date']}  /  "
                             f"{r['activation_code']}")
    lines.append("")
    lines.append("  Ctrl-C pour tout arrêter.")
    return "\n".join(lines)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def serve(app: Flask, host: str, port: int, credentials: Path | None) -> None:
    settings = app.extensions["notify"].settings
    catcher = start_catcher(settings.mail_catcher_path, settings.smtp_host, settings.smtp_port)
    scheduler = subprocess.Popen([sys.executable, "-m", "notify.cli", "scheduler"],
                                 env=os.environ.copy())
    url = f"http://{host}:{port}"
    click.echo(_banner(url, credentials))
    # SIGTERM (a supervisor, `kill`) stops everything too, like Ctrl-C.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        # Flask's app.run() refuses to run inside a `flask` CLI command; werkzeug's
        # server is what it would use anyway.
        run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)
    except KeyboardInterrupt:
        pass
    finally:
        scheduler.send_signal(signal.SIGINT)
        try:
            scheduler.wait(timeout=10)
        except subprocess.TimeoutExpired:
            scheduler.kill()
        catcher.stop()
