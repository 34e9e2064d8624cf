"""Time-based one-time passwords (RFC 6238) for staff members' second factor.

Six digits, 30-second steps, HMAC-SHA1 (what every authenticator app reads from an
``otpauth://`` URI). A code is accepted for the current step and one step either side
(clock drift), and only for a step later than the last one accepted, so a code seen
over a shoulder or replayed is refused. Pure: "now" and the last step are passed in.
"""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp

DIGITS = 6
STEP_SECONDS = 30
DRIFT_STEPS = 1
ISSUER = "notify"


def new_secret() -> str:
    """160 random bits in base 32, the size RFC 4226 recommends for HMAC-SHA1."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, account_name: str) -> str:
    """The ``otpauth://totp/…`` URI an authenticator app reads (from its QR code)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=account_name, issuer_name=ISSUER)


def step_at(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def code_at_step(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).at(step * STEP_SECONDS)


def matching_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The step whose code ``code`` is, within the drift and after ``last_step``; None
    when the code is wrong, too old, too early or already used."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    current = step_at(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(code_at_step(secret, step), code):
            return step
    return None
