"""The web side of authentication: the login manager, principal loaders, session limits
of staff members, and the guards every protected view declares."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from functools import wraps

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask_login import LoginManager, current_user, login_user

from notify.auth import api_clients
from notify.auth import staff as staff_ops
from notify.auth.permissions import (
    KIND_PERMISSIONS,
    PERMISSION_LABELS,
    ROLE_LABELS,
    ROLE_PERMISSIONS,
    Permission,
    PrincipalKind,
    Scope,
)
from notify.auth.principals import (
    AnonymousPrincipal,
    ApiClientPrincipal,
    Principal,
    StaffPrincipal,
)
from notify.bootstrap import services
from notify.errors import NotAllowed
from notify.web import db_session

Loader = Callable[[int, int], Principal | None]
"""``(row id, session generation) -> principal or None``."""

AUTH_AT_KEY = "auth_at"
REAUTH_AT_KEY = "reauth_at"
SEEN_AT_KEY = "seen_at"
AUTH_METHOD_KEY = "auth_method"


class AuthMethod(StrEnum):
    """How a session was authenticated; recorded with a holder's first consultation."""

    PASSWORD = "password"
    FRANCECONNECT = "franceconnect"

REFUSALS = {
    PrincipalKind.HOLDER: "Cette page est réservée aux titulaires connectés à leur compte.",
    PrincipalKind.STAFF: "Cette page est réservée aux agents habilités.",
    PrincipalKind.API_CLIENT: "Ce jeton n'a pas la portée nécessaire.",
}


def _loaders(app: Flask) -> dict[PrincipalKind, Loader]:
    return app.extensions.setdefault("notify_auth_loaders", {})


def register_loader(app: Flask, kind: PrincipalKind, loader: Loader) -> None:
    """A feature tells how to load its principals from a session id."""
    _loaders(app)[kind] = loader


def _load(user_id: str) -> Principal | None:
    kind, _, rest = user_id.partition(":")
    row_id, _, generation = rest.partition(":")
    if kind not in set(PrincipalKind) or not row_id.isdigit() or not generation.isdigit():
        return None
    loader = _loaders(current_app).get(PrincipalKind(kind))
    return loader(int(row_id), int(generation)) if loader else None


def _now() -> datetime:
    return services().clock.now()


def sign_in(principal: Principal, method: AuthMethod = AuthMethod.PASSWORD) -> None:
    """Open a fresh session for ``principal`` (the previous one, of any kind, ends)."""
    session.clear()
    login_user(principal, remember=False)
    now = _now().isoformat()
    session[AUTH_AT_KEY] = now
    session[SEEN_AT_KEY] = now
    session[AUTH_METHOD_KEY] = str(method)


def reauthenticated() -> None:
    """The signed-in principal proved again who he is (password, or second factor)."""
    session[REAUTH_AT_KEY] = _now().isoformat()


def recently_authenticated() -> bool:
    """True when the session signed in or re-authenticated within
    ``NOTIFY_REAUTH_MINUTES``: sensitive steps (a holder's changes, a staff export) ask
    again otherwise. A re-authentication does not move ``AUTH_AT_KEY``, on which a staff
    session's absolute limit runs."""
    instants = [datetime.fromisoformat(value) for value in
                (session.get(AUTH_AT_KEY), session.get(REAUTH_AT_KEY)) if value]
    limit = timedelta(minutes=services().settings.reauth_minutes)
    return bool(instants) and _now() - max(instants) <= limit


def session_auth_method() -> AuthMethod:
    """How the current session was authenticated."""
    return AuthMethod(session.get(AUTH_METHOD_KEY, AuthMethod.PASSWORD))


def _staff_session_expired(now: datetime) -> bool:
    """Staff sessions end after an idle time and after an absolute time (settings)."""
    settings = services().settings
    auth_at, seen_at = session.get(AUTH_AT_KEY), session.get(SEEN_AT_KEY)
    if auth_at is None or seen_at is None:
        return True
    return (now - datetime.fromisoformat(seen_at) > timedelta(minutes=settings.staff_idle_minutes)
            or now - datetime.fromisoformat(auth_at)
            > timedelta(minutes=settings.staff_session_minutes))


def _load_staff(member_id: int, generation: int) -> StaffPrincipal | None:
    now = _now()
    if _staff_session_expired(now):
        g.staff_session_expired = True
        return None
    member = staff_ops.member_for_login(db_session(), member_id, generation)
    if member is None:
        return None
    session[SEEN_AT_KEY] = now.isoformat()
    return StaffPrincipal(member)


def _kind_of(permission: Permission) -> PrincipalKind:
    return next(kind for kind, held in KIND_PERMISSIONS.items() if permission in held)


def requires(permission: Permission):
    """Guard of a page: the signed-in principal must hold ``permission``.

    Nobody signed in: sent to the login page of the kind that may hold it. Signed in
    as another kind, or without the permission: 403.
    """
    kind = _kind_of(permission)

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if not current_user.can(permission):
                raise NotAllowed(REFUSALS[kind])
            return view(*args, **kwargs)

        guarded.required_permission = permission
        return guarded

    return decorate


def api_client(*scopes: Scope) -> ApiClientPrincipal:
    """Guard of an API view: the bearer token's client, if it holds one of ``scopes``
    (else 401 or 403). Its scope's ownership rule is then checked by ``owns``."""
    row = api_clients.authenticate(db_session(), request.headers.get("Authorization"), _now())
    principal = ApiClientPrincipal(row)
    if not any(principal.can(scope.permission) for scope in scopes):
        names = " ni ".join(f"« {scope.name} »" for scope in scopes)
        raise NotAllowed(f"Ce jeton n'a pas la portée {names}.")
    g.api_client = principal
    return principal


def _unauthorized():
    """Nobody (or an expired staff session) on a guarded page: to the login page of the
    page's kind, coming back here afterwards."""
    if g.get("staff_session_expired"):
        flash("Votre session a expiré. Connectez-vous de nouveau.", "info")
    else:
        flash("Connectez-vous pour accéder à cette page.", "info")
    permission = getattr(current_app.view_functions.get(request.endpoint),
                         "required_permission", None)
    for_staff = permission is not None and _kind_of(permission) == PrincipalKind.STAFF
    login = "staff.login" if for_staff else "accounts.login"
    return redirect(url_for(login, next=request.full_path.rstrip("?")))


def init_app(app: Flask) -> None:
    from notify.auth import cli, views

    manager = LoginManager()
    manager.session_protection = "strong"
    manager.anonymous_user = AnonymousPrincipal
    manager.user_loader(_load)
    manager.unauthorized_handler(_unauthorized)
    manager.init_app(app)

    register_loader(app, PrincipalKind.STAFF, _load_staff)
    app.register_blueprint(views.bp)
    for command in cli.COMMANDS:
        app.cli.add_command(command)
    app.jinja_env.globals.update(permission_labels=PERMISSION_LABELS, role_labels=ROLE_LABELS,
                                 role_permissions=ROLE_PERMISSIONS)
