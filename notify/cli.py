"""The ``notify`` command: every operator command, as a Flask CLI group.

Each command is one unit of work: it commits once at the end, or not at all.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import func, select

from notify.bootstrap import services
from notify.settings import SettingsError


def _make_app():
    from notify import create_app

    try:
        return create_app()
    except SettingsError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)


@click.group(cls=FlaskGroup, create_app=_make_app, add_default_commands=True,
             load_dotenv=False, add_version_option=False)
def main() -> None:
    """Notification dématérialisée des décisions de points (art. R. 223-3-1 C. route)."""


# --- database -----------------------------------------------------------------------


@main.group()
def db() -> None:
    """Schéma de la base (migrations Alembic)."""


@db.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Applique les migrations jusqu'à REVISION (par défaut : la dernière)."""
    from notify import db as database

    database.upgrade(services().settings.database_url, revision)
    click.echo(f"Base migrée jusqu'à {revision}.")


@db.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Défait les migrations jusqu'à REVISION (« base » pour tout défaire)."""
    from notify import db as database

    database.downgrade(services().settings.database_url, revision)
    click.echo(f"Base ramenée à {revision}.")


# --- holders ------------------------------------------------------------------------


@main.group()
def holders() -> None:
    """Registre des titulaires de permis."""


@holders.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Vérifie le fichier sans rien enregistrer.")
@with_appcontext
def holders_import(csv_file: Path, dry_run: bool) -> None:
    """Importe CSV_FILE : tout ou rien ; chaque ligne fautive est signalée."""
    from notify.accounts.register import import_holders, parse_holders_csv

    svc = services()
    now = svc.clock.now()
    try:
        text = csv_file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{csv_file} n'est pas un fichier UTF-8 ({exc}).") from exc
    rows, problems = parse_holders_csv(text, today=now.date())
    if problems:
        for problem in problems:
            click.echo(f"{csv_file}: {problem}", err=True)
        raise click.ClickException(
            f"{len(problems)} erreur(s) : aucun titulaire n'a été importé.")
    with svc.db.unit_of_work() as uow:
        report = import_holders(uow.session, rows, now)
        if not dry_run:
            uow.commit()
    verb = "seraient" if dry_run else "ont été"
    click.echo(f"{len(rows)} ligne(s) valides : {report.created} titulaire(s) {verb} créés, "
               f"{report.updated} mis à jour, {report.unchanged} inchangés.")


@holders.command("activation-codes")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Fichier CSV destiné à l'imprimeur.")
@with_appcontext
def holders_activation_codes(output: Path) -> None:
    """Émet un code d'activation pour chaque titulaire sans compte."""
    import csv

    from notify.accounts.register import issue_activation_codes

    svc = services()
    if output.exists():
        raise click.ClickException(f"{output} existe déjà : choisissez un autre fichier.")
    with svc.db.unit_of_work() as uow:
        issued = issue_activation_codes(
            uow.session, svc.clock.now(), timedelta(days=svc.settings.activation_code_days))
        with output.open("x", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["licence_number", "surname", "given_names", "postal_address",
                             "activation_code", "expires_on"])
            for holder, code, expires_at in issued:
                writer.writerow([holder.licence_number, holder.surname, holder.given_names,
                                 holder.postal_address, code, expires_at.date().isoformat()])
        output.chmod(0o600)
        uow.commit()
    click.echo(f"{len(issued)} code(s) d'activation écrits dans {output}.")


# --- legal values in force ------------------------------------------------------------


@main.command("policies")
@with_appcontext
def policies() -> None:
    """Valeurs et politiques juridiques en vigueur (pour les juristes)."""
    from notify.legal.delays import (
        CLOSURE_DELAY_DEFAULT,
        MAX_CLOSURE_DELAY,
        RETENTION_PERIOD_DEFAULT,
    )
    from notify.legal.policies import DEFAULT_APPEAL_POLICY

    s = services().settings
    click.echo("Réglages fixés, à défaut de l'arrêté prévu au IV de l'article R. 223-3-1 :")
    click.echo(f"  délai de fermeture du compte : {s.closure_delay} "
               f"(défaut {CLOSURE_DELAY_DEFAULT}, au plus {MAX_CLOSURE_DELAY} par analogie "
               "avec l'article R. 112-18 du CRPA) — NOTIFY_CLOSURE_DELAY")
    click.echo(f"  durée de conservation des décisions : {s.retention_period} "
               f"(défaut {RETENTION_PERIOD_DEFAULT}) — NOTIFY_RETENTION_PERIOD")
    tsa = s.tsa_url or f"autorité embarquée, politique {s.tsa_policy_oid}"
    click.echo(f"  horodatage : {tsa}")
    click.echo("Politiques appliquées (nom/version, enregistrés avec chaque décision) :")
    for label, policy in (("notification (NOTIFY_NOTIFICATION_POLICY)", s.notification_policy),
                          ("orientation (NOTIFY_ROUTING_POLICY)", s.routing_policy),
                          ("délai de recours", DEFAULT_APPEAL_POLICY)):
        click.echo(f"  {label} : {policy.ref}")
        click.echo(f"      {' '.join(policy.basis.split())}")


