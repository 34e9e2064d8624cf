"""The letter of a decision, as a PDF rendered deterministically from the decision.

The same decision always gives the same bytes: the PDF's creation date is the date of
the decision (not the time of rendering), its /ID is a digest of its content, and the
letter says nothing that changes after the deposit (the notification date and the
appeal deadline are shown beside it on the holder's page: ``notification_line`` and
``appeal_deadline_line``). Its SHA-256 is recorded in the ``deposited`` event, so the
letter the holder opens, or the print house prints, can be checked against it. The
bytes depend on this module and on ``notify.decisions.pdf``, the small writer that
draws it: any change to either that changes the bytes is a new ``LETTER_VERSION``, to
be checked against the recorded hashes before deploying.

Fonts: the PDF core font Helvetica with WinAnsiEncoding (text is encoded as
Windows-1252), which covers every French letter including « œ », « Œ », « ’ »,
guillemets and the euro sign. The few characters outside it (narrow no-break space,
non-breaking hyphen, arrows…) are transliterated by ``pdf_text``; anything still
unknown is decomposed (accents dropped) or, last resort, replaced by « ? ». No font
file is shipped.

Versions. ``lettre-decision/1`` (``LETTER_V1``) is the first layout: a one-column text
without the addressee; every letter deposited before version 2 was rendered with it,
and still reproduces byte for byte (``tests/fixtures/letters_v1.json``: hashes computed
before version 2 existed). ``lettre-decision/2`` (``LETTER_V2``, used for new deposits)
adds the authority's and the addressee's blocks (name and postal address as the register
had them at the deposit, kept on the decision), one reviewed text per letter model
(``notify.decisions.letter_texts``) and the appeal terms of the holder's own residence
(``notify.legal.courts``). A decision records its letter's version
(``decisions.letter_version``); ``render_letter`` renders the version it is given.

Template. The letter is rendered at every deposit (its hash is part of the
``deposited`` event). For version 2, the pages of each letter model are laid out once
per shape (how many lines each varying paragraph wraps to) with byte slots for the
lines that vary (``_Template``); each letter only wraps its fields, fills the slots,
and the file's offsets, cross-reference table and /ID are written as for any document.
``render_letter_in_full`` lays out every paragraph each time; both give the same bytes
(``tests/integration/decisions/test_letters.py``), because the template is laid out by
the very functions the full render uses.
"""

from __future__ import annotations

import hashlib
import itertools
import operator
import re
import unicodedata
from codecs import charmap_encode
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from encodings.cp1252 import encoding_table as CP1252
from functools import lru_cache

from notify.decisions import letter_texts
from notify.decisions.letter_texts import Part
from notify.decisions.pdf import (
    BOLD,
    REGULAR,
    TextDocument,
    encode,
    escape,
    wrap_encoded,
)
from notify.legal.points import DecisionKind, OffenceClass, RestorationBasis
from notify.legal.routing import Channel
from notify.web.formatting import date_fr, datetime_fr

LETTER_V1 = "lettre-decision/1"
LETTER_V2 = "lettre-decision/2"
LETTER_VERSION = LETTER_V2
"""The version of new deposits' letters. A new one is needed whenever the wording, the
layout or the PDF's bytes change (recorded in the deposit event and on the decision):
the older versions must go on rendering exactly as they did."""
LETTER_VERSIONS = (LETTER_V1, LETTER_V2)

PAGE_WIDTH = 210.0
MARGIN = 20.0
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
PAGE_BOTTOM = 297.0 - 20.0
TOP = MARGIN + 5
SIZE = 10.5
LEADING = 5.0

_REPLACEMENTS = {
    "\u202f": "\u00a0",  # espace fine insécable -> espace insécable
    "\u2009": " ",
    "\u2011": "-",
    "\u2010": "-",
    "\u2212": "-",
    "\u2192": "->",
    "\u2264": "<=",
    "\u2265": ">=",
    "\u2153": "1/3",
    "\u2154": "2/3",
}

