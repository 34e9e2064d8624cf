"""A minimal PDF writer for text letters: A4 pages of lines in Helvetica, nothing else.

Written for the deposit, which renders one letter per decision: a general PDF library
costs about a millisecond a letter, this writer a few tens of microseconds. It knows
only what a letter needs: PDF 1.4, A4 pages, the standard 14 fonts Helvetica and
Helvetica-Bold (no font file embedded; every PDF reader has them) with WinAnsiEncoding,
so that text is written as Windows-1252 bytes, and greedy word wrapping with the fonts'
Adobe AFM glyph widths.

Deterministic: the same calls give the same bytes. The dates are given by the caller,
the trailer's /ID is a digest of the file's body, the streams are not compressed (zlib
would double the cost of a letter, and uncompressed text is trivially deterministic),
and nothing else varies.

Coordinates are in millimetres from the page's top-left corner, as in a word processor;
``y`` is the baseline of the line.
"""

from __future__ import annotations

import hashlib
from codecs import charmap_encode
from collections.abc import Sequence
from datetime import UTC, datetime
from encodings.cp1252 import encoding_table as CP1252
from functools import lru_cache

REGULAR = "F1"
BOLD = "F2"
FONTS = {REGULAR: b"Helvetica", BOLD: b"Helvetica-Bold"}
"""Resource names of the two fonts, and their PostScript names."""

MM = 72 / 25.4
"""Points per millimetre."""
PAGE_WIDTH = 210.0
PAGE_HEIGHT = 297.0
_MEDIA_BOX = b"[0 0 %.2f %.2f]" % (PAGE_WIDTH * MM, PAGE_HEIGHT * MM)

# Advance widths (1/1000 em) of each Windows-1252 byte, from Adobe's AFM files of the
# core fonts (Helvetica.afm, Helvetica-Bold.afm). Bytes without a glyph (controls and
# the five unassigned codes) never reach a page: ``encode`` refuses them.
_WIDTHS = {
    REGULAR: (
        278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278,
        278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278,
        278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
        556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
        1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
        667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
        333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
        556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 350,
        556, 350, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350,
        350, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 350, 500, 667,
        278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333,
        400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611,
        667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
        722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
        556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278,
        556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
    ),
    BOLD: (
        278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278,
        278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278,
        278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
        556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
        975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
        667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
        333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
        611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 350,
        556, 350, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350,
        350, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 350, 500, 667,
        278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333,
        400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611,
        722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
        722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
        556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278,
        611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556,
    ),
}
_WIDEST = max(max(widths) for widths in _WIDTHS.values())

# Tabs, line feeds and other controls would be drawn as missing glyphs or, in a
# literal string, change the bytes' meaning: they become spaces.
_CONTROLS = bytes(range(32)) + b"\x7f"
_SPACES = bytes.maketrans(_CONTROLS, b" " * len(_CONTROLS))


def encode(text: str) -> bytes:
    """``text`` as the Windows-1252 bytes that WinAnsiEncoding draws, controls as spaces.

    Raises ``UnicodeEncodeError`` for a character outside Windows-1252: transliterating
    is the caller's choice (``notify.decisions.letters.pdf_text``).
    """
    # What text.encode("cp1252") does, without its codec's Python-level wrapper.
    return charmap_encode(text, "strict", CP1252)[0].translate(_SPACES)


def escape(data: bytes) -> bytes:
    """``data`` as the inside of a PDF literal string ( \\ ( and ) escaped)."""
    return data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def text_width(data: bytes, font: str, size: float) -> float:
    """Width in millimetres of encoded ``data`` drawn in ``font`` at ``size`` points."""
    return _units(data, font) * size / 1000 / MM


def _units(data: bytes, font: str) -> int:
    return sum(map(_WIDTHS[font].__getitem__, data))


_WORDS: dict[str, dict[bytes, int]] = {REGULAR: {}, BOLD: {}}
"""Widths of the words met, per font: a letter's vocabulary is small, and looking a word
up costs a tenth of adding its glyphs' widths. Emptied when it grows too large."""
_WORDS_MAX = 50_000


def _word_units(word: bytes, font: str, known: dict[bytes, int]) -> int:
    units = known.get(word)
    if units is None:
        if len(known) >= _WORDS_MAX:
            known.clear()
        units = known[word] = _units(word, font)
    return units


def wrap(text: str, font: str, size: float, width: float) -> tuple[bytes, ...]:
    """``text`` cut into lines no wider than ``width`` mm, encoded and escaped.

    Greedy, on spaces only (a no-break space holds its words together); a word wider
    than the line is cut where it reaches the margin.
    """
    return wrap_encoded(encode(text), font, size, width)


