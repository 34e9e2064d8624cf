"""Principals: who is calling, of which kind, holding which permissions.

Each wraps the row that authenticated it (an account, a staff member, an API client)
without knowing its feature's model: features hand their rows to these classes through
the loaders they register with ``notify.auth.register_loader``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from notify.auth.permissions import (
    KIND_PERMISSIONS,
    ROLE_PERMISSIONS,
    Permission,
    PrincipalKind,
    Role,
    Scope,
    effective_permissions,
    parse_scopes,
)


class Principal:
    """Flask-Login's view of a signed-in principal (and of an API client)."""

    kind: PrincipalKind
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, row: Any, granted: frozenset[Permission]) -> None:
        self.row = row
        self.permissions = effective_permissions(self.kind, granted)

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def get_id(self) -> str:
        """``<kind>:<row id>:<session generation>``: bumping the generation ends every
        session of the row."""
        return f"{self.kind}:{self.row.id}:{self.row.session_generation}"


class SessionId(NamedTuple):
    """A row's id and session generation, all a principal's session id needs, when the
    row itself is loaded only on demand."""

    id: int
    session_generation: int


class HolderPrincipal(Principal):
    """A signed-in holder. At sign-in it wraps his account. On later requests the session
    loader reads only his holder's register entry (``holder``, what every holder page
    reads) after checking the session's generation, and the account is loaded on first
    use of ``account`` (``load_account``), by the pages that read or change it."""

    kind = PrincipalKind.HOLDER

    def __init__(self, account: Any, *, holder: Any = None,
                 load_account: Callable[[], Any] | None = None) -> None:
        super().__init__(account, KIND_PERMISSIONS[PrincipalKind.HOLDER])
        self._holder = holder
        self._load_account = load_account

    @property
    def account(self):
        if self._load_account is not None:
            self.row, self._load_account = self._load_account(), None
        return self.row

    @property
    def holder(self):
        """The holder's register entry (a plain row or the ORM holder): read only."""
        return self._holder if self._holder is not None else self.account.holder


class StaffPrincipal(Principal):
    kind = PrincipalKind.STAFF

    def __init__(self, member: Any) -> None:
        self.role = Role(member.role)
        super().__init__(member, ROLE_PERMISSIONS[self.role])

    @property
    def member(self):
        return self.row


class ApiClientPrincipal(Principal):
    kind = PrincipalKind.API_CLIENT

    def __init__(self, client: Any) -> None:
        self.scopes: tuple[Scope, ...] = parse_scopes([client.scopes])
        super().__init__(client, frozenset(scope.permission for scope in self.scopes))

    @property
    def client(self):
        return self.row

    def get_id(self) -> str:  # API clients have no login session
        raise TypeError("an API client has no session")


class AnonymousPrincipal:
    """Nobody signed in: holds no permission."""

    kind = None
    permissions: frozenset[Permission] = frozenset()
    is_authenticated = False
    is_active = False
    is_anonymous = True

    def can(self, permission: Permission) -> bool:
        return False

    def get_id(self) -> None:
        return None