_BASIS_LABELS = {
    RestorationBasis.TWO_YEARS: (
        "article L. 223-6, premier alinéa, du code de la route : aucune nouvelle "
        "infraction ayant donné lieu à retrait de points pendant deux ans"),
    RestorationBasis.THREE_YEARS: (
        "article L. 223-6, premier alinéa, du code de la route : aucune nouvelle "
        "infraction ayant donné lieu à retrait de points pendant trois ans, l'une des "
        "infractions étant un délit ou une contravention de 4e ou 5e classe"),
    RestorationBasis.SINGLE_POINT: (
        "article L. 223-6, deuxième alinéa, du code de la route : réattribution du point "
        "retiré pour une contravention des quatre premières classes, après six mois "
        "sans nouvelle infraction"),
    RestorationBasis.TEN_YEARS: (
        "article L. 223-6, troisième alinéa, du code de la route : réattribution des "
        "points retirés pour une contravention des quatre premières classes, dix ans "
        "après la date à laquelle la condamnation est devenue définitive"),
    RestorationBasis.STAGE: (
        "articles L. 223-6, quatrième alinéa, et R. 223-8 du code de la route : stage de "
        "sensibilisation à la sécurité routière"),
}


def pdf_text(text: str) -> str:
    """``text`` made printable with a core font (Windows-1252), see the module docstring."""
    try:
        charmap_encode(text, "strict", CP1252)
        return text
    except UnicodeEncodeError:
        return "".join(_printable(char) for char in text)


def _pdf_bytes(text: str) -> bytes:
    """``encode(pdf_text(text))``, encoding only once when ``text`` is printable."""
    try:
        return encode(text)
    except UnicodeEncodeError:
        return encode("".join(_printable(char) for char in text))


def _printable(char: str) -> str:
    char = _REPLACEMENTS.get(char, char)
    if _encodable(char):
        return char
    decomposed = unicodedata.normalize("NFKD", char)
    kept = "".join(c for c in decomposed if _encodable(c) and not unicodedata.combining(c))
    return kept or "?"


def _encodable(char: str) -> bool:
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class LetterFacts:
    """Everything the letter says; nothing that changes after the deposit."""

    reference: str
    licence_number: str
    kind: str
    points: int
    balance_after: int
    decided_on: date
    probationary: bool
    channel: str
    offence_date: date | None = None
    offence_place: str | None = None
    offence_description: str | None = None
    offence_class: str | None = None
    restoration_basis: str | None = None
    version: str = LETTER_V1
    holder_name: str | None = None
    """Version 2 on: the addressee, as the register named him at the deposit."""
    postal_address: str | None = None
    territory: str | None = None

    def __post_init__(self) -> None:
        if self.version not in LETTER_VERSIONS:
            raise ValueError(f"unknown letter version {self.version!r}")
        if self.version != LETTER_V1 and (self.holder_name is None or self.territory is None):
            raise ValueError(f"a {self.version} letter needs the addressee and territory")

    @classmethod
    def of(cls, decision, licence_number: str) -> LetterFacts:
        """From a stored ``Decision`` (whose content has not been purged), in the version
        its letter was rendered in at the deposit."""
        if decision.content_purged_at is not None:
            raise ValueError(f"the content of decision {decision.reference} was purged")
        return cls(
            reference=decision.reference, licence_number=licence_number, kind=decision.kind,
            points=decision.points, balance_after=decision.balance_after,
            decided_on=decision.decided_on, probationary=decision.probationary,
            channel=decision.channel, offence_date=decision.offence_date,
            offence_place=decision.offence_place,
            offence_description=decision.offence_description,
            offence_class=decision.offence_class, restoration_basis=decision.restoration_basis,
            version=decision.letter_version, holder_name=decision.addressee_name,
            postal_address=decision.addressee_address,
            territory=decision.addressee_territory)


def _points(n: int) -> str:
    return f"{n} point{'s' if n > 1 else ''}"


def letter_sections(facts: LetterFacts) -> list[tuple[str, str]]:
    """The letter as (style, text) pairs: ``title``, ``heading``, ``strong`` or ``text``.

    Also meant for the holder's HTML page, so that it shows the very words of the PDF.
    """
    if facts.version == LETTER_V1:
        return _sections_v1(facts)
    return letter_texts.header(facts) + _body(facts)


def _body(facts: LetterFacts) -> list[tuple[str, str]]:
    return [(part.style, part.of(facts)) for part in letter_texts.parts_of(facts)]