def wrap_encoded(data: bytes, font: str, size: float, width: float) -> tuple[bytes, ...]:
    """``wrap`` of text already encoded (``encode``)."""
    limit = width * MM * 1000 / size
    if len(data) * _WIDEST <= limit:  # it fits, even in the widest glyph
        return (escape(data),)
    known = _WORDS[font]
    space = _WIDTHS[font][32]
    lines: list[bytes] = []
    current: list[bytes] = []
    used = 0
    for word in data.split(b" "):
        word_width = _word_units(word, font, known)
        if word_width > limit:
            # A word wider than the line (a long reference, a URL): it starts a line of
            # its own and is cut where it reaches the margin; its end begins the next.
            if current:
                lines.append(b" ".join(current))
            *full, (word, word_width) = _cut(word, font, limit)
            lines += [piece for piece, _ in full]
            current, used = [word], word_width
        elif current and used + space + word_width > limit:
            lines.append(b" ".join(current))
            current, used = [word], word_width
        else:
            used += (space if current else 0) + word_width
            current.append(word)
    lines.append(b" ".join(current))
    return tuple(escape(line) for line in lines)


def _cut(word: bytes, font: str, limit: float) -> list[tuple[bytes, int]]:
    """``word`` in pieces no wider than ``limit`` (at least one byte each), with their
    widths."""
    pieces: list[tuple[bytes, int]] = []
    start, used = 0, 0
    widths = _WIDTHS[font]
    for i, byte in enumerate(word):
        w = widths[byte]
        if used + w > limit and i > start:
            pieces.append((word[start:i], used))
            start, used = i, 0
        used += w
    pieces.append((word[start:], used))
    return pieces


@lru_cache(maxsize=256)
def _set_font(font: str, size: float) -> bytes:
    return b"/%s %.2f Tf\n" % (font.encode("ascii"), size)


@lru_cache(maxsize=4096)
def _block(x: float, y: float, leading: float, lines: tuple[bytes, ...]) -> bytes:
    """The operators drawing ``lines`` from (``x``, ``y``) mm, top left. Cached: the
    paragraphs that every letter shares fall on a few positions."""
    ops = []
    for line in lines:
        if line:
            ops.append(b"1 0 0 1 %.2f %.2f Tm (%s) Tj\n"
                       % (x * MM, (PAGE_HEIGHT - y) * MM, line))
        y += leading
    return b"".join(ops)


@lru_cache(maxsize=1024)
def _date(at: datetime) -> bytes:
    return at.astimezone(UTC).strftime("D:%Y%m%d%H%M%SZ").encode("ascii")


@lru_cache(maxsize=16)
def _text_string(text: str) -> bytes:
    """A PDF text string for the document information: UTF-16BE with its byte order mark,
    in hexadecimal, so any character is kept and nothing needs escaping."""
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"


@lru_cache(maxsize=16)
def _head(lang: str) -> tuple[bytes, list[int]]:
    """The file's start: header, catalogue and fonts, the same in every document; with
    the offsets of its objects."""
    objects = [
        b"<< /Type /Catalog /Pages 4 0 R /Lang %s >>" % _text_string(lang),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>"
        % FONTS[REGULAR],
        b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>"
        % FONTS[BOLD],
    ]
    head = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"  # a comment of 8-bit bytes: a binary file
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(head))
        head += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    return head, offsets


_PAGES = (b"<< /Type /Pages /Kids [%s] /Count %d /MediaBox " + _MEDIA_BOX
          + b" /Resources << /Font << /" + REGULAR.encode("ascii") + b" 2 0 R /"
          + BOLD.encode("ascii") + b" 3 0 R >> >> >>")


_STREAM_END = b"ET\nendstream\nendobj\n"
"""A content stream's end: the text object's, the stream's and the object's."""


@lru_cache(maxsize=64)
def _pages_object(count: int) -> bytes:
    """Object 4, the page tree of ``count`` pages (objects 6, 8, …)."""
    kids = b" ".join(b"%d 0 R" % (6 + 2 * i) for i in range(count))
    return b"4 0 obj\n%s\nendobj\n" % (_PAGES % (kids, count))


