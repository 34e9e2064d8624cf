"""The letter PDF: deterministic, French, printable with a core font."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notify.decisions.letters import (
    LETTER_V1,
    LETTER_V2,
    LetterFacts,
    appeal_deadline_line,
    letter_sections,
    letter_sha256,
    notification_line,
    pdf_text,
    render_letter,
    render_letter_in_full,
)
from notify.legal.points import OffenceClass, RestorationBasis
from notify.legal.territories import TERRITORIES

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


# --- versions: version 1 still reproduces, version 2 per letter model ------------------

FIXTURE = Path(__file__).parents[2] / "fixtures" / "letters_v1.json"


def _facts_from_json(document: dict) -> LetterFacts:
    values = dict(document)
    for name in ("decided_on", "offence_date"):
        if values.get(name):
            values[name] = date.fromisoformat(values[name])
    return LetterFacts(**values)


def test_version_1_letters_still_reproduce_byte_for_byte():
    """Hashes computed by the code as it was before version 2 (commit cd29ee7)."""
    fixture = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert fixture["letter_version"] == LETTER_V1
    for letter in fixture["letters"]:
        facts = _facts_from_json(letter["facts"])
        assert facts.version == LETTER_V1
        pdf = render_letter(facts)
        assert hashlib.sha256(pdf).hexdigest() == letter["sha256"], facts.reference
        assert render_letter_in_full(facts) == pdf
        assert b"/Producer <FEFF" + "lettre-decision/1".encode("utf-16-be").hex().upper(
            ).encode() + b">" in pdf


V2 = dict(licence_number="100000000006", decided_on=date(2026, 11, 9), version=LETTER_V2,
          holder_name="Thomas NGUYEN", postal_address="56 boulevard Voltaire, 75011 Paris",
          territory="metropole", probationary=False, channel="online")
OFFENCE = dict(kind="withdrawal", offence_date=date(2026, 10, 1), offence_place="Paris (75)",
               offence_description="Conduite sous l'empire d'un état alcoolique",
               offence_class="DELIT")


def v2(**overrides) -> LetterFacts:
    values = {**V2, **OFFENCE, "reference": "SNPC-2026-000900", "points": 2,
              "balance_after": 9, **overrides}
    if values["kind"] == "restoration":
        values.update(offence_date=None, offence_place=None, offence_description=None,
                      offence_class=None)
    return LetterFacts(**values)


COURSE = "stage de sensibilisation"
LOW = "six points ou moins"
VALIDITY = "a perdu sa validité"
COMPULSORY = "Stage obligatoire"


def common(text: str, facts: LetterFacts) -> None:
    """What every version-2 letter says (legal-rules §10)."""
    assert text.startswith("MINISTÈRE DE L'INTÉRIEUR Fichier national du permis de conduire")
    assert f"{facts.holder_name} " in text
    assert "56 boulevard Voltaire 75011 Paris" in text
    assert "décision du 9 novembre 2026" in text
    assert f"Référence de la décision : {facts.reference}" in text
    assert f"Numéro du permis de conduire : {facts.licence_number}" in text
    assert "ministre de l'Intérieur" in text
    assert "code de la route" in text
    assert "Voies et délais de recours" in text
    assert "dans un délai de deux mois à compter de sa notification (articles R. 421-1 " \
           "et R. 421-5 du code de justice administrative)" in text
    assert "devant le tribunal administratif de Paris, tribunal du lieu de votre résidence" in (
        text)
    assert "vous demeurez en France métropolitaine, dans le ressort du tribunal compétent" in (
        text)
    assert "n'est donc pas augmenté" in text
    # Version 1's sentence, which gave every holder the overseas month, is gone.
    assert "augmenté d'un mois si vous résidez outre-mer" not in text


def test_withdrawal_leaving_7_to_11_points_48(poppler):
    facts = v2(points=2, balance_after=9)
    text = page_text(poppler, render_letter(facts))
    common(text, facts)
    assert text.count("Retrait de points : décision du 9 novembre 2026") == 1
    assert "retire 2 points du nombre de points affecté à votre permis" in text
    assert "Infraction : Conduite sous l'empire d'un état alcoolique (délit), commise le " \
           "1er octobre 2026 à Paris (75)." in text
    assert "Solde de votre permis après cette décision : 9 points." in text
    assert "Récupération des points" in text and "article L. 223-6" in text
    assert "quinze jours" in text  # online: R. 223-3-1 III
    for wrong in (COURSE, LOW, VALIDITY, COMPULSORY):
        assert wrong not in text


def test_withdrawal_leaving_1_to_6_points_48m_advises_the_course(poppler):
    facts = v2(points=4, balance_after=5, channel="postal_simple")
    text = page_text(poppler, render_letter(facts))
    common(text, facts)
    assert "Solde de votre permis après cette décision : 5 points." in text
    assert "Attention : votre solde est de six points ou moins." in text
    assert f"suivre un {COURSE} à la sécurité routière, qui permet de récupérer jusqu'à " \
           "quatre points" in text
    assert "notifiée par lettre simple" in text
    for wrong in (VALIDITY, COMPULSORY, "quinze jours"):
        assert wrong not in text


def test_withdrawal_to_zero_48si_states_the_loss_of_validity_and_the_injunction(poppler):
    facts = v2(points=6, balance_after=0, channel="postal_registered")
    pdf = render_letter(facts)
    text = page_text(poppler, pdf)
    common(text, facts)
    assert "Retrait de points et perte de validité du permis : décision du" in text
    assert "Solde de votre permis après cette décision : 0 point." in text
    assert "votre permis a perdu sa validité et vous n'avez plus le droit de conduire" in text
    assert "vous enjoint de remettre votre permis de conduire au préfet de votre " \
           "département de résidence dans un délai de dix jours à compter de sa réception " \
           "(article L. 223-5 I" in text
    assert "six mois à compter de la remise de votre permis" in text
    assert "examen médical" in text
    assert "lettre recommandée avec demande d'avis de réception" in text
    for wrong in (COURSE, LOW, COMPULSORY, "Récupération des points", "quinze jours"):
        assert wrong not in text


def test_probationary_withdrawal_of_three_points_48n_makes_the_course_compulsory(poppler):
    facts = v2(points=3, balance_after=3, probationary=True, channel="postal_registered")
    text = page_text(poppler, render_letter(facts))
    common(text, facts)
    assert "(permis probatoire)" in text
    assert "Retrait de points sur un permis probatoire : décision du" in text
    assert f"vous devez suivre un {COURSE} à la sécurité routière dans un délai de quatre " \
           "mois à compter de la réception de la présente lettre (article R. 223-4" in text
    assert "contravention de la quatrième classe" in text
    for wrong in (LOW, VALIDITY):
        assert wrong not in text


@pytest.mark.parametrize(("basis", "says"), [
    ("L223-6-1", "pendant deux ans : votre permis est de nouveau affecté du nombre maximal"),
    ("L223-6-2", "pendant trois ans : votre permis est de nouveau affecté"),
    ("L223-6-3", "Le point retiré pour une contravention des quatre premières classes vous "
                 "est réattribué"),
    ("L223-6-5", "dix ans après la date à laquelle la condamnation est devenue définitive"),
    ("stage", "Vous avez suivi un stage de sensibilisation à la sécurité routière"),
])
def test_each_restoration_basis_has_its_own_text(poppler, basis, says):
    facts = v2(kind="restoration", points=1 if basis == "L223-6-3" else 2, balance_after=12,
               restoration_basis=basis)
    text = page_text(poppler, render_letter(facts))
    common(text, facts)
    assert "Reconstitution de points : décision du 9 novembre 2026" in text
    assert "Solde de votre permis après cette décision : 12 points." in text
    assert says in text
    others = {"L223-6-1": "pendant deux ans :", "L223-6-2": "pendant trois ans :",
              "L223-6-3": "pendant six mois", "L223-6-5": "dix ans après",
              "stage": "Vous avez suivi un stage"}
    for other, sentence in others.items():
        if other != basis:
            assert sentence not in text
    for wrong in (LOW, VALIDITY, COMPULSORY, "Infraction :"):
        assert wrong not in text


def test_a_holder_in_la_reunion_gets_his_court_and_no_extra_month(poppler):
    facts = v2(holder_name="Didier PAYET", postal_address="21 rue de Paris, 97400 Saint-Denis",
               territory="reunion")
    text = page_text(poppler, render_letter(facts))
    assert "devant le tribunal administratif de La Réunion, tribunal du lieu de votre " \
           "résidence" in text
    assert "vous demeurez à La Réunion, dans le ressort du tribunal compétent ; le délai " \
           "de deux mois" in text and "n'est donc pas augmenté" in text


def test_without_a_postal_code_the_court_is_that_of_the_residence(poppler):
    facts = v2(postal_address="Lieu-dit Les Granges")
    text = page_text(poppler, render_letter(facts))
    assert "devant le tribunal administratif dans le ressort duquel se trouve votre " \
           "résidence" in text


def test_letter_pages_look_right(poppler):
    """A4, two pages at most for the longest model, nothing drawn off the page."""
    for facts in (v2(points=6, balance_after=0, channel="postal_registered"),
                  v2(points=3, balance_after=3, probationary=True)):
        pdf = render_letter(facts)
        assert pages(poppler, pdf) <= 2
        # pdftotext -bbox: every word within the A4 page and its margins.
        boxes = re.findall(
            r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"',
            poppler("pdftotext", pdf, "-bbox"))
        assert len(boxes) > 300
        for x_min, y_min, x_max, y_max in boxes:
            assert 56 <= float(x_min) and float(x_max) <= 540, (x_min, x_max)
            assert 60 <= float(y_min) and float(y_max) <= 820, (y_min, y_max)


# --- the template gives the bytes of the full render ----------------------------------

_words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                 min_size=1, max_size=30)


@st.composite
def letters(draw) -> LetterFacts:
    kind = draw(st.sampled_from(["withdrawal", "restoration"]))
    probationary = draw(st.booleans())
    points = draw(st.integers(1, 8))
    facts = dict(
        reference=draw(st.from_regex(r"[A-Z0-9][A-Z0-9._-]{0,49}", fullmatch=True)),
        licence_number=draw(st.from_regex(r"[0-9A-Z]{12}", fullmatch=True)),
        kind=kind, points=points, balance_after=draw(st.integers(0, 12)),
        decided_on=draw(st.dates(date(1992, 7, 1), date(2030, 12, 31))),
        probationary=probationary,
        channel=draw(st.sampled_from(["online", "postal_simple", "postal_registered"])),
        version=LETTER_V2,
        holder_name=" ".join(draw(st.lists(_words, min_size=1, max_size=8))),
        postal_address=", ".join(draw(st.lists(_words, min_size=0, max_size=8)))
        + draw(st.sampled_from(["", ", 69003 Lyon", ", 97400 Saint-Denis", ", 20200 Bastia"])),
        territory=draw(st.sampled_from(list(TERRITORIES))))
    if kind == "withdrawal":
        facts.update(offence_date=draw(st.dates(date(1992, 7, 1), date(2030, 12, 31))),
                     offence_place=" ".join(draw(st.lists(_words, min_size=1, max_size=10))),
                     offence_description=" ".join(draw(st.lists(_words, min_size=1,
                                                                max_size=40))),
                     offence_class=draw(st.sampled_from(list(OffenceClass))))
    else:
        facts["restoration_basis"] = draw(st.sampled_from(list(RestorationBasis)))
    return LetterFacts(**facts)


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(letters())
def test_template_gives_the_bytes_of_the_full_render(facts):
    assert render_letter(facts) == render_letter_in_full(facts)


def test_template_across_a_page_break():
    """Long fields push the fixed runs to every position, across the page break too."""
    for words in range(1, 200, 7):
        description = " ".join(["Excès de vitesse"] * words)
        for model in (dict(balance_after=0), dict(balance_after=4),
                      dict(points=3, probationary=True)):
            facts = v2(offence_description=description, **model)
            assert render_letter(facts) == render_letter_in_full(facts)


# Every letter kind: the four withdrawal models and a restoration per basis.
KINDS = [dict(points=2, balance_after=9), dict(points=2, balance_after=4),
         dict(points=3, balance_after=8, probationary=True), dict(points=6, balance_after=0),
         *(dict(kind="restoration", points=1, balance_after=11, restoration_basis=basis)
           for basis in RestorationBasis)]
AWKWARD = [
    {},
    dict(holder_name="Marie-Éléonore Françoise Anne-Sophie DE LA ROCHEFOUCAULD-"
                     "D'HAUSSONVILLE ÉPOUSE NGUYỄN-ŒUVRARD"),
    dict(holder_name="", postal_address=""),
    dict(holder_name="Zoë L’HÔTE «\u202fdite Zaza\u202f» (€)",
         postal_address="Résidence « Les Flamboyants », bâtiment B, escalier 3, "
                        "appartement 1204, 12 chemin de la Ravine-Blanche, , 97410 "
                        "Saint-Pierre", territory="reunion"),
    dict(postal_address="Lotissement Kawéni, 97600 Mamoudzou", territory="mayotte"),
    dict(postal_address="5 rue Soleil Levant, 97150 Saint-Martin", territory="saint-martin"),
    dict(postal_address="Poste restante", territory="guyane"),
    dict(reference="W" * 50, licence_number="WWWWWWWWWWWW", probationary=True),
    dict(reference="a.b_c-(1)", decided_on=date(1992, 7, 1)),
]
OFFENCES = [
    {},
    dict(offence_place="Saint-Rémy-de-Provence (13) \\ échangeur (A7) — sortie n°\u200924",
         offence_description="Excès de vitesse ≥ 50 km/h → récidive " * 3),
    dict(offence_description="Circulation " + "très " * 400 + "dangereuse"),
    dict(offence_description="X" * 1000, offence_place="P" * 200),
]


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: str(sorted(kind.items())))
def test_template_gives_the_bytes_of_the_full_render_for_every_kind(kind):
    """The template (``render_letter``, ``letter_sha256``) gives exactly the bytes of the
    paragraph-by-paragraph render, for every letter kind, channel and territory, with
    awkward addressees and offences (long, accented, escaped, over a page break); and
    version 1 gives its own reference bytes."""
    offences = OFFENCES if kind.get("kind") != "restoration" else [{}]
    for channel in ("online", "postal_simple", "postal_registered"):
        for awkward in AWKWARD:
            for offence in offences:
                facts = v2(channel=channel, **{**kind, **awkward, **offence})
                full = render_letter_in_full(facts)
                assert render_letter(facts) == full, (channel, awkward, offence)
                assert letter_sha256(facts) == hashlib.sha256(full).hexdigest()
                old = replace(facts, version=LETTER_V1, holder_name=None,
                              postal_address=None, territory=None)
                assert letter_sha256(old) == hashlib.sha256(render_letter(old)).hexdigest()
    for territory in TERRITORIES:
        facts = v2(territory=territory, postal_address=None, **kind)
        assert render_letter(facts) == render_letter_in_full(facts), territory


def test_the_templates_own_letters_differ_only_in_their_fields():
    """Two letters of the same shape share their template; each keeps its own fields."""
    first, second = v2(reference="SNPC-A"), v2(reference="SNPC-B", holder_name="Léa MARTIN")
    assert render_letter(first) == render_letter_in_full(first)
    assert render_letter(second) == render_letter_in_full(second)
    assert b"SNPC-B" not in render_letter(first)
    assert b"SNPC-A" not in render_letter(second)


def test_demo_zero_balance_decision_prints_the_zero_balance_consequences(
        session, clock, make_holder, poppler):
    """DEMO-2026-0005 (balance 0, registered post) as the demo deposits it."""
    from sqlalchemy import select

    from notify.decisions import operations as ops
    from notify.decisions.models import Decision
    from notify.demo.data import DEMO_DECISIONS, DEMO_HOLDERS
    from tests.conftest import depositor_id

    row = DEMO_HOLDERS[5]
    [item] = [d for d in DEMO_DECISIONS if d["reference"] == "DEMO-2026-0005"]
    holder = make_holder(licence_number=row.licence_number, surname=row.surname,
                         given_names=row.given_names, territory=row.territory,
                         postal_address=row.postal_address)
    [result] = ops.deposit(session, [item], depositor="demo",
                           organisation_id=depositor_id(session), now=clock.now())
    assert result.channel == "postal_registered"
    decision = session.scalar(select(Decision).where(Decision.reference == "DEMO-2026-0005"))
    assert (decision.letter_version, decision.addressee_name) == (LETTER_V2, "Thomas NGUYEN")
    pdf = render_letter(LetterFacts.of(decision, holder.licence_number))
    assert hashlib.sha256(pdf).hexdigest() == decision.letter_sha256
    text = page_text(poppler, pdf)
    assert "Solde de votre permis après cette décision : 0 point." in text
    assert "votre permis a perdu sa validité" in text
    assert "dans un délai de dix jours à compter de sa réception" in text
    assert "Thomas NGUYEN 56 boulevard Voltaire 75011 Paris" in text
    assert COURSE not in text and LOW not in text
    # The register changing the address later does not change the letter.
    holder.postal_address = "1 rue Neuve, 13001 Marseille"
    assert render_letter(LetterFacts.of(decision, holder.licence_number)) == pdf


def test_a_decision_deposited_under_version_1_re_renders_in_version_1(
        session, clock, make_holder, poppler):
    from sqlalchemy import select

    from notify.decisions import operations as ops
    from notify.decisions.models import Decision
    from tests.conftest import depositor_id
    from tests.deposits import withdrawal

    holder = make_holder()
    ops.deposit(session, [withdrawal("OLD-1", holder.licence_number)], depositor="t",
                organisation_id=depositor_id(session), now=clock.now())
    decision = session.scalar(select(Decision).where(Decision.reference == "OLD-1"))
    # A row as the migration leaves the decisions deposited before version 2.
    decision.letter_version = LETTER_V1
    decision.addressee_name = decision.addressee_address = decision.addressee_territory = None
    facts = LetterFacts.of(decision, holder.licence_number)
    assert (facts.version, facts.holder_name, facts.postal_address) == (LETTER_V1, None, None)
    pdf = render_letter(facts)
    assert "lettre-decision/1".encode("utf-16-be").hex().upper().encode() in pdf
    assert page_text(poppler, pdf).startswith("Ministère de l'Intérieur et des Outre-mer")


def test_each_page_carries_the_reference_and_its_number(poppler):
    for facts, count in ((v2(points=2, balance_after=9), 1),
                         (v2(points=6, balance_after=0, channel="postal_registered"), 1),
                         (v2(points=3, balance_after=3, probationary=True), 1),
                         (v2(offence_description=" ".join(["Excès de vitesse"] * 90)), 2)):
        pdf = render_letter(facts)
        assert pages(poppler, pdf) == count
        for number in range(1, count + 1):
            page = page_text(poppler, pdf, "-f", str(number), "-l", str(number))
            assert page.endswith(f"Décision {facts.reference} - page {number} sur {count}")
