"""Settings: read once from the environment (and an optional instance file), validated.

Every setting has an environment variable ``NOTIFY_<NAME>``; the same names, in lower
case and without the prefix, may be given in ``<instance>/notify.toml``. The
environment wins over the file, and ``create_app(config)`` overrides win over both.

Three modes:

* ``production`` (the default): nothing is generated; the secret key, the database
  URL, the public base URL, the SMTP host and the sender address must be given.
* ``demo`` (what ``make run`` uses): a secret key is generated once into the instance
  folder, the database is a SQLite file there, and mail goes to the local catcher.
* ``test``: like demo, but nothing is written to the instance folder.

A wrong or missing setting stops the start with a ``SettingsError`` that names each
offending variable.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from notify.legal.delays import (
    ACCESS_LOG_RETENTION_DEFAULT,
    CLOSURE_DELAY_DEFAULT,
    RETENTION_PERIOD_DEFAULT,
    Period,
    parse_period,
    validate_closure_delay,
)
from notify.legal.policies import (
    DEFAULT_NOTIFICATION_POLICY,
    DEFAULT_ROUTING_POLICY,
    NotificationPolicy,
    RoutingPolicy,
    get_policy,
)

MODES = ("production", "demo", "test")
PREFIX = "NOTIFY_"


class SettingsError(Exception):
    """One or more settings are missing or wrong; the message names each of them."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            "Configuration invalide :\n" + "\n".join(f"  - {p}" for p in problems)
        )


@dataclass(frozen=True)
class Settings:
    mode: str
    instance_path: Path
    secret_key: str = field(repr=False)
    database_url: str = field(repr=False)
    base_url: str
    mail_from: str
    smtp_host: str
    smtp_port: int
    smtp_starttls: bool
    smtp_username: str | None
    smtp_password: str | None = field(repr=False)
    smtp_timeout: float
    smtp_connections: int
    smtp_utf8: bool
    closure_delay: Period
    retention_period: Period
    access_log_retention: Period
    activation_code_days: int
    email_token_hours: int
    reminder_days_before: int
    reauth_minutes: int
    login_max_failures_per_account: int
    login_max_failures_per_address: int
    login_window_minutes: int
    staff_idle_minutes: int
    staff_session_minutes: int
    outbox_max_attempts: int
    outbox_retention_days: int
    state_brand: bool
    trusted_proxies: int
    tsa_url: str | None
    tsa_trust_anchors: Path | None
    tsa_policy_oid: str
    tsa_key_passphrase: str | None = field(repr=False)
    evidence_batch_seconds: float
    evidence_batch_size: int
    evidence_heads_seconds: float
    notification_policy: NotificationPolicy
    routing_policy: RoutingPolicy
    web_workers: int
    """gunicorn worker processes (gunicorn.conf.py)."""
    web_threads: int
    """Threads per gunicorn worker (gthread workers)."""
    franceconnect_issuer: str | None = None
    franceconnect_client_id: str | None = None
    franceconnect_client_secret: str | None = field(default=None, repr=False)
    registration_mandate_days: int = 15
    registration_ww_months: int = 4
    registration_stale_days: int = 30

    @property
    def is_production(self) -> bool:
        return self.mode == "production"

    @property
    def franceconnect_enabled(self) -> bool:
        """FranceConnect sign-in is offered only when its three settings are given."""
        return self.franceconnect_issuer is not None

    @property
    def mail_catcher_path(self) -> Path:
        """Where the demo mail catcher writes the messages it receives."""
        return self.instance_path / "mailcatcher"

    @property
    def tsa_path(self) -> Path:
        """The embedded timestamp authority's keys and certificates."""
        return self.instance_path / "tsa"


def _default_instance_path(env: Mapping[str, str]) -> Path:
    return Path(env.get(PREFIX + "INSTANCE_PATH") or Path.cwd() / "instance").resolve()


def _read_instance_file(instance_path: Path) -> dict[str, Any]:
    path = instance_path / "notify.toml"
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError([f"{path} : fichier TOML illisible ({exc})"]) from exc
    return {str(k).lower(): v for k, v in data.items()}


