"""The legal facts a subject's events state, and the checks that they hold together.

Pure (no Flask app, no database): the offline verifier runs these on a bundle's
events, ``notify evidence check`` on the log. Each check says, in French, what it
establishes (R. 223-3-1 III of the Code de la route):

* every instant recorded in an event is no later than the instant certifying it (the
  genTime of its batch's RFC 3161 token): a fact cannot be dated after its proof;
* the making available is the certified instant of the deposit (the fifteen-day delay
  runs from it);
* a deemed notification is at the end of the delay recomputed from that certified
  making available under the policy it names (``notify.legal.deadlines``), and was
  certified after that end (it was not recorded in advance);
* a first consultation is after the making available; it notifies the decision only
  if it lies before the end of the delay, otherwise it comes after the deemed
  notification in the chain;
* absence: the subject's events are complete (heads snapshot) up to an instant after
  the end of the delay, so no consultation before that end is missing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from notify.legal.deadlines import appeal_deadline, notification
from notify.legal.policies import AppealPolicy, NotificationPolicy, get_policy


@dataclass(frozen=True)
class Check:
    """One verification: a stable ``name``, a French ``label`` saying what is checked,
    whether it holds, and a French ``detail`` (what was found, or what is wrong)."""

    name: str
    label: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class Fact:
    """One event as a legal fact: what it states and when it was certified."""

    seq: int
    tag: str
    actor: str
    at: datetime
    data: dict[str, Any]
    certified_at: datetime | None
    batch_seq: int | None


def parse_instant(text: str) -> datetime:
    """The inverse of ``notify.evidence.log.format_instant``."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def fact_of(document: str | bytes, certified_at: datetime | None,
            batch_seq: int | None) -> Fact:
    body = json.loads(document)
    return Fact(seq=body["seq"], tag=body["tag"], actor=body["actor"],
                at=parse_instant(body["at"]), data=body["data"], certified_at=certified_at,
                batch_seq=batch_seq)


def first(facts: Sequence[Fact], tag: str) -> Fact | None:
    return next((f for f in facts if f.tag == tag), None)


@dataclass(frozen=True)
class DecisionSummary:
    """What a decision's events say about its notification (``None`` when absent)."""

    made_available_at: datetime | None
    first_consulted_at: datetime | None
    notification: dict[str, Any] | None
    deposited: bool
    exported_for_print: bool


def summarise(facts: Sequence[Fact]) -> DecisionSummary:
    made = first(facts, "made_available")
    consulted = first(facts, "first_consultation")
    deemed = first(facts, "deemed_notified")
    record = None
    if deemed is not None:
        record = deemed.data["notification"]
    elif consulted is not None:
        record = consulted.data.get("notification")
    return DecisionSummary(
        made_available_at=made.at if made else None,
        first_consulted_at=consulted.at if consulted else None,
        notification=record,
        deposited=first(facts, "deposited") is not None,
        exported_for_print=first(facts, "exported_for_print") is not None,
    )


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _recomputed(record: dict[str, Any], made_available_at: datetime,
                consulted_at: datetime | None) -> list[str]:
    """Differences between a recorded notification and the one the recorded policies
    give from the certified making available (empty when they agree)."""
    try:
        policy = get_policy(record["policy"])
        appeal = get_policy(record["appeal_policy"])
        if not isinstance(policy, NotificationPolicy) or not isinstance(appeal, AppealPolicy):
            return [f"politique inattendue {record['policy']} / {record['appeal_policy']}"]
        notice = notification(made_available_at, consulted_at, record["territory"], policy)
        deadline = appeal_deadline(notice.on, record["territory"], record["residence"], appeal)
    except (KeyError, ValueError, TypeError) as exc:
        return [f"notification enregistrée incomplète ou inconnue ({exc})"]
    expected = {"basis": str(notice.basis), "at": _iso(notice.at), "on": notice.on.isoformat(),
                "delay_ends_at": _iso(notice.delay_ends_at),
                "appeal_deadline": deadline.isoformat()}
    return [f"{key} enregistré {record.get(key)!r}, recalculé {value!r}"
            for key, value in expected.items() if record.get(key) != value]


