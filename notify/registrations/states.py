"""The life of a registration application (demande d'immatriculation) as a pure table.

No Flask, no SQLAlchemy, no clock: the operations read a file's state, call ``apply``
and save the answer with ``UPDATE … WHERE state = :from`` so that two writers cannot
both move the same file.

The states are those the national site shows to owners (« à compléter », « en attente
de paiement », « en instruction », « en attente d'information » from the registration
service or the tax service (DGFiP), « rejetée ») and, after approval, the delivery of the
certificate as service-public.fr describes it (provisional certificate, secure post,
15 days at the post office, return to the sender). « Sans suite » is ours: a file
abandoned before approval. Names are ours where the national site has none.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from notify.errors import Conflict, InvalidInput, NotAllowed


class State(enum.StrEnum):
    """Stored values; never rename one."""

    TO_COMPLETE = "a_completer"
    AWAITING_PAYMENT = "en_attente_paiement"
    UNDER_REVIEW = "en_instruction"
    AWAITING_INFORMATION = "en_attente_information"
    REJECTED = "rejetee"
    APPROVED = "validee"
    IN_PRODUCTION = "titre_en_production"
    IN_TRANSIT = "titre_en_acheminement"
    DELIVERY_NOTICE = "avis_de_passage"
    DELIVERED = "distribue"
    RETURNED = "retour_expediteur"
    ABANDONED = "sans_suite"


class Event(enum.StrEnum):
    """What can happen to a file. Stored in the transitions and the evidence log."""

    SUBMIT = "submit"
    RECORD_PAYMENT = "record_payment"
    REQUEST_INFORMATION = "request_information"  # from the registration service
    REQUEST_TAX_INFORMATION = "request_tax_information"  # from the DGFiP
    PROVIDE_INFORMATION = "provide_information"
    REJECT = "reject"
    APPROVE = "approve"
    START_PRODUCTION = "start_production"
    SHIP = "ship"
    LEAVE_NOTICE = "leave_notice"
    DELIVER = "deliver"
    RETURN_TO_SENDER = "return_to_sender"
    SHIP_AGAIN = "ship_again"
    ABANDON = "abandon"


class ActorKind(enum.StrEnum):
    OWNER = "owner"  # the owner himself, for a file he filed
    PROVIDER = "provider"  # the habilitated professional that filed the file
    CENTRE = "centre"  # the instructing centre (CERT) the file is assigned to
    STAFF = "staff"  # the administration's staff
    SYSTEM = "system"  # the national systems' feeds (payment, post)


class InformationService(enum.StrEnum):
    REGISTRATION = "immatriculation"
    TAX = "dgfip"


@dataclass(frozen=True)
class Rule:
    to: State
    actors: frozenset[ActorKind]
    reason_required: bool = False


_FILER = frozenset({ActorKind.OWNER, ActorKind.PROVIDER})
_INSTRUCTING = frozenset({ActorKind.CENTRE, ActorKind.STAFF})
_DELIVERY = frozenset({ActorKind.CENTRE, ActorKind.STAFF, ActorKind.SYSTEM})

S, E = State, Event

TRANSITIONS: dict[tuple[State, Event], Rule] = {
    (S.TO_COMPLETE, E.SUBMIT): Rule(S.AWAITING_PAYMENT, _FILER | {ActorKind.STAFF}),
    (S.AWAITING_PAYMENT, E.RECORD_PAYMENT): Rule(
        S.UNDER_REVIEW, _FILER | {ActorKind.STAFF, ActorKind.SYSTEM}),
    (S.UNDER_REVIEW, E.REQUEST_INFORMATION): Rule(S.AWAITING_INFORMATION, _INSTRUCTING, True),
    (S.UNDER_REVIEW, E.REQUEST_TAX_INFORMATION): Rule(S.AWAITING_INFORMATION,
                                                      _INSTRUCTING | {ActorKind.SYSTEM}, True),
    (S.AWAITING_INFORMATION, E.PROVIDE_INFORMATION): Rule(S.UNDER_REVIEW,
                                                          _FILER | _INSTRUCTING),
    (S.UNDER_REVIEW, E.REJECT): Rule(S.REJECTED, _INSTRUCTING, True),
    (S.UNDER_REVIEW, E.APPROVE): Rule(S.APPROVED, _INSTRUCTING),
    (S.APPROVED, E.START_PRODUCTION): Rule(S.IN_PRODUCTION, _DELIVERY),
    (S.IN_PRODUCTION, E.SHIP): Rule(S.IN_TRANSIT, _DELIVERY),
    (S.IN_TRANSIT, E.DELIVER): Rule(S.DELIVERED, _DELIVERY),
    (S.IN_TRANSIT, E.LEAVE_NOTICE): Rule(S.DELIVERY_NOTICE, _DELIVERY),
    (S.DELIVERY_NOTICE, E.DELIVER): Rule(S.DELIVERED, _DELIVERY),
    (S.DELIVERY_NOTICE, E.RETURN_TO_SENDER): Rule(S.RETURNED, _DELIVERY),
    (S.RETURNED, E.SHIP_AGAIN): Rule(S.IN_TRANSIT, _INSTRUCTING),
    **{(state, E.ABANDON): Rule(S.ABANDONED, _FILER | _INSTRUCTING, True)
       for state in (S.TO_COMPLETE, S.AWAITING_PAYMENT, S.UNDER_REVIEW,
                     S.AWAITING_INFORMATION)},
}

FINAL_STATES = frozenset({S.REJECTED, S.DELIVERED, S.ABANDONED})
"""The file is over: nothing can move it any more (the table has no way out)."""

OWNER_ACTION_STATES = frozenset({S.TO_COMPLETE, S.AWAITING_PAYMENT, S.AWAITING_INFORMATION,
                                 S.DELIVERY_NOTICE, S.RETURNED})
"""States in which something is expected of the owner: entering one is mailed to him."""

MAILED_STATES = OWNER_ACTION_STATES | FINAL_STATES

INFORMATION_SERVICE = {E.REQUEST_INFORMATION: InformationService.REGISTRATION,
                       E.REQUEST_TAX_INFORMATION: InformationService.TAX}

REASON_MAX_LENGTH = 1000

STATE_LABELS = {
    S.TO_COMPLETE: "À compléter",
    S.AWAITING_PAYMENT: "En attente de paiement",
    S.UNDER_REVIEW: "En instruction",
    S.AWAITING_INFORMATION: "En attente d'information",
    S.REJECTED: "Rejetée",
    S.APPROVED: "Validée",
    S.IN_PRODUCTION: "Titre en production",
    S.IN_TRANSIT: "Titre en acheminement",
    S.DELIVERY_NOTICE: "Avis de passage",
    S.DELIVERED: "Distribué",
    S.RETURNED: "Retour à l'expéditeur",
    S.ABANDONED: "Sans suite",
}

EVENT_LABELS = {
    E.SUBMIT: "demande transmise",
    E.RECORD_PAYMENT: "paiement enregistré",
    E.REQUEST_INFORMATION: "information demandée par le service d'immatriculation",
    E.REQUEST_TAX_INFORMATION: "information demandée par le service des impôts (DGFiP)",
    E.PROVIDE_INFORMATION: "information fournie",
    E.REJECT: "demande rejetée",
    E.APPROVE: "demande validée",
    E.START_PRODUCTION: "titre mis en production",
    E.SHIP: "titre remis à La Poste",
    E.LEAVE_NOTICE: "avis de passage déposé",
    E.DELIVER: "titre distribué",
    E.RETURN_TO_SENDER: "titre retourné à l'expéditeur",
    E.SHIP_AGAIN: "titre réexpédié",
    E.ABANDON: "demande classée sans suite",
}

ACTOR_LABELS = {
    ActorKind.OWNER: "le propriétaire",
    ActorKind.PROVIDER: "le professionnel habilité",
    ActorKind.CENTRE: "le centre d'instruction",
    ActorKind.STAFF: "l'administration",
    ActorKind.SYSTEM: "le système national",
}


@dataclass(frozen=True)
class Transition:
    """An accepted step: from, to, by whom, why."""

    event: Event
    from_state: State
    to_state: State
    actor: ActorKind
    reason: str | None
    information_service: InformationService | None


def parse_event(value: str) -> Event:
    try:
        return Event(value)
    except ValueError:
        raise InvalidInput(f"Événement inconnu : « {value} ». Valeurs possibles : "
                           f"{', '.join(e.value for e in Event)}.", field="event") from None


def apply(state: State, event: Event, actor: ActorKind, reason: str | None = None
          ) -> Transition:
    """The step ``event`` by ``actor`` from ``state``, or a domain error saying why not.

    ``Conflict`` when the table has no such step from this state (the file is elsewhere
    in its life), ``NotAllowed`` when the step exists but not for this kind of actor,
    ``InvalidInput`` when a reason is required and missing or too long.
    """
    state, event = State(state), Event(event)
    rule = TRANSITIONS.get((state, event))
    if rule is None:
        if state in FINAL_STATES:
            raise Conflict(f"Le dossier est clos (« {STATE_LABELS[state]} ») : "
                           f"« {EVENT_LABELS[event]} » n'est plus possible.")
        raise Conflict(f"« {EVENT_LABELS[event]} » est impossible pour un dossier "
                       f"« {STATE_LABELS[state]} ».")
    if actor not in rule.actors:
        raise NotAllowed(f"{ACTOR_LABELS[actor].capitalize()} ne peut pas enregistrer "
                         f"« {EVENT_LABELS[event]} ».")
    reason = (reason or "").strip() or None
    if rule.reason_required and reason is None:
        raise InvalidInput(f"Un motif est obligatoire pour « {EVENT_LABELS[event]} ».",
                           field="reason")
    if reason is not None and len(reason) > REASON_MAX_LENGTH:
        raise InvalidInput(f"Le motif ne peut pas dépasser {REASON_MAX_LENGTH} caractères.",
                           field="reason")
    return Transition(event, state, rule.to, actor, reason, INFORMATION_SERVICE.get(event))


def events_from(state: State, actor: ActorKind) -> list[Event]:
    """The events ``actor`` may record on a file in ``state`` (for forms and the API)."""
    return [event for (s, event), rule in TRANSITIONS.items()
            if s == state and actor in rule.actors]