def _sections_v1(facts: LetterFacts) -> list[tuple[str, str]]:
    withdrawal = DecisionKind(facts.kind) is DecisionKind.WITHDRAWAL
    title = "Retrait de points" if withdrawal else "Reconstitution de points"
    parts: list[tuple[str, str]] = [
        ("text", "Ministère de l'Intérieur et des Outre-mer"),
        ("text", "Fichier national du permis de conduire"),
        ("text", ""),
        ("title", f"{title} : décision du {date_fr(facts.decided_on)}"),
        ("text", f"Référence de la décision : {facts.reference}"),
        ("text", f"Numéro du permis de conduire : {facts.licence_number}"
                 + (" (permis probatoire)" if facts.probationary else "")),
        ("heading", "Décision"),
    ]
    if withdrawal:
        offence_class = letter_texts.CLASS_LABELS[OffenceClass(facts.offence_class)]
        withdrawn = "sont retirés" if facts.points > 1 else "est retiré"
        parts += [
            ("text", f"La réalité de l'infraction suivante étant établie, "
                     f"{_points(facts.points)} {withdrawn}"
                     f" du nombre de points affecté à votre permis de conduire, en application "
                     f"des articles L. 223-1 à L. 223-3 du code de la route."),
            ("text", f"Infraction : {facts.offence_description} ({offence_class}), commise le "
                     f"{date_fr(facts.offence_date)} à {facts.offence_place}."),
        ]
    else:
        parts += [
            ("text", f"{_points(facts.points)} "
                     f"{'sont reconstitués' if facts.points > 1 else 'est reconstitué'} sur "
                     f"votre permis de conduire."),
            ("text", "Fondement : " + _BASIS_LABELS[RestorationBasis(facts.restoration_basis)]
                     + "."),
        ]
    parts.append(("strong", f"Solde de votre permis après cette décision : "
                            f"{_points(facts.balance_after)}."))
    if withdrawal and facts.balance_after <= 6:
        parts.append(("text", "Votre solde est de six points ou moins. Vous pouvez suivre un "
                              "stage de sensibilisation à la sécurité routière, qui permet de "
                              "récupérer jusqu'à quatre points, au plus une fois par an "
                              "(articles L. 223-6 et R. 223-8 du code de la route)."))
    parts.append(("heading", "Notification"))
    if facts.channel == Channel.ONLINE:
        parts.append(("text", "Cette décision est mise à disposition sur votre compte personnel "
                              "du téléservice. Elle est réputée vous avoir été notifiée à la "
                              "date à laquelle vous l'avez consultée pour la première fois ou, à "
                              "défaut de consultation dans un délai de quinze jours à compter de "
                              "sa mise à disposition, à l'issue de ce délai (article R. 223-3-1 "
                              "III du code de la route). La date de notification figure sur "
                              "votre compte personnel, à côté de la décision."))
    elif facts.channel == Channel.POSTAL_REGISTERED:
        parts.append(("text", "Cette décision vous est notifiée par lettre recommandée avec "
                              "demande d'avis de réception (article R. 223-3 III du code de la "
                              "route)."))
    else:
        parts.append(("text", "Cette décision vous est notifiée par lettre simple (article "
                              "R. 223-3 III du code de la route)."))
    parts += [
        ("heading", "Voies et délais de recours"),
        ("text", "Si vous entendez contester cette décision, vous pouvez, dans un délai de "
                 "deux mois à compter de sa notification :"),
        ("text", "- former un recours gracieux auprès du ministre de l'Intérieur, ou un "
                 "recours hiérarchique ; ce recours interrompt le délai du recours "
                 "contentieux, qui court à nouveau à compter de la réponse, une absence de "
                 "réponse pendant deux mois valant rejet ;"),
        ("text", "- former un recours contentieux devant le tribunal administratif dans le "
                 "ressort duquel se trouve votre résidence (articles R. 421-1 et R. 421-5 du "
                 "code de justice administrative), y compris par l'application Télérecours "
                 "citoyens (www.telerecours.fr)."),
        ("text", "Ce délai est augmenté d'un mois si vous résidez outre-mer et de deux mois si "
                 "vous résidez à l'étranger (article R. 421-7 du code de justice "
                 "administrative). Ni le jour de la notification ni le jour de l'échéance ne "
                 "sont comptés ; un délai qui expire un samedi, un dimanche ou un jour férié "
                 "est prorogé jusqu'au premier jour ouvrable suivant."),
    ]
    return parts


_STYLES = {"title": (BOLD, 13.0, 7.0), "heading": (BOLD, 11.0, 6.0),
           "strong": (BOLD, SIZE, LEADING), "text": (REGULAR, SIZE, LEADING)}


