"""Decisions and their evidence: what goes into a decision's bundle, and whether the
``decisions`` table still says what the log says.

The table is what the service shows and acts on; the log is what is certified. An edit
of a date or a state in the table, by mistake or otherwise, must not go unnoticed:
``compare_with_log`` recomputes every fact from the events (``notify.evidence.facts``)
and reports each difference. ``notify evidence check`` and the ``check_evidence`` job
run it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from notify.accounts.models import Account, Holder
from notify.decisions.content import DecisionContent
from notify.decisions.letters import LetterFacts, render_letter
from notify.decisions.models import Decision, DecisionState
from notify.errors import InvalidInput
from notify.evidence.batches import check_log
from notify.evidence.bundle import BundleReport, check_bundle
from notify.evidence.export import (
    Preparation,
    events_pending,
    export_subject,
    prepare_export,
)
from notify.evidence.facts import Check, fact_of, first, parse_instant, summarise
from notify.evidence.log import canonical_json
from notify.evidence.models import Event
from notify.evidence.tsa import chain_pem
from notify.legal.routing import Channel
from notify.legal.territories import DEFAULT_TERRITORY

CHUNK = 500


@dataclass(frozen=True)
class BundleInputs:
    """What a decision adds to its bundle: the holder's territory (legal times), the
    decision and its letter while retained, and the instant the bundle must prove
    complete up to (the notification instant, once notified)."""

    territory: str
    attachments: list[tuple[str, bytes]]
    not_before: datetime | None


def bundle_inputs(session: Session, subject: str) -> BundleInputs:
    """For a decision (``decision:<ref>``) or an account (``account:<ref>``, which has
    no attachment); an unknown subject gets the metropolitan legal time and nothing else
    (its export then says that it has no event)."""
    kind, _, reference = subject.partition(":")
    if kind == "account":
        territory = session.scalar(select(Holder.territory).join(
            Account, Account.holder_id == Holder.id).where(Account.reference == reference))
        return BundleInputs(territory or str(DEFAULT_TERRITORY), [], None)
    row = session.execute(select(Decision, Holder.licence_number, Holder.territory)
                          .join(Holder, Holder.id == Decision.holder_id)
                          .where(Decision.reference == reference)).first() \
        if kind == "decision" else None
    if row is None:
        return BundleInputs(str(DEFAULT_TERRITORY), [], None)
    decision, licence_number, territory = row
    attachments = []
    if decision.content_purged_at is None:
        content = DecisionContent.of(decision, licence_number)
        attachments = [("decision.json", canonical_json(content.canonical())),
                       ("courrier.pdf", render_letter(LetterFacts.of(decision, licence_number)))]
    return BundleInputs(territory, attachments, decision.notified_at)


@dataclass(frozen=True)
class Difference:
    """One column of one decision that the log contradicts."""

    reference: str
    column: str
    table: str
    log: str

    def __str__(self) -> str:
        return (f"{self.reference} : {self.column} vaut {self.table} dans la table, "
                f"{self.log} d'après le journal")


def _shown(value) -> str:
    if value is None:
        return "(vide)"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _expected(decision: Decision, documents: list[str]) -> dict[str, object]:
    facts = [fact_of(d, None, None) for d in documents]
    summary = summarise(facts)
    record = summary.notification or {}
    deposited = first(facts, "deposited")
    if decision.channel == Channel.ONLINE:
        state = (DecisionState.NOTIFIED if summary.notification else
                 DecisionState.AVAILABLE if summary.made_available_at else
                 DecisionState.PENDING_CERTIFICATION)
    else:
        state = (DecisionState.EXPORTED if summary.exported_for_print
                 else DecisionState.AWAITING_PRINT)
    at = record.get("at")
    return {
        "state": str(state),
        "deposited_at": deposited.at if deposited else None,
        "content_sha256": deposited.data.get("content_sha256") if deposited else None,
        "letter_sha256": deposited.data.get("letter_sha256") if deposited else None,
        "made_available_at": summary.made_available_at,
        "first_consulted_at": summary.first_consulted_at,
        "notified_at": parse_instant(at) if at else None,
        "notified_on": date.fromisoformat(record["on"]) if record.get("on") else None,
        "notification_basis": record.get("basis"),
        "notification_policy": record.get("policy"),
        "appeal_deadline": (date.fromisoformat(record["appeal_deadline"])
                            if record.get("appeal_deadline") else None),
    }


def compare_with_log(session: Session, reference: str | None = None) -> list[Difference]:
    """Every difference between the ``decisions`` table and the decisions' events, in
    decision order (a few queries per 500 decisions); only those of the decision
    ``reference`` when given (the back office's "Vérifier maintenant")."""
    differences = []
    after = 0
    only = () if reference is None else (Decision.reference == reference,)
    while True:
        decisions = list(session.scalars(select(Decision).where(Decision.id > after, *only)
                                         .order_by(Decision.id).limit(CHUNK)))
        if not decisions:
            return differences
        after = decisions[-1].id
        documents: dict[str, list[str]] = defaultdict(list)
        for subject, document in session.execute(
                select(Event.subject, Event.document)
                .where(Event.subject.in_([d.subject for d in decisions]))
                .order_by(Event.subject, Event.seq)):
            documents[subject].append(document)
        for decision in decisions:
            for column, expected in _expected(decision, documents[decision.subject]).items():
                actual = getattr(decision, column)
                if _shown(actual) != _shown(expected):
                    differences.append(Difference(decision.reference, column,
                                                  _shown(actual), _shown(expected)))


class CertificationPending(InvalidInput):
    """Events of the subject still wait for a token and the TSA did not answer."""


@dataclass(frozen=True)
class Export:
    """An exported bundle, what was done to make it possible, and its verification by
    our own verifier (a bundle that does not verify is still written: it shows what the
    log no longer proves)."""

    data: bytes
    preparation: Preparation
    report: BundleReport


def export_bundle(services, subject: str) -> Export:
    """Export ``subject``'s bundle at any time (the CLI and the back office call this):
    certify what is pending and take a heads snapshot if needed, gather the decision's
    content and letter, build the bundle, verify it. Raises ``DomainError`` (unknown
    subject, TSA unreachable)."""
    settings = services.settings
    client = services.timestamp_client
    with services.db.unit_of_work() as uow:
        inputs = bundle_inputs(uow.session, subject)
    preparation = prepare_export(services.db, client, services.clock, subject,
                                 max_size=settings.evidence_batch_size,
                                 not_before=inputs.not_before)
    if preparation.tsa_error is not None:
        with services.db.unit_of_work() as uow:
            waiting = events_pending(uow.session, subject)
        if waiting:
            raise CertificationPending(f"{waiting} événement(s) de {subject} attendent leur "
                               "horodatage et l'autorité d'horodatage n'a pas répondu "
                               f"({preparation.tsa_error}) : aucun paquet n'est écrit")
    chain = chain_pem(client)
    with services.db.unit_of_work() as uow:
        data = export_subject(uow.session, subject, client, chain,
                              territory=inputs.territory, attachments=inputs.attachments)
    return Export(data, preparation, check_bundle(data, client.trust_anchors))


def run_checks(session: Session) -> list[Check]:
    """``notify evidence check``: the log against itself, then the table against the log."""
    problems = check_log(session)
    return [
        Check("log.integrity", "Le journal est intact (empreintes, chaînes, lots, état "
              "certifié)", not problems, "; ".join(problems) or "aucune anomalie"),
        table_check(compare_with_log(session)),
    ]


def table_check(differences: list[Difference]) -> Check:
    """The check "the table says what the log says", from ``compare_with_log``."""
    return Check("decisions.match_log", "La table des décisions dit ce que dit le journal "
                 "(état, mise à disposition, consultation, notification)", not differences,
                 "; ".join(map(str, differences)) or "aucune différence")
