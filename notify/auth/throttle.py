"""Throttling of password guessing, without letting a stranger lock the owner out.

Failures are counted in a sliding window, per client address and per principal. A
browser that has already signed in successfully on an account carries a signed device
cookie for it (``notify.auth.devices``, OWASP "device cookies"): its attempts are
counted against that device only, so a stranger's failures, however many, never lock
it out, and a stolen cookie is locked in turn after as many failures. Every attempt is
still subject to the per-address limit. Operations flush only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from notify.auth.models import LoginFailure
from notify.errors import TooManyAttempts
from notify.settings import Settings


@dataclass(frozen=True)
class LoginLimits:
    per_principal: int
    per_address: int
    window: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginLimits:
        return cls(settings.login_max_failures_per_account,
                   settings.login_max_failures_per_address,
                   timedelta(minutes=settings.login_window_minutes))

    @property
    def message(self) -> str:
        minutes = int(self.window.total_seconds()) // 60
        return f"Trop de tentatives de connexion. Réessayez dans {minutes} minutes."


def _count(session: Session, since: datetime, *conditions) -> int:
    return session.scalar(select(func.count()).select_from(LoginFailure)
                          .where(LoginFailure.at > since, *conditions))


def check_address(session: Session, address: str, now: datetime, limits: LoginLimits) -> None:
    """Refuse any attempt from an address past its limit, before looking anyone up."""
    if _count(session, now - limits.window, LoginFailure.address == address) \
            >= limits.per_address:
        raise TooManyAttempts(limits.message)


def check_principal(session: Session, principal: str, device: str | None, now: datetime,
                    limits: LoginLimits) -> None:
    """Refuse an attempt on ``principal`` past its limit: from a trusted ``device``, the
    failures of that device; from anywhere else, the failures of untrusted browsers."""
    since = now - limits.window
    if device is not None:
        failures = _count(session, since, LoginFailure.device == device)
    else:
        failures = _count(session, since, LoginFailure.principal == principal,
                          LoginFailure.device.is_(None))
    if failures >= limits.per_principal:
        raise TooManyAttempts(limits.message)


def record_failure(session: Session, *, principal: str | None, address: str,
                   device: str | None, now: datetime) -> None:
    session.add(LoginFailure(principal=principal, address=address, device=device, at=now))
    session.flush()


def forget_login_failures(session: Session, now: datetime, limits: LoginLimits) -> int:
    """Job: delete failed logins older than the throttling window.

    They only serve throttling; kept longer, the client addresses they hold would be
    personal data kept without a purpose.
    """
    result = session.execute(delete(LoginFailure).where(LoginFailure.at <= now - limits.window))
    session.flush()
    return result.rowcount