@lru_cache(maxsize=4096)
def _lines(text: str, font: str, size: float) -> tuple[bytes, ...]:
    """A paragraph's lines, encoded for the page. Cached: most paragraphs are the same
    from one letter to the next."""
    return wrap_encoded(_pdf_bytes(text), font, size, TEXT_WIDTH) if text else (b"",)


def render_letter(facts: LetterFacts) -> bytes:
    """The PDF of the decision's letter (A4, French, one page or more), in the letter's
    version. Same ``facts``, same bytes; version 2 through its template."""
    if facts.version == LETTER_V1:
        document = _document(facts)
        _flow(document, TOP, letter_sections(facts))
        return document.output()
    return _filled_v2(facts).output()


def render_letter_in_full(facts: LetterFacts) -> bytes:
    """The same bytes as ``render_letter``, every paragraph laid out for this letter (the
    reference the template is tested against)."""
    if facts.version == LETTER_V1:
        return render_letter(facts)
    return _render_v2(facts)


def _document(facts: LetterFacts) -> TextDocument:
    document = TextDocument(
        title=pdf_text(f"Décision {facts.reference}"), producer=facts.version,
        created_at=datetime.combine(facts.decided_on, time(), tzinfo=UTC), lang="fr-FR")
    document.add_page()
    return document


def _flow(document: TextDocument, y: float, sections, gap: float = 0.0,
          styles=_STYLES) -> float:
    """Lay ``sections`` (style, text) down the page from ``y``, onto new pages when they
    reach the bottom margin; the ``y`` of the next line. With a ``gap`` (version 2 on),
    paragraphs are that far apart and a heading never ends a page."""
    for style, text in sections:
        font, size, _ = styles[style]
        y = _flow_lines(document, y, style, _lines(text, font, size), gap, styles)
    return y


def _flow_lines(document: TextDocument, y: float, style: str, lines: tuple[bytes, ...],
                gap: float, styles) -> float:
    """One paragraph of ``_flow``, its ``lines`` already wrapped (the letter template
    lays out slots in their place, ``_Template``)."""
    font, size, leading = styles[style]
    if style == "heading":
        y += 3
        if gap and y + 3 * leading > PAGE_BOTTOM:
            document.add_page()
            y = TOP
    while lines:
        if y > PAGE_BOTTOM:
            document.add_page()
            y = TOP
        fitting = lines[:int((PAGE_BOTTOM - y) / leading) + 1]
        document.lines(MARGIN, y, leading, font, size, fitting)
        y += leading * len(fitting)
        lines = lines[len(fitting):]
    if style != "heading":
        y += gap
    return y


# --- version 2 ----------------------------------------------------------------------

ADDRESS_X = 110.0
"""The addressee's block, where a window envelope (DL, window on the right) shows it."""
ADDRESS_TOP = 42.0
ADDRESS_WIDTH = PAGE_WIDTH - MARGIN - ADDRESS_X
BODY_TOP = 66.0
"""The body starts below the addressee's block, lower when a long address needs it."""
STYLES_V2 = {"title": (BOLD, 12.5, 6.5), "heading": (BOLD, 10.5, 5.5),
             "strong": (BOLD, 10.0, 4.6), "text": (REGULAR, 10.0, 4.6)}
GAP = 1.2
"""Between two paragraphs of the body."""
FOOTER = 287.0
"""The reference and the page number, on every page."""


def _render_v2(facts: LetterFacts) -> bytes:
    """Version 2 laid out paragraph by paragraph: the reference ``_Template`` is tested
    against."""
    document = _document(facts)
    _sender(document)
    y = ADDRESS_TOP
    for style, lines in _addressee(facts):
        y = _address_block(document, y, style, lines)
    _flow(document, max(BODY_TOP, y + 10), _body(facts), GAP, STYLES_V2)
    _footer(document, escape(encode(pdf_text(f"Décision {facts.reference}"))))
    return document.output()


def _addressee(facts: LetterFacts) -> list[tuple[str, tuple[bytes, ...]]]:
    """The addressee's block: its paragraphs (name, then address lines), wrapped."""
    sections = []
    for style, text in letter_texts.addressee(facts):
        font, size, _ = STYLES_V2[style]
        sections.append((style, wrap_encoded(_pdf_bytes(text), font, size, ADDRESS_WIDTH)))
    return sections


def _address_block(document: TextDocument, y: float, style: str,
                   lines: tuple[bytes, ...]) -> float:
    font, size, leading = STYLES_V2[style]
    document.lines(ADDRESS_X, y, leading, font, size, lines)
    return y + leading * len(lines)


