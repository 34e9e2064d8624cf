"""The access audit's core: the "motif d'accès" form and ``record_access``."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from flask import session as flask_session
from sqlalchemy import select

from notify.auth.models import StaffMember
from notify.backoffice.access import (
    Accessed,
    AccessAction,
    ReasonNeeded,
    access_reason,
    holder_file,
    record_access,
)
from notify.backoffice.models import StaffAccess
from notify.evidence.log import event_hash, events_of
from tests.conftest import current_code, staff_login

MOTIF = "/agents/motif?dossier=holder:7&suite=" + quote("/agents/?x=1")


@pytest.fixture
def signed_in_staff(browser, clock, enrolled_staff):
    email, secret, _ = enrolled_staff()
    assert staff_login(browser, email, current_code(secret, clock)).status_code == 302
    return email


def test_the_reason_form_keeps_the_reason_and_goes_back(browser, signed_in_staff):
    page = browser.get(MOTIF)
    assert page.status_code == 200
    assert "Motif d'accès" in page.get_data(as_text=True)
    answer = browser.submit(MOTIF, {"reason": "litigation", "detail": "Requête TA n° 2601234"})
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/agents/?x=1"
    with browser.client.session_transaction() as stored:
        assert stored["access_reasons"] == {
            "holder:7": "Recours contentieux ou gracieux : Requête TA n° 2601234"}


@pytest.mark.parametrize(("data", "message"), [
    ({}, "Choisissez un motif."),
    ({"reason": "other", "detail": "  "}, "Précisez le motif."),
    ({"reason": "other", "detail": "a\u0007b"}, "caractère de contrôle interdit"),
    ({"reason": "litigation", "detail": "x" * 201}, "200 caractères au plus."),
    ({"reason": "nonsense"}, "N&#39;est pas un choix valide."),
])
def test_a_bad_reason_is_refused_in_french(browser, signed_in_staff, data, message):
    answer = browser.submit(MOTIF, data)
    assert answer.status_code == 200
    assert message in answer.get_data(as_text=True)
    with browser.client.session_transaction() as stored:
        assert "access_reasons" not in stored


def test_the_reason_form_goes_back_only_inside_the_site(browser, signed_in_staff):
    url = "/agents/motif?dossier=holder:7&suite=https://evil.example/"
    answer = browser.submit(url, {"reason": "holder_request"})
    assert answer.headers["Location"] == "/agents/"


@pytest.mark.parametrize("dossier", ["", "holder:", "account:3", "nothing"])
def test_the_reason_form_needs_a_known_kind_of_file(browser, signed_in_staff, dossier):
    assert browser.get(f"/agents/motif?dossier={dossier}").status_code == 404


def test_the_reason_form_is_for_staff_only(browser, open_account):
    assert browser.get(MOTIF).headers["Location"].startswith("/agents/connexion?next=")
    open_account(email="titulaire@example.fr")
    browser.login("titulaire@example.fr")
    assert browser.get(MOTIF).status_code == 403


def test_a_view_without_a_reason_sends_the_member_to_the_form(app):
    with app.test_request_context("/agents/decisions/REF-1?onglet=preuves"):
        with pytest.raises(ReasonNeeded) as raised:
            access_reason(holder_file(3))
        answer = app.handle_user_exception(raised.value)
        assert answer.status_code == 302
        assert answer.headers["Location"] == (
            "/agents/motif?dossier=holder:3&suite=/agents/decisions/REF-1?onglet%3Dpreuves")
        flask_session["access_reasons"] = {"holder:3": "Contrôle interne"}
        assert access_reason(holder_file(3)) == "Contrôle interne"


def test_record_access_is_one_certifiable_event_and_one_row_per_file(
        session, clock, enrolled_staff):
    enrolled_staff()
    member = session.scalars(select(StaffMember)).one()
    now = clock.now()
    read = [Accessed(holder_file(1), "REF-A"), Accessed(holder_file(2), "REF-B")]
    record_access(session, member, AccessAction.SEARCH, now=now, read=read,
                  details={"q": "Dupont"})
    record_access(session, member, AccessAction.DECISION, now=now,
                  read=[Accessed(holder_file(1), "REF-A")], reason="Contrôle interne")
    record_access(session, member, AccessAction.SEARCH, now=now, read=[])  # nothing shown
    session.commit()

    events = events_of(session, f"access:{member.reference}:{now:%Y-%m}")
    assert [e.seq for e in events] == [1, 2]
    assert events[1].prev_hash == events[0].hash
    assert all(e.hash == event_hash(e.document.encode()) for e in events)
    first = json.loads(events[0].document)["data"]
    assert first["action"] == "search" and first["details"] == {"q": "Dupont"}
    assert first["read"] == [["holder:1", "REF-A"], ["holder:2", "REF-B"]]
    assert len(first["nonce"]) == 32
    rows = session.scalars(select(StaffAccess).order_by(StaffAccess.id)).all()
    assert [(r.file, r.reference, r.action, r.reason, r.event_id) for r in rows] == [
        ("holder:1", "REF-A", "search", None, events[0].id),
        ("holder:2", "REF-B", "search", None, events[0].id),
        ("holder:1", "REF-A", "decision", "Contrôle interne", events[1].id)]
    assert {r.staff_member_id for r in rows} == {member.id}
