"""What a holder does with his account. Each operation flushes; its caller commits.

Opening (R. 223-3-1 I): an activation code proves the holder is who he says; he gives
an e-mail address (1°), accepts the general conditions (2°) and attests having read
how the appeal deadline is computed (3°). The account opens when the address is
verified. Closing: "dans les mêmes formes que celles de son ouverture", so it needs a
fresh authentication and an explicit confirmation, and it takes effect after the
closure delay.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Row, bindparam, func, select
from sqlalchemy.orm import Session, joinedload

from notify.accounts.models import (
    Account,
    AccountState,
    ActivationCode,
    EmailToken,
    Holder,
    TokenPurpose,
)
from notify.accounts.register import normalize_licence_number
from notify.accounts.texts import ATTESTATION, CONDITIONS
from notify.auth.secrets import (
    check_password_policy,
    digest,
    hash_password,
    needs_rehash,
    new_link_token,
    normalize_activation_code,
    verify_password,
)
from notify.auth.throttle import LoginLimits, check_address, check_principal, record_failure
from notify.errors import InvalidInput, NotAllowed
from notify.evidence.log import format_instant, record_event
from notify.evidence.models import EventTag
from notify.legal.delays import closure_effective_at
from notify.mail.addresses import normalize_address
from notify.mail.outbox import enqueue
from notify.settings import Settings
from notify.web.formatting import datetime_zone_fr

# One message for every way registration details can be wrong, so that the form
# does not tell which licence numbers exist.
REGISTRATION_REFUSED = (
    "Ces informations ne permettent pas d'ouvrir un compte. Vérifiez le numéro de permis, "
    "la date de naissance et le code d'activation reçu par courrier (il expire après "
    "quelques semaines)."
)
BAD_CREDENTIALS = "Adresse électronique ou mot de passe incorrect."


# --- registration -------------------------------------------------------------------


@dataclass(frozen=True)
class Registration:
    account: Account
    verification_token: str


def _usable(activation: ActivationCode | None, holder: Holder | None, now: datetime) -> bool:
    return (
        holder is not None
        and holder.account is None
        and activation is not None
        and activation.holder_id == holder.id
        and activation.used_at is None
        and activation.revoked_at is None
        and activation.expires_at > now
    )


def check_activation(
    session: Session, licence_number: str, birth_date: date, code: str, now: datetime
) -> ActivationCode:
    """Step 1: the holder proves who he is with the code posted to him."""
    holder = session.scalar(
        select(Holder).where(Holder.licence_number == normalize_licence_number(licence_number))
    )
    activation = session.scalar(
        select(ActivationCode).where(
            ActivationCode.code_hash == digest(normalize_activation_code(code))
        )
    )
    if not _usable(activation, holder, now) or holder.birth_date != birth_date:
        raise InvalidInput(REGISTRATION_REFUSED)
    return activation


def _issue_link(session: Session, account: Account, purpose: TokenPurpose, email: str,
                now: datetime, settings: Settings) -> str:
    token = new_link_token()
    session.add(EmailToken(account_id=account.id, purpose=purpose, email=email,
                           token_hash=digest(token), created_at=now,
                           expires_at=now + timedelta(hours=settings.email_token_hours)))
    return token


def _send_verification(session: Session, account: Account, email: str, now: datetime,
                       settings: Settings) -> str:
    token = _issue_link(session, account, TokenPurpose.VERIFY_EMAIL, email, now, settings)
    enqueue(session, kind="verify_email", to=email, now=now,
            subject="Confirmez votre adresse électronique", template="verify_email",
            subject_ref=account.subject,
            link=f"{settings.base_url}/compte/verification/{token}",
            hours=settings.email_token_hours)
    return token


def register(
    session: Session,
    *,
    activation_id: int,
    email: str,
    password: str,
    accepted_conditions: bool,
    attested_deadlines: bool,
    now: datetime,
    settings: Settings,
) -> Registration:
    """Steps 2 and 3: create the account, pending until the address is verified.

    The verification token is returned for the demo loader; the holder gets it by e-mail.
    """
    activation = session.get(ActivationCode, activation_id)
    holder = session.get(Holder, activation.holder_id) if activation else None
    if not _usable(activation, holder, now):
        raise InvalidInput(REGISTRATION_REFUSED)
    email = normalize_address(email, smtputf8=settings.smtp_utf8,
                              test_domains=not settings.is_production)
    check_password_policy(password)
    if not accepted_conditions:
        raise InvalidInput("Vous devez accepter les conditions générales d'utilisation.",
                           field="accept_conditions")
    if not attested_deadlines:
        raise InvalidInput("Vous devez attester avoir pris connaissance des modalités de "
                           "computation du délai de recours.", field="attest_deadlines")
    if session.scalar(select(Account.id).where(Account.email == email)) is not None:
        raise InvalidInput("Cette adresse ne peut pas être utilisée.", field="email")
    activation.used_at = now
    account = Account(
        reference="CPT-" + secrets.token_hex(8).upper(),
        holder_id=holder.id,
        state=AccountState.PENDING_VERIFICATION,
        email=email,
        password_hash=hash_password(password),
        session_generation=0,
        conditions_version=CONDITIONS.version,
        conditions_accepted_at=now,
        attestation_version=ATTESTATION.version,
        attestation_accepted_at=now,
        created_at=now,
    )
    session.add(account)
    session.flush()
    for tag, text in ((EventTag.CONDITIONS_ACCEPTED, CONDITIONS),
                      (EventTag.ATTESTATION_ACCEPTED, ATTESTATION)):
        record_event(session, subject=account.subject, tag=tag, actor="holder", at=now,
                     data={"version": text.version, "text_sha256": text.sha256})
    token = _send_verification(session, account, email, now, settings)
    return Registration(account, token)


class LinkUnusable(InvalidInput):
    """An e-mailed link that cannot serve: unknown, already used or expired.

    ``reason`` (``unknown``, ``used``, ``expired``) lets the page say what happened and
    what to do next; the status is 410 for a link that existed, 404 otherwise.
    """

    def __init__(self, reason: str, purpose: TokenPurpose) -> None:
        super().__init__(LINK_PROBLEMS[reason])
        self.reason = reason
        self.purpose = purpose
        self.status = 404 if reason == "unknown" else 410


LINK_PROBLEMS = {
    "unknown": "Ce lien n'est pas valide : il a peut-être été mal copié.",
    "used": "Ce lien a déjà été utilisé : il ne sert qu'une fois.",
    "expired": "Ce lien a expiré.",
}


def check_link(session: Session, token: str, purpose: TokenPurpose,
               now: datetime) -> EmailToken:
    """The link of ``token`` if it can still serve, else ``LinkUnusable`` saying why."""
    link = session.scalar(select(EmailToken).where(EmailToken.token_hash == digest(token)))
    if link is None or link.purpose != purpose:
        raise LinkUnusable("unknown", purpose)
    if link.used_at is not None:
        raise LinkUnusable("used", purpose)
    if link.expires_at <= now:
        raise LinkUnusable("expired", purpose)
    return link


def _take_link(session: Session, token: str, purpose: TokenPurpose, now: datetime) -> EmailToken:
    link = check_link(session, token, purpose, now)
    link.used_at = now
    return link


def verify_email(session: Session, token: str, now: datetime, settings: Settings) -> str:
    """A verification link was confirmed: open the account (returns ``"opening"``), or
    switch to the new address (returns ``"change"``)."""
    link = _take_link(session, token, TokenPurpose.VERIFY_EMAIL, now)
    account = session.get(Account, link.account_id)
    if account.state == AccountState.PENDING_VERIFICATION:
        purpose = "opening"
        account.email_verified_at = now
        account.state = AccountState.ACTIVE
        account.opened_at = now
        record_event(session, subject=account.subject, tag=EventTag.EMAIL_VERIFIED,
                     actor="holder", at=now, data={"purpose": purpose})
        record_event(session, subject=account.subject, tag=EventTag.ACCOUNT_OPENED,
                     actor="holder", at=now,
                     data={"conditions_version": account.conditions_version,
                           "attestation_version": account.attestation_version})
    elif account.pending_email == link.email:
        purpose = "change"
        old = account.email
        account.email = link.email
        account.pending_email = None
        account.email_verified_at = now
        record_event(session, subject=account.subject, tag=EventTag.EMAIL_VERIFIED,
                     actor="holder", at=now, data={"purpose": purpose})
        record_event(session, subject=account.subject, tag=EventTag.EMAIL_CHANGED,
                     actor="holder", at=now,
                     data={"previous_sha256": digest(old), "current_sha256": digest(link.email)})
        enqueue(session, kind="email_changed", to=old, now=now,
                subject="Votre adresse électronique a été modifiée", template="email_changed",
                subject_ref=account.subject, base_url=settings.base_url)
    else:
        raise InvalidInput("Ce lien ne correspond plus à une adresse en attente de vérification.")
    session.flush()
    return purpose


# --- authentication -----------------------------------------------------------------


class AccountNotOpen(NotAllowed):
    """The right password, but the address was never confirmed: the account is not open."""

    def __init__(self, account_id: int) -> None:
        super().__init__("Votre compte n'est pas encore ouvert : confirmez d'abord votre "
                         "adresse électronique avec le lien reçu par courriel.")
        self.account_id = account_id


RESEND_INTERVAL = timedelta(minutes=10)
"""A holder who signs in before confirming his address gets a new link, at most this
often (a lost or expired first link must not leave the account unopenable)."""


def resend_verification(session: Session, account_id: int, now: datetime,
                        settings: Settings) -> bool:
    """Send a new opening link unless one left less than ``RESEND_INTERVAL`` ago."""
    account = session.get(Account, account_id)
    latest = session.scalar(
        select(func.max(EmailToken.created_at)).where(
            EmailToken.account_id == account.id,
            EmailToken.purpose == TokenPurpose.VERIFY_EMAIL))
    if latest is not None and now - latest < RESEND_INTERVAL:
        return False
    _send_verification(session, account, account.email, now, settings)
    session.flush()
    return True


def holder_principal(account: Account) -> str:
    """The account's name for throttling and device cookies."""
    return f"holder:{account.id}"


