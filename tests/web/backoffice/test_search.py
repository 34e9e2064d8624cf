"""Staff search of decisions (/agents/decisions), its pages, and its CSV export after a
re-authentication; every page shown and every export is in the access log."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest

from notify.backoffice import search as search_ops
from notify.evidence.models import Event
from tests.conftest import current_code
from tests.deposits import restoration, withdrawal
from tests.web.backoffice.conftest import accesses, text_of


def test_a_decision_is_found_by_licence_number_and_the_page_is_recorded(
        browser, session, sign_in, holder_with_decision):
    holder = holder_with_decision("D-1")
    holder_with_decision("D-2")  # another holder's
    sign_in()
    page = browser.get(f"/agents/decisions?permis={holder.licence_number.lower()}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'href="/agents/decisions/D-1"' in body and "D-2" not in body
    assert "lettre simple" in text_of(page) and "en attente d'impression" in text_of(page)
    [row] = accesses(session)
    assert (row.action, row.file, row.reference, row.reason) == (
        "search", f"holder:{holder.id}", "D-1", None)
    details = json.loads(session.get(Event, row.event_id).document)["data"]["details"]
    assert details == {"licence_number": holder.licence_number}


@pytest.mark.parametrize("typed", ["lefe", "LEFÈVRE", "Lefevre-d", "lefèvre d'o"])
def test_a_name_is_found_by_its_beginning_whatever_accents_and_hyphens(
        browser, sign_in, holder_with_decision, typed):
    holder_with_decision("D-1", surname="Lefèvre-d'Orçay")
    holder_with_decision("D-2", surname="MARTIN")
    sign_in()
    body = browser.get(f"/agents/decisions?nom={typed}").get_data(as_text=True)
    assert "D-1" in body and "D-2" not in body


def test_filters_by_reference_dates_channel_and_state(browser, session, clock, sign_in,
                                                      open_account, make_holder, on_file):
    account = open_account()
    postal = make_holder()
    on_file(withdrawal("ON-1", account.holder.licence_number, decided_on="2026-10-05"),
            restoration("PO-1", postal.licence_number, decided_on="2026-11-02"))
    sign_in()

    def found(query):
        return {ref for ref in ("ON-1", "PO-1")
                if ref in browser.get("/agents/decisions?" + query).get_data(as_text=True)}

    assert found("reference=PO-1") == {"PO-1"}
    assert found("du=01/11/2026&au=30/11/2026") == {"PO-1"}
    assert found("au=2026-10-15") == {"ON-1"}
    assert found("canal=online") == {"ON-1"}
    assert found("etat=awaiting_print") == {"PO-1"}
    assert found("etat=pending_certification&canal=online") == {"ON-1"}
    assert found("champ_date=mise_a_disposition&du=01/01/2026") == set()  # none made available
    assert found("canal=postal_registered") == set()


def test_results_come_by_pages_newest_first(browser, sign_in, make_holder, on_file,
                                            monkeypatch):
    monkeypatch.setattr(search_ops, "PAGE_SIZE", 2)
    on_file(*[withdrawal(f"D-{day}", make_holder(surname="Page").licence_number,
                         decided_on=f"2026-11-0{day}") for day in range(1, 6)])
    sign_in()
    url = "/agents/decisions?nom=page"
    seen = []
    while url:
        body = browser.get(url).get_data(as_text=True)
        seen += [ref for ref in ("D-5", "D-4", "D-3", "D-2", "D-1") if f">{ref}<" in body]
        next_link = [part for part in body.split('href="') if "apres=" in part[:300]]
        url = next_link[0].split('"')[0].replace("&amp;", "&") if next_link else None
    assert seen == ["D-5", "D-4", "D-3", "D-2", "D-1"]


@pytest.mark.parametrize(("query", "message"), [
    ("reference=", "Indiquez au moins un critère."),
    ("nom=a", "De 2 à 200 caractères."),
    ("du=31/12/2026&au=01/01/2026", "La date de fin précède la date de début."),
    ("du=2026-13-45", "date"),
    ("etat=bogus", "choix valide"),
    ("nom=a%07b", "caractère de contrôle interdit"),
])
def test_bad_criteria_are_refused_in_french_and_nothing_is_recorded(
        browser, session, sign_in, holder_with_decision, query, message):
    holder_with_decision()
    sign_in()
    page = browser.get("/agents/decisions?" + query)
    assert page.status_code == 200
    assert message in text_of(page)
    assert accesses(session) == []


def test_search_is_refused_to_anonymous_and_holders(browser, open_account):
    answer = browser.get("/agents/decisions?nom=du")
    assert answer.headers["Location"].startswith("/agents/connexion?next=")
    assert browser.get("/agents/decisions.csv?nom=du").headers["Location"].startswith(
        "/agents/connexion?next=")
    open_account()
    browser.login("titulaire@example.fr")
    assert browser.get("/agents/decisions?nom=du").status_code == 403
    assert browser.get("/agents/decisions.csv?nom=du").status_code == 403


def test_export_asks_the_code_again_then_streams_every_match(
        browser, session, clock, sign_in, make_holder, on_file, monkeypatch):
    holders = [make_holder(surname="Dupont") for _ in range(3)]
    on_file(*[withdrawal(f"D-{n}", h.licence_number) for n, h in enumerate(holders)])
    email, secret = sign_in()
    export = "/agents/decisions.csv?nom=dupont&canal=postal_simple"
    # Just signed in: the sign-in counts as a recent authentication.
    fresh = browser.get(export)
    assert fresh.status_code == 200
    clock.advance(timedelta(minutes=11))  # NOTIFY_REAUTH_MINUTES is 10
    asked = browser.get(export)
    assert asked.status_code == 302
    reauth = asked.headers["Location"]
    assert reauth.startswith("/agents/reauthentification?next=")
    refused = browser.submit(reauth, {"code": "000000"})
    assert "Ce code ne correspond pas" in text_of(refused)
    clock.advance(timedelta(seconds=30))
    done = browser.submit(reauth, {"code": current_code(secret, clock)})
    assert done.status_code == 302 and done.headers["Location"] == export
    answer = browser.get(export)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/csv")
    assert answer.headers["Content-Disposition"].startswith("attachment; filename=")
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert rows[0] == list(search_ops.CSV_HEADER)
    assert sorted(r[0] for r in rows[1:]) == ["D-0", "D-1", "D-2"]
    assert {r[8] for r in rows[1:]} == {"Dupont"}
    exports = [a for a in accesses(session) if a.action == "export"]
    assert len(exports) == 6  # two exports of three decisions
    assert {a.file for a in exports} == {f"holder:{h.id}" for h in holders}

    monkeypatch.setattr(search_ops, "EXPORT_CAP", 2)
    capped = browser.get(export)
    assert capped.headers["X-Notify-Export-Truncated"] == "1"
    assert len(capped.get_data(as_text=True).splitlines()) == 3


def test_the_re_authentication_page_is_for_staff(browser, open_account):
    assert browser.get("/agents/reauthentification").headers["Location"].startswith(
        "/agents/connexion?next=")
    open_account()
    browser.login("titulaire@example.fr")
    assert browser.get("/agents/reauthentification").status_code == 403
