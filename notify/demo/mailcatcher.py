"""A local SMTP server (aiosmtpd) that keeps every message it receives as a file.

Used by ``make run`` so that a newcomer sees the e-mails the service sends; the demo
pages under ``/demo/courriels`` read them back. Never part of a production setup.
"""

from __future__ import annotations

import email
import email.policy
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller


class _SaveToFolder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server, session, envelope):
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.folder / f"{stamp}-{os.getpid()}.eml"
        path.write_bytes(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


def start_catcher(folder: Path, host: str = "127.0.0.1", port: int = 1025) -> Controller:
    controller = Controller(_SaveToFolder(folder), hostname=host, port=port)
    controller.start()
    return controller


@dataclass(frozen=True)
class CaughtMessage:
    name: str
    received: str
    to: str
    subject: str
    text: str
    html: str | None


def read_messages(folder: Path) -> list[CaughtMessage]:
    """The caught messages, newest first."""
    if not folder.exists():
        return []
    messages = []
    for path in sorted(folder.glob("*.eml"), reverse=True):
        parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        text = parsed.get_body(preferencelist=("plain",))
        html = parsed.get_body(preferencelist=("html",))
        messages.append(CaughtMessage(
            name=path.stem,
            received=parsed.get("Date", ""),
            to=parsed.get("To", ""),
            subject=parsed.get("Subject", ""),
            text=text.get_content() if text else "",
            html=html.get_content() if html else None,
        ))
    return messages
