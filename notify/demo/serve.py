"""``notify demo serve``: the web server, the scheduler and the mail catcher together.

The web server is production's: gunicorn with the repository's gunicorn.conf.py, in a
process of its own; the scheduler runs in its own process (as in production); the mail
catcher in a thread of this one. Ctrl-C (or SIGTERM) stops all three.
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

from notify.demo.mailcatcher import start_catcher

ROOT = Path(__file__).resolve().parent.parent.parent


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
        if data.get("staff"):
            lines.append("")
            lines.append(f"  Agents ({url}/agents/connexion ; adresse / mot de passe ; le code "
                         "du moment : NOTIFY_MODE=demo .venv/bin/notify demo code ADRESSE) :")
            for m in data["staff"]:
                lines.append(f"    {m['email']}  /  {m['password']}  ({m['role']})")
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
    server = subprocess.Popen(server_command(host, port), env=os.environ.copy(),
                              cwd=ROOT)
    try:
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for process in (server, scheduler):
            process.send_signal(signal.SIGTERM if process is server else signal.SIGINT)
        for process in (server, scheduler):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        catcher.stop()


def server_command(host: str, port: int) -> list[str]:
    """The production web server on ``host:port`` (gunicorn.conf.py)."""
    return [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
            "--bind", f"{host}:{port}", "notify.wsgi:app"]
