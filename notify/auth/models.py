"""Principals and what authenticates them: partner organisations and their API clients,
staff members with their second factor, and the failed logins that throttle guessing.

An organisation is the unit of ownership for machine clients: an API client belongs to
one, and reads only what its organisation deposited or filed.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from notify.db import Base


class OrganisationKind(enum.StrEnum):
    POINTS_REGISTER = "points_register"  # the administration's points register (deposits)
    PROVIDER = "provider"  # a habilitated registration professional
    CENTRE = "centre"  # an instructing centre (CERT)


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(48), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(24))  # an OrganisationKind
    created_at: Mapped[datetime]


class ApiClient(Base):
    """A partner organisation's system, authenticated by a bearer token.

    Only the SHA-256 of the token is stored: the token has 256 random bits, so a plain
    digest is enough (no salt, no slow hash). ``name`` appears in the evidence log as
    the actor ``api:<name>``. ``scopes`` is the space-separated names of its scopes
    (``notify.auth.permissions.SCOPES``).
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(48), unique=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    scopes: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class StaffMember(Base):
    """A member of the service's staff, with a role of ``notify.auth.permissions.Role``.

    Created by an operator with a single-use enrolment link; the first visit sets the
    password and the TOTP key (``totp_secret``, encrypted with a key derived from the
    application's secret). ``totp_last_step`` is the last time step accepted, so that a
    code is never accepted twice. ``reference`` names the member in the evidence log.
    ``session_generation`` is part of every session's id: bumping it ends them all.
    """

    __tablename__ = "staff_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    totp_secret: Mapped[str | None] = mapped_column(String(200))
    totp_last_step: Mapped[int | None]
    session_generation: Mapped[int] = mapped_column(default=0)
    enrolment_token_sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    enrolment_expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    enrolled_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]

    @property
    def subject(self) -> str:
        """This member's subject (and actor) in the evidence log."""
        return f"staff:{self.reference}"

    @property
    def can_log_in(self) -> bool:
        return self.enrolled_at is not None and self.disabled_at is None


class StaffRecoveryCode(Base):
    """A single-use recovery code (80 random bits, stored as its SHA-256), burned on use."""

    __tablename__ = "staff_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_member_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id"), index=True)
    code_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class LoginFailure(Base):
    """A failed login, counted for throttling per principal, per client address, and per
    trusted device (``device``: the nonce of the device cookie the browser showed).

    ``principal`` is ``holder:<account id>`` or ``staff:<member id>``, or None when the
    address named nobody.
    """

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_principal_at", "principal", "at"),
        Index("ix_login_failures_address_at", "address", "at"),
        Index("ix_login_failures_device_at", "device", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    principal: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(64))
    device: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime]
