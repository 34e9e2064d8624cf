"""API clients of partner organisations: bearer tokens with scopes. Operations flush only.

A token is ``ntf_`` followed by 256 random bits (URL-safe base64); only its SHA-256 is
stored, so the token is shown once, when created, and never again. A client belongs to
one organisation and holds the scopes it was given (``notify.auth.permissions.SCOPES``).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from notify.auth.models import ApiClient, Organisation, OrganisationKind
from notify.auth.permissions import parse_scopes
from notify.errors import Conflict, InvalidInput, NotFound, Unauthenticated

TOKEN_PREFIX = "ntf_"
NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,47}$")
# last_used_at is for the operator, not evidence: writing it once a minute is enough
# and spares a row update on every request of a busy depositor.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_organisation(session: Session, slug: str, name: str, kind: str,
                        now: datetime) -> Organisation:
    if not NAME.match(slug):
        raise InvalidInput("Identifiant d'organisation : 1 à 48 caractères parmi a-z, 0-9, "
                           "« _ », « . » et « - ».", field="slug")
    if kind not in set(OrganisationKind):
        raise InvalidInput(f"Type d'organisation inconnu : {kind} (connus : "
                           f"{', '.join(OrganisationKind)}).", field="kind")
    if not name.strip():
        raise InvalidInput("Le nom de l'organisation est obligatoire.", field="name")
    if session.scalar(select(Organisation.id).where(Organisation.slug == slug)) is not None:
        raise Conflict(f"Une organisation « {slug} » existe déjà.")
    row = Organisation(slug=slug, name=name.strip(), kind=kind, created_at=now)
    session.add(row)
    session.flush()
    return row


def list_organisations(session: Session) -> list[Organisation]:
    return list(session.scalars(select(Organisation).order_by(Organisation.slug)))


def create_client(session: Session, name: str, organisation: str, scopes: Iterable[str],
                  now: datetime) -> tuple[ApiClient, str]:
    """A new client ``name`` of the organisation whose slug is ``organisation``, with
    ``scopes``; returns the row and the token in clear (once)."""
    if not NAME.match(name):
        raise InvalidInput("Nom de jeton : 1 à 48 caractères parmi a-z, 0-9, « _ », « . » et "
                           "« - », commençant par une lettre ou un chiffre.", field="name")
    try:
        granted = parse_scopes(scopes)
    except ValueError as exc:
        raise InvalidInput(f"Jeton : {exc}.", field="scopes") from None
    if not granted:
        raise InvalidInput("Donnez au moins une portée (--scope).", field="scopes")
    org = session.scalar(select(Organisation).where(Organisation.slug == organisation))
    if org is None:
        raise NotFound(f"Aucune organisation « {organisation} » (notify organisation list).")
    misplaced = [scope.name for scope in granted
                 if scope.organisation_kind not in (None, org.kind)]
    if misplaced:
        raise InvalidInput(f"Jeton : portée {', '.join(misplaced)} réservée à une autre sorte "
                           f"d'organisation que « {org.kind} ».", field="scopes")
    if session.scalar(select(ApiClient.id).where(ApiClient.name == name)) is not None:
        raise Conflict(f"Un jeton nommé « {name} » existe déjà (même révoqué, un nom ne "
                       "sert qu'une fois : il désigne l'auteur des dépôts dans les preuves).")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiClient(name=name, token_sha256=token_digest(secret), organisation_id=org.id,
                    scopes=" ".join(scope.name for scope in granted), created_at=now)
    session.add(row)
    session.flush()
    return row, secret


def revoke_client(session: Session, name: str, now: datetime) -> ApiClient:
    row = session.scalar(select(ApiClient).where(ApiClient.name == name))
    if row is None:
        raise NotFound(f"Aucun jeton nommé « {name} ».")
    if row.revoked_at is None:
        row.revoked_at = now
        session.flush()
    return row


def list_clients(session: Session) -> list[tuple[ApiClient, Organisation]]:
    return [(client, org) for client, org in session.execute(
        select(ApiClient, Organisation).join(Organisation).order_by(ApiClient.name))]


def authenticate(session: Session, authorization: str | None, now: datetime) -> ApiClient:
    """The active client of an ``Authorization: Bearer …`` header, or ``Unauthenticated``."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("Jeton d'accès manquant : envoyez l'en-tête "
                              "« Authorization: Bearer <jeton> ».")
    row = session.scalar(select(ApiClient).where(ApiClient.token_sha256 == token_digest(token)))
    if row is None or row.revoked_at is not None:
        raise Unauthenticated("Jeton d'accès inconnu ou révoqué.")
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        row.last_used_at = now
    return row