class TextDocument:
    """A PDF being written: ``add_page``, then ``lines``, then ``output``.

    Objects: 1 catalogue, 2 and 3 the fonts, 4 the page tree (which gives every page the
    A4 media box and the fonts), 5 the document information, then each page followed by
    its content stream.
    """

    def __init__(self, *, title: str, producer: str, created_at: datetime,
                 lang: str = "fr-FR") -> None:
        if created_at.tzinfo is None:
            raise ValueError("created_at must be timezone-aware")
        self.title = title
        self.producer = producer
        self.created_at = created_at
        self.lang = lang
        self.pages: list[list[bytes]] = []
        self.font: tuple[str, float] | None = None
        """The font and size the current page's text is set in (``None`` at its start)."""

    def add_page(self) -> None:
        self.pages.append([b"BT\n"])
        self.font = None

    def lines(self, x: float, y: float, leading: float, font: str, size: float,
              lines: tuple[bytes, ...]) -> None:
        """Draw ``lines`` (encoded and escaped, as ``wrap`` gives them; an empty one is
        skipped) on the current page, the first one's baseline at ``y`` mm from the top,
        the next ones ``leading`` mm lower, from ``x`` mm from the left."""
        ops = self.pages[-1]
        if self.font != (font, size):
            ops.append(_set_font(font, size))
            self.font = (font, size)
        ops.append(_block(x, y, leading, lines))

    def squares(self, x: float, y: float, size: float,
                rows: Sequence[Sequence[int]]) -> None:
        """Fill, in black, the cells of ``rows`` that are true: cell (row r, column c)
        is a square of ``size`` mm whose top-left corner is ``x + c·size``,
        ``y + r·size`` mm from the page's top left (a QR code's dark modules, as
        ``segno``'s ``matrix`` gives them). Vector paths, one rectangle per run of
        dark cells in a row; the text object is closed around them."""
        ops = [b"ET\n"]
        for r, row in enumerate(rows):
            top = (PAGE_HEIGHT - y - (r + 1) * size) * MM
            c = 0
            while c < len(row):
                if not row[c]:
                    c += 1
                    continue
                start = c
                while c < len(row) and row[c]:
                    c += 1
                ops.append(b"%.2f %.2f %.2f %.2f re\n" % (
                    (x + start * size) * MM, top, (c - start) * size * MM, size * MM))
        ops.append(b"f\nBT\n")
        self.pages[-1].append(b"".join(ops))
        self.font = None

    def stamp(self, x: float, y: float, font: str, size: float,
              lines: list[bytes]) -> None:
        """Draw ``lines[i]`` (encoded and escaped) on page ``i`` at (``x``, ``y``) mm: a
        footer, once every page is written."""
        for ops, line in zip(self.pages, lines, strict=True):
            ops.append(_set_font(font, size))
            ops.append(_block(x, y, 0.0, (line,)))
        self.font = (font, size)

    def extend(self, ops: bytes, font: tuple[str, float] | None) -> None:
        """Append operators that ``lines`` wrote on another document's page when it was
        in the state this one is in now, and the font they leave set."""
        self.pages[-1].append(ops)
        self.font = font

    def output(self) -> bytes:
        """The file: objects, cross-reference table with each object's byte offset, and
        a trailer whose /ID is a digest of everything before it."""
        body, tail, _ = self._serialised()
        return body + tail

    def output_sha256(self) -> str:
        """The SHA-256 of ``output()``, in hexadecimal, hashing the body once (its
        digest is also the /ID)."""
        _, tail, digest = self._serialised()
        digest.update(tail)
        return digest.hexdigest()

    def _serialised(self):
        """The file's body, its tail (cross-reference table and trailer) and the
        SHA-256 of the body, to be continued with the tail."""
        if not self.pages:
            raise ValueError("a PDF needs at least one page")
        head, head_offsets = _head(self.lang)
        date = _date(self.created_at)
        # Each object is ``N 0 obj\n<body>\nendobj\n``; a page's content stream is
        # written as its pieces, not copied into its object first.
        parts = [head, _pages_object(len(self.pages)),
                 b"5 0 obj\n<< /Title %s /Producer %s /CreationDate (%s) /ModDate (%s) >>"
                 b"\nendobj\n" % (_text_string(self.title), _text_string(self.producer),
                                   date, date)]
        offset = len(head)
        offsets = [*head_offsets, offset, offset + len(parts[1])]
        offset = offsets[-1] + len(parts[2])
        for i, ops in enumerate(self.pages):
            number = 6 + 2 * i
            content = b"".join(ops)
            page = (b"%d 0 obj\n<< /Type /Page /Parent 4 0 R /Contents %d 0 R >>\nendobj\n"
                    % (number, number + 1))
            stream = b"%d 0 obj\n<< /Length %d >>\nstream\n" % (number + 1, len(content) + 2)
            offsets.append(offset)
            offsets.append(offset + len(page))
            parts += (page, stream, content, _STREAM_END)
            offset += len(page) + len(stream) + len(content) + len(_STREAM_END)
        body = b"".join(parts)
        hashed = hashlib.sha256(body)
        digest = hashed.hexdigest()[:32].upper().encode("ascii")
        size = len(offsets) + 1
        return body, b"".join((
            b"xref\n0 %d\n0000000000 65535 f \n" % size,
            b"".join(b"%010d 00000 n \n" % at for at in offsets),
            b"trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R /ID [<%s> <%s>] >>\n"
            b"startxref\n%d\n%%%%EOF\n" % (size, digest, digest, offset),
        )), hashed