def authenticate(
    session: Session, email: str, password: str, address: str, now: datetime,
    limits: LoginLimits, devices: Mapping[str, str] | None = None,
) -> Account:
    """Check a password, with throttling per client address and per account.

    ``devices`` is the browser's verified device cookie (``{principal: nonce}``): a
    browser that already signed in on this account is throttled on its own failures,
    so that a stranger's wrong passwords never lock the owner out
    (``notify.auth.throttle``).
    """
    check_address(session, address, now, limits)
    try:  # only to find the account: an address refused at input has none
        normalized = normalize_address(email, smtputf8=True, test_domains=True)
    except InvalidInput:
        normalized = email.strip()
    account = session.scalar(select(Account).where(Account.email == normalized))
    principal = holder_principal(account) if account is not None else None
    device = (devices or {}).get(principal) if principal else None
    if principal is not None:
        check_principal(session, principal, device, now, limits)
    if not verify_password(account.password_hash if account else None, password):
        record_failure(session, principal=principal, address=address, device=device, now=now)
        raise InvalidInput(BAD_CREDENTIALS)
    if account.state == AccountState.PENDING_VERIFICATION:
        raise AccountNotOpen(account.id)
    if needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    return account


def confirm_password(account: Account, password: str) -> None:
    """Re-authentication before a sensitive change."""
    if not verify_password(account.password_hash, password):
        raise InvalidInput("Mot de passe incorrect.", field="password")


