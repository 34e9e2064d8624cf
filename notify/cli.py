"""The ``notify`` command: the cross-cutting commands (database, legal values in force,
jobs and scheduler) and, through ``app.cli``, those each feature registers from its
``init_app`` (``holders``, ``outbox``, ``api-token``, ``postal``, ``demo``).

Each command is one unit of work: it commits once at the end, or not at all.
"""

from __future__ import annotations

import dataclasses
import sys
from datetime import datetime

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

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


# --- legal values in force ------------------------------------------------------------


@main.command("policies")
@with_appcontext
def policies() -> None:
    """Valeurs et politiques juridiques en vigueur (pour les juristes)."""
    from notify.legal.policies import in_force

    values, applied = in_force(services().settings)
    click.echo("Réglages fixés, à défaut de l'arrêté prévu au IV de l'article R. 223-3-1 :")
    for item in values:
        setting = f" — {item.setting}" if item.setting else ""
        click.echo(f"  {item.label} : {item.value} ({item.basis}){setting}")
    click.echo("Politiques appliquées (nom/version, enregistrés avec chaque décision) :")
    for item in applied:
        setting = f" ({item.setting})" if item.setting else ""
        click.echo(f"  {item.label}{setting} : {item.value}")
        click.echo(f"      {item.basis}")


# --- jobs and scheduler -------------------------------------------------------------


@main.group()
def jobs() -> None:
    """Tâches planifiées."""


@jobs.command("run-once")
@click.option("--now", "now_text", help="Instant ISO 8601 à utiliser (modes demo et test).")
@with_appcontext
def jobs_run_once(now_text: str | None) -> None:
    """Exécute une fois chaque tâche, toutes même si l'une échoue (code 1 alors)."""
    from notify.clock import FixedClock
    from notify.jobs import jobs_of, run_job

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
    failed = []
    for job in jobs_of(current_app):
        outcome = run_job(current_app, job, svc)
        if outcome.ok:
            click.echo(f"{job.name}: {outcome.result}")
        else:
            failed.append(job.name)
            click.echo(f"{job.name}: ÉCHEC {outcome.error}", err=True)
    if failed:
        click.echo(f"{len(failed)} tâche(s) en échec : {', '.join(failed)} "
                   "(détail : notify jobs status).", err=True)
        sys.exit(1)


@jobs.command("status")
@with_appcontext
def jobs_status() -> None:
    """Dernière exécution de chaque tâche : quand, durée, résultat, dernière erreur."""
    from notify.evidence.log import format_instant
    from notify.jobs import jobs_of, last_runs

    with services().db.unit_of_work() as uow:
        runs = last_runs(uow.session)
        for job in jobs_of(current_app):
            run = runs.get(job.name)
            if run is None:
                click.echo(f"{job.name}: jamais exécutée")
                continue
            outcome = "réussie" if run.outcome == "ok" else "ÉCHEC"
            click.echo(f"{job.name}: {outcome} le {format_instant(run.started_at)} "
                       f"en {run.duration_seconds:.3f} s — {run.result or run.last_error}")
            if run.last_error and run.outcome == "ok":
                click.echo(f"    dernier échec le {format_instant(run.last_failed_at)} : "
                           f"{run.last_error}")


@main.command("scheduler")
@with_appcontext
def scheduler() -> None:
    """Lance le planificateur (processus dédié ; Ctrl-C pour l'arrêter)."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    from notify.jobs import jobs_of, run_job

    app = current_app._get_current_object()
    sched = BlockingScheduler(timezone="UTC")
    jobs = jobs_of(app)
    for job in jobs:
        sched.add_job(run_job, "interval", seconds=job.interval(services().settings),
                      args=[app, job],
                      id=job.name, name=job.description, max_instances=1, coalesce=True,
                      next_run_time=services().clock.now())
    click.echo(f"Planificateur démarré : {', '.join(j.name for j in jobs)}.")
    try:
        sched.start()
    except (KeyboardInterrupt, SystemExit):
        pass


# On the group itself, not on app.cli: `notify evidence verify` must run on a legal
# officer's machine with no settings, database or network; it never loads the app.
from notify.evidence.cli import evidence, tsa  # noqa: E402

main.add_command(evidence)
main.add_command(tsa)


if __name__ == "__main__":
    main()
