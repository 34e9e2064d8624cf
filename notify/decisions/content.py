"""What a deposited decision says: parsing and checking one item of a deposit.

Pure functions: no Flask, no database, no clock ("now" is passed in). The points
arithmetic that needs the holder's history (``notify.legal.points.check_decision``
with the previous balance) is applied by ``notify.decisions.operations``.

The canonical form of a decision is the JSON of its normalised content (strings
stripped and NFC-normalised, the licence number without spaces and in capitals),
serialised by RFC 8785 rules; its SHA-256 tells a duplicate (same reference, same
content) from a conflict (same reference, other content).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from notify.evidence.log import canonical_json
from notify.legal.points import DecisionKind, OffenceClass, Problem, RestorationBasis
from notify.legal.window import POINTS_LICENCE_IN_FORCE_ON
from notify.validation import DateWindow, Invalid, clean_text, parse_date

REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$")
LICENCE_NUMBER = re.compile(r"^[0-9A-Z]{12}$")
MAX_DECISIONS = 10_000
"""Decisions in one deposit request."""
MAX_BODY_BYTES = 16 * 1024 * 1024
"""Bytes of one deposit request: 10,000 decisions of about 1 kB each, with room to spare."""
PLACE_MAX = 200
DESCRIPTION_MAX = 1000

FIELDS = ("reference", "licence_number", "kind", "points", "balance_after", "decided_on",
          "probationary", "offence", "restoration_basis")
REQUIRED = ("reference", "licence_number", "kind", "points", "balance_after", "decided_on",
            "probationary")
OFFENCE_FIELDS = ("date", "place", "description", "class")
_KNOWN = frozenset(FIELDS)
_KNOWN_OFFENCE = frozenset(OFFENCE_FIELDS)


def _member(enumeration):
    """``enumeration(value)`` as a dictionary look-up (a tenth of the call's time): the
    member, or ``ValueError``/``TypeError`` (unhashable) as the call would refuse it."""
    members = {member.value: member for member in enumeration}

    def member(value: object):
        found = members.get(value)
        if found is None:
            raise ValueError(value)
        return found

    return member


_kind = _member(DecisionKind)
_offence_class = _member(OffenceClass)
_restoration_basis = _member(RestorationBasis)


@dataclass(frozen=True, slots=True)
class Offence:
    """The offence behind a withdrawal (L. 223-1): when, where, what, and its class."""

    date: date
    place: str
    description: str
    offence_class: OffenceClass


@dataclass(frozen=True, slots=True)
class DecisionContent:
    """One decision as deposited, normalised. Either ``offence`` (a withdrawal) or
    ``restoration_basis`` (a restoration) is set."""

    reference: str
    licence_number: str
    kind: DecisionKind
    points: int
    balance_after: int
    decided_on: date
    probationary: bool
    offence: Offence | None = None
    restoration_basis: RestorationBasis | None = None

    def canonical(self) -> dict[str, Any]:
        """The content as the JSON document that is hashed (and answered back)."""
        document: dict[str, Any] = {
            "reference": self.reference,
            "licence_number": self.licence_number,
            "kind": str(self.kind),
            "points": self.points,
            "balance_after": self.balance_after,
            "decided_on": self.decided_on.isoformat(),
            "probationary": self.probationary,
        }
        if self.offence is not None:
            document["offence"] = {
                "date": self.offence.date.isoformat(),
                "place": self.offence.place,
                "description": self.offence.description,
                "class": str(self.offence.offence_class),
            }
        if self.restoration_basis is not None:
            document["restoration_basis"] = str(self.restoration_basis)
        return document

    @classmethod
    def of(cls, decision, licence_number: str) -> DecisionContent:
        """From a stored ``Decision`` whose content has not been purged."""
        offence = None
        if decision.offence_date is not None:
            offence = Offence(decision.offence_date, decision.offence_place,
                              decision.offence_description,
                              OffenceClass(decision.offence_class))
        return cls(reference=decision.reference, licence_number=licence_number,
                   kind=DecisionKind(decision.kind), points=decision.points,
                   balance_after=decision.balance_after, decided_on=decision.decided_on,
                   probationary=decision.probationary, offence=offence,
                   restoration_basis=(RestorationBasis(decision.restoration_basis)
                                      if decision.restoration_basis else None))

    @property
    def sha256(self) -> str:
        return hashlib.sha256(canonical_json(self.canonical())).hexdigest()


@lru_cache(maxsize=4)
def decision_dates(latest: date) -> DateWindow:
    """The window of a decision's dates (``decided_on``, ``offence.date``): from the
    coming into force of the points licence to ``latest``
    (``notify.legal.window.latest_legal_date(now)``)."""
    return DateWindow(
        earliest=POINTS_LICENCE_IN_FORCE_ON, latest=latest,
        too_early=f"la date ne peut pas être antérieure au "
                  f"{POINTS_LICENCE_IN_FORCE_ON:%d/%m/%Y}, entrée en vigueur du permis à "
                  f"points",
        too_late="la date ne peut pas être dans le futur")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Reader:
    """Reads fields of one item, collecting every problem rather than the first."""

    def __init__(self, problems: list[Problem], dates: DateWindow) -> None:
        self.problems = problems
        self.dates = dates

    def problem(self, field: str, message: str) -> None:
        self.problems.append(Problem(field, message))

    def date(self, value: object, field: str) -> date | None:
        try:
            return parse_date(value, self.dates)
        except Invalid as exc:
            self.problem(field, exc.message)
            return None

    def text(self, value: object, field: str, maximum: int) -> str | None:
        try:
            return clean_text(value, maximum)
        except Invalid as exc:
            self.problem(field, exc.message)
            return None

    def integer(self, value: object, field: str) -> int | None:
        # JSON (RFC 8259) and JSON Schema do not tell 2 from 2.0: both are the integer 2.
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if not _is_int(value):
            self.problem(field, "nombre entier attendu")
            return None
        return value


def _offence(raw: object, reader: _Reader, decided_on: date | None) -> Offence | None:
    if not isinstance(raw, dict):
        reader.problem("offence", "objet attendu (date, place, description, class)")
        return None
    for name in raw:
        if name not in _KNOWN_OFFENCE:
            reader.problem(f"offence.{name}", "champ inconnu")
    for name in OFFENCE_FIELDS:
        if name not in raw:
            reader.problem(f"offence.{name}", "champ obligatoire")
    if any(name not in raw for name in OFFENCE_FIELDS):
        return None
    when = reader.date(raw["date"], "offence.date")
    if when is not None and decided_on is not None and when > decided_on:
        reader.problem("offence.date", "l'infraction ne peut pas être postérieure à la décision")
        when = None
    place = reader.text(raw["place"], "offence.place", PLACE_MAX)
    description = reader.text(raw["description"], "offence.description", DESCRIPTION_MAX)
    try:
        offence_class = _offence_class(raw["class"])
    except (ValueError, TypeError):
        offence_class = None
        reader.problem("offence.class",
                       f"classe inconnue (attendu : {', '.join(OffenceClass)})")
    if when is None or place is None or description is None or offence_class is None:
        return None
    return Offence(when, place, description, offence_class)


def item_reference(raw: object) -> str | None:
    """The reference of an item as sent, to answer about it even when it is invalid."""
    if isinstance(raw, dict) and isinstance(raw.get("reference"), str):
        return raw["reference"]
    return None


def parse_item(raw: object, latest: date) -> tuple[DecisionContent | None, list[Problem]]:
    """Check types, required fields, formats and dates of one deposited item.

    ``latest`` is the latest date allowed (``latest_legal_date(now)``, computed once
    per deposit: time-zone conversions are the dearest part of parsing).

    Returns the normalised content, or ``None`` with every problem found. Checks:
    every required field present and of its type, no unknown field; a withdrawal
    carries its offence (and no restoration basis), a restoration its basis (and no
    offence); texts are valid Unicode without control characters, within their length
    (``notify.validation.clean_text``); dates exist and lie in ``decision_dates``
    (not before 1 July 1992, not in the future); the offence precedes the decision.
    """
    problems: list[Problem] = []
    if not isinstance(raw, dict):
        return None, [Problem("", "objet JSON attendu pour chaque décision")]
    reader = _Reader(problems, decision_dates(latest))
    for name in raw:
        if name not in _KNOWN:
            reader.problem(name, "champ inconnu")
    for name in REQUIRED:
        if name not in raw:
            reader.problem(name, "champ obligatoire")

    reference = raw.get("reference")
    if "reference" in raw and (not isinstance(reference, str)
                               or not REFERENCE.fullmatch(reference)):
        reader.problem("reference", "1 à 50 caractères parmi lettres, chiffres, « . », "
                                    "« _ » et « - », commençant par une lettre ou un chiffre")
        reference = None
    licence = raw.get("licence_number")
    if "licence_number" in raw:
        # ASCII first: upper() would make "ﬀ" into "FF", "ı" into "I".
        normalised = ("".join(licence.split()).upper()
                      if isinstance(licence, str) and licence.isascii() else None)
        if normalised is None or not LICENCE_NUMBER.fullmatch(normalised):
            reader.problem("licence_number", "12 chiffres ou lettres majuscules attendus")
            licence = None
        else:
            licence = normalised
    kind = None
    if "kind" in raw:
        try:
            kind = _kind(raw["kind"])
        except (ValueError, TypeError):
            reader.problem("kind", "« withdrawal » ou « restoration » attendu")
    points = reader.integer(raw["points"], "points") if "points" in raw else None
    balance = reader.integer(raw["balance_after"], "balance_after") if "balance_after" in raw \
        else None
    decided_on = reader.date(raw["decided_on"], "decided_on") if "decided_on" in raw else None
    probationary = raw.get("probationary")
    if "probationary" in raw and not isinstance(probationary, bool):
        reader.problem("probationary", "booléen attendu (true ou false)")

    offence = None
    basis = None
    if kind is DecisionKind.WITHDRAWAL:
        if "offence" not in raw:
            reader.problem("offence", "obligatoire pour un retrait de points")
        else:
            offence = _offence(raw["offence"], reader, decided_on)
        if "restoration_basis" in raw:
            reader.problem("restoration_basis", "un retrait n'a pas de fondement de "
                                                "reconstitution")
    elif kind is DecisionKind.RESTORATION:
        if "offence" in raw:
            reader.problem("offence", "une reconstitution ne porte pas d'infraction")
        if "restoration_basis" not in raw:
            reader.problem("restoration_basis", "obligatoire pour une reconstitution")
        else:
            try:
                basis = _restoration_basis(raw["restoration_basis"])
            except (ValueError, TypeError):
                reader.problem("restoration_basis",
                               f"fondement inconnu (attendu : {', '.join(RestorationBasis)})")
    if problems:
        return None, problems
    return DecisionContent(reference=reference, licence_number=licence, kind=kind,
                           points=points, balance_after=balance, decided_on=decided_on,
                           probationary=probationary, offence=offence,
                           restoration_basis=basis), []
