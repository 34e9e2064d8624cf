"""Checks of single values received from outside: lines of text and calendar dates.

Pure functions, shared by every form or API that takes such values (no Flask, no
database, no feature). Each refuses a value with ``Invalid``, whose message is the
French reason to answer next to the field; each returns the value as it is stored.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 and C1 controls and DEL (category Cc), and the bidirectional controls (Unicode's
# Bidi_Control property), which reorder what a reader sees on a page or a letter.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class Invalid(ValueError):
    """A value refused; ``message`` says why, in French."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def clean_text(value: object, maximum: int) -> str:
    """A line of text: a string of valid Unicode, without control characters, that is
    not blank, and of at most ``maximum`` characters once stripped and NFC-normalised.

    Valid Unicode: no lone surrogate (``"\\ud800"`` is valid JSON, but no UTF-8 can
    store it). Control characters: C0, DEL, C1, and the bidirectional controls; a tab or
    a line break is refused too, since the value is one line. Returns the stripped,
    NFC-normalised text, as stored and hashed.
    """
    if not isinstance(value, str):
        raise Invalid("texte non vide attendu")
    if found := _SURROGATE.search(value):
        raise Invalid(f"texte Unicode invalide : demi-codet d'indirection isolé "
                      f"U+{ord(found.group()):04X} (caractère {found.start() + 1})")
    if found := _CONTROL.search(value):
        raise Invalid(f"caractère de contrôle interdit : U+{ord(found.group()):04X} "
                      f"(caractère {found.start() + 1})")
    text = unicodedata.normalize("NFC", value.strip())
    if not text:
        raise Invalid("texte non vide attendu")
    if len(text) > maximum:
        raise Invalid(f"{maximum} caractères au plus (reçu {len(text)})")
    return text


@dataclass(frozen=True, slots=True)
class DateWindow:
    """The dates a field accepts, from ``earliest`` to ``latest`` included, with the
    reason given for a date before (``too_early``) or after (``too_late``)."""

    earliest: date
    latest: date
    too_early: str
    too_late: str


def parse_date(value: object, window: DateWindow) -> date:
    """A calendar date written ``AAAA-MM-JJ`` (ISO 8601, ASCII digits), that exists and
    lies in ``window``."""
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise Invalid("date attendue au format AAAA-MM-JJ")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"date inexistante : {value}") from None
    if parsed < window.earliest:
        raise Invalid(window.too_early)
    if parsed > window.latest:
        raise Invalid(window.too_late)
    return parsed
