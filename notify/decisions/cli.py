"""Operator commands: ``notify postal export``.

Each command is one unit of work, committed once at the end.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from notify.bootstrap import services
from notify.decisions import postal
from notify.errors import DomainError

postal_group = AppGroup("postal", help="Décisions à envoyer par courrier.")


def _fail(error: DomainError):
    raise click.ClickException(error.message)


@postal_group.command("export")
@click.option("--channel", type=click.Choice(postal.POSTAL_CHANNELS),
              help="Canal à exporter (obligatoire sauf avec --batch).")
@click.option("--batch", "number", type=int, help="Réexporte à l'identique le lot NUMÉRO.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Fichier zip à écrire (ne doit pas exister).")
def postal_export(channel: str | None, number: int | None, output: Path) -> None:
    """Écrit dans un zip les décisions en attente d'impression (CSV et lettres PDF)."""
    if output.exists():
        raise click.ClickException(f"{output} existe déjà : choisissez un autre fichier.")
    if number is None and channel is None:
        raise click.ClickException("Précisez --channel (nouveau lot) ou --batch (réexport).")
    svc = services()
    with svc.db.unit_of_work() as uow:
        try:
            if number is not None:
                export = postal.reexport_batch(uow.session, number)
                if channel is not None and export.batch.channel != channel:
                    raise click.ClickException(
                        f"Le lot n° {number} est du canal {export.batch.channel}.")
            else:
                export = postal.export_batch(uow.session, channel, svc.clock.now())
        except DomainError as error:
            _fail(error)
        if export is None:
            click.echo(f"Aucune décision {channel} en attente d'impression.")
            return
        with output.open("xb") as fh:
            fh.write(export.archive)
        output.chmod(0o600)
        try:
            uow.commit()
        except Exception:
            output.unlink()
            raise
    verb = "réexporté" if number is not None else "exporté"
    click.echo(f"Lot n° {export.batch.number} ({export.batch.channel}, "
               f"{export.batch.count} lettre(s)) {verb} dans {output}.")
