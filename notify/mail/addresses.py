"""E-mail addresses: checked and normalised once, at every input, by email-validator.

An address whose local part is not ASCII (``zoë@exemple.fr``) can only be delivered
through a relay that offers SMTPUTF8 (RFC 6531). Whether ours does is a setting
(``NOTIFY_SMTP_UTF8``, off by default): without it such an address is refused at input,
with a message that says why, instead of failing later in the sending job. A domain
that is not ASCII needs no SMTPUTF8: it is sent in its IDNA form.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from notify.errors import InvalidInput

INVALID = "Saisissez une adresse électronique valide, par exemple nom@domaine.fr."
NEEDS_SMTPUTF8 = ("Cette adresse contient des caractères accentués ou non latins avant "
                  "l'arobase (@) : notre serveur de messagerie ne peut pas encore y écrire. "
                  "Indiquez une adresse sans ces caractères.")


def normalize_address(value: str, *, smtputf8: bool, test_domains: bool = False,
                      field: str = "email") -> str:
    """The address as stored: syntax checked, domain lower-cased and NFC-normalised.

    Reserved domains (``.test``, ``.localhost``…) are refused, except with
    ``test_domains`` (demo and test modes, whose mail goes to a local catcher).

    Addresses are compared without case: nobody runs a mailbox whose local part depends
    on it, and holders type them both ways. Raises ``InvalidInput`` with a French
    message naming ``field``.
    """
    try:
        checked = validate_email(value.strip(), check_deliverability=False,
                                 allow_smtputf8=True, test_environment=test_domains)
    except EmailNotValidError as exc:
        raise InvalidInput(INVALID, field=field) from exc
    if checked.smtputf8 and not smtputf8:
        raise InvalidInput(NEEDS_SMTPUTF8, field=field)
    return checked.normalized.lower()


def envelope_address(address: str) -> tuple[str, bool]:
    """The address to give the SMTP server, and whether the session needs SMTPUTF8.

    A stored address that no longer passes the checks (written before they existed) is
    returned as it is, flagged as needing SMTPUTF8 when it is not ASCII, so that the
    sender fails that one message with a reason instead of stopping.
    """
    try:
        checked = validate_email(address, check_deliverability=False, allow_smtputf8=True,
                                 test_environment=True)
    except EmailNotValidError:
        return address, not address.isascii()
    if checked.ascii_email:
        return checked.ascii_email, False
    return checked.normalized, True
