"""A decision's pages for legal staff: the page and its timeline, "Vérifier maintenant",
the evidence bundle and the attestation of notification; the motif d'accès, the access
log, the refused paths; and a staff read is never the holder's consultation."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

import pytest
import segno
from sqlalchemy import select, update

from notify.backoffice.attestation import MARGIN, QR_SIZE, QR_X
from notify.backoffice.models import StaffAccess
from notify.decisions import holder as holder_ops
from notify.decisions import operations as deposit_ops
from notify.decisions.models import Decision
from notify.evidence.bundle import check_bundle
from notify.evidence.log import events_of
from tests.conftest import current_code, depositor_id, staff_login
from tests.deposits import withdrawal
from tests.jobs import run_jobs

PAGE = "/agents/decisions/D-1"
DELAY_ENDS = datetime(2026, 12, 5, 23, 0, tzinfo=UTC)
"""Made available 2026-11-20 09:30 UTC: the delay ends at 24:00 of 5 December in Paris."""


@pytest.fixture
def decision(app, session, clock, open_account, send_mail):
    """D-1, made available to its holder and alerted (certified), neither consulted nor
    notified."""
    account = open_account(surname="MARTIN", given_names="Camille")
    deposit_ops.deposit(session, [withdrawal("D-1", account.holder.licence_number)],
                        depositor="t", organisation_id=depositor_id(session), now=clock.now())
    session.commit()
    run_jobs(app, "certify_evidence", "make_decisions_available")
    send_mail()
    run_jobs(app, "certify_evidence")
    session.expire_all()
    found = session.scalar(select(Decision).where(Decision.reference == "D-1"))
    assert found.state == "available"
    found.account = account
    return found


def consulted(session, clock, decision, sign_in):
    clock.advance(timedelta(days=3))
    holder_ops.consult(session, decision.account.holder, "D-1", now=clock.now(), via="page")
    session.commit()
    sign_in()  # the staff session has expired meanwhile


def deemed(app, session, clock, sign_in):
    clock.set(DELAY_ENDS + timedelta(hours=2))
    run_jobs(app, "record_deemed_notifications")
    run_jobs(app, "certify_evidence")
    session.expire_all()
    sign_in()


@pytest.fixture
def sign_in(browser, clock, enrolled_staff):
    """Sign a legal staff member in (TOTP), again after the clock moved past his session;
    he has given no reason yet."""
    email, secret, _ = enrolled_staff()

    def sign_in_():
        assert staff_login(browser, email, current_code(secret, clock)).status_code == 302
        return browser

    return sign_in_


@pytest.fixture
def staff(decision, sign_in):
    return sign_in()


def give_reason(browser, decision, reason="litigation", detail="Requête TA n° 2601234"):
    motif = f"/agents/motif?dossier=holder:{decision.holder_id}&suite={quote(PAGE)}"
    assert browser.submit(motif, {"reason": reason, "detail": detail}).status_code == 302


def accesses(session):
    session.expire_all()
    return [(a.action, a.file, a.reference, a.reason)
            for a in session.scalars(select(StaffAccess).order_by(StaffAccess.id))]


def qr_modules(pdf: bytes, size: int, tmp_path) -> tuple[bytearray, ...]:
    """The ``size`` × ``size`` QR code of an attestation as poppler draws it: each
    module's centre, black or white (rendered at 254 dpi, 10 pixels per millimetre)."""
    path = tmp_path / "attestation.pdf"
    path.write_bytes(pdf)
    pgm = subprocess.run(["pdftoppm", "-gray", "-r", "254", str(path)], capture_output=True,
                         check=True).stdout
    _, width, _, _, pixels = pgm.split(maxsplit=4)
    module = QR_SIZE / size

    def dark(r: int, c: int) -> int:
        y, x = MARGIN + (r + 0.5) * module, QR_X + (c + 0.5) * module
        return int(pixels[int(y * 10) * int(width) + int(x * 10)] < 128)

    return tuple(bytearray(dark(r, c) for c in range(size)) for r in range(size))


def text(answer):
    return answer.get_data(as_text=True)


def test_first_opening_asks_the_reason_then_shows_the_timeline(staff, session, clock,
                                                               decision):
    answer = staff.get(PAGE)
    assert answer.status_code == 302
    assert answer.headers["Location"] == (
        f"/agents/motif?dossier=holder:{decision.holder_id}&suite=/agents/decisions/D-1?")
    assert accesses(session) == []  # nothing shown, nothing recorded

    give_reason(staff, decision)
    page = staff.get(PAGE)
    assert page.status_code == 200
    html = text(page)
    assert "MARTIN Camille" in html and decision.account.holder.licence_number in html
    assert "France métropolitaine (heure légale Europe/Paris)" in html
    assert "Mise à disposition sur le compte personnel (R. 223-3-1)" in html
    assert "Dépôt de la décision par l&#39;administration" in html
    assert "Mise à disposition de la décision sur le compte personnel" in html
    assert "20 novembre 2026 à 10:30:00" in html and "2026-11-20 09:30:00 UTC" in html
    assert "certifié" in html and "jeton n° de série" in html
    assert "elle sera réputée notifiée le 5 décembre 2026" in html
    assert "Vérifier maintenant" in html
    assert accesses(session) == [("decision", f"holder:{decision.holder_id}", "D-1",
                                  "Recours contentieux ou gracieux : Requête TA n° 2601234")]