def decision_checks(facts: Sequence[Fact], complete_until: datetime | None = None
                    ) -> list[Check]:
    """The legal checks of a decision's chain (``facts`` in order, all certified).

    ``complete_until``: the certified instant up to which the chain is known complete
    (heads snapshot), for the absence of a consultation before the end of the delay.
    """
    checks = [_recorded_before_certified(facts)]
    deposited = first(facts, "deposited")
    made = first(facts, "made_available")
    deemed = first(facts, "deemed_notified")
    consulted = first(facts, "first_consultation")
    if made is not None:
        problem = None
        if deposited is None:
            problem = "aucun dépôt avant la mise à disposition"
        elif made.at != deposited.certified_at:
            problem = (f"mise à disposition enregistrée à {_iso(made.at)}, dépôt horodaté à "
                       f"{_iso(deposited.certified_at)}")
        elif made.data.get("evidence_batch") != deposited.batch_seq:
            problem = "le lot cité n'est pas celui du dépôt"
        checks.append(Check(
            "legal.made_available", "La mise à disposition est l'instant certifié du dépôt",
            problem is None, problem or f"mise à disposition le {_iso(made.at)}"))
    if deemed is not None:
        problems = []
        if made is None:
            problems.append("aucune mise à disposition enregistrée")
        else:
            record = deemed.data.get("notification") or {}
            if deemed.data.get("made_available_at") != _iso(made.at):
                problems.append("l'instant de mise à disposition cité diffère de celui enregistré")
            problems += _recomputed(record, made.at, None)
            if record.get("at") != _iso(deemed.at):
                problems.append("l'événement n'est pas daté de l'instant de notification")
        checks.append(Check(
            "legal.deemed_instant",
            "L'instant de notification réputée est celui que recalcule la politique "
            "enregistrée à partir de la mise à disposition certifiée",
            not problems, "; ".join(problems) or f"fin du délai le {_iso(deemed.at)}"))
        late = deemed.certified_at is not None and deemed.certified_at >= deemed.at
        checks.append(Check(
            "legal.deemed_certified_after",
            "La notification réputée a été horodatée après la fin du délai",
            late, f"horodatée le {_iso(deemed.certified_at)}" if deemed.certified_at
            else "non horodatée"))
    if consulted is not None:
        checks.append(_consultation_check(facts, made, deemed, consulted))
    if deemed is not None:
        if complete_until is None:
            ok, detail = False, "aucun état certifié du journal n'accompagne les événements"
        elif complete_until < deemed.at:
            ok, detail = False, (f"le journal n'est certifié complet que jusqu'au "
                                 f"{_iso(complete_until)}, avant la fin du délai")
        else:
            ok, detail = True, f"journal certifié complet jusqu'au {_iso(complete_until)}"
        if ok and consulted is not None and consulted.at < deemed.at:
            ok, detail = False, "une première consultation précède la fin du délai"
        checks.append(Check(
            "legal.no_consultation_before_end",
            "Aucune consultation n'a été enregistrée avant la fin du délai", ok, detail))
    return checks


def _recorded_before_certified(facts: Sequence[Fact]) -> Check:
    late = [f for f in facts if f.certified_at is None or f.at > f.certified_at]
    return Check(
        "legal.recorded_before_certified",
        "Chaque fait est daté au plus tard de l'instant qui le certifie",
        not late,
        ", ".join(f"événement {f.seq} daté {_iso(f.at)} mais certifié "
                  f"{_iso(f.certified_at) if f.certified_at else 'jamais'}" for f in late)
        or f"{len(facts)} événement(s)")


def _consultation_check(facts: Sequence[Fact], made: Fact | None, deemed: Fact | None,
                        consulted: Fact) -> Check:
    problems = []
    if made is None or consulted.at < made.at:
        problems.append("consultation antérieure à la mise à disposition")
    elif deemed is not None:
        if consulted.seq < deemed.seq or consulted.at < deemed.at:
            problems.append("consultation avant la notification réputée")
        if consulted.data.get("notification") is not None:
            problems.append("une consultation après la fin du délai ne notifie pas")
    else:
        record = consulted.data.get("notification")
        if record is None:
            problems.append("ni notification par consultation ni notification réputée")
        else:
            problems += _recomputed(record, made.at, consulted.at)
            if record.get("basis") != "consultation":
                problems.append("consultation après la fin du délai sans notification réputée")
    label = ("La première consultation est postérieure à la mise à disposition et cohérente "
             "avec la notification")
    return Check("legal.consultation", label, not problems,
                 "; ".join(problems) or f"première consultation le {_iso(consulted.at)}")
