"""Routing of a deposited decision to exactly one channel.

Legal basis: R. 223-3-1 I (only the decisions of R. 223-3 III, 2nd paragraph, may be
made available online, on the holder's personal account), R. 223-3 III (simple
letter, or registered letter with acknowledgement of receipt for an invalidation),
R. 223-4 I (registered letter when a probationary licence loses 3 points or more),
R. 223-8 (restoration after a stage, notified under its own article).

Nothing is ever dropped: ``route`` returns one channel for every decision, with a
reason in French to show to the depositor.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from notify.legal.points import DecisionKind, RestorationBasis
from notify.legal.policies import DEFAULT_ROUTING_POLICY, RoutingPolicy

PROBATIONARY_COURSE_THRESHOLD = 3
"""Points withdrawn from a probationary licence that make the stage compulsory
(R. 223-4 I, lettre 48N)."""

LOW_BALANCE = 6
"""A withdrawal leaving this balance or less (but more than zero) is a « 48M » letter,
which warns that the balance is low and advises the awareness course."""


class LetterModel(StrEnum):
    """The national letter model a decision is notified with (legal-rules §10)."""

    WITHDRAWAL = "48"
    """Withdrawal leaving 7 to 11 points."""
    LOW_BALANCE = "48M"
    """Withdrawal leaving 1 to 6 points: the course is advised."""
    PROBATIONARY = "48N"
    """Probationary licence, 3 points or more withdrawn: the course is compulsory
    (R. 223-4 I)."""
    INVALIDATION = "48SI"
    """Withdrawal to zero: the licence loses its validity (L. 223-1, L. 223-5)."""
    RESTORATION = "restoration"
    """Points restored (L. 223-6, R. 223-8): the text depends on its basis."""


def letter_model(kind: str | DecisionKind, points: int, balance_after: int,
                 probationary: bool) -> LetterModel:
    """The letter model of a decision. A withdrawal to zero is an invalidation whatever
    else it is (no course is possible any more); then a probationary licence losing three
    points or more (R. 223-4 I); then the balance (``LOW_BALANCE``)."""
    if DecisionKind(kind) is DecisionKind.RESTORATION:
        return LetterModel.RESTORATION
    if balance_after <= 0:
        return LetterModel.INVALIDATION
    if probationary and points >= PROBATIONARY_COURSE_THRESHOLD:
        return LetterModel.PROBATIONARY
    return LetterModel.LOW_BALANCE if balance_after <= LOW_BALANCE else LetterModel.WITHDRAWAL


class Channel(StrEnum):
    ONLINE = "online"
    """Mise à disposition sur le compte personnel (R. 223-3-1)."""
    POSTAL_SIMPLE = "postal_simple"
    """Lettre simple (R. 223-3 III, 2e alinéa)."""
    POSTAL_REGISTERED = "postal_registered"
    """Lettre recommandée avec demande d'avis de réception."""


@dataclass(frozen=True)
class DecisionFacts:
    """What routing needs to know of a decision.

    ``points``: points withdrawn or restored; ``balance_after``: the balance the
    decision leaves; ``restoration_basis``: required for a restoration, absent for a
    withdrawal. Strings are accepted and converted to the enums.
    """

    kind: DecisionKind
    points: int
    balance_after: int
    probationary: bool = False
    restoration_basis: RestorationBasis | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", DecisionKind(self.kind))
        if self.restoration_basis is not None:
            object.__setattr__(self, "restoration_basis", RestorationBasis(self.restoration_basis))
        if self.kind is DecisionKind.RESTORATION and self.restoration_basis is None:
            raise ValueError("a restoration needs its restoration_basis")
        if self.kind is DecisionKind.WITHDRAWAL and self.restoration_basis is not None:
            raise ValueError("a withdrawal has no restoration_basis")


@dataclass(frozen=True)
class Routing:
    """The channel chosen for a decision, why (in French), and the policy applied."""

    channel: Channel
    reason: str
    policy: RoutingPolicy

    @property
    def policy_ref(self) -> str:
        return self.policy.ref


def ineligibility(
    facts: DecisionFacts, policy: RoutingPolicy = DEFAULT_ROUTING_POLICY
) -> Routing | None:
    """The postal routing imposed by law or policy, or ``None`` if the decision may
    be made available online (R. 223-3-1 I: decisions of R. 223-3 III, 2nd al.).
    """
    if facts.kind is DecisionKind.WITHDRAWAL:
        if facts.balance_after <= 0:
            return Routing(
                Channel.POSTAL_REGISTERED,
                "Retrait portant le solde à zéro point (invalidation du permis, lettre "
                "48SI) : notification par lettre recommandée avec demande d'avis de "
                "réception (art. R. 223-3 III du code de la route).",
                policy,
            )
        if facts.probationary and facts.points >= PROBATIONARY_COURSE_THRESHOLD:
            return Routing(
                Channel.POSTAL_REGISTERED,
                "Retrait d'au moins trois points sur un permis probatoire (stage "
                "obligatoire, lettre 48N) : notification par lettre recommandée avec "
                "demande d'avis de réception (art. R. 223-4 I du code de la route).",
                policy,
            )
    elif facts.restoration_basis is RestorationBasis.STAGE and not policy.stage_eligible:
        return Routing(
            Channel.POSTAL_SIMPLE,
            "Reconstitution de points après un stage de sensibilisation : notifiée par "
            "lettre simple au titre de l'article R. 223-8 du code de la route, hors du "
            f"compte personnel (politique {policy.ref}).",
            policy,
        )
    return None


def route(
    facts: DecisionFacts,
    account_open: bool,
    policy: RoutingPolicy = DEFAULT_ROUTING_POLICY,
) -> Routing:
    """The one channel through which a decision is notified.

    1. Not eligible by law (invalidation, R. 223-3 III; 3 points or more on a
       probationary licence, R. 223-4 I): registered letter.
    2. Restoration after a stage (R. 223-8): simple letter unless the policy makes
       it eligible (default ``routing_stage_by_post/1``: not eligible).
    3. Eligible, but the holder has no active account (never opened, or closure in
       effect, R. 223-3-1 I last paragraph): simple letter (R. 223-3 III, 2nd al.).
    4. Otherwise: deposit on the personal account (R. 223-3-1 I and III).

    ``account_open`` is computed by the caller at the deposit instant (a closure
    requested but not yet in effect still counts as open).
    """
    imposed = ineligibility(facts, policy)
    if imposed is not None:
        return imposed
    if not account_open:
        return Routing(
            Channel.POSTAL_SIMPLE,
            "Décision déposable, mais le titulaire n'a pas de compte personnel actif "
            "(jamais ouvert ou fermeture en vigueur) : notification par lettre simple "
            "(art. R. 223-3 III, deuxième alinéa, et R. 223-3-1 I du code de la route).",
            policy,
        )
    return Routing(
        Channel.ONLINE,
        "Décision déposée sur le compte personnel du titulaire, qui en est alerté par "
        "courrier électronique (art. R. 223-3-1 I à III du code de la route).",
        policy,
    )
