"""Partner organisations: the bodies whose systems call the API.

An organisation is the unit of ownership for machine clients: an API client belongs to
one, and reads only what its organisation deposited or filed.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import String
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
