"""The SMTP adapter: one small interface, smtplib behind it.

A server's refusal is sorted into temporary (4xx, connection trouble: retry later)
and permanent (5xx: give up and record it). The server's final answer to DATA is
returned so that it can be kept as evidence of sending.
"""

from __future__ import annotations

import smtplib
import ssl
from typing import Protocol


class TemporaryMailError(Exception):
    """Try again later: the server said 4xx, or could not be reached."""


class PermanentMailError(Exception):
    """Do not try again: the server refused the message for good (5xx), or the message
    cannot be sent at all (an internationalised address without SMTPUTF8)."""


SMTPUTF8_MISSING = ("le serveur SMTP n'offre pas SMTPUTF8 : adresse internationalisée "
                    "impossible à remettre")


class MailConnection(Protocol):
    def send(self, recipient: str, data: bytes, *, smtputf8: bool = False) -> str:
        """Send one message (CRLF line ends); return the server's answer; raise a
        *MailError otherwise. ``smtputf8``: the envelope or headers are not ASCII."""


class MailTransport(Protocol):
    def connect(self):
        """A context manager yielding a ``MailConnection``."""


def _classify(code: int, text: bytes | str) -> Exception:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    message = f"{code} {text}".strip()
    return PermanentMailError(message) if 500 <= code < 600 else TemporaryMailError(message)


class _SMTPConnection:
    def __init__(self, client: smtplib.SMTP, sender: str) -> None:
        self.client = client
        self.sender = sender

    def send(self, recipient: str, data: bytes, *, smtputf8: bool = False) -> str:
        options: list[str] = []
        if smtputf8:
            # RFC 6531: the only way to carry an internationalised address. Without it
            # the message cannot be delivered; that is this message's fault, not the
            # session's, so it fails alone.
            if not self.client.has_extn("smtputf8"):
                raise PermanentMailError(SMTPUTF8_MISSING)
            options = ["SMTPUTF8"] + (["BODY=8BITMIME"] if self.client.has_extn("8bitmime")
                                      else [])
        try:
            code, text = self.client.mail(self.sender, options)
            if code != 250:
                self.client.rset()
                raise _classify(code, text)
            code, text = self.client.rcpt(recipient)
            if code not in (250, 251):
                self.client.rset()
                raise _classify(code, text)
            # smtplib sends bytes as they are: the lines must already end in CRLF.
            code, text = self.client.data(data)
        except (smtplib.SMTPException, OSError) as exc:
            if isinstance(exc, smtplib.SMTPResponseException):
                raise _classify(exc.smtp_code, exc.smtp_error) from exc
            raise TemporaryMailError(f"connexion SMTP perdue : {exc}") from exc
        finally:
            self.client.command_encoding = "ascii"  # the next message may be ASCII only
        if code != 250:
            raise _classify(code, text)
        return f"{code} {text.decode('utf-8', 'replace')}"


class SMTPTransport:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        starttls: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.starttls = starttls
        self.username = username
        self.password = password
        self.timeout = timeout

    def connect(self) -> _Session:
        return _Session(self)


class _Session:
    """``with transport.connect() as conn:`` opens one SMTP session for many messages."""

    def __init__(self, transport: SMTPTransport) -> None:
        self.transport = transport
        self.client: smtplib.SMTP | None = None

    def __enter__(self) -> _SMTPConnection:
        t = self.transport
        try:
            client = smtplib.SMTP(t.host, t.port, timeout=t.timeout)
            client.ehlo()
            if t.starttls:
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if t.username:
                client.login(t.username, t.password or "")
        except smtplib.SMTPResponseException as exc:
            raise _classify(exc.smtp_code, exc.smtp_error) from exc
        except (smtplib.SMTPException, OSError) as exc:  # OSError covers timeouts
            raise TemporaryMailError(
                f"serveur SMTP {t.host}:{t.port} injoignable : {exc}"
            ) from exc
        self.client = client
        return _SMTPConnection(client, t.sender)

    def __exit__(self, *exc_info) -> None:
        if self.client is None:
            return
        try:
            self.client.quit()
        except (smtplib.SMTPException, OSError):
            self.client.close()