def end_other_sessions(account: Account) -> None:
    """Every login session carries the generation it was opened under; bump it."""
    account.session_generation += 1


def _tell_password_changed(session: Session, account: Account, now: datetime,
                           settings: Settings) -> None:
    enqueue(session, kind="password_changed", to=account.email, now=now,
            subject="Votre mot de passe a été modifié", template="password_changed",
            subject_ref=account.subject, base_url=settings.base_url,
            at=datetime_zone_fr(now, account.holder.territory))


def change_password(session: Session, account: Account, new_password: str, now: datetime,
                    settings: Settings) -> None:
    check_password_policy(new_password, field="new_password")
    account.password_hash = hash_password(new_password)
    end_other_sessions(account)
    _tell_password_changed(session, account, now, settings)
    session.flush()


def request_password_reset(session: Session, email: str, now: datetime,
                           settings: Settings) -> None:
    """Send a reset link if the address belongs to an open account; say nothing otherwise."""
    try:
        normalized = normalize_address(email, smtputf8=True, test_domains=True)
    except InvalidInput:
        return
    account = session.scalar(select(Account).where(
        Account.email == normalized, Account.state != AccountState.PENDING_VERIFICATION))
    if account is None:
        return
    token = _issue_link(session, account, TokenPurpose.RESET_PASSWORD, account.email, now,
                        settings)
    enqueue(session, kind="reset_password", to=account.email, now=now,
            subject="Réinitialisation de votre mot de passe", template="reset_password",
            subject_ref=account.subject,
            link=f"{settings.base_url}/mot-de-passe/nouveau/{token}",
            hours=settings.email_token_hours)
    session.flush()


def reset_password(session: Session, token: str, new_password: str, now: datetime,
                   settings: Settings) -> Account:
    check_password_policy(new_password, field="new_password")
    link = _take_link(session, token, TokenPurpose.RESET_PASSWORD, now)
    account = session.get(Account, link.account_id)
    account.password_hash = hash_password(new_password)
    end_other_sessions(account)
    _tell_password_changed(session, account, now, settings)
    session.flush()
    return account


# --- keeping the account ------------------------------------------------------------


