"""A decision as legal staff read it: content, holder, routing, notification, and the
timeline of every event of its subject with its certification.

Reading a decision here is never the holder's consultation: nothing in this module
touches the decision's row or its chain; the read is recorded in the access log
(``notify.backoffice.access.record_access``) by the views.

The decision's **fingerprint** is the SHA-256 of its notification event (the
``first_consultation`` that notified it, or the ``deemed_notified`` event): the hash of
the canonical JSON the log certified, which is also the SHA-256 of that event's file
in the evidence bundle (``events/NNNN.json``). Each event holds the hash of the
previous one, so this one value commits to the whole chain from the deposit to the
notification; later events (a later consultation, the purge of the content) do not
change it. The attestation prints it with a QR code (``notify.backoffice.attestation``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from notify.accounts.models import Holder
from notify.decisions.audit import compare_with_log, export_bundle, table_check
from notify.decisions.holder import notification_line
from notify.decisions.models import Decision, subject_of
from notify.errors import Conflict, InvalidInput, NotFound
from notify.evidence.facts import Check
from notify.evidence.models import Event, EventTag, EvidenceBatch
from notify.evidence.texts import TAG_LABELS, legal_time
from notify.legal.deadlines import NotificationBasis
from notify.legal.policies import Policy, get_policy
from notify.legal.routing import Channel
from notify.legal.territories import Territory, get_territory

BASIS_LABELS = {NotificationBasis.CONSULTATION: "première consultation par le titulaire",
                NotificationBasis.DEEMED: "notification réputée acquise à la fin du délai "
                                          "de quinze jours, faute de consultation"}

CHANNEL_DESCRIPTIONS = {
    Channel.ONLINE: "Mise à disposition sur le compte personnel (R. 223-3-1)",
    Channel.POSTAL_SIMPLE: "Lettre simple (R. 223-3 III)",
    Channel.POSTAL_REGISTERED: "Lettre recommandée avec demande d'avis de réception"}
"""The channel in full on a decision's page (the search lists use its short name)."""


def not_found(reference: str) -> NotFound:
    return NotFound(f"Aucune décision ne porte la référence « {reference} ».")


def holder_of(session: Session, reference: str) -> int:
    """The id of the holder of decision ``reference`` (``NotFound`` if none)."""
    holder_id = session.scalar(select(Decision.holder_id)
                               .where(Decision.reference == reference))
    if holder_id is None:
        raise not_found(reference)
    return holder_id


@dataclass(frozen=True)
class TimelineEntry:
    """One event of the decision's chain and its certification (``None`` while its batch
    waits for its token)."""

    seq: int
    tag: str
    actor: str
    at: datetime
    hash: str
    data: dict[str, Any]
    batch_seq: int | None
    batch_root: str | None
    certified_at: datetime | None
    tsa_serial: str | None

    @property
    def label(self) -> str:
        return TAG_LABELS.get(self.tag, self.tag)

    @property
    def certified(self) -> bool:
        return self.certified_at is not None


