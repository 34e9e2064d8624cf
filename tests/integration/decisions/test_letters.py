"""The letter PDF: deterministic, French, printable with a core font."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from notify.decisions.letters import (
    LetterFacts,
    appeal_deadline_line,
    letter_sections,
    notification_line,
    pdf_text,
    render_letter,
)

FACTS = LetterFacts(
    reference="SNPC-2026-000123", licence_number="123456789012", kind="withdrawal", points=2,
    balance_after=5, decided_on=date(2026, 11, 20), probationary=False, channel="online",
    offence_date=date(2026, 10, 2), offence_place="Lyon (69)",
    offence_description="Excès de vitesse inférieur à 20 km/h au cœur de l’agglomération",
    offence_class="C3")




def page_text(poppler, pdf: bytes, *args: str) -> str:
    """The letter's text as ``pdftotext`` extracts it, white space collapsed."""
    return " ".join(poppler("pdftotext", pdf, *args).split())


def pages(poppler, pdf: bytes) -> int:
    info = poppler("pdfinfo", pdf)
    assert "595.28 x 841.89 pts (A4)" in info
    return int(next(line.split(":")[1] for line in info.splitlines()
                    if line.startswith("Pages:")))


def test_same_decision_same_bytes_whenever_rendered():
    first = render_letter(FACTS)
    assert first.startswith(b"%PDF-")
    assert render_letter(replace(FACTS)) == first
    assert render_letter(replace(FACTS, points=3, balance_after=4)) != first
    assert render_letter(replace(FACTS, reference="SNPC-2026-000124")) != first
    assert render_letter(replace(FACTS, channel="postal_simple")) != first
    # The creation date is the decision's, not the time of rendering.
    assert b"/CreationDate (D:20261120000000Z" in first


def test_letter_says_what_was_decided_and_the_means_of_appeal(poppler):
    pdf = render_letter(FACTS)
    assert pages(poppler, pdf) == 1
    text = page_text(poppler, pdf)
    assert text.startswith("Ministère de l'Intérieur et des Outre-mer")
    assert "Retrait de points : décision du 20 novembre 2026" in text
    assert "Référence de la décision : SNPC-2026-000123" in text
    assert "2 points sont retirés" in text
    assert "Solde de votre permis après cette décision : 5 points." in text
    assert "au cœur de l’agglomération (contravention de 3e classe)" in text
    assert "commise le 2 octobre 2026 à Lyon (69)" in text
    assert "recours gracieux" in text and "recours hiérarchique" in text
    assert "tribunal administratif" in text and "R. 421-5" in text
    assert "deux mois à compter de sa notification" in text
    assert "quinze jours" in text  # online: the R. 223-3-1 III rule
    assert "stage de sensibilisation" in text  # balance of 6 or less
    assert text.endswith("est prorogé jusqu'au premier jour ouvrable suivant.")


def test_a_long_offence_overflows_to_a_second_page(poppler):
    # The longest offence the API accepts (1000 and 200 characters), in capitals.
    description = " ".join(["MANŒUVRE DANGEREUSE (VOIE « W ») \\ SUR AUTOROUTE"] * 30)[:1000]
    place = " ".join(["Saint-Denis (974)"] * 12)[:200]
    facts = replace(FACTS, offence_description=description, offence_place=place)
    pdf = render_letter(facts)
    assert pages(poppler, pdf) == 2
    text = page_text(poppler, pdf)
    assert f"Infraction : {' '.join(description.split())} (contravention de 3e classe)" in text
    assert f"à {place}." in text
    second = page_text(poppler, pdf, "-f", "2", "-l", "2")
    assert second.endswith("premier jour ouvrable suivant.")
    assert f"{page_text(poppler, pdf, '-l', '1')} {second}" == text


def test_restoration_letter_states_its_basis():
    facts = replace(FACTS, kind="restoration", points=1, balance_after=6,
                    restoration_basis="L223-6-3", offence_date=None, offence_place=None,
                    offence_description=None, offence_class=None, channel="postal_simple")
    sections = dict((text, style) for style, text in letter_sections(facts))
    assert "1 point est reconstitué sur votre permis de conduire." in sections
    assert any("après six mois" in text for text in sections)
    assert any("lettre simple" in text for text in sections)
    assert render_letter(facts) == render_letter(facts)


def test_characters_outside_windows_1252_are_transliterated():
    assert pdf_text("cœur, l’œil « ok » 12 €") == "cœur, l’œil « ok » 12 €"
    assert pdf_text("a\u202fb\u2011c \u2192 ≥ ā 中") == "a\u00a0b-c -> >= a ?"
    pdf = render_letter(replace(FACTS, offence_place="Saint‑Denis \u202f(974) ā 中"))
    assert b" Saint-Denis \xa0\\(974\\) a ?.) Tj" in pdf


def test_notification_and_appeal_lines_for_the_holder_page():
    from datetime import UTC, datetime

    at = datetime(2026, 12, 3, 13, 2, 11, tzinfo=UTC)
    assert notification_line(at, date(2026, 12, 3), "consultation") == (
        "Notifiée le 3 décembre 2026 (première consultation, horodatée le 3 décembre 2026 "
        "à 14:02:11)")
    assert notification_line(at, date(2026, 12, 7), "deemed") == (
        "Réputée notifiée le 7 décembre 2026 (fin du délai de quinze jours)")
    assert notification_line(None, None, None) == ""
    assert appeal_deadline_line(date(2027, 2, 4)).startswith(
        "Vous pouvez former un recours contentieux jusqu'au 4 février 2027 inclus")
