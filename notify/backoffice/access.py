"""The access audit: every staff read of a holder's or an owner's data, with its reason.

A staff member who opens a holder's file (a decision, its evidence, the holder's
account) is first asked why ("motif d'accès", ``ask_reason``); the reason is kept in
his session for that file until he signs out. Every read is then recorded by
``record_access``: one ``staff_access`` event in the evidence log (certified like every
legal fact) and, for each file read, one ``StaffAccess`` row that indexes it for the
journal and for the holder's own "who looked at my file".

The events of one member and one month form one chain (subject
``access:<member reference>:<YYYY-MM>``): a member's reads never wait on another's, and
the chain of a month is whole. Each document carries a random nonce, so that once its
text is purged at the end of the retention period its hash reveals nothing.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import session
from sqlalchemy import insert
from sqlalchemy.orm import Session

from notify.auth.models import StaffMember
from notify.backoffice.models import StaffAccess
from notify.errors import DomainError
from notify.evidence.log import record_event
from notify.evidence.models import EventTag


class AccessAction(enum.StrEnum):
    """What a staff member read. Values are stored; never rename one."""

    SEARCH = "search"  # a page of search results
    EXPORT = "export"  # a CSV export of search results
    DECISION = "decision"  # a decision's page
    VERIFICATION = "verification"  # "Vérifier maintenant" on a decision
    BUNDLE = "bundle"  # a decision's evidence bundle (preuves.zip)
    ATTESTATION = "attestation"  # a decision's attestation of notification (PDF)
    HOLDER = "holder"  # a holder's account page
    REGISTRATION = "registration"  # a vehicle-registration file's page or bundle


ACTION_LABELS: dict[AccessAction, str] = {
    AccessAction.SEARCH: "résultat de recherche",
    AccessAction.EXPORT: "export CSV",
    AccessAction.DECISION: "lecture d'une décision",
    AccessAction.VERIFICATION: "vérification des preuves",
    AccessAction.BUNDLE: "téléchargement des preuves",
    AccessAction.ATTESTATION: "attestation de notification",
    AccessAction.HOLDER: "lecture du compte",
    AccessAction.REGISTRATION: "lecture d'un dossier d'immatriculation",
}


class Reason(enum.StrEnum):
    """Why a staff member opens a file: the choices of the "motif d'accès" form."""

    LITIGATION = "litigation"
    HOLDER_REQUEST = "holder_request"
    JUDICIAL_REQUEST = "judicial_request"
    INTERNAL_AUDIT = "internal_audit"
    OTHER = "other"


REASON_LABELS: dict[Reason, str] = {
    Reason.LITIGATION: "Recours contentieux ou gracieux",
    Reason.HOLDER_REQUEST: "Demande du titulaire",
    Reason.JUDICIAL_REQUEST: "Réquisition judiciaire",
    Reason.INTERNAL_AUDIT: "Contrôle interne",
    Reason.OTHER: "Autre motif",
}

REASONS_KEY = "access_reasons"


def holder_file(holder_id: int) -> str:
    return f"holder:{holder_id}"


def registration_file(number: str) -> str:
    return f"registration:{number}"


def reason_text(reason: Reason, detail: str) -> str:
    """The reason as recorded and shown: its label, then the member's own words."""
    detail = detail.strip()
    return f"{REASON_LABELS[reason]} : {detail}" if detail else REASON_LABELS[reason]


class ReasonNeeded(DomainError):
    """The member has not said why he opens this file yet (the view asks him)."""

    status = 403
    message = "Indiquez le motif de votre accès à ce dossier."

    def __init__(self, file: str):
        super().__init__(self.message)
        self.file = file


def give_reason(file: str, text: str) -> None:
    """Keep the member's reason for ``file`` in his session (until he signs out)."""
    reasons = dict(session.get(REASONS_KEY, {}))
    reasons[file] = text
    session[REASONS_KEY] = reasons


def access_reason(file: str) -> str:
    """The reason the member gave for ``file``; raises ``ReasonNeeded`` if none yet."""
    reason = session.get(REASONS_KEY, {}).get(file)
    if reason is None:
        raise ReasonNeeded(file)
    return reason


@dataclass(frozen=True)
class Accessed:
    """One file read: whose (``holder_file`` / ``registration_file``) and which decision."""

    file: str
    reference: str | None = None


def access_subject(member: StaffMember, at: datetime) -> str:
    return f"access:{member.reference}:{at:%Y-%m}"


def record_access(session_: Session, member: StaffMember, action: AccessAction, *,
                  now: datetime, read: Sequence[Accessed], reason: str | None = None,
                  details: Mapping[str, Any] | None = None) -> None:
    """Record one read by ``member`` of the files in ``read`` (flushes).

    ``reason`` is the "motif d'accès" given for the file (None for search results and
    exports, which come before any file is opened); ``details`` what the event should
    also keep, for instance the search criteria. Nothing is recorded when nothing was
    read (an empty page of results)."""
    if not read:
        return
    event = record_event(
        session_, subject=access_subject(member, now), tag=EventTag.STAFF_ACCESS,
        actor=member.subject, at=now,
        data={"action": str(action), "reason": reason, "details": dict(details or {}),
              "read": [[item.file, item.reference] for item in read],
              "nonce": secrets.token_hex(16)})
    session_.execute(insert(StaffAccess), [
        {"at": now, "staff_member_id": member.id, "action": str(action), "file": item.file,
         "reference": item.reference, "reason": reason, "event_id": event.id}
        for item in read])
