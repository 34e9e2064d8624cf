"""Registration files, the providers that file them and the centres that instruct them."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from notify.db import Base
from notify.registrations.states import FINAL_STATES, State

_FINALS = ", ".join(f"'{state}'" for state in sorted(FINAL_STATES))
OPEN_FILES = text(f"state NOT IN ({_FINALS})")
FINISHED_FILES = text(f"state IN ({_FINALS})")
TRANSMITTED_LATE = text("submitted_at > transmit_by_at")
NOT_TRANSMITTED = text(f"submitted_at IS NULL AND state = '{State.TO_COMPLETE}'")


def _partial(name: str, *columns: str, where) -> Index:
    """An index of the files ``where`` says (the dashboard's queries repeat the same
    condition, so that both databases see the index applies)."""
    return Index(name, *columns, postgresql_where=where, sqlite_where=where)


class Procedure(enum.StrEnum):
    """The procedures of the national site (Code de la route R. 322-1 and following)."""

    FIRST_REGISTRATION = "premiere_immatriculation"  # a new vehicle
    CHANGE_OF_OWNER = "changement_titulaire"
    CHANGE_OF_ADDRESS = "changement_adresse"
    DUPLICATE = "duplicata"
    DECLARATION_OF_SALE = "declaration_cession"
    PROVISIONAL_WW = "immatriculation_provisoire_ww"


PROCEDURE_LABELS = {
    Procedure.FIRST_REGISTRATION: "Première immatriculation d'un véhicule neuf",
    Procedure.CHANGE_OF_OWNER: "Changement de titulaire",
    Procedure.CHANGE_OF_ADDRESS: "Changement d'adresse",
    Procedure.DUPLICATE: "Duplicata",
    Procedure.DECLARATION_OF_SALE: "Déclaration de cession",
    Procedure.PROVISIONAL_WW: "Immatriculation provisoire WW",
}


class ProviderStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"


class Centre(Base):
    """An instructing centre (centre d'expertise et de ressources des titres, CERT)."""

    __tablename__ = "registration_centres"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), unique=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str] = mapped_column(Text)  # shown to owners: how to reach the centre


class Provider(Base):
    """A professional habilitated by the prefect to file applications (arrêté du
    9 février 2009, art. 18-1 and following), with an agrément when it also collects the
    taxes. The status is the current one; ``ProviderStatusChange`` rows keep its history.
    """

    __tablename__ = "registration_providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), unique=True)
    habilitation_number: Mapped[str] = mapped_column(String(32), unique=True)
    agrement_number: Mapped[str | None] = mapped_column(String(32))
    prefecture: Mapped[str] = mapped_column(String(100))
    siret: Mapped[str] = mapped_column(String(14))
    activity: Mapped[str] = mapped_column(String(200))
    guarantor: Mapped[str | None] = mapped_column(String(200))
    guarantee_amount_euros: Mapped[int | None]
    guarantee_expires_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))  # a ProviderStatus
    suspended_until: Mapped[date | None] = mapped_column(Date)
    status_ground: Mapped[str | None] = mapped_column(String(32))
    status_changed_at: Mapped[datetime]
    created_at: Mapped[datetime]

    @property
    def subject(self) -> str:
        return f"registration-provider:{self.habilitation_number}"


class ProviderStatusChange(Base):
    """One change of a provider's status, with its legal ground (art. 18-10)."""

    __tablename__ = "registration_provider_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("registration_providers.id"),
                                             index=True)
    status: Mapped[str] = mapped_column(String(16))
    suspended_until: Mapped[date | None] = mapped_column(Date)
    legal_ground: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


class Application(Base):
    """A registration application (demande d'immatriculation) and where it stands.

    ``number`` is ours, given at filing with a tracking code whose SHA-256 only is kept.
    ``national_number`` is the national site's, opaque. ``state_since_at`` is when the
    file entered its state (the time of its last transition). ``transmit_by_at`` is the
    end of the provider's delay to transmit counted from the mandate, fixed at filing.
    """

    __tablename__ = "registration_applications"
    __table_args__ = (
        UniqueConstraint("provider_id", "provider_reference"),
        Index("ix_registration_applications_centre_id_state", "centre_id", "state"),
        Index("ix_registration_applications_state_since_at", "state", "state_since_at"),
        # The backlog dashboard (``queries``), measured on 1,000,000 files
        # (bench/bench_registrations_dashboard.py):
        Index("ix_registration_applications_filed_at_centre_id", "filed_at", "centre_id"),
        Index("ix_registration_applications_vin", "vin"),  # the staff's search
        Index("ix_registration_applications_plate", "plate"),
        _partial("ix_registration_applications_open_filed_at", "filed_at", "id",
                 where=OPEN_FILES),
        _partial("ix_registration_applications_open_centre_id_state", "centre_id",
                 "state", "filed_at", where=OPEN_FILES),
        _partial("ix_registration_applications_open_state_since_at", "state_since_at",
                 "centre_id", where=OPEN_FILES),
        _partial("ix_registration_applications_finished_state_since_at", "state_since_at",
                 "centre_id", where=FINISHED_FILES),
        _partial("ix_registration_applications_transmitted_late", "provider_id",
                 where=TRANSMITTED_LATE),
        _partial("ix_registration_applications_not_transmitted", "transmit_by_at",
                 "provider_id", where=NOT_TRANSMITTED),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    tracking_code_sha256: Mapped[str] = mapped_column(String(64))
    national_number: Mapped[str | None] = mapped_column(String(64))
    procedure: Mapped[str] = mapped_column(String(32))
    vin: Mapped[str] = mapped_column(String(17))
    plate: Mapped[str | None] = mapped_column(String(12))
    plate_format: Mapped[str | None] = mapped_column(String(8))
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_email: Mapped[str] = mapped_column(String(254), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("registration_providers.id"))
    provider_reference: Mapped[str | None] = mapped_column(String(64))
    content_sha256: Mapped[str] = mapped_column(String(64))
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("registration_centres.id"))
    state: Mapped[str] = mapped_column(String(32))
    state_since_at: Mapped[datetime]
    information_service: Mapped[str | None] = mapped_column(String(16))
    last_reason: Mapped[str | None] = mapped_column(Text)
    mandate_signed_at: Mapped[datetime | None]
    transmit_by_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    filed_at: Mapped[datetime]
    owner_mail: Mapped[bool] = mapped_column(default=True)
    provider_flag: Mapped[str | None] = mapped_column(String(200))

    @property
    def subject(self) -> str:
        return subject_of(self.number)


def subject_of(number: str) -> str:
    return f"registration:{number}"


class Transition(Base):
    """One step of a file: who, when, why; ``seconds_in_previous`` is the time the file
    spent in ``from_state`` (for the usual delays, without date arithmetic in SQL)."""

    __tablename__ = "registration_transitions"
    __table_args__ = (
        Index("ix_registration_transitions_from_state", "from_state",
              "seconds_in_previous"),
        Index("ix_registration_transitions_at_from_state", "at", "from_state",
              "seconds_in_previous"),  # the dashboard's recent delays per step
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("registration_applications.id"),
                                                index=True)
    event: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]
    seconds_in_previous: Mapped[int | None]
    evidence_event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), unique=True)
