"""Staff members: creation by an operator, enrolment (password, TOTP key, recovery
codes), login with a mandatory second factor, disabling. Operations flush only.

Every step is an event of the member's chain in the evidence log (subject and actor
``staff:<reference>``; ``operator`` for the command line), so that who could read
what, and when, can be shown later.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from notify.auth import totp
from notify.auth.models import StaffMember, StaffRecoveryCode
from notify.auth.permissions import Role
from notify.auth.secrets import (
    check_password_policy,
    decrypt_secret,
    digest,
    encrypt_secret,
    hash_password,
    needs_rehash,
    new_link_token,
    new_recovery_code,
    normalize_activation_code,
    verify_password,
)
from notify.auth.throttle import LoginLimits, check_address, check_principal, record_failure
from notify.errors import Conflict, InvalidInput, NotFound
from notify.evidence.log import record_event
from notify.evidence.models import EventTag
from notify.mail.addresses import normalize_address

ENROLMENT_VALIDITY = timedelta(hours=72)
RECOVERY_CODES = 10
TOTP_PURPOSE = b"staff-totp"
OPERATOR = "operator"

BAD_CREDENTIALS = ("Adresse électronique, mot de passe ou code de vérification incorrect.")
MISSING_CODE = "Saisissez le code à 6 chiffres de votre application, ou un code de secours."
BAD_ENROLMENT_LINK = "Ce lien d'inscription n'est pas valide, a déjà servi ou a expiré."


def staff_principal(member: StaffMember) -> str:
    """The member's name for throttling and device cookies."""
    return f"staff:{member.id}"


def staff_address(email: str) -> str:
    """A staff member's address, checked as holders' are; it is his login name and no
    mail is sent to it by the service (the enrolment link is handed over by the operator)."""
    return normalize_address(email, smtputf8=True, test_domains=True)


def _by_email(session: Session, email: str) -> StaffMember | None:
    try:
        normalized = staff_address(email)
    except InvalidInput:
        return None
    return session.scalar(select(StaffMember).where(StaffMember.email == normalized))


@dataclass(frozen=True)
class Enrolment:
    member: StaffMember
    token: str
    expires_at: datetime


def create_member(session: Session, email: str, role: str, now: datetime) -> Enrolment:
    """A new member with a single-use enrolment link (the token is returned once)."""
    email = staff_address(email)
    try:
        role = Role(role)
    except ValueError:
        raise InvalidInput(f"Rôle inconnu : {role} ({', '.join(Role)}).", field="role") from None
    if session.scalar(select(StaffMember.id).where(StaffMember.email == email)) is not None:
        raise Conflict(f"Un agent a déjà l'adresse {email}.")
    token = new_link_token()
    member = StaffMember(reference="AGT-" + secrets.token_hex(8).upper(), email=email,
                         role=role.value, session_generation=0,
                         enrolment_token_sha256=digest(token),
                         enrolment_expires_at=now + ENROLMENT_VALIDITY, created_at=now)
    session.add(member)
    session.flush()
    record_event(session, subject=member.subject, tag=EventTag.STAFF_CREATED, actor=OPERATOR,
                 at=now, data={"role": role.value})
    return Enrolment(member, token, member.enrolment_expires_at)


def member_for_enrolment(session: Session, token: str, now: datetime) -> StaffMember:
    member = session.scalar(select(StaffMember).where(
        StaffMember.enrolment_token_sha256 == digest(token)))
    if (member is None or member.enrolled_at is not None or member.disabled_at is not None
            or member.enrolment_expires_at <= now):
        raise NotFound(BAD_ENROLMENT_LINK)
    return member


def choose_password(session: Session, member: StaffMember, password: str,
                    app_secret: str) -> str:
    """First step of enrolment: the password, and a new TOTP key (returned in clear, to
    show once; stored encrypted)."""
    check_password_policy(password)
    secret = totp.new_secret()
    member.password_hash = hash_password(password)
    member.totp_secret = encrypt_secret(app_secret, TOTP_PURPOSE, secret)
    member.totp_last_step = None
    session.flush()
    return secret


def totp_secret_of(member: StaffMember, app_secret: str) -> str:
    return decrypt_secret(app_secret, TOTP_PURPOSE, member.totp_secret)


def confirm_enrolment(session: Session, member: StaffMember, code: str, app_secret: str,
                      now: datetime) -> list[str]:
    """Second step: a code from the app proves it holds the key. Burns the link and
    returns the recovery codes in clear (shown once; stored as digests)."""
    if member.enrolled_at is not None or member.password_hash is None \
            or member.totp_secret is None:
        raise NotFound(BAD_ENROLMENT_LINK)
    step = totp.matching_step(totp_secret_of(member, app_secret), code, now,
                              member.totp_last_step)
    if step is None:
        raise InvalidInput("Ce code ne correspond pas. Vérifiez l'heure de votre téléphone et "
                           "saisissez le code affiché maintenant.", field="code")
    member.totp_last_step = step
    member.enrolled_at = now
    member.enrolment_token_sha256 = None
    member.enrolment_expires_at = None
    codes = [new_recovery_code() for _ in range(RECOVERY_CODES)]
    session.add_all(StaffRecoveryCode(staff_member_id=member.id, code_sha256=digest(clear),
                                      created_at=now) for clear in codes)
    record_event(session, subject=member.subject, tag=EventTag.STAFF_ENROLLED,
                 actor=member.subject, at=now, data={"recovery_codes": RECOVERY_CODES})
    session.flush()
    return codes