def _footer(document: TextDocument, reference: bytes) -> None:
    count = len(document.pages)
    document.stamp(MARGIN, FOOTER, REGULAR, 8.0,
                   [b"%s - page %d sur %d" % (reference, number, count)
                    for number in range(1, count + 1)])


def _sender(document: TextDocument) -> None:
    for i, (style, text) in enumerate(letter_texts.header_sender()):
        font, size, leading = STYLES_V2[style]
        document.lines(MARGIN, TOP + i * leading, leading, font, size,
                       _lines(text, font, size))


def _slot(number: int) -> bytes:
    return b"\x00%d\x00" % number


_SLOT = re.compile(rb"\x00(\d+)\x00")
"""A slot in a template's page: no letter's text has a NUL byte (``encode`` makes the
control characters spaces)."""


class _Template:
    """The pages of a letter of version 2 with byte slots for every line that varies.

    What moves a letter's lines is only its letter model (its parts), the number of
    lines each varying paragraph wraps to, and which of them are empty (an empty line is
    skipped but takes its height); that is the template's ``shape``. Every other byte
    of the page (operators, positions, fonts, the fixed paragraphs, page breaks) is the
    same for every letter of that shape, so it is laid out once, by the very functions
    the paragraph-by-paragraph render uses (``_flow_lines``, ``_address_block``,
    ``_footer``), with numbered sentinels in place of the varying lines; each letter
    then only wraps its fields and fills the slots. The file's objects, offsets and
    /ID are then written by ``TextDocument.output`` as for any document.
    """

    __slots__ = ("pages",)

    def __init__(self, parts: tuple[Part, ...], shape: list[tuple[bool, ...]]) -> None:
        document = TextDocument(title="", producer="", created_at=_EPOCH)
        document.add_page()
        _sender(document)
        slots = iter(range(1_000_000))
        shapes = iter(shape)

        def sentinels() -> tuple[bytes, ...]:
            return tuple(_slot(next(slots)) if filled else b"" for filled in next(shapes))

        y = ADDRESS_TOP
        varying = sum(not part.fixed for part in parts)
        for number in range(len(shape) - varying):
            y = _address_block(document, y, "strong" if number == 0 else "text", sentinels())
        y = max(BODY_TOP, y + 10)
        for part in parts:
            if part.fixed:
                font, size, _ = STYLES_V2[part.style]
                lines = _lines(part.text, font, size)
            else:
                lines = sentinels()
            y = _flow_lines(document, y, part.style, lines, GAP, STYLES_V2)
        _footer(document, _slot(next(slots)))
        pages = []
        for ops in document.pages:
            pieces = _SLOT.split(b"".join(ops))
            numbers = [int(n) for n in pieces[1::2]]
            # The page's constant pieces, the slots between them (filled by ``fill``).
            pages.append((pieces, _getter(numbers)))
        self.pages = tuple(pages)

    def fill(self, lines: list[bytes]) -> list[list[bytes]]:
        """The pages' operators with ``lines[n]`` in slot ``n``."""
        filled = []
        for pieces, slots in self.pages:
            page = list(pieces)
            page[1::2] = slots(lines)
            filled.append([b"".join(page)])
        return filled


def _getter(numbers: list[int]):
    """``lambda lines: tuple(lines[n] for n in numbers)``, at C speed."""
    if len(numbers) == 1:
        return lambda lines, number=numbers[0]: (lines[number],)
    return operator.itemgetter(*numbers) if numbers else (lambda lines: ())


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TEMPLATES: dict[tuple, _Template] = {}
_TEMPLATES_MAX = 4096
_KEYED: dict[tuple, tuple[tuple[bytes, ...], object]] = {}
"""The wrapped lines of the fields of a few values (``Part.key``), and their shape, per
letter model, part and key."""
_VALUES: dict[object, int] = {}
"""A number per key value met (an appeal terms' hash costs more than a dozen small
ones; a key is hashed once per letter, its number in each look-up)."""
_KEYED_MAX = 16_384
_MODELS = itertools.count()


def _value(value: object) -> int:
    number = _VALUES.get(value)
    if number is None:
        if len(_VALUES) >= _KEYED_MAX:
            _VALUES.clear()
            _KEYED.clear()  # keyed by the numbers given until now
        number = _VALUES[value] = len(_VALUES)
    return number


