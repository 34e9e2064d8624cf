"""The holder's side: his decisions, their consultation, his balance (R. 223-3-1 III).

A holder sees only his own decisions routed online and made available (certified
making available); a decision waiting for certification does not exist for him yet,
and anyone else's answers "not found", like a reference that does not exist.

Consultation. "Première consultation" is the holder's own first opening of the
decision's content: its page or its PDF, never the list, never a staff member's view.
It is recorded once, as a ``first_consultation`` event, in the same transaction as
``first_consulted_at`` and, when it happens before the end of the fifteen-day delay,
the notification (instant, legal date, basis, policy) and the appeal deadline. Two
openings at once record one first consultation: the decision's row is locked
(``SELECT ... FOR UPDATE``; SQLite serialises writers) and re-read before deciding.

Opened after the end of the delay, the decision is deemed notified at the end of the
delay whatever the job has done: if the job has not passed yet, the deemed
notification is recorded first (at its legal instant, by the same rule as the job),
then the consultation, which changes nothing in the notification date.

Later openings record a ``consulted`` event at most once per legal day of the holder
per decision: the evidence of repeated reading is kept without one event per page
load. A purged decision has no content left to consult: opening it records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from notify.accounts.models import Holder
from notify.auth.web import AuthMethod
from notify.decisions import operations
from notify.decisions.letters import LetterFacts, letter_sections
from notify.decisions.models import Decision
from notify.decisions.notification import (
    appeal_deadline_for,
    apply_notification,
    notification_record,
    record_deemed_notification,
)
from notify.errors import NotFound
from notify.evidence.log import format_instant, record_event
from notify.evidence.models import Event, EventTag, EvidenceBatch
from notify.legal.deadlines import (
    NotificationBasis,
    deemed_notification_at,
    deemed_notification_on,
    notification,
)
from notify.legal.points import DecisionKind, OffenceClass
from notify.legal.policies import DEFAULT_NOTIFICATION_POLICY, NotificationPolicy, get_policy
from notify.legal.restoration import Forecast, RecordedDecision, forecast_restorations
from notify.legal.routing import Channel
from notify.legal.territories import get_territory
from notify.web.formatting import date_fr, datetime_zone_fr, day_end_zone_fr

VIA_PAGE = "page"
VIA_PDF = "pdf"
RETRIES = 3
"""Attempts at appending to a decision's chain when another process appended at the same
moment (the outbox's ``alert_sent`` does not lock the decision): the unique (subject,
seq) refuses the second append, which is retried after the first has committed."""

NOT_FOUND = "Cette décision n'existe pas ou n'est pas disponible sur votre compte."


def _local_date(at: datetime, territory: str) -> date:
    return at.astimezone(get_territory(territory).zone).date()


# --- reading ------------------------------------------------------------------------


@dataclass(frozen=True)
class HolderDecision:
    """A decision as the holder's pages show it, whatever its channel. ``decision`` is a
    plain row of the decision's columns in the lists and the record
    (``operations.record_of_holder``), the ORM object on the decision's own page: both
    are read the same way."""

    decision: Decision | Row[Any]
    territory: str
    consultation_certified_at: datetime | None = None

    @property
    def reference(self) -> str:
        return self.decision.reference

    @property
    def online(self) -> bool:
        """Made available on the account: it has a page, whose opening is a consultation."""
        return self.decision.channel == Channel.ONLINE

    @property
    def is_new(self) -> bool:
        """Never opened by the holder (the list marks it)."""
        return self.online and self.decision.first_consulted_at is None

    @property
    def purged(self) -> bool:
        return self.decision.content_purged_at is not None

    @property
    def title(self) -> str:
        kind = "Retrait" if self.decision.kind == "withdrawal" else "Reconstitution"
        return f"{kind} de points : décision du {date_fr(self.decision.decided_on)}"

    @property
    def points_line(self) -> str:
        """« −2 points, solde 10 points »; empty once the content is purged."""
        if self.purged:
            return ""
        sign = "−" if self.decision.kind == "withdrawal" else "+"
        return (f"{sign}{_points(self.decision.points)}, "
                f"solde {_points(self.decision.balance_after)}")

    @property
    def sending_line(self) -> str:
        """How it was sent and when, in the holder's time."""
        decision = self.decision
        if self.online:
            return "Déposée sur votre compte personnel"
        how = SENT_BY[decision.channel]
        if decision.exported_at is None:
            return f"{how} : en cours d'envoi (en attente d'impression)"
        sent_on = date_fr(decision.exported_at, self.territory)
        return f"{how} : courrier remis pour impression et envoi le {sent_on}"

    @property
    def notification_line(self) -> str:
        if not self.online:
            return ("Notifiée par ce courrier, à la date de sa réception : son affichage ici "
                    "ne vaut pas notification")
        return notification_line(self.decision, self.consultation_certified_at,
                                 self.territory)

    @property
    def notified_by_line(self) -> str:
        """Which instant notified it, and under which rule (the decision's page)."""
        return notified_by_line(self.decision, self.territory)

    @property
    def appeal_line(self) -> str:
        deadline = self.decision.appeal_deadline
        if deadline is None:
            return ""
        return (f"Vous pouvez former un recours contentieux jusqu'au {date_fr(deadline)} "
                "inclus (articles R. 421-1, R. 421-5 et R. 421-7 du code de justice "
                "administrative).")


