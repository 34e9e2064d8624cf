"""Bearer tokens of the administration's depositing systems. Operations flush only.

A token is ``ntf_`` followed by 256 random bits (URL-safe base64); only its SHA-256 is
stored, so the token is shown once, when created, and never again.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from notify.decisions.models import ApiToken
from notify.errors import Conflict, InvalidInput, NotFound, Unauthenticated

TOKEN_PREFIX = "ntf_"
NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,47}$")
# last_used_at is for the operator, not evidence: writing it once a minute is enough
# and spares a row update on every request of a busy depositor.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, name: str, now: datetime) -> tuple[ApiToken, str]:
    """A new token called ``name``; returns the row and the token in clear (once)."""
    if not NAME.match(name):
        raise InvalidInput("Nom de jeton : 1 à 48 caractères parmi a-z, 0-9, « _ », « . » et "
                           "« - », commençant par une lettre ou un chiffre.", field="name")
    if session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
        raise Conflict(f"Un jeton nommé « {name} » existe déjà (même révoqué, un nom ne "
                       "sert qu'une fois : il désigne l'auteur des dépôts dans les preuves).")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name, token_sha256=token_digest(secret), created_at=now)
    session.add(row)
    session.flush()
    return row, secret


def revoke_token(session: Session, name: str, now: datetime) -> ApiToken:
    row = session.scalar(select(ApiToken).where(ApiToken.name == name))
    if row is None:
        raise NotFound(f"Aucun jeton nommé « {name} ».")
    if row.revoked_at is None:
        row.revoked_at = now
        session.flush()
    return row


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.name)))


def authenticate(session: Session, authorization: str | None, now: datetime) -> ApiToken:
    """The active token of an ``Authorization: Bearer …`` header, or ``Unauthenticated``."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("Jeton d'accès manquant : envoyez l'en-tête "
                              "« Authorization: Bearer <jeton> ».")
    row = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == token_digest(token)))
    if row is None or row.revoked_at is not None:
        raise Unauthenticated("Jeton d'accès inconnu ou révoqué.")
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        row.last_used_at = now
    return row
