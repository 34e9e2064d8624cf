"""Operator commands: ``notify staff …``, ``notify organisation …``, ``notify api-token …``.

Each command is one unit of work, committed once at the end. Secrets (tokens, enrolment
links) are printed once, on standard output; messages go to standard error.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from notify.auth import api_clients
from notify.auth import staff as staff_ops
from notify.auth.models import OrganisationKind
from notify.auth.permissions import SCOPES, Role
from notify.bootstrap import services
from notify.errors import DomainError
from notify.evidence.log import format_instant

staff_group = AppGroup("staff", help="Agents (espace agents : juristes, administrateurs).")
organisation_group = AppGroup("organisation", help="Organisations partenaires.")
api_token = AppGroup("api-token", help="Jetons d'accès des systèmes des organisations (API).")
COMMANDS = (staff_group, organisation_group, api_token)


def _fail(error: DomainError):
    raise click.ClickException(error.message)


# --- staff --------------------------------------------------------------------------


@staff_group.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True,
              help="legal : lit les décisions et les preuves ; admin : gère aussi les agents "
                   "et les organisations.")
def staff_create(email: str, role: str) -> None:
    """Crée l'agent EMAIL et affiche son lien d'inscription, valable une fois."""
    svc = services()
    with svc.db.unit_of_work() as uow:
        try:
            enrolment = staff_ops.create_member(uow.session, email, role, svc.clock.now())
        except DomainError as error:
            _fail(error)
        uow.commit()
    click.echo(f"Agent {enrolment.member.email} ({role}) créé. Transmettez-lui ce lien "
               f"d'inscription, valable une fois jusqu'au "
               f"{format_instant(enrolment.expires_at)} :", err=True)
    click.echo(f"{svc.settings.base_url}/agents/inscription/{enrolment.token}")


@staff_group.command("disable")
@click.argument("email")
def staff_disable(email: str) -> None:
    """Désactive l'agent EMAIL : ses sessions prennent fin, il ne peut plus se connecter."""
    svc = services()
    with svc.db.unit_of_work() as uow:
        try:
            member = staff_ops.disable_member(uow.session, email, svc.clock.now())
        except DomainError as error:
            _fail(error)
        uow.commit()
    click.echo(f"Agent {member.email} désactivé.")


# --- organisations -----------------------------------------------------------------


@organisation_group.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="Nom complet de l'organisation.")
@click.option("--kind", type=click.Choice([k.value for k in OrganisationKind]), required=True)
def organisation_create(slug: str, name: str, kind: str) -> None:
    """Crée l'organisation SLUG (identifiant court : a-z, 0-9, « - »)."""
    svc = services()
    with svc.db.unit_of_work() as uow:
        try:
            api_clients.create_organisation(uow.session, slug, name, kind, svc.clock.now())
        except DomainError as error:
            _fail(error)
        uow.commit()
    click.echo(f"Organisation « {slug} » créée.")


@organisation_group.command("list")
def organisation_list() -> None:
    """Liste les organisations."""
    with services().db.unit_of_work() as uow:
        rows = api_clients.list_organisations(uow.session)
        if not rows:
            click.echo("Aucune organisation.")
        for row in rows:
            click.echo(f"{row.slug}\t{row.kind}\t{row.name}")


# --- API tokens ---------------------------------------------------------------------


@api_token.command("create")
@click.argument("name")
@click.option("--org", "organisation", required=True, help="Organisation du jeton (SLUG).")
@click.option("--scope", "scopes", multiple=True, required=True,
              type=click.Choice(list(SCOPES)), help="Portée accordée (répétable).")
def api_token_create(name: str, organisation: str, scopes: tuple[str, ...]) -> None:
    """Crée le jeton NAME et l'affiche, une seule fois."""
    svc = services()
    with svc.db.unit_of_work() as uow:
        try:
            _, secret = api_clients.create_client(uow.session, name, organisation, scopes,
                                                  svc.clock.now())
        except DomainError as error:
            _fail(error)
        uow.commit()
    click.echo(f"Jeton « {name} » créé. Conservez-le maintenant : il ne sera plus affiché.",
               err=True)
    click.echo(secret)


@api_token.command("revoke")
@click.argument("name")
def api_token_revoke(name: str) -> None:
    """Révoque le jeton NAME (définitivement)."""
    svc = services()
    with svc.db.unit_of_work() as uow:
        try:
            api_clients.revoke_client(uow.session, name, svc.clock.now())
        except DomainError as error:
            _fail(error)
        uow.commit()
    click.echo(f"Jeton « {name} » révoqué.")


@api_token.command("list")
def api_token_list() -> None:
    """Liste les jetons (jamais leur valeur), avec leur organisation et leurs portées."""
    with services().db.unit_of_work() as uow:
        rows = api_clients.list_clients(uow.session)
        if not rows:
            click.echo("Aucun jeton.")
        for row, org in rows:
            state = f"révoqué le {format_instant(row.revoked_at)}" if row.revoked_at else "actif"
            used = format_instant(row.last_used_at) if row.last_used_at else "jamais"
            click.echo(f"{row.name}\t{org.slug}\t{row.scopes}\t{state}"
                       f"\tcréé le {format_instant(row.created_at)}\tdernier usage : {used}")