SENT_BY = {Channel.POSTAL_REGISTERED: "Par lettre recommandée avec avis de réception",
           Channel.POSTAL_SIMPLE: "Par lettre simple"}


def _points(n: int) -> str:
    return f"{n} point{'s' if n > 1 else ''}"


def notification_line(decision: Decision, certified_at: datetime | None,
                      territory: str) -> str:
    """« Notifiée le 3 décembre 2026 (première consultation, horodatée le 3 décembre 2026
    à 14:02:11) » — the time is the certified time (genTime of the batch holding the
    ``first_consultation`` event), « horodatage en cours » until it is certified — or
    « Réputée notifiée le 7 décembre 2026 (fin du délai de quinze jours) »; otherwise
    the day the delay ends."""
    if decision.notified_on is None:
        last_day = deemed_notification_on(decision.made_available_at, territory)
        return (f"Mise à disposition le {date_fr(decision.made_available_at, territory)} ; "
                f"à défaut de consultation, elle sera réputée notifiée le {date_fr(last_day)} "
                f"(fin du délai de quinze jours : à ouvrir avant le "
                f"{day_end_zone_fr(last_day, territory)})")
    if decision.notification_basis == NotificationBasis.CONSULTATION:
        stamp = (f"horodatée le {datetime_zone_fr(certified_at, territory)}" if certified_at
                 else "horodatage en cours")
        return f"Notifiée le {date_fr(decision.notified_on)} (première consultation, {stamp})"
    return (f"Réputée notifiée le {date_fr(decision.notified_on)} "
            "(fin du délai de quinze jours)")


def notified_by_line(decision: Decision, territory: str) -> str:
    """The instant that notified the decision, in the holder's time and named zone: his
    first consultation, or the end of the delay under the recorded policy; empty while
    it is not notified."""
    if decision.notified_at is None:
        return ""
    if decision.notification_basis == NotificationBasis.CONSULTATION:
        at = datetime_zone_fr(decision.notified_at, territory)
        return f"Instant de la notification : votre première consultation, le {at}."
    at = day_end_zone_fr(decision.notified_on, territory)
    policy = get_policy(decision.notification_policy)
    rule = ("le délai finit à minuit de son dernier jour, reporté au premier jour ouvrable "
            "s'il tombe un samedi, un dimanche ou un jour férié"
            if policy.extend_to_working_day else "le délai finit à minuit de son dernier jour")
    return (f"Instant de la notification : la fin du délai de quinze jours, le {at}, sans "
            f"consultation avant (règle {policy.ref} : {rule}).")


def _consultation_certified_at(session: Session, decision: Decision) -> datetime | None:
    return session.scalar(
        select(EvidenceBatch.gen_time)
        .join(Event, Event.batch_id == EvidenceBatch.id)
        .where(Event.subject == decision.subject,
               Event.tag == EventTag.FIRST_CONSULTATION,
               EvidenceBatch.gen_time.is_not(None)))


def holder_decisions(session: Session, holder: Holder) -> list[HolderDecision]:
    """Every decision of the holder's record, whatever its channel, latest decided
    first. Reading them is not a consultation."""
    return [HolderDecision(decision, holder.territory)
            for decision in operations.record_of_holder(session, holder.id)]


@dataclass(frozen=True)
class Overview:
    """The holder's record: the balance left by the latest decision, the decisions, and
    the restorations to expect."""

    balance: int | None
    balance_decided_on: date | None
    decisions: list[HolderDecision]
    forecasts: list[Forecast]
    today: date


