from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from notify.db import Base


class FranceConnectLink(Base):
    """An account linked to a FranceConnect identity, so its holder can sign in with it.

    Only the provider's ``issuer`` and the ``sub`` it gives this service are kept: FranceConnect
    gives each service its own ``sub`` for a person, so it identifies him here and nowhere
    else. The pivot identity (names, birth date and place) is compared with the register
    when the link is made and then dropped: the register already holds what the service
    needs, and a copy would be personal data kept without a purpose.
    """

    __tablename__ = "franceconnect_links"
    __table_args__ = (UniqueConstraint("issuer", "sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), unique=True)
    issuer: Mapped[str] = mapped_column(String(255))
    sub: Mapped[str] = mapped_column(String(255))
    linked_at: Mapped[datetime]
