"""Wiring: the one place where adapters (database, clock, SMTP, TSA) are chosen."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app

from notify.clock import Clock, SystemClock
from notify.db import Database
from notify.evidence.tsa import build_timestamp_client
from notify.mail.smtp import MailTransport, SMTPTransport
from notify.settings import Settings
from timestamp.client import TimestampClient

# Keys of create_app(config) that are adapters, not settings (tests inject real ones
# bound to their own connection or server, or a FixedClock).
ADAPTER_KEYS = ("database", "clock", "mail_transport", "timestamp_client")


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    mail_transport: MailTransport
    timestamp_client: TimestampClient


def build_services(settings: Settings, adapters: dict[str, Any]) -> Services:
    clock = adapters.get("clock") or SystemClock()
    return Services(
        settings=settings,
        db=adapters.get("database") or Database.from_url(
            settings.database_url,
            threads=max(settings.web_threads, settings.smtp_connections)),
        clock=clock,
        timestamp_client=adapters.get("timestamp_client")
        or build_timestamp_client(settings, clock),
        mail_transport=adapters.get("mail_transport") or SMTPTransport(
            settings.smtp_host,
            settings.smtp_port,
            sender=settings.mail_from,
            starttls=settings.smtp_starttls,
            username=settings.smtp_username,
            password=settings.smtp_password,
            timeout=settings.smtp_timeout,
        ),
    )


def services() -> Services:
    """The services of the current application (request, job or CLI command)."""
    return current_app.extensions["notify"]