def overview(session: Session, holder: Holder, now: datetime) -> Overview:
    """Balance: that of the latest decision of any channel by decision date (then
    deposit order) whose content is still kept. An online decision not made available
    yet is not counted: its content must not reach the holder before its making
    available. Forecasts: ``notify.legal.restoration`` over the same decisions, with the licence's
    issue date and early accompanied driving from the register (probationary gains)."""
    decisions = holder_decisions(session, holder)
    kept = sorted((d.decision for d in decisions if not d.purged),
                  key=lambda d: (d.decided_on, d.id))
    latest = kept[-1] if kept else None
    today = _local_date(now, holder.territory)
    record = [RecordedDecision(
        kind=DecisionKind(d.kind), decided_on=d.decided_on, points=d.points,
        balance_after=d.balance_after, probationary=bool(d.probationary),
        offence_date=d.offence_date,
        offence_class=OffenceClass(d.offence_class) if d.offence_class else None)
        for d in kept]
    return Overview(balance=latest.balance_after if latest else None,
                    balance_decided_on=latest.decided_on if latest else None,
                    decisions=decisions, forecasts=forecast_restorations(
                        record, today, licence_issued_on=holder.licence_issued_on,
                        early_accompanied_driving=holder.early_accompanied_driving),
                    today=today)


def letter_of(decision: Decision, holder: Holder) -> LetterFacts:
    return LetterFacts.of(decision, holder.licence_number)


def letter_parts(decision: Decision, holder: Holder) -> list[tuple[str, str]]:
    """The words of the PDF letter, for the HTML page."""
    return letter_sections(letter_of(decision, holder))


# --- consulting ---------------------------------------------------------------------


def consult(session: Session, holder: Holder, reference: str, *, now: datetime,
            via: str, policy: NotificationPolicy = DEFAULT_NOTIFICATION_POLICY,
            authentication: str = AuthMethod.PASSWORD) -> HolderDecision:
    """The holder opens one of his decisions (``via`` ``page`` or ``pdf``): record the
    consultation (flushes; the caller commits) and return the decision to show. The
    first consultation records the account, how its session was authenticated and
    through which page (HTML or PDF).

    ``NotFound`` for a reference that is not one of his visible decisions.
    """
    for attempt in range(1, RETRIES + 1):
        decision = _locked(session, holder.id, reference)
        try:
            with session.begin_nested():
                _record_consultation(session, decision, holder, now, via, policy,
                                     authentication)
        except IntegrityError:
            if attempt == RETRIES:
                raise
            continue
        break
    return HolderDecision(decision, holder.territory,
                          _consultation_certified_at(session, decision))


def _locked(session: Session, holder_id: int, reference: str) -> Decision:
    decision = session.scalar(
        select(Decision)
        .where(Decision.reference == reference, *operations.visible_to_holder(holder_id))
        .with_for_update()
        .execution_options(populate_existing=True))
    if decision is None:
        raise NotFound(NOT_FOUND)
    return decision


def _record_consultation(session: Session, decision: Decision, holder: Holder,
                         now: datetime, via: str, policy: NotificationPolicy,
                         authentication: str) -> None:
    if decision.content_purged_at is not None:
        return
    if decision.first_consulted_at is None:
        _first_consultation(session, decision, holder, now, via, policy, authentication)
    else:
        _later_consultation(session, decision, holder.territory, now, via)


def _first_consultation(session: Session, decision: Decision, holder: Holder,
                        now: datetime, via: str, policy: NotificationPolicy,
                        authentication: str) -> None:
    territory = holder.territory
    # The making available is the TSA's genTime; a server clock lagging behind it must
    # not date a consultation before the decision existed for the holder.
    at = max(now, decision.made_available_at)
    ends = deemed_notification_at(decision.made_available_at, territory, policy=policy)
    if decision.notified_at is None and at >= ends:
        record_deemed_notification(session, decision, territory, policy)
    # A holder opens his decisions in his account's session; a holder row without an
    # account (imported, never registered) records none rather than fail.
    account = holder.account.reference if holder.account is not None else None
    data = {"via": via, "account": account,
            "authentication": authentication, "within_delay": at < ends,
            "delay_ends_at": format_instant(ends), "notification": None}
    if decision.notified_at is None:
        notice = notification(decision.made_available_at, at, territory, policy=policy)
        deadline = appeal_deadline_for(notice.on, territory)
        apply_notification(decision, notice, deadline)
        data["notification"] = notification_record(notice, deadline)
    decision.first_consulted_at = at
    record_event(session, subject=decision.subject, tag=EventTag.FIRST_CONSULTATION,
                 actor="holder", at=at, data=data)


def _later_consultation(session: Session, decision: Decision, territory: str,
                        now: datetime, via: str) -> None:
    last = session.scalar(
        select(Event.occurred_at)
        .where(Event.subject == decision.subject,
               Event.tag.in_((EventTag.FIRST_CONSULTATION, EventTag.CONSULTED)))
        .order_by(Event.seq.desc()).limit(1))
    if last is not None and _local_date(last, territory) >= _local_date(now, territory):
        return
    record_event(session, subject=decision.subject, tag=EventTag.CONSULTED, actor="holder",
                 at=now, data={"via": via})