class _Reader:
    """Looks a setting up in overrides, environment, then instance file; collects errors."""

    def __init__(self, overrides, env, file_values) -> None:
        self.overrides = {k.lower(): v for k, v in overrides.items()}
        self.env = env
        self.file = file_values
        self.problems: list[str] = []

    def raw(self, name: str) -> Any:
        if name in self.overrides:
            return self.overrides[name]
        value = self.env.get(PREFIX + name.upper())
        if value not in (None, ""):
            return value
        return self.file.get(name)

    def text(self, name: str, default: str | None = None, *, required: bool = False):
        value = self.raw(name)
        if value in (None, ""):
            if required:
                self.problems.append(f"{PREFIX}{name.upper()} est obligatoire")
            return default
        return str(value)

    def integer(self, name: str, default: int, *, minimum: int = 0) -> int:
        value = self.raw(name)
        if value in (None, ""):
            return default
        try:
            number = int(value)
        except (TypeError, ValueError):
            self.problems.append(f"{PREFIX}{name.upper()} doit être un entier (reçu {value!r})")
            return default
        if number < minimum:
            self.problems.append(f"{PREFIX}{name.upper()} doit valoir au moins {minimum}")
        return number

    def number(self, name: str, default: float) -> float:
        value = self.raw(name)
        if value in (None, ""):
            return default
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.problems.append(f"{PREFIX}{name.upper()} doit être un nombre (reçu {value!r})")
            return default
        if number <= 0:
            self.problems.append(f"{PREFIX}{name.upper()} doit être positif")
        return number

    def boolean(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if value in (None, ""):
            return default
        if isinstance(value, bool):
            return value
        lowered = str(value).strip().lower()
        if lowered in ("1", "true", "yes", "oui", "on"):
            return True
        if lowered in ("0", "false", "no", "non", "off"):
            return False
        self.problems.append(f"{PREFIX}{name.upper()} doit valoir 0 ou 1 (reçu {value!r})")
        return default

    def policy(self, name: str, kind: type, default):
        """A named legal policy of ``notify.legal.policies`` (``name`` or ``name/version``)."""
        value = self.raw(name)
        if value in (None, ""):
            return default
        try:
            policy = get_policy(str(value))
        except ValueError as exc:
            self.problems.append(f"{PREFIX}{name.upper()} : {exc}")
            return default
        if not isinstance(policy, kind):
            self.problems.append(f"{PREFIX}{name.upper()} : {value!r} n'est pas une politique "
                                 f"de ce type")
            return default
        return policy

    def period(self, name: str, default: Period) -> Period:
        value = self.raw(name)
        if value in (None, ""):
            return default
        try:
            return parse_period(str(value))
        except ValueError as exc:
            self.problems.append(f"{PREFIX}{name.upper()} : {exc}")
            return default


def _generated_secret(instance_path: Path) -> str:
    """The demo secret key: generated once, kept in the instance folder (mode 0600)."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secret)
    return secret


def load_settings(
    overrides: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """Read and validate every setting once; raise ``SettingsError`` naming each problem."""
    overrides = dict(overrides or {})
    env = os.environ if env is None else env
    instance_path = Path(
        overrides.pop("instance_path", None) or _default_instance_path(env)
    ).resolve()
    read = _Reader(overrides, env, _read_instance_file(instance_path))

    mode = (read.text("mode", "production") or "production").lower()
    if mode not in MODES:
        read.problems.append(f"NOTIFY_MODE doit valoir {', '.join(MODES)} (reçu {mode!r})")
        mode = "production"
    production = mode == "production"

    secret_key = read.text("secret_key", required=production)
    if secret_key is None and not production:
        secret_key = (
            _generated_secret(instance_path) if mode == "demo" else secrets.token_urlsafe(32)
        )
    if production and secret_key is not None and len(secret_key) < 32:
        read.problems.append("NOTIFY_SECRET_KEY doit compter au moins 32 caractères")

    database_url = read.text(
        "database_url",
        None if production else f"sqlite:///{instance_path / 'notify.db'}",
        required=production,
    )
    if database_url and not database_url.startswith(("sqlite", "postgresql")):
        read.problems.append(
            "NOTIFY_DATABASE_URL doit être une URL sqlite:/// ou postgresql+psycopg://"
        )
    base_url = read.text("base_url", None if production else "http://127.0.0.1:5000",
                         required=production)
    if base_url and not base_url.startswith(("http://", "https://")):
        read.problems.append("NOTIFY_BASE_URL doit commencer par http:// ou https://")

    closure_delay = read.period("closure_delay", CLOSURE_DELAY_DEFAULT)
    try:
        validate_closure_delay(closure_delay)
    except ValueError as exc:
        read.problems.append(f"NOTIFY_CLOSURE_DELAY : {exc}")

    tsa_trust = read.text("tsa_trust_anchors")
    tsa_url = read.text("tsa_url")
    if tsa_url and not tsa_trust:
        read.problems.append(
            "NOTIFY_TSA_TRUST_ANCHORS (fichier PEM) est obligatoire avec NOTIFY_TSA_URL"
        )

    fc_issuer = read.text("franceconnect_issuer")
    fc_client_id = read.text("franceconnect_client_id")
    fc_client_secret = read.text("franceconnect_client_secret")
    fc_given = [v is not None for v in (fc_issuer, fc_client_id, fc_client_secret)]
    if any(fc_given) and not all(fc_given):
        read.problems.append("NOTIFY_FRANCECONNECT_ISSUER, NOTIFY_FRANCECONNECT_CLIENT_ID et "
                             "NOTIFY_FRANCECONNECT_CLIENT_SECRET vont ensemble : donnez les "
                             "trois ou aucun")
    if fc_issuer and not fc_issuer.startswith(("https://", "http://")):
        read.problems.append("NOTIFY_FRANCECONNECT_ISSUER doit être une URL http(s)://")
    elif fc_issuer and production and not fc_issuer.startswith("https://"):
        read.problems.append("NOTIFY_FRANCECONNECT_ISSUER doit commencer par https:// en "
                             "production")

    settings = Settings(
        mode=mode,
        instance_path=instance_path,
        secret_key=secret_key or "",
        database_url=database_url or "",
        base_url=(base_url or "").rstrip("/"),
        mail_from=read.text("mail_from", None if production else "ne-pas-repondre@notify.test",
                            required=production) or "",
        smtp_host=read.text("smtp_host", None if production else "127.0.0.1",
                            required=production) or "",
        smtp_port=read.integer("smtp_port", 587 if production else 1025, minimum=1),
        smtp_starttls=read.boolean("smtp_starttls", production),
        smtp_username=read.text("smtp_username"),
        smtp_password=read.text("smtp_password"),
        smtp_timeout=read.number("smtp_timeout", 10.0),
        smtp_connections=read.integer("smtp_connections", 2, minimum=1),
        smtp_utf8=read.boolean("smtp_utf8", False),
        closure_delay=closure_delay,
        retention_period=read.period("retention_period", RETENTION_PERIOD_DEFAULT),
        access_log_retention=read.period("access_log_retention", ACCESS_LOG_RETENTION_DEFAULT),
        activation_code_days=read.integer("activation_code_days", 90, minimum=1),
        email_token_hours=read.integer("email_token_hours", 48, minimum=1),
        reminder_days_before=read.integer("reminder_days_before", 3, minimum=1),
        reauth_minutes=read.integer("reauth_minutes", 10, minimum=1),
        login_max_failures_per_account=read.integer("login_max_failures_per_account", 5,
                                                    minimum=1),
        login_max_failures_per_address=read.integer("login_max_failures_per_address", 20,
                                                    minimum=1),
        login_window_minutes=read.integer("login_window_minutes", 15, minimum=1),
        # Session d'un agent : close après 15 minutes sans activité, et 8 heures après la
        # connexion quoi qu'il arrive (plus court que pour les titulaires : un agent lit
        # les décisions de tous).
        staff_idle_minutes=read.integer("staff_idle_minutes", 15, minimum=1),
        staff_session_minutes=read.integer("staff_session_minutes", 8 * 60, minimum=1),
        outbox_max_attempts=read.integer("outbox_max_attempts", 8, minimum=1),
        outbox_retention_days=read.integer("outbox_retention_days", 7, minimum=1),
        state_brand=read.boolean("state_brand", False),
        trusted_proxies=read.integer("trusted_proxies", 0),
        tsa_url=tsa_url,
        tsa_trust_anchors=Path(tsa_trust) if tsa_trust else None,
        tsa_policy_oid=read.text("tsa_policy_oid", "1.3.6.1.4.1.99999.1.1") or "",
        tsa_key_passphrase=read.text("tsa_key_passphrase"),
        evidence_batch_seconds=read.number("evidence_batch_seconds", 2.0),
        evidence_batch_size=read.integer("evidence_batch_size", 10_000, minimum=1),
        evidence_heads_seconds=read.number("evidence_heads_seconds", 3600.0),
        notification_policy=read.policy("notification_policy", NotificationPolicy,
                                        DEFAULT_NOTIFICATION_POLICY),
        routing_policy=read.policy("routing_policy", RoutingPolicy, DEFAULT_ROUTING_POLICY),
        web_workers=read.integer("web_workers", 2, minimum=1),
        web_threads=read.integer("web_threads", 8, minimum=1),
        franceconnect_issuer=fc_issuer.rstrip("/") if all(fc_given) else None,
        franceconnect_client_id=fc_client_id if all(fc_given) else None,
        franceconnect_client_secret=fc_client_secret if all(fc_given) else None,
        # Delay for a provider to transmit an application from its mandate (art. 18-1
        # and following of the arrêté du 9 février 2009 say "within the set delays"
        # without a figure: a setting, shown to staff).
        registration_mandate_days=read.integer("registration_mandate_days", 15, minimum=1),
        # Validity of a WW provisional number: four months since the arrêté of
        # 15 December 2025 as read, not confirmed.
        registration_ww_months=read.integer("registration_ww_months", 4, minimum=1),
        # The dashboard's "files with no event for N days", until staff choose another N.
        registration_stale_days=read.integer("registration_stale_days", 30, minimum=1),
    )
    if production and not tsa_url and read.raw("tsa_policy_oid") in (None, ""):
        read.problems.append("NOTIFY_TSA_POLICY_OID (OID de la politique d'horodatage) est "
                             "obligatoire en production avec l'autorité embarquée")
    if settings.staff_idle_minutes > settings.staff_session_minutes:
        read.problems.append("NOTIFY_STAFF_IDLE_MINUTES ne peut dépasser "
                             "NOTIFY_STAFF_SESSION_MINUTES")
    if settings.smtp_username and not settings.smtp_password:
        read.problems.append("NOTIFY_SMTP_PASSWORD est obligatoire avec NOTIFY_SMTP_USERNAME")
    if read.problems:
        raise SettingsError(read.problems)
    return settings
