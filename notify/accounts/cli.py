"""Operator commands of the holders' register: ``notify holders …``.

Each command is one unit of work: it commits once at the end, or not at all.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click
from flask.cli import AppGroup

from notify.bootstrap import services

holders = AppGroup("holders", help="Registre des titulaires de permis.")


@holders.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Vérifie le fichier sans rien enregistrer.")
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