def request_email_change(session: Session, account: Account, new_email: str, now: datetime,
                         settings: Settings) -> None:
    """The new address is used only once verified; the current one is told at once."""
    email = normalize_address(new_email, smtputf8=settings.smtp_utf8,
                              test_domains=not settings.is_production, field="new_email")
    if email == account.email:
        raise InvalidInput("C'est déjà votre adresse actuelle.", field="new_email")
    if session.scalar(select(Account.id).where(Account.email == email)) is not None:
        raise InvalidInput("Cette adresse ne peut pas être utilisée.", field="new_email")
    account.pending_email = email
    _send_verification(session, account, email, now, settings)
    enqueue(session, kind="email_change_requested", to=account.email, now=now,
            subject="Demande de changement d'adresse électronique",
            template="email_change_requested", subject_ref=account.subject,
            base_url=settings.base_url)
    session.flush()


def request_closure(session: Session, account: Account, *, confirmed: bool, now: datetime,
                    settings: Settings) -> datetime:
    """R. 223-3-1 I, last paragraph: closure takes effect after the closure delay."""
    if not confirmed:
        raise InvalidInput("Cochez la case pour confirmer la demande de fermeture.",
                           field="confirm")
    if account.state != AccountState.ACTIVE:
        raise InvalidInput("Ce compte n'est pas ouvert.")
    if account.closure_effective_at is not None:
        raise InvalidInput("Une demande de fermeture est déjà en cours.")
    effective = closure_effective_at(now, settings.closure_delay, account.holder.territory)
    account.closure_requested_at = now
    account.closure_effective_at = effective
    record_event(session, subject=account.subject, tag=EventTag.CLOSURE_REQUESTED,
                 actor="holder", at=now,
                 data={"effective_at": format_instant(effective),
                       "delay": str(settings.closure_delay)})
    enqueue(session, kind="closure_requested", to=account.email, now=now,
            subject="Demande de fermeture de votre compte", template="closure_requested",
            subject_ref=account.subject, base_url=settings.base_url,
            effective_at=datetime_zone_fr(effective, account.holder.territory))
    session.flush()
    return effective


def withdraw_closure(session: Session, account: Account, now: datetime,
                     settings: Settings) -> None:
    if not account.closure_pending:
        raise InvalidInput("Aucune demande de fermeture n'est en cours.")
    if account.closure_effective_at <= now:
        raise InvalidInput("La fermeture a déjà pris effet.")
    record_event(session, subject=account.subject, tag=EventTag.CLOSURE_WITHDRAWN,
                 actor="holder", at=now,
                 data={"requested_at": format_instant(account.closure_requested_at)})
    account.closure_requested_at = None
    account.closure_effective_at = None
    enqueue(session, kind="closure_withdrawn", to=account.email, now=now,
            subject="Votre demande de fermeture est retirée", template="closure_withdrawn",
            subject_ref=account.subject, base_url=settings.base_url)
    session.flush()


def make_closures_effective(session: Session, now: datetime, base_url: str) -> int:
    """Job: close the accounts whose closure delay has run out, at the legal instant.

    The event is dated at ``closure_effective_at`` (when the closure took effect in law),
    not at the time the job happens to run. Rows are locked so two schedulers do not
    both close one account.
    """
    due = list(session.scalars(
        select(Account)
        .where(Account.state == AccountState.ACTIVE,
               Account.closure_effective_at.is_not(None),
               Account.closure_effective_at <= now)
        .order_by(Account.id)
        .with_for_update(skip_locked=True)
    ))
    for account in due:
        account.state = AccountState.CLOSED
        account.closed_at = account.closure_effective_at
        record_event(session, subject=account.subject, tag=EventTag.CLOSURE_EFFECTIVE,
                     actor="system", at=account.closure_effective_at,
                     data={"requested_at": format_instant(account.closure_requested_at)})
        enqueue(session, kind="closure_effective", to=account.email, now=now,
                subject="Votre compte est fermé", template="closure_effective",
                subject_ref=account.subject, base_url=base_url,
                closed_at=datetime_zone_fr(account.closed_at, account.holder.territory))
    session.flush()
    return len(due)


def holder_for_login(session: Session, account_id: int, generation: int) -> Row[Any] | None:
    """The session loader's lookup: the register entry of the account's holder, as a
    plain row of the holder's columns (what every holder page reads), if the session's
    generation is still the account's; None otherwise. The generation is checked in the
    query itself. Pages that change the account load it with ``account_by_id``."""
    return session.connection().execute(
        _LOGIN, {"account_id": account_id, "generation": generation}).first()


_LOGIN = (select(*Holder.__table__.c)
          .join_from(Account, Holder, Account.holder_id == Holder.id)
          .where(Account.id == bindparam("account_id"),
                 Account.session_generation == bindparam("generation")))
"""Built once: every page of a signed-in holder runs it."""


def account_by_id(session: Session, account_id: int) -> Account | None:
    """The ORM account with its holder, for the pages that read or change more than the
    holder's register entry (the session loader has checked its generation)."""
    return session.get(Account, account_id, options=[joinedload(Account.holder, innerjoin=True)])