def test_a_notified_decision_shows_its_basis_policy_and_appeal_deadline(
        app, staff, session, clock, decision, sign_in):
    consulted(session, clock, decision, sign_in)
    give_reason(staff, decision)
    html = text(staff.get(PAGE))
    assert "Notifiée le 23 novembre 2026 (première consultation" in html
    assert "première consultation par le titulaire" in html
    assert "fifteen_days_end_of_day/1 — R. 223-3-1 III du code de la route" in html
    assert "jusqu'au 25 janvier 2027 inclus" in html
    assert "Première consultation de la décision par le titulaire" in html
    assert "en attente" in html  # the consultation's batch waits for its token


def test_verify_now_runs_every_check_and_shows_each_result(app, staff, session, clock,
                                                           decision, sign_in):
    consulted(session, clock, decision, sign_in)
    give_reason(staff, decision)
    answer = staff.submit(f"{PAGE}/verification", page=PAGE)
    assert answer.status_code == 200
    html = text(answer)
    assert "Toutes les vérifications ont réussi" in html
    assert "échec" not in html
    for label in ("Le conteneur zip est intact",
                  "Les événements sont tous ceux de l&#39;objet",
                  "La première consultation est postérieure à la mise à disposition",
                  "La table des décisions dit ce que dit le journal"):
        assert label in html
    assert [a[0] for a in accesses(session)] == ["decision", "verification"]

    # A date edited in the table: the comparison with the log says so, in French.
    session.execute(update(Decision).where(Decision.reference == "D-1")
                    .values(notified_on=date(2026, 11, 24)))
    session.commit()
    html = text(staff.submit(f"{PAGE}/verification", page=PAGE))
    assert "Au moins une vérification a échoué" in html
    assert ("D-1 : notified_on vaut 2026-11-24 dans la table, 2026-11-23 d&#39;après le "
            "journal") in html


def test_verify_needs_the_csrf_token(staff, decision):
    give_reason(staff, decision)
    assert staff.client.post(f"{PAGE}/verification").status_code == 400


def test_the_bundle_is_the_verified_evidence(app, staff, session, clock, decision, tsa_files):
    give_reason(staff, decision)
    answer = staff.get(f"{PAGE}/preuves.zip")
    assert answer.status_code == 200
    assert answer.mimetype == "application/zip"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="preuves-D-1.zip"'
    report = check_bundle(answer.data, [tsa_files.root])
    assert report.ok, report.failures
    assert report.subject == "decision:D-1"
    assert "decision.json" in zipfile.ZipFile(io.BytesIO(answer.data)).namelist()
    assert [a[0] for a in accesses(session)] == ["bundle"]


@pytest.mark.parametrize("how", ["consultation", "deemed"])
def test_the_attestation_states_the_facts_and_is_deterministic(
        app, staff, session, clock, decision, sign_in, poppler, tmp_path, how):
    if how == "consultation":
        consulted(session, clock, decision, sign_in)
    else:
        deemed(app, session, clock, sign_in)
    give_reason(staff, decision)
    answer = staff.get(f"{PAGE}/attestation.pdf")
    assert answer.status_code == 200, text(answer)
    assert answer.mimetype == "application/pdf"
    assert re.search(r"^Pages:\s+1$", poppler("pdfinfo", answer.data), re.M)
    words = " ".join(poppler("pdftotext", answer.data).split())
    session.expire_all()
    decision = session.scalar(select(Decision).where(Decision.reference == "D-1"))
    [notified] = [e for e in events_of(session, decision.subject)
                  if e.tag in ("first_consultation", "deemed_notified")]
    assert "Attestation de notification" in words
    assert "décision n° D-1" in words and "MARTIN Camille" in words
    assert "mise à disposition sur le compte personnel du titulaire le 20 novembre 2026" \
        in words
    assert f"SHA-256 {notified.hash}" in words  # the decision's fingerprint
    qr = segno.make(f"decision:D-1 sha256={notified.hash}", error="m").matrix
    assert qr_modules(answer.data, len(qr), tmp_path) == qr
    assert "jeton n° de série" in words
    assert "Le courriel d'alerte a été envoyé au titulaire le 20 novembre 2026" in words
    assert "Envoi du courriel d'alerte au titulaire — horodaté le" in words
    assert "notify evidence verify preuves.zip --trust racine.pem" in words
    assert "openssl ts -verify -digest" in words and "-attime" in words
    assert "Délai de recours contentieux : jusqu'au" in words
    if how == "consultation":
        assert "Date de notification : 23 novembre 2026 (première consultation" in words
        assert "cette consultation vaut notification" in words
    else:
        assert "Date de notification : 5 décembre 2026 (notification réputée" in words
        assert "fifteen_days_end_of_day/1" in words
        assert "expiré le 5 décembre 2026 à 24:00" in words

    clock.advance(timedelta(days=30))  # later, another render: the same bytes
    sign_in()
    give_reason(staff, decision, "judicial_request")
    assert staff.get(f"{PAGE}/attestation.pdf").data == answer.data
    assert [a[0] for a in accesses(session)] == ["attestation", "attestation"]


