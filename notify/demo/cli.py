"""``notify demo …``: demo data and the all-in-one demo server."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from notify.bootstrap import services

demo = AppGroup("demo", help="Données et serveur de démonstration.")


@demo.command("load")
def demo_load() -> None:
    """Charge les données de démonstration et affiche les comptes (JSON)."""
    from notify.demo.data import load_demo

    svc = services()
    with svc.db.unit_of_work() as uow:
        result = load_demo(uow.session, svc.clock.now(), svc.settings)
        uow.commit()
    click.echo(json.dumps(result, ensure_ascii=False, indent=2, default=_json_default))


@demo.command("code")
@click.argument("email")
def demo_code(email: str) -> None:
    """Affiche le code TOTP du moment d'un agent de démonstration."""
    from sqlalchemy import select

    from notify.auth import totp
    from notify.auth.models import StaffMember
    from notify.auth.staff import totp_secret_of

    svc = services()
    if svc.settings.mode != "demo":
        raise click.ClickException("notify demo code ne fonctionne qu'avec NOTIFY_MODE=demo.")
    with svc.db.unit_of_work() as uow:
        member = uow.session.scalar(select(StaffMember).where(StaffMember.email == email))
        if member is None or member.totp_secret is None:
            raise click.ClickException(f"Aucun agent enrôlé n'a l'adresse {email}.")
        secret = totp_secret_of(member, svc.settings.secret_key)
    click.echo(totp.code_at_step(secret, totp.step_at(svc.clock.now())))


def _json_default(value):
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(repr(value))


@demo.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--credentials", type=click.Path(dir_okay=False, path_type=Path),
              help="Fichier JSON écrit par « notify demo load », à afficher.")
def demo_serve(host: str, port: int, credentials: Path | None) -> None:
    """Serveur web, planificateur et serveur SMTP local, arrêtés ensemble par Ctrl-C."""
    from notify.demo.serve import serve

    svc = services()
    if svc.settings.mode != "demo":
        raise click.ClickException("notify demo serve ne fonctionne qu'avec NOTIFY_MODE=demo.")
    serve(current_app._get_current_object(), host, port, credentials)