@lru_cache(maxsize=64)
def _plan(model: tuple) -> tuple[int, tuple[Part, ...], tuple, tuple]:
    """A letter model's number (never reused), its parts, its key functions (each once:
    the appeal terms serve three fields) and, for each part that varies, its place,
    font, size and key."""
    parts = letter_texts.parts(*model)
    keys = tuple(dict.fromkeys(part.key for part in parts if part.key is not None))
    varying = tuple((number, part, *STYLES_V2[part.style][:2])
                    for number, part in enumerate(parts) if not part.fixed)
    return next(_MODELS), parts, keys, varying


@lru_cache(maxsize=1024)
def _plan_of(kind: str, points: int, balance_after: int, probationary: bool,
             restoration_basis: str | None, channel: str) -> tuple:
    """``_plan`` of the letter model of these facts (cached on their plain values, whose
    hashes cost less than the model's enumerations')."""
    return _plan(letter_texts.model_for(kind, points, balance_after, probationary,
                                        restoration_basis, channel))


def _shape(lines: tuple[bytes, ...]):
    """What of a paragraph's lines moves the others: their number, and which are empty
    (skipped, but taking their height)."""
    return len(lines) if all(lines) else tuple(map(bool, lines))


def _filled_v2(facts: LetterFacts) -> TextDocument:
    """The letter's document, its pages filled in from their template."""
    model, parts, key_functions, varying = _plan_of(
        facts.kind, facts.points, facts.balance_after, facts.probationary,
        facts.restoration_basis, facts.channel)
    keys = {key: _value(key(facts)) for key in key_functions}
    sections = [lines for _, lines in _addressee(facts)]
    shape = [_shape(lines) for lines in sections]
    for number, part, font, size in varying:
        if part.key is None:
            lines = _lines(part.text(facts), font, size)
            sections.append(lines)
            shape.append(_shape(lines))
            continue
        # The part by its place in its model: two models' titles are equal ``Part``s.
        keyed = (model, number, keys[part.key])
        known = _KEYED.get(keyed)
        if known is None:
            if len(_KEYED) >= _KEYED_MAX:
                _KEYED.clear()
            lines = _lines(part.text(facts), font, size)
            known = _KEYED[keyed] = (lines, _shape(lines))
        sections.append(known[0])
        shape.append(known[1])
    signature = (model, *shape)
    template = _TEMPLATES.get(signature)
    if template is None:
        if len(_TEMPLATES) >= _TEMPLATES_MAX:
            _TEMPLATES.clear()
        template = _TEMPLATES[signature] = _Template(parts, [
            (True,) * entry if isinstance(entry, int) else entry for entry in shape])
    filled = [line for lines in sections for line in lines if line]
    title = f"Décision {facts.reference}"
    filled.append(escape(_pdf_bytes(title)))
    document = TextDocument(
        title=pdf_text(title), producer=facts.version,
        created_at=datetime.combine(facts.decided_on, time(), tzinfo=UTC), lang="fr-FR")
    document.pages = template.fill(filled)
    return document


def letter_sha256(facts: LetterFacts) -> str:
    """The SHA-256 of ``render_letter(facts)``, in hexadecimal."""
    if facts.version == LETTER_V1:
        return hashlib.sha256(render_letter(facts)).hexdigest()
    return _filled_v2(facts).output_sha256()


def notification_line(notified_at: datetime | None, notified_on: date | None,
                      basis: str | None, territory: str = "metropole") -> str:
    """The line shown with a notified decision (R. 223-3-1 III), in the holder's time.

    « Notifiée le 3 décembre 2026 (première consultation, horodatée le 3 décembre 2026 à
    14:02:11) » or « Réputée notifiée le 7 décembre 2026 (fin du délai de quinze jours) »;
    an empty string while the decision is not notified.
    """
    if notified_at is None or notified_on is None or basis is None:
        return ""
    if basis == "consultation":
        return (f"Notifiée le {date_fr(notified_on)} (première consultation, horodatée le "
                f"{datetime_fr(notified_at, territory)})")
    return f"Réputée notifiée le {date_fr(notified_on)} (fin du délai de quinze jours)"


def appeal_deadline_line(deadline: date | None) -> str:
    """« Vous pouvez former un recours contentieux jusqu'au 4 février 2027 inclus. »"""
    if deadline is None:
        return ""
    return (f"Vous pouvez former un recours contentieux jusqu'au {date_fr(deadline)} inclus "
            "(articles R. 421-1, R. 421-5 et R. 421-7 du code de justice administrative).")