# --- outbox -------------------------------------------------------------------------


@main.group()
def outbox() -> None:
    """Courriels en attente, envoyés ou en échec."""


@outbox.command("status")
@with_appcontext
def outbox_status() -> None:
    """Compte les messages par état et liste ceux en échec ou en attente de nouvel essai."""
    from notify.mail.models import MessageState, OutboxMessage

    with services().db.unit_of_work() as uow:
        counts = dict(uow.session.execute(
            select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all())
        for state in MessageState:
            click.echo(f"{state.value:>8} : {counts.get(state.value, 0)}")
        troubled = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.last_error.is_not(None),
                                        OutboxMessage.state != MessageState.SENT)
            .order_by(OutboxMessage.id))
        for m in troubled:
            click.echo(f"#{m.id} {m.kind} {m.state} essais={m.attempts} "
                       f"prochain={m.next_attempt_at.isoformat()} erreur={m.last_error}")


@outbox.command("retry")
@click.argument("message_id", type=int)
@with_appcontext
def outbox_retry(message_id: int) -> None:
    """Remet en attente un message en échec définitif."""
    from notify.mail.models import MessageState, OutboxMessage

    svc = services()
    with svc.db.unit_of_work() as uow:
        message = uow.session.get(OutboxMessage, message_id)
        if message is None or message.state != MessageState.FAILED:
            raise click.ClickException(f"Aucun message en échec n° {message_id}.")
        message.state = MessageState.PENDING
        message.next_attempt_at = svc.clock.now()
        uow.commit()
    click.echo(f"Message n° {message_id} remis en attente.")


# --- jobs and scheduler -------------------------------------------------------------


@main.group()
def jobs() -> None:
    """Tâches planifiées."""


@jobs.command("run-once")
@click.option("--now", "now_text", help="Instant ISO 8601 à utiliser (modes demo et test).")
@with_appcontext
def jobs_run_once(now_text: str | None) -> None:
    """Exécute une fois chaque tâche."""
    from notify.clock import FixedClock
    from notify.jobs import JOBS, run_job

    svc = services()
    if now_text is not None:
        if svc.settings.is_production:
            raise click.ClickException(
                "--now n'est accepté qu'en mode demo ou test (NOTIFY_MODE).")
        try:
            at = datetime.fromisoformat(now_text)
        except ValueError as exc:
            raise click.ClickException(f"--now : instant ISO 8601 attendu ({exc}).") from exc
        if at.tzinfo is None:
            raise click.ClickException(
                "--now : précisez le fuseau (par exemple 2026-12-01T00:00Z).")
        svc = dataclasses.replace(svc, clock=FixedClock(at))
    for job in JOBS:
        result = run_job(current_app, job, svc)
        click.echo(f"{job.name}: {result}")


@main.command("scheduler")
@with_appcontext
def scheduler() -> None:
    """Lance le planificateur (processus dédié ; Ctrl-C pour l'arrêter)."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    from notify.jobs import JOBS, run_job

    app = current_app._get_current_object()
    sched = BlockingScheduler(timezone="UTC")
    for job in JOBS:
        sched.add_job(run_job, "interval", seconds=job.interval(services().settings),
                      args=[app, job],
                      id=job.name, name=job.description, max_instances=1, coalesce=True,
                      next_run_time=services().clock.now())
    click.echo(f"Planificateur démarré : {', '.join(j.name for j in JOBS)}.")
    try:
        sched.start()
    except (KeyboardInterrupt, SystemExit):
        pass


# --- demo ---------------------------------------------------------------------------


@main.group()
def demo() -> None:
    """Données et serveur de démonstration."""


@demo.command("load")
@with_appcontext
def demo_load() -> None:
    """Charge les données de démonstration et affiche les comptes (JSON)."""
    from notify.demo.data import load_demo

    svc = services()
    with svc.db.unit_of_work() as uow:
        result = load_demo(uow.session, svc.clock.now(), svc.settings)
        uow.commit()
    click.echo(json.dumps(result, ensure_ascii=False, indent=2, default=_json_default))


def _json_default(value):
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(repr(value))


@demo.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--credentials", type=click.Path(dir_okay=False, path_type=Path),
              help="Fichier JSON écrit par « notify demo load », à afficher.")
@with_appcontext
def demo_serve(host: str, port: int, credentials: Path | None) -> None:
    """Serveur web, planificateur et serveur SMTP local, arrêtés ensemble par Ctrl-C."""
    from notify.demo.serve import serve

    svc = services()
    if svc.settings.mode != "demo":
        raise click.ClickException("notify demo serve ne fonctionne qu'avec NOTIFY_MODE=demo.")
    serve(current_app._get_current_object(), host, port, credentials)


# On the group itself, not on app.cli: `notify evidence verify` must run on a legal
# officer's machine with no settings, database or network; it never loads the app.
from notify.evidence.cli import evidence, tsa  # noqa: E402

main.add_command(evidence)
main.add_command(tsa)


if __name__ == "__main__":
    main()
