"""Named, versioned policies: the choices made where the legal text is silent.

A policy is a frozen value with a ``name`` and a ``version``; its ``ref``
(``"fifteen_days_end_of_day/1"``) is what a computed notification, routing or
deadline records, so that a past result can always be explained by the policy in
force when it was computed. Changing a rule means adding a new version (or a new
name) here, never editing a published one: ``get_policy`` resolves recorded refs.

Policies in the registry:

* notification (R. 223-3-1 III, delay of fifteen days):
  ``fifteen_days_end_of_day/1`` (default) and ``fifteen_days_next_working_day/1``;
* routing of a decision to a channel (R. 223-3 III, R. 223-3-1, R. 223-4, R. 223-8):
  ``routing_stage_by_post/1`` (default) and ``routing_stage_online/1``;
* appeal deadline shown with each decision (CJA R. 421-1, R. 421-7):
  ``two_months_franc/1`` (default) and ``two_months_not_franc/1``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Policy:
    """A named, versioned legal choice. ``basis`` states its legal basis in French."""

    name: str
    version: int
    basis: str

    @property
    def ref(self) -> str:
        """``"name/version"``, the string recorded with every computed result."""
        return f"{self.name}/{self.version}"

    def __str__(self) -> str:
        return self.ref


@dataclass(frozen=True, kw_only=True)
class NotificationPolicy(Policy):
    """How the fifteen-day delay of R. 223-3-1 III is counted.

    ``delay_days``: length of the delay; ``extend_to_working_day``: whether a last
    day falling on a Saturday, Sunday or jour férié of the holder's territory is
    extended to the next working day (art. 642 CPC, 2nd sentence).
    """

    delay_days: int = 15
    extend_to_working_day: bool = False


@dataclass(frozen=True, kw_only=True)
class RoutingPolicy(Policy):
    """Which decisions may be deposited online.

    ``stage_eligible``: whether a restoration after a voluntary course (stage de
    sensibilisation, L. 223-6 4th paragraph, R. 223-8) may be deposited online.
    """

    stage_eligible: bool = False


@dataclass(frozen=True, kw_only=True)
class AppealPolicy(Policy):
    """How the appeal deadline shown with each decision is computed.

    ``months``: délai de recours (CJA R. 421-1); ``franc``: the day of expiry does
    not count, so the last day to file is the day after it; ``extend_to_working_day``:
    a last day on a Saturday, Sunday or jour férié moves to the next working day;
    ``overseas_extra_months`` / ``abroad_extra_months``: délais de distance of
    CJA R. 421-7.
    """

    months: int = 2
    franc: bool = True
    extend_to_working_day: bool = True
    overseas_extra_months: int = 1
    abroad_extra_months: int = 2


FIFTEEN_DAYS_END_OF_DAY = NotificationPolicy(
    name="fifteen_days_end_of_day",
    version=1,
    basis=(
        "R. 223-3-1 III du code de la route. Silence du texte sur la computation : "
        "le jour de la mise à disposition ne compte pas (art. 641 CPC par analogie) ; "
        "le délai expire le quinzième jour à vingt-quatre heures, heure légale du "
        "territoire du titulaire (art. 642 CPC, première phrase, par analogie) ; pas de "
        "prorogation au jour ouvrable suivant."
    ),
    delay_days=15,
    extend_to_working_day=False,
)

FIFTEEN_DAYS_NEXT_WORKING_DAY = NotificationPolicy(
    name="fifteen_days_next_working_day",
    version=1,
    basis=(
        "Comme fifteen_days_end_of_day/1, et le délai qui expirerait un samedi, un "
        "dimanche ou un jour férié du territoire du titulaire est prorogé jusqu'au "
        "premier jour ouvrable suivant (art. 642 CPC, seconde phrase, par analogie ; "
        "application à un délai de connaissance réputée incertaine)."
    ),
    delay_days=15,
    extend_to_working_day=True,
)

ROUTING_STAGE_BY_POST = RoutingPolicy(
    name="routing_stage_by_post",
    version=1,
    basis=(
        "Sont déposables les décisions envoyées par lettre simple en application du "
        "deuxième alinéa du III de l'article R. 223-3 (R. 223-3-1 I). La reconstitution "
        "après stage (R. 223-8) est notifiée par lettre simple au titre de son propre "
        "article : elle reste envoyée par courrier."
    ),
    stage_eligible=False,
)

ROUTING_STAGE_ONLINE = RoutingPolicy(
    name="routing_stage_online",
    version=1,
    basis=(
        "Comme routing_stage_by_post/1, mais la reconstitution après stage (R. 223-8) "
        "est aussi déposée sur le compte personnel."
    ),
    stage_eligible=True,
)

TWO_MONTHS_FRANC = AppealPolicy(
    name="two_months_franc",
    version=1,
    basis=(
        "CJA R. 421-1 (deux mois) et R. 421-7 (un mois de plus outre-mer, deux à "
        "l'étranger). Délai franc : ni le jour de la notification ni le jour de "
        "l'échéance ne comptent ; le délai échoit le jour du même quantième (ou le "
        "dernier jour du mois) et le recours peut encore être formé le lendemain, "
        "prorogé au premier jour ouvrable si ce dernier jour est un samedi, un "
        "dimanche ou un jour férié (art. 642 CPC)."
    ),
)

TWO_MONTHS_NOT_FRANC = AppealPolicy(
    name="two_months_not_franc",
    version=1,
    basis=(
        "Lecture prudente : le dernier jour utile affiché est le jour de l'échéance "
        "lui-même (même quantième, ou dernier jour du mois), prorogé au premier jour "
        "ouvrable. Affiche un jour de moins que la lecture du délai franc."
    ),
    franc=False,
)

DEFAULT_NOTIFICATION_POLICY = FIFTEEN_DAYS_END_OF_DAY
DEFAULT_ROUTING_POLICY = ROUTING_STAGE_BY_POST
DEFAULT_APPEAL_POLICY = TWO_MONTHS_FRANC

POLICIES: tuple[Policy, ...] = (
    FIFTEEN_DAYS_END_OF_DAY,
    FIFTEEN_DAYS_NEXT_WORKING_DAY,
    ROUTING_STAGE_BY_POST,
    ROUTING_STAGE_ONLINE,
    TWO_MONTHS_FRANC,
    TWO_MONTHS_NOT_FRANC,
)

_BY_REF = {policy.ref: policy for policy in POLICIES}


def get_policy(name: str, version: int | None = None) -> Policy:
    """The policy called ``name``; ``ValueError`` naming it when unknown.

    ``name`` may be a recorded ref (``"fifteen_days_end_of_day/1"``). Without a
    version, the latest version of that name is returned.
    """
    if version is None and "/" in name:
        name, _, raw_version = name.partition("/")
        if not raw_version.isdigit():
            raise ValueError(f"unknown policy {name}/{raw_version!r}: version must be a number")
        version = int(raw_version)
    versions = [policy for policy in POLICIES if policy.name == name]
    if not versions:
        known = ", ".join(sorted({policy.name for policy in POLICIES}))
        raise ValueError(f"unknown policy {name!r} (known: {known})")
    if version is None:
        return max(versions, key=lambda policy: policy.version)
    try:
        return _BY_REF[f"{name}/{version}"]
    except KeyError:
        raise ValueError(f"unknown version {version} of policy {name!r}") from None


# --- What is in force, as legal staff read it (``notify policies`` and /agents/politiques)


@dataclass(frozen=True)
class InForce:
    """One value or policy in force: what it is, its value, why, and where it is set."""

    label: str
    value: str
    basis: str
    setting: str | None = None


def in_force(settings) -> tuple[list[InForce], list[InForce]]:
    """The values fixed by ``settings`` (``notify.settings.Settings``, for want of the
    arrêté of R. 223-3-1 IV) and the policies applied, with their legal basis: the one
    source of the ``notify policies`` command and of the staff page ``/agents/politiques``,
    so that both always say the same."""
    from notify.legal.delays import (
        ACCESS_LOG_RETENTION_DEFAULT,
        CLOSURE_DELAY_DEFAULT,
        MAX_CLOSURE_DELAY,
        RETENTION_PERIOD_DEFAULT,
    )

    s = settings
    timestamping = s.tsa_url or f"autorité embarquée, politique {s.tsa_policy_oid}"
    notification, routing = s.notification_policy, s.routing_policy
    values = [
        InForce("délai de fermeture du compte", str(s.closure_delay),
                f"défaut {CLOSURE_DELAY_DEFAULT}, au plus {MAX_CLOSURE_DELAY} par analogie "
                "avec l'article R. 112-18 du CRPA (R. 223-3-1 I, dernier alinéa)",
                "NOTIFY_CLOSURE_DELAY"),
        InForce("durée de conservation des décisions", str(s.retention_period),
                f"défaut {RETENTION_PERIOD_DEFAULT} (R. 223-3-1 IV)", "NOTIFY_RETENTION_PERIOD"),
        InForce("durée de conservation du journal des accès des agents",
                str(s.access_log_retention),
                f"défaut {ACCESS_LOG_RETENTION_DEFAULT} ; la CNIL recommande de six mois à un an "
                "(délibération n° 2021-122 du 14 octobre 2021)",
                "NOTIFY_ACCESS_LOG_RETENTION"),
        InForce("horodatage", timestamping,
                "R. 223-3-1 III, 2e alinéa (date certifiée par l'horodatage du site)",
                "NOTIFY_TSA_URL"),
    ]
    policies = [
        InForce("notification", notification.ref, " ".join(notification.basis.split()),
                "NOTIFY_NOTIFICATION_POLICY"),
        InForce("orientation", routing.ref, " ".join(routing.basis.split()),
                "NOTIFY_ROUTING_POLICY"),
        InForce("délai de recours", DEFAULT_APPEAL_POLICY.ref,
                " ".join(DEFAULT_APPEAL_POLICY.basis.split())),
    ]
    return values, policies
