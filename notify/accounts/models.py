from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from notify.db import Base
from notify.validation import name_key


def _surname_key(context) -> str:
    return name_key(context.get_current_parameters()["surname"])


class Holder(Base):
    """A driving-licence holder, as the administration's register knows him.

    ``surname_key`` is the surname as staff search it (``notify.validation.name_key``:
    capitals, no accents, one space between words), set on insert and kept in step by
    the register import; its index serves prefix searches (``LIKE 'DUP%'``).
    ``licence_issued_on`` (first issue of the licence, when the register gives it) and
    ``early_accompanied_driving`` (apprentissage anticipé de la conduite) date the yearly
    gains of a probationary licence (L. 223-1, R. 223-1).
    """

    __tablename__ = "holders"
    __table_args__ = (
        Index("ix_holders_surname_key", "surname_key", "id",
              postgresql_ops={"surname_key": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    licence_number: Mapped[str] = mapped_column(String(12), unique=True)
    surname: Mapped[str] = mapped_column(String(200))
    surname_key: Mapped[str] = mapped_column(String(200), default=_surname_key)
    given_names: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date] = mapped_column(Date)
    territory: Mapped[str] = mapped_column(String(32))
    postal_address: Mapped[str] = mapped_column(Text)
    licence_issued_on: Mapped[date | None] = mapped_column(Date)
    early_accompanied_driving: Mapped[bool] = mapped_column(default=False)
    imported_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    account: Mapped[Account | None] = relationship(back_populates="holder")


class AccountState(enum.StrEnum):
    PENDING_VERIFICATION = "pending_verification"
    ACTIVE = "active"
    CLOSED = "closed"


class Account(Base):
    """The personal account of R. 223-3-1 I.

    ``reference`` names the account in the evidence log and in bundles: it carries no
    personal data. A closure request keeps the state ``active`` until
    ``closure_effective_at``; the closure job then moves it to ``closed``.
    ``session_generation`` is part of every login session's id: bumping it logs out
    every other session (logout, password change).
    """

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("holders.id"), unique=True)
    state: Mapped[str] = mapped_column(String(24))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    email_verified_at: Mapped[datetime | None]
    pending_email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(200))
    session_generation: Mapped[int] = mapped_column(default=0)
    conditions_version: Mapped[str] = mapped_column(String(32))
    conditions_accepted_at: Mapped[datetime]
    attestation_version: Mapped[str] = mapped_column(String(32))
    attestation_accepted_at: Mapped[datetime]
    created_at: Mapped[datetime]
    opened_at: Mapped[datetime | None]
    closure_requested_at: Mapped[datetime | None]
    closure_effective_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    holder: Mapped[Holder] = relationship(back_populates="account")

    @property
    def subject(self) -> str:
        """This account's subject in the evidence log."""
        return f"account:{self.reference}"

    def is_open_at(self, at: datetime) -> bool:
        """True when decisions go online for this account at ``at`` (R. 223-3-1 I, last §)."""
        return self.open_at(self.state, self.closure_effective_at, at)

    @staticmethod
    def open_at(state: str, closure_effective_at: datetime | None, at: datetime) -> bool:
        """``is_open_at`` of an account read as its two columns (a bulk reader's)."""
        if state != AccountState.ACTIVE:
            return False
        return closure_effective_at is None or at < closure_effective_at

    @property
    def closure_pending(self) -> bool:
        return self.state == AccountState.ACTIVE and self.closure_effective_at is not None


class ActivationCode(Base):
    """A one-time code printed and posted to a holder so that he can register.

    Codes have 80 random bits, so a plain SHA-256 is enough to store them.
    """

    __tablename__ = "activation_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("holders.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class TokenPurpose(enum.StrEnum):
    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"


class EmailToken(Base):
    """A single-use link sent by e-mail (address verification, password reset)."""

    __tablename__ = "email_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(24))
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