def _second_factor(session: Session, member: StaffMember, code: str, app_secret: str,
                   now: datetime) -> str | None:
    """``totp`` or ``recovery_code`` when ``code`` is a valid second factor (burning it),
    else None."""
    step = totp.matching_step(totp_secret_of(member, app_secret), code, now,
                              member.totp_last_step)
    if step is not None:
        member.totp_last_step = step
        return "totp"
    recovery = session.scalar(select(StaffRecoveryCode).where(
        StaffRecoveryCode.staff_member_id == member.id,
        StaffRecoveryCode.code_sha256 == digest(normalize_activation_code(code)),
        StaffRecoveryCode.used_at.is_(None)))
    if recovery is None:
        return None
    recovery.used_at = now
    return "recovery_code"


def authenticate(session: Session, *, email: str, password: str, code: str, address: str,
                 now: datetime, limits: LoginLimits, app_secret: str,
                 devices: Mapping[str, str] | None = None) -> StaffMember:
    """Password and second factor, throttled like holders' logins (``notify.auth.throttle``).

    One message for every wrong element, so that the form tells nothing of which was
    wrong. A refusal of a known member is an event of his chain.
    """
    if not code.strip():
        raise InvalidInput(MISSING_CODE, field="code")
    check_address(session, address, now, limits)
    member = _by_email(session, email)
    principal = staff_principal(member) if member is not None else None
    device = (devices or {}).get(principal) if principal else None
    if principal is not None:
        check_principal(session, principal, device, now, limits)
    password_ok = verify_password(member.password_hash if member else None, password)
    factor = None
    if password_ok and member.can_log_in:
        factor = _second_factor(session, member, code, app_secret, now)
    if factor is None:
        record_failure(session, principal=principal, address=address, device=device, now=now)
        if member is not None:
            reason = ("password" if not password_ok else
                      "not_enrolled_or_disabled" if not member.can_log_in else "second_factor")
            record_event(session, subject=member.subject, tag=EventTag.STAFF_LOGIN_REFUSED,
                         actor=member.subject, at=now, data={"reason": reason})
        raise InvalidInput(BAD_CREDENTIALS)
    if needs_rehash(member.password_hash):
        member.password_hash = hash_password(password)
    if factor == "recovery_code":
        left = len(unused_recovery_codes(session, member))
        record_event(session, subject=member.subject, tag=EventTag.STAFF_RECOVERY_CODE_USED,
                     actor=member.subject, at=now, data={"left": left})
    member.last_login_at = now
    record_event(session, subject=member.subject, tag=EventTag.STAFF_LOGGED_IN,
                 actor=member.subject, at=now, data={"second_factor": factor})
    return member


def reauthenticate(session: Session, member: StaffMember, *, code: str, address: str,
                   now: datetime, limits: LoginLimits, app_secret: str,
                   devices: Mapping[str, str] | None = None) -> None:
    """A signed-in member proves again that he holds his second factor (before an
    export): throttled and recorded like a login, the same message when refused."""
    if not code.strip():
        raise InvalidInput(MISSING_CODE, field="code")
    principal = staff_principal(member)
    device = (devices or {}).get(principal)
    check_principal(session, principal, device, now, limits)
    factor = _second_factor(session, member, code, app_secret, now)
    if factor is None:
        record_failure(session, principal=principal, address=address, device=device, now=now)
        record_event(session, subject=member.subject, tag=EventTag.STAFF_LOGIN_REFUSED,
                     actor=member.subject, at=now, data={"reason": "reauthentication"})
        raise InvalidInput("Ce code ne correspond pas. Saisissez le code affiché maintenant "
                           "par votre application, ou un code de secours.", field="code")
    record_event(session, subject=member.subject, tag=EventTag.STAFF_REAUTHENTICATED,
                 actor=member.subject, at=now, data={"second_factor": factor})


def unused_recovery_codes(session: Session, member: StaffMember) -> list[StaffRecoveryCode]:
    return list(session.scalars(select(StaffRecoveryCode).where(
        StaffRecoveryCode.staff_member_id == member.id, StaffRecoveryCode.used_at.is_(None))))


def log_out(session: Session, member: StaffMember, now: datetime) -> None:
    """End every session of the member (a staff member signs out everywhere at once)."""
    member.session_generation += 1
    record_event(session, subject=member.subject, tag=EventTag.STAFF_LOGGED_OUT,
                 actor=member.subject, at=now)
    session.flush()


def disable_member(session: Session, email: str, now: datetime) -> StaffMember:
    member = _by_email(session, email)
    if member is None:
        raise NotFound(f"Aucun agent n'a l'adresse {email}.")
    if member.disabled_at is None:
        member.disabled_at = now
        member.session_generation += 1
        member.enrolment_token_sha256 = None
        record_event(session, subject=member.subject, tag=EventTag.STAFF_DISABLED,
                     actor=OPERATOR, at=now)
        session.flush()
    return member


def member_for_login(session: Session, member_id: int, generation: int) -> StaffMember | None:
    """The session loader's lookup: an enrolled, active member of that session generation."""
    member = session.get(StaffMember, member_id)
    if member is None or not member.can_log_in or member.session_generation != generation:
        return None
    return member
