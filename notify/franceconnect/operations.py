"""Linking an account to FranceConnect, signing in with it, unlinking. Each operation
flushes; its caller commits.

A link is made once, by a holder signed in with his password a few minutes ago: the
identity FranceConnect vouches for must be the register's holder (same family name and
birth date), and the holder confirms by typing his licence number. From then on the
FranceConnect ``sub`` opens a session on that account.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from notify.accounts.models import Account, AccountState, Holder
from notify.accounts.register import normalize_licence_number
from notify.auth.secrets import digest
from notify.errors import Conflict, InvalidInput, NotAllowed, NotFound
from notify.evidence.log import record_event
from notify.evidence.models import EventTag
from notify.franceconnect.client import PivotIdentity
from notify.franceconnect.models import FranceConnectLink

IDENTITY_MISMATCH = (
    "L'identité transmise par FranceConnect ne correspond pas au titulaire de ce compte : "
    "le nom de naissance ou la date de naissance diffère de ceux du fichier des permis de "
    "conduire. Le compte n'a pas été lié."
)


def comparable_name(value: str) -> str:
    """A name as compared with the register: without accents, case, or the difference
    between a hyphen, an apostrophe and a space ("Lefèvre-D'Arc" = "LEFEVRE D ARC")."""
    decomposed = unicodedata.normalize("NFKD", value)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.split(r"[\s\-'’]+", bare.casefold())).strip()


def check_identity(holder: Holder, identity: PivotIdentity) -> None:
    """The person FranceConnect identified is this holder (family name and birth date)."""
    if (identity.birthdate != holder.birth_date
            or comparable_name(identity.family_name) != comparable_name(holder.surname)):
        raise NotAllowed(IDENTITY_MISMATCH)


def link_of(session: Session, account: Account) -> FranceConnectLink | None:
    return session.scalar(select(FranceConnectLink).where(
        FranceConnectLink.account_id == account.id))


def link_account(session: Session, account: Account, *, issuer: str, sub: str,
                 licence_number: str, now: datetime) -> FranceConnectLink:
    """Link ``account`` to the FranceConnect subject ``sub`` once its identity was checked
    (``check_identity``); the holder confirms with his licence number."""
    if normalize_licence_number(licence_number) != account.holder.licence_number:
        raise InvalidInput("Ce numéro de permis n'est pas celui de votre compte.",
                           field="licence_number")
    if account.state != AccountState.ACTIVE:
        raise NotAllowed("Ce compte n'est pas ouvert : il ne peut pas être lié à FranceConnect.")
    if link_of(session, account) is not None:
        raise Conflict("Votre compte est déjà lié à FranceConnect.")
    if session.scalar(select(FranceConnectLink.id).where(
            FranceConnectLink.issuer == issuer, FranceConnectLink.sub == sub)) is not None:
        raise Conflict("Cette identité FranceConnect est déjà liée à un autre compte.")
    link = FranceConnectLink(account_id=account.id, issuer=issuer, sub=sub, linked_at=now)
    session.add(link)
    record_event(session, subject=account.subject, tag=EventTag.FRANCECONNECT_LINKED,
                 actor="holder", at=now, data={"issuer": issuer, "sub_sha256": digest(sub)})
    session.flush()
    return link


def unlink_account(session: Session, account: Account, now: datetime) -> None:
    link = link_of(session, account)
    if link is None:
        raise InvalidInput("Votre compte n'est pas lié à FranceConnect.")
    record_event(session, subject=account.subject, tag=EventTag.FRANCECONNECT_UNLINKED,
                 actor="holder", at=now,
                 data={"issuer": link.issuer, "sub_sha256": digest(link.sub)})
    session.delete(link)
    session.flush()


def account_for_sign_in(session: Session, issuer: str, sub: str) -> Account:
    """The account linked to this FranceConnect subject, if it may sign in."""
    account = session.scalar(
        select(Account).join(FranceConnectLink, FranceConnectLink.account_id == Account.id)
        .where(FranceConnectLink.issuer == issuer, FranceConnectLink.sub == sub))
    if account is None:
        raise NotFound("Aucun compte n'est lié à cette identité FranceConnect.")
    if account.state != AccountState.ACTIVE:
        raise NotAllowed("Ce compte est fermé : il n'est plus possible de s'y connecter avec "
                         "FranceConnect.")
    return account
