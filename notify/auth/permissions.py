"""Who may do what: permissions, staff roles, API scopes, and which kind of principal may
hold which permission. Pure tables read by the guards and by the pages alike.

The strongest rule is ``KIND_PERMISSIONS``: whatever a role or a scope says, a
principal only ever holds the permissions its kind may hold, so a holder's session or
an API client can never carry a staff permission, and a staff member never counts as
a holder.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass


class PrincipalKind(enum.StrEnum):
    HOLDER = "holder"  # a licence holder's personal account (R. 223-3-1 I)
    STAFF = "staff"  # a member of the service's staff (password + TOTP)
    API_CLIENT = "api_client"  # a partner organisation's system (bearer token)


class Permission(enum.StrEnum):
    """Every permission, named once. Values are stable: they appear in logs and tests."""

    HOLDER_SPACE = "holder:space"  # his account and his own decisions
    STAFF_HOME = "staff:home"
    STAFF_DECISIONS_READ = "staff:decisions:read"
    STAFF_EVIDENCE_READ = "staff:evidence:read"
    STAFF_MEMBERS_MANAGE = "staff:members:manage"
    STAFF_ORGANISATIONS_MANAGE = "staff:organisations:manage"
    STAFF_REGISTRATIONS_READ = "staff:registrations:read"  # files, dashboard, providers
    STAFF_PROVIDERS_MANAGE = "staff:providers:manage"  # suspend, withdraw, reinstate
    STAFF_ACCESS_LOG_READ = "staff:access_log:read"
    API_DECISIONS_DEPOSIT = "api:decisions:deposit"
    API_DECISIONS_READ = "api:decisions:read"  # only what its organisation deposited
    API_REGISTRATIONS_FILE = "api:registrations:file"  # a provider, its own files only
    API_REGISTRATIONS_INSTRUCT = "api:registrations:instruct"  # a centre, files assigned to it


PERMISSION_LABELS: dict[Permission, str] = {
    Permission.HOLDER_SPACE: "consulter son compte et ses décisions",
    Permission.STAFF_HOME: "accéder à l'espace agents",
    Permission.STAFF_DECISIONS_READ: "lire les décisions",
    Permission.STAFF_EVIDENCE_READ: "lire les preuves",
    Permission.STAFF_MEMBERS_MANAGE: "gérer les agents",
    Permission.STAFF_ORGANISATIONS_MANAGE: "gérer les organisations partenaires",
    Permission.STAFF_REGISTRATIONS_READ: "consulter les dossiers d'immatriculation, le "
                                         "tableau de bord et le registre des professionnels",
    Permission.STAFF_PROVIDERS_MANAGE: "suspendre, retirer ou rétablir l'habilitation "
                                       "d'un professionnel",
    Permission.STAFF_ACCESS_LOG_READ: "consulter le journal des accès des agents",
    Permission.API_DECISIONS_DEPOSIT: "déposer des décisions",
    Permission.API_DECISIONS_READ: "lire l'état des décisions déposées par son organisation",
    Permission.API_REGISTRATIONS_FILE: "déposer et suivre ses demandes d'immatriculation "
                                       "(professionnel habilité)",
    Permission.API_REGISTRATIONS_INSTRUCT: "instruire les demandes d'immatriculation "
                                           "affectées à son centre",
}

KIND_PERMISSIONS: dict[PrincipalKind, frozenset[Permission]] = {
    PrincipalKind.HOLDER: frozenset({Permission.HOLDER_SPACE}),
    PrincipalKind.STAFF: frozenset({
        Permission.STAFF_HOME, Permission.STAFF_DECISIONS_READ, Permission.STAFF_EVIDENCE_READ,
        Permission.STAFF_MEMBERS_MANAGE, Permission.STAFF_ORGANISATIONS_MANAGE,
        Permission.STAFF_REGISTRATIONS_READ, Permission.STAFF_PROVIDERS_MANAGE,
        Permission.STAFF_ACCESS_LOG_READ}),
    PrincipalKind.API_CLIENT: frozenset({
        Permission.API_DECISIONS_DEPOSIT, Permission.API_DECISIONS_READ,
        Permission.API_REGISTRATIONS_FILE, Permission.API_REGISTRATIONS_INSTRUCT}),
}


class Role(enum.StrEnum):
    LEGAL = "legal"  # juriste : lit les décisions et les preuves
    ADMIN = "admin"  # administrateur : en plus, gère les agents et les organisations
    REGISTRATION = "registration"  # agent des immatriculations : dossiers, professionnels


ROLE_LABELS: dict[Role, str] = {Role.LEGAL: "juriste", Role.ADMIN: "administrateur",
                                Role.REGISTRATION: "agent des immatriculations"}

_LEGAL = frozenset({Permission.STAFF_HOME, Permission.STAFF_DECISIONS_READ,
                    Permission.STAFF_EVIDENCE_READ})
_REGISTRATION = frozenset({Permission.STAFF_HOME, Permission.STAFF_REGISTRATIONS_READ,
                           Permission.STAFF_PROVIDERS_MANAGE})
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.LEGAL: _LEGAL,
    Role.ADMIN: _LEGAL | _REGISTRATION | {Permission.STAFF_MEMBERS_MANAGE,
                                          Permission.STAFF_ORGANISATIONS_MANAGE,
                                          Permission.STAFF_ACCESS_LOG_READ},
    Role.REGISTRATION: _REGISTRATION,
}


def effective_permissions(kind: PrincipalKind, granted: Iterable[Permission]) -> frozenset:
    """What a principal of ``kind`` really holds of ``granted``: never more than its kind
    may hold, whatever a role table or a stored scope says."""
    return frozenset(granted) & KIND_PERMISSIONS[kind]


# --- API scopes -----------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """A named right carried by an API token, granting one permission.

    ``check_owner`` is the scope's own rule on the resource it reaches: the reading
    scope lets a client see only what its own organisation deposited.
    ``organisation_kind`` (an ``OrganisationKind`` value), when set, is the only kind of
    organisation whose clients may be given the scope: a centre's system cannot file as
    a provider, nor a provider's instruct.
    """

    name: str
    permission: Permission
    label: str
    owned_only: bool = False
    organisation_kind: str | None = None

    def check_owner(self, client_organisation_id: int, owner_organisation_id: int) -> bool:
        return not self.owned_only or client_organisation_id == owner_organisation_id


DECISIONS_DEPOSIT = Scope("decisions:deposit", Permission.API_DECISIONS_DEPOSIT,
                          "déposer des décisions")
DECISIONS_READ = Scope("decisions:read", Permission.API_DECISIONS_READ,
                       "lire l'état des décisions déposées par son organisation",
                       owned_only=True)

REGISTRATIONS_FILE = Scope("registrations:file", Permission.API_REGISTRATIONS_FILE,
                           "déposer, payer, compléter et suivre ses propres demandes "
                           "d'immatriculation", owned_only=True, organisation_kind="provider")
REGISTRATIONS_INSTRUCT = Scope("registrations:instruct", Permission.API_REGISTRATIONS_INSTRUCT,
                               "instruire et expédier les demandes d'immatriculation "
                               "affectées à son centre", owned_only=True,
                               organisation_kind="centre")

SCOPES: dict[str, Scope] = {scope.name: scope for scope in (
    DECISIONS_DEPOSIT, DECISIONS_READ, REGISTRATIONS_FILE, REGISTRATIONS_INSTRUCT)}
"""Every scope, by name. A new feature adds its scope here."""


def parse_scopes(names: Iterable[str]) -> tuple[Scope, ...]:
    """Known scopes of ``names`` (space-separated text is split first), in table order;
    raises ``ValueError`` naming an unknown one."""
    wanted: set[str] = set()
    for name in names:
        wanted.update(name.split())
    unknown = sorted(wanted - SCOPES.keys())
    if unknown:
        raise ValueError(f"portée inconnue : {', '.join(unknown)} (connues : "
                         f"{', '.join(SCOPES)})")
    return tuple(scope for name, scope in SCOPES.items() if name in wanted)
