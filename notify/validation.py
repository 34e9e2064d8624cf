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

CONTROL_CHARACTERS = (r"\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e"
                      r"\u2066-\u2069")
"""The characters no text field takes, as the inside of a regular-expression class
(written alike in Python, ECMA-262 and so JSON Schema): C0 and C1 controls and DEL
(category Cc), the line and paragraph separators, and the bidirectional controls
(Unicode's Bidi_Control property), which reorder what a reader sees on a page or a
letter."""

TEXT_PATTERN = rf"^[^{CONTROL_CHARACTERS}]*[^{CONTROL_CHARACTERS}\s][^{CONTROL_CHARACTERS}]*$"
"""What ``clean_text`` accepts, for an API's documentation (JSON Schema ``pattern``);
the length is ``maxLength``."""

_FORBIDDEN = re.compile(f"[\ud800-\udfff{CONTROL_CHARACTERS}]")
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
    if found := _FORBIDDEN.search(value):
        code, position = ord(found.group()), found.start() + 1
        if 0xD800 <= code <= 0xDFFF:
            raise Invalid(f"texte Unicode invalide : demi-codet d'indirection isolé "
                          f"U+{code:04X} (caractère {position})")
        raise Invalid(f"caractère de contrôle interdit : U+{code:04X} (caractère {position})")
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

    @property
    def pattern(self) -> str:
        """A regular expression matching the ``AAAA-MM-JJ`` dates of the window, and
        only them (with days up to 31 in every month: ``format: date`` refuses the
        dates that do not exist). For an API's documentation, so that a client or a
        fuzzer knows the bounds without reading the prose."""
        first, last = self.earliest, self.latest
        if first > last:
            raise ValueError("empty window")
        if first.year == last.year:
            years = [_year_dates(first.year, (first.month, first.day), (last.month, last.day))]
        else:
            years = [_year_dates(first.year, (first.month, first.day), (12, 31))]
            if last.year - first.year > 1:
                years.append(f"{_numbers(first.year + 1, last.year - 1, 4)}-{_MONTH}-{_DAY}")
            years.append(_year_dates(last.year, (1, 1), (last.month, last.day)))
        return f"^(?:{'|'.join(years)})$"


def _numbers(low: int, high: int, width: int) -> str:
    return "(?:" + "|".join(f"{n:0{width}d}" for n in range(low, high + 1)) + ")"


_MONTH = _numbers(1, 12, 2)
_DAY = _numbers(1, 31, 2)


def _year_dates(year: int, first: tuple[int, int], last: tuple[int, int]) -> str:
    """Dates of ``year`` from (month, day) ``first`` to ``last``, both included."""
    (first_month, first_day), (last_month, last_day) = first, last
    if first_month == last_month:
        spans = [f"{first_month:02d}-{_numbers(first_day, last_day, 2)}"]
    else:
        spans = [f"{first_month:02d}-{_numbers(first_day, 31, 2)}"]
        if last_month - first_month > 1:
            spans.append(f"{_numbers(first_month + 1, last_month - 1, 2)}-{_DAY}")
        spans.append(f"{last_month:02d}-{_numbers(1, last_day, 2)}")
    return f"{year:04d}-(?:{'|'.join(spans)})"


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


def name_key(name: str) -> str:
    """A name as searched: capitals without accents, every run of characters other than
    letters and digits (hyphen, apostrophe, spaces) one space. ``Lefèvre-d'Orçay`` and
    ``LEFEVRE D ORCAY`` give the same key, so a prefix of either finds both; Œ and Æ are
    spelt OE and AE, as the register writes them in capitals."""
    spelt = name.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    letters = "".join(c for c in unicodedata.normalize("NFKD", spelt)
                      if not unicodedata.combining(c))
    return " ".join(re.split(r"[^0-9A-Z]+", letters.upper())).strip()
