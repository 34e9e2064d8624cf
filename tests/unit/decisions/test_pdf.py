"""The minimal PDF writer: structure, determinism, wrapping, escaping.

Validity is judged by an independent reader, poppler (``pdfinfo``, ``pdftotext``;
Debian package poppler-utils), not by this module's own idea of a PDF.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from notify.decisions import pdf
from notify.decisions.pdf import BOLD, REGULAR, TextDocument, encode, escape, text_width, wrap

CREATED = datetime(2026, 11, 20, tzinfo=UTC)
WIDTH = 170.0

def document(paragraphs: list[tuple[str, str]], *, title: str = "Décision R-1") -> bytes:
    """Paragraphs of (font, text) flowed down A4 pages, 5 mm apart, as a letter is."""
    doc = TextDocument(title=title, producer="test", created_at=CREATED)
    doc.add_page()
    y = 25.0
    for font, text in paragraphs:
        for line in wrap(text, font, 10.5, WIDTH):
            if y > 277:
                doc.add_page()
                y = 25.0
            doc.lines(20.0, y, 5.0, font, 10.5, (line,))
            y += 5.0
    return doc.output()




def info(poppler, data: bytes) -> dict[str, str]:
    out = poppler("pdfinfo", data)
    return {key: value.strip()
            for key, value in (line.split(":", 1) for line in out.splitlines() if ":" in line)}


def words(text: str) -> str:
    return " ".join(text.split())


FRENCH = ("Référence « SNPC-1 » : 2 points retirés à l’île, façon cœur, Œuvre, "
          "hôpital, où ça, 12 € — fin.")


# --- structure --------------------------------------------------------------------


def test_cross_reference_table_gives_each_object_its_byte_offset():
    data = document([(REGULAR, FRENCH)] * 80)
    startxref = int(re.search(rb"startxref\n(\d+)\n%%EOF\n$", data).group(1))
    assert data[startxref:].startswith(b"xref\n0 ")
    header = re.match(rb"xref\n0 (\d+)\n", data[startxref:])
    count = int(header.group(1))
    entries = data[startxref + header.end():].split(b"trailer")[0]
    assert len(entries) == 20 * count  # every entry is exactly 20 bytes
    rows = [entries[i:i + 20] for i in range(0, len(entries), 20)]
    assert rows[0] == b"0000000000 65535 f \n"
    for number, row in enumerate(rows[1:], 1):
        offset = int(row[:10])
        assert row[10:] == b" 00000 n \n"
        assert data[offset:].startswith(b"%d 0 obj\n" % number), number
    assert re.search(rb"/Size %d " % count, data)


def test_poppler_reads_an_a4_pdf_with_its_metadata(poppler):
    data = document([(BOLD, "Titre"), (REGULAR, FRENCH)], title="Décision « R-1 » (test)")
    assert data.startswith(b"%PDF-1.4\n")
    details = info(poppler, data)
    assert details["Pages"] == "1"
    assert details["Page size"] == "595.28 x 841.89 pts (A4)"
    assert details["Title"] == "Décision « R-1 » (test)"
    assert details["Producer"] == "test"
    assert details["CreationDate"].startswith("Fri Nov 20 00:00:00 2026")
    assert details["PDF version"] == "1.4"


def test_french_text_is_extractable_with_its_accents(poppler):
    data = document([(BOLD, "MINISTÈRE DE L’INTÉRIEUR"), (REGULAR, FRENCH)])
    text = words(poppler("pdftotext", data))
    assert "MINISTÈRE DE L’INTÉRIEUR" in text
    assert words(FRENCH) in text


def test_parentheses_and_backslashes_are_escaped(poppler):
    tricky = r"Lyon (69) \ ((un) \(deux\) ) fin) \\ ("
    data = document([(REGULAR, tricky)])
    assert escape(b"a(b)c\\") == b"a\\(b\\)c\\\\"
    assert words(poppler("pdftotext", data)) == words(tricky)


def test_long_text_wraps_and_overflows_to_a_second_page(poppler):
    paragraphs = [(REGULAR, f"Paragraphe {n} : " + FRENCH * 3) for n in range(1, 26)]
    data = document(paragraphs)
    assert info(poppler, data)["Pages"] == "2"
    first = words(poppler("pdftotext", data, "-f", "1", "-l", "1"))
    second = words(poppler("pdftotext", data, "-f", "2", "-l", "2"))
    assert first.startswith("Paragraphe 1 :")
    assert "Paragraphe 25 :" in second and "Paragraphe 25 :" not in first
    assert words(first + " " + second) == words(" ".join(text for _, text in paragraphs))


# --- determinism ------------------------------------------------------------------


def test_same_calls_same_bytes_and_the_id_follows_the_content():
    first = document([(REGULAR, FRENCH)])
    assert document([(REGULAR, FRENCH)]) == first
    other = document([(REGULAR, FRENCH + " Autre.")])
    assert other != first

    def file_id(data: bytes) -> bytes:
        return re.search(rb"/ID \[<([0-9A-F]{32})> <\1>\]", data).group(1)

    assert file_id(first) != file_id(other)
    assert b"/CreationDate (D:20261120000000Z)" in first


def test_naive_creation_date_and_empty_document_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        TextDocument(title="x", producer="y", created_at=datetime(2026, 11, 20))
    with pytest.raises(ValueError, match="at least one page"):
        TextDocument(title="x", producer="y", created_at=CREATED).output()


# --- text and wrapping ------------------------------------------------------------


def test_widths_are_adobe_core_font_metrics():
    # Helvetica.afm / Helvetica-Bold.afm: space 278, a 556, i 222 (bold 278), W 944,
    # oe 944, Euro 556, guillemotleft 556, eacute 556.
    assert [pdf._WIDTHS[REGULAR][b] for b in b" aiW\x9c\x80\xab\xe9"] == [
        278, 556, 222, 944, 944, 556, 556, 556]
    assert [pdf._WIDTHS[BOLD][b] for b in b" aiW"] == [278, 556, 278, 944]
    assert text_width(b"a" * 10, REGULAR, 10) == pytest.approx(55.6 * 25.4 / 72)


def test_lines_fit_the_width_and_keep_every_word():
    text = " ".join([FRENCH] * 6)
    lines = wrap(text, REGULAR, 10.5, WIDTH)
    assert len(lines) > 3
    for line in lines:
        assert text_width(line, REGULAR, 10.5) <= WIDTH
    for line, following in zip(lines, lines[1:], strict=False):
        # greedy: the next line's first word would not have fitted
        first_word = following.split(b" ")[0]
        assert text_width(line + b" " + first_word, REGULAR, 10.5) > WIDTH
    assert b" ".join(lines) == encode(text)


def test_a_word_wider_than_the_line_is_cut_at_the_margin():
    long_word = "W" * 200
    lines = wrap(f"avant {long_word} après", BOLD, 10.5, WIDTH)
    assert lines[0] == b"avant"
    assert all(text_width(line, BOLD, 10.5) <= WIDTH for line in lines)
    assert b"".join(lines[1:]).replace(b" ", b"") == encode(long_word + "après")
    assert lines[-1].endswith(b" apr\xe8s")


def test_controls_become_spaces_and_characters_outside_windows_1252_are_refused():
    assert encode("a\tb\nc\x7f") == b"a b c "
    assert encode("œ € ’ « »") == "œ € ’ « »".encode("cp1252")
    with pytest.raises(UnicodeEncodeError):
        encode("中")


def test_squares_fill_exactly_the_dark_cells_and_text_goes_on(poppler, tmp_path):
    """A QR code's modules: rendered by poppler, each cell is black or white as asked,
    and the text drawn after them is still text."""
    import subprocess

    rows = [[1, 0, 1, 1], [1, 1, 0, 0], [0, 0, 0, 1]]
    doc = TextDocument(title="Carrés", producer="test", created_at=CREATED)
    doc.add_page()
    doc.lines(20.0, 20.0, 5.0, REGULAR, 10.5, wrap("Avant les carrés", REGULAR, 10.5, WIDTH))
    doc.squares(20.0, 30.0, 10.0, rows)
    doc.lines(20.0, 80.0, 5.0, BOLD, 10.5, wrap("Après les carrés", BOLD, 10.5, WIDTH))
    data = doc.output()
    assert data.count(b" re\n") == 4  # one rectangle per run of dark cells in a row
    assert "Avant les carrés" in poppler("pdftotext", data)
    assert "Après les carrés" in poppler("pdftotext", data)

    path = tmp_path / "carres.pdf"
    path.write_bytes(data)
    pgm = subprocess.run(["pdftoppm", "-gray", "-r", "127", str(path)], capture_output=True,
                         check=True).stdout  # 127 dpi: 5 pixels per millimetre
    magic, width, height, _, pixels = pgm.split(maxsplit=4)
    assert magic == b"P5"
    width = int(width)
    for r, row in enumerate(rows):
        for c, dark in enumerate(row):
            x, y = (20 + 10 * c + 5) * 5, (30 + 10 * r + 5) * 5
            assert (pixels[y * width + x] < 128) == bool(dark), (r, c)