@dataclass(frozen=True)
class DecisionFile:
    decision: Decision
    holder: Holder
    timeline: list[TimelineEntry]

    @property
    def reference(self) -> str:
        return self.decision.reference

    @property
    def zone(self) -> Territory:
        return get_territory(self.holder.territory)

    @property
    def channel_label(self) -> str:
        return CHANNEL_DESCRIPTIONS.get(self.decision.channel, self.decision.channel)

    @property
    def purged(self) -> bool:
        return self.decision.content_purged_at is not None

    def legal_time(self, entry: TimelineEntry) -> str:
        return legal_time(entry.tag, entry.at, self.holder.territory)

    def first(self, tag: EventTag) -> TimelineEntry | None:
        return next((e for e in self.timeline if e.tag == tag), None)

    @property
    def notification_event(self) -> TimelineEntry | None:
        """The event that notified the decision (``None`` while it is not notified)."""
        deemed = self.first(EventTag.DEEMED_NOTIFIED)
        if deemed is not None:
            return deemed
        consulted = self.first(EventTag.FIRST_CONSULTATION)
        if consulted is not None and consulted.data.get("notification"):
            return consulted
        return None

    @property
    def fingerprint(self) -> str | None:
        """See the module's docstring."""
        event = self.notification_event
        return event.hash if event else None

    @property
    def policy(self) -> Policy | None:
        ref = self.decision.notification_policy
        return get_policy(ref) if ref else None

    @property
    def basis_label(self) -> str:
        basis = self.decision.notification_basis
        return BASIS_LABELS.get(basis, basis or "")

    @property
    def notification_line(self) -> str:
        """The holder page's sentence (certified time of the first consultation)."""
        if self.decision.channel != Channel.ONLINE:
            return ("Décision envoyée par courrier : sa notification est celle de la lettre, "
                    "hors de ce service (" + ("transmise pour impression" if
                    self.decision.exported_at else "en attente d'impression") + ").")
        if self.decision.made_available_at is None:
            return "Décision pas encore mise à disposition (dépôt en attente d'horodatage)."
        consulted = self.first(EventTag.FIRST_CONSULTATION)
        return notification_line(self.decision, consulted.certified_at if consulted else None,
                                 self.holder.territory)

    @property
    def appeal_deadline(self) -> date | None:
        return self.decision.appeal_deadline


def decision_file(session: Session, reference: str) -> DecisionFile:
    """Everything the staff's decision page shows (``NotFound`` for an unknown reference).
    Reads only."""
    row = session.execute(select(Decision, Holder)
                          .join(Holder, Holder.id == Decision.holder_id)
                          .where(Decision.reference == reference)).first()
    if row is None:
        raise not_found(reference)
    decision, holder = row
    timeline = [
        TimelineEntry(seq=e.seq, tag=e.tag, actor=e.actor, at=e.occurred_at, hash=e.hash,
                      data=json.loads(e.document)["data"],
                      batch_seq=b.seq if b else None, batch_root=b.root if b else None,
                      certified_at=b.gen_time if b and b.token is not None else None,
                      tsa_serial=b.tsa_serial if b and b.token is not None else None)
        for e, b in session.execute(
            select(Event, EvidenceBatch)
            .outerjoin(EvidenceBatch, EvidenceBatch.id == Event.batch_id)
            .where(Event.subject == subject_of(reference)).order_by(Event.seq))]
    return DecisionFile(decision, holder, timeline)


# --- verification -------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """"Vérifier maintenant": each check of the bundle built now, then the table's."""

    checks: list[Check]
    bundle: bytes

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


def verify_decision(services, reference: str) -> Verification:
    """Run on the server what ``notify evidence verify`` runs on the decision's bundle,
    built now (pending events certified on demand, ``export_bundle``), then compare the
    ``decisions`` table with the log for this decision. Several transactions of its own:
    the caller holds none."""
    export = export_bundle(services, subject_of(reference))
    with services.db.unit_of_work() as uow:
        table = table_check(compare_with_log(uow.session, reference))
    return Verification([*export.report.checks, table], export.data)


def attestable(services, session: Session, reference: str) -> DecisionFile:
    """The decision's file (read with ``session``) once its evidence is certified and
    verified (``verify_decision``), for the attestation: refused (``InvalidInput``) when
    its evidence does not verify, (``Conflict``) while it is not notified."""
    verification = verify_decision(services, reference)
    if not verification.ok:
        failure = next(c for c in verification.checks if not c.ok)
        raise InvalidInput("Les preuves de cette décision ne se vérifient pas "
                           f"({failure.label} : {failure.detail}) : aucune attestation ne "
                           "peut être établie.")
    file = decision_file(session, reference)
    if file.notification_event is None:
        raise Conflict("Cette décision n'est pas encore notifiée : aucune attestation de "
                       "notification ne peut être établie.")
    return file
