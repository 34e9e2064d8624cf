"""The reminder before a decision is deemed notified (issue #11, not a legal step).

R. 223-3-1 III deems an online decision notified at the end of a fifteen-day delay when
the holder has not opened it. The alert e-mail says until when; a few days before that
end (``NOTIFY_REMINDER_DAYS_BEFORE``, 3 by default), a holder who has still not opened
it gets one reminder. It changes no date: the delay runs from the making available
whatever is sent. Each reminder is evidence: ``reminder_queued`` when it is queued (with
the end of the delay it announced), then ``reminder_sent`` or ``reminder_failed`` when
the SMTP server answered (``notify.mail.sending``).

Once only: the ``reminder_queued`` event is the marker, written in the transaction that
queues the e-mail, under the decision's row lock (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, SQLite's single writer): two schedulers at once send one reminder.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, literal, select
from sqlalchemy.orm import Session

from notify.accounts.models import Account, Holder
from notify.decisions.models import Decision, deemed_candidates, subject_of
from notify.evidence.log import format_instant, record_event
from notify.evidence.models import Event, EventTag
from notify.legal.deadlines import deemed_notification_at, deemed_notification_on
from notify.legal.policies import DEFAULT_NOTIFICATION_POLICY, NotificationPolicy
from notify.mail.outbox import enqueue
from notify.web.formatting import day_end_zone_fr

REMINDER_SUBJECT = "Rappel : une décision vous attend sur votre compte"
LONGEST_EXTENSION = timedelta(days=7)
"""More than a last day moved to the next working day can add (Christmas weekends)."""


def _reminded(session: Session, decision: Decision) -> bool:
    """Read again once the row is locked: a scheduler that committed its reminder
    between our read and our lock changed no row of ``decisions`` that PostgreSQL would
    re-check, only the log."""
    return session.scalar(select(Event.id).where(
        Event.subject == decision.subject, Event.tag == EventTag.REMINDER_QUEUED).limit(1)
    ) is not None


def send_reminders(session: Session, *, now: datetime, days_before: int, base_url: str,
                   policy: NotificationPolicy = DEFAULT_NOTIFICATION_POLICY,
                   limit: int = 500) -> int:
    """Queue a reminder for each unopened decision whose delay ends within
    ``days_before`` days, once per decision; the number queued (flushes)."""
    delay = timedelta(days=policy.delay_days)
    ahead = timedelta(days=days_before)
    # A coarse window on the making available (the partial index of the deemed
    # candidates), then the exact end of each delay in the holder's territory.
    rows = session.execute(
        select(Decision, Holder.territory, Account.email)
        .join(Holder, Holder.id == Decision.holder_id)
        .join(Account, Account.holder_id == Decision.holder_id)
        .where(*deemed_candidates(),
               Decision.made_available_at > now - delay - LONGEST_EXTENSION,
               Decision.made_available_at <= now - delay + ahead + timedelta(days=2),
               Account.email_verified_at.is_not(None),
               ~exists().where(Event.subject == literal(subject_of("")) + Decision.reference,
                               Event.tag == EventTag.REMINDER_QUEUED))
        .order_by(Decision.id)
        .limit(limit)
        .with_for_update(of=Decision, skip_locked=True)).all()
    queued = 0
    for decision, territory, email in rows:
        ends = deemed_notification_at(decision.made_available_at, territory, policy)
        if not ends - ahead <= now < ends or _reminded(session, decision):
            continue
        last_day = deemed_notification_on(decision.made_available_at, territory, policy)
        record_event(session, subject=decision.subject, tag=EventTag.REMINDER_QUEUED,
                     actor="system", at=now,
                     data={"delay_ends_at": format_instant(ends), "days_before": days_before,
                           "policy": policy.ref})
        enqueue(session, kind="decision_reminder", to=email, subject=REMINDER_SUBJECT,
                template="decision_reminder", now=now, subject_ref=decision.subject,
                link=base_url.rstrip("/") + "/decisions",
                open_until=day_end_zone_fr(last_day, territory))
        queued += 1
    session.flush()
    return queued