def test_no_attestation_before_the_notification(staff, session, decision):
    give_reason(staff, decision)
    answer = staff.get(f"{PAGE}/attestation.pdf")
    assert answer.status_code == 409
    assert "pas encore notifiée" in text(answer)


def test_a_staff_read_is_never_the_holders_consultation(app, staff, session, clock,
                                                        decision, sign_in):
    give_reason(staff, decision)
    clock.advance(timedelta(minutes=5))
    assert staff.get(PAGE).status_code == 200
    assert "Toutes les vérifications ont réussi" in text(
        staff.submit(f"{PAGE}/verification", page=PAGE))
    assert staff.get(f"{PAGE}/preuves.zip").status_code == 200
    assert staff.get(f"{PAGE}/attestation.pdf").status_code == 409
    session.expire_all()
    decision = session.scalar(select(Decision).where(Decision.reference == "D-1"))
    assert decision.state == "available"
    assert decision.first_consulted_at is None and decision.notified_at is None
    tags = [e.tag for e in events_of(session, decision.subject)]
    assert tags == ["deposited", "made_available", "alert_sent"]
    # (the page is read again for the button's CSRF token)
    assert [a[0] for a in accesses(session)] == ["decision", "decision", "verification",
                                                 "bundle", "attestation"]

    # At the end of the delay it is deemed notified, as if nobody had looked.
    deemed(app, session, clock, sign_in)
    decision = session.scalar(select(Decision).where(Decision.reference == "D-1"))
    assert (decision.notification_basis, decision.notified_at) == ("deemed", DELAY_ENDS)
    assert decision.first_consulted_at is None


@pytest.mark.parametrize("path", ["", "/preuves.zip", "/attestation.pdf"])
def test_anonymous_visitors_go_to_the_staff_login(browser, decision, path):
    answer = browser.get(PAGE + path)
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/agents/connexion?next=")


def test_anonymous_verification_goes_to_the_staff_login(browser, decision):
    answer = browser.submit(f"{PAGE}/verification", page="/agents/connexion")
    assert answer.headers["Location"].startswith("/agents/connexion?next=")


@pytest.mark.parametrize("path", ["", "/preuves.zip", "/attestation.pdf"])
def test_a_holder_is_refused_even_his_own_decision(browser, decision, path):
    browser.login(decision.account.email)
    answer = browser.get(PAGE + path)
    assert answer.status_code == 403
    assert "Accès refusé" in text(answer)


@pytest.mark.parametrize("path", ["", "/preuves.zip", "/attestation.pdf"])
def test_an_unknown_reference_is_a_french_404(staff, path):
    answer = staff.get("/agents/decisions/NULLE-PART" + path)
    assert answer.status_code == 404
    assert "Aucune décision ne porte la référence « NULLE-PART »." in text(answer)


def test_the_reason_is_asked_for_each_holders_file(app, staff, session, clock, decision,
                                                   open_account):
    other = open_account(email="autre@example.fr")
    deposit_ops.deposit(session, [withdrawal("D-2", other.holder.licence_number)],
                        depositor="t", organisation_id=depositor_id(session), now=clock.now())
    session.commit()
    give_reason(staff, decision)
    assert staff.get(PAGE).status_code == 200
    answer = staff.get("/agents/decisions/D-2/preuves.zip")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith(
        f"/agents/motif?dossier=holder:{other.holder.id}&")


def test_a_postal_decision_says_it_is_notified_by_letter(app, staff, session, clock,
                                                         decision, make_holder):
    holder = make_holder()  # no account: the decision goes by post
    deposit_ops.deposit(session, [withdrawal("P-1", holder.licence_number)], depositor="t",
                        organisation_id=depositor_id(session), now=clock.now())
    session.commit()
    motif = f"/agents/motif?dossier=holder:{holder.id}&suite={quote('/agents/decisions/P-1')}"
    assert staff.submit(motif, {"reason": "internal_audit"}).status_code == 302
    html = text(staff.get("/agents/decisions/P-1"))
    assert "Lettre simple (R. 223-3 III)" in html
    assert "Décision envoyée par courrier : sa notification est celle de la lettre" in html
    html = text(staff.submit("/agents/decisions/P-1/verification", page="/agents/decisions/P-1"))
    assert "Toutes les vérifications ont réussi" in html
