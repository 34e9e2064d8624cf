"""A holder's file as staff read it (``/agents/titulaires``): finding him, then his
account's events with their certification, and his decisions. Each read is recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from notify.accounts.models import Account, Holder
from notify.auth.models import StaffMember
from notify.backoffice.access import AccessAction, Accessed, holder_file, record_access
from notify.decisions.models import Decision
from notify.errors import NotFound
from notify.evidence.models import Event, EventTag, EvidenceBatch
from notify.validation import name_key

FOUND_MAX = 50

ACCOUNT_EVENT_LABELS = {
    EventTag.CONDITIONS_ACCEPTED: "conditions d'utilisation acceptées",
    EventTag.ATTESTATION_ACCEPTED: "attestation sur les délais acceptée",
    EventTag.EMAIL_VERIFIED: "adresse électronique vérifiée",
    EventTag.ACCOUNT_OPENED: "ouverture du compte",
    EventTag.EMAIL_CHANGED: "changement d'adresse électronique",
    EventTag.CLOSURE_REQUESTED: "demande de fermeture",
    EventTag.CLOSURE_WITHDRAWN: "demande de fermeture retirée",
    EventTag.CLOSURE_EFFECTIVE: "fermeture effective",
    EventTag.FRANCECONNECT_LINKED: "FranceConnect associé",
    EventTag.FRANCECONNECT_UNLINKED: "FranceConnect dissocié",
}


def find_holders(session: Session, member: StaffMember, text: str, *,
                 now: datetime) -> tuple[list[Holder], bool]:
    """Holders whose licence number is ``text``, or whose surname starts with it (at most
    ``FOUND_MAX``; the flag says there were more). Listed names are a read of those
    files: recorded as a search (flushes)."""
    by_number = session.scalars(select(Holder).where(
        Holder.licence_number == text.strip().upper())).all()
    found = list(by_number) or list(session.scalars(
        select(Holder).where(Holder.surname_key.like(name_key(text) + "%"))
        .order_by(Holder.surname_key, Holder.id).limit(FOUND_MAX + 1)))
    record_access(session, member, AccessAction.SEARCH, now=now,
                  read=[Accessed(holder_file(h.id)) for h in found[:FOUND_MAX]],
                  details={"titulaire": text})
    return found[:FOUND_MAX], len(found) > FOUND_MAX


@dataclass(frozen=True)
class CertifiedEvent:
    seq: int
    tag: str
    label: str
    occurred_at: datetime
    hash: str
    batch_seq: int | None
    certified_at: datetime | None  # the timestamp's genTime, None while pending


@dataclass(frozen=True)
class HolderFile:
    holder: Holder
    account: Account | None
    events: list[CertifiedEvent]
    decisions: list[Decision]


def read_holder(session: Session, member: StaffMember, holder_id: int, *, reason: str,
                now: datetime) -> HolderFile:
    """The holder's account events (with their certification) and decisions, recorded as
    read by ``member`` for ``reason`` (flushes)."""
    holder = existing_holder(session, holder_id)
    account = holder.account
    events = []
    if account is not None:
        rows = session.execute(
            select(Event.seq, Event.tag, Event.occurred_at, Event.hash, EvidenceBatch.seq,
                   EvidenceBatch.gen_time)
            .outerjoin(EvidenceBatch, EvidenceBatch.id == Event.batch_id)
            .where(Event.subject == account.subject).order_by(Event.seq))
        events = [CertifiedEvent(seq, tag, ACCOUNT_EVENT_LABELS.get(tag, tag), at, digest,
                                 batch, certified)
                  for seq, tag, at, digest, batch, certified in rows]
    decisions = list(session.scalars(select(Decision).where(Decision.holder_id == holder.id)
                                     .order_by(Decision.decided_on.desc(), Decision.id.desc())))
    record_access(session, member, AccessAction.HOLDER, now=now, reason=reason,
                  read=[Accessed(holder_file(holder.id))])
    return HolderFile(holder, account, events, decisions)


def existing_holder(session: Session, holder_id: int) -> Holder:
    holder = session.get(Holder, holder_id)
    if holder is None:
        raise NotFound("Aucun titulaire ne correspond à ce lien.")
    return holder
