"""The pages every French public site carries, reachable from every page's footer."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from notify import create_app
from notify.accounts.pages import appeal_example

FOOTER_PAGES = {
    "/accessibilite": "Déclaration d'accessibilité",
    "/mentions-legales": "Mentions légales",
    "/donnees-personnelles": "Données personnelles",
    "/aide/delai-de-recours": "Calculer le délai de recours",
}


@pytest.mark.parametrize("path,title", FOOTER_PAGES.items())
def test_each_page_is_linked_from_the_footer_and_answers(client, path, title):
    home = client.get("/").get_data(as_text=True)
    footer = home[home.index('id="pied-de-page"'):]
    assert f'href="{path}"' in footer
    response = client.get(path)
    assert response.status_code == 200
    assert f"<h1>{title}" in response.get_data(as_text=True)


def test_the_layout_links_follow_the_prefix_the_site_is_served_under(client):
    """The layout's links are built once per prefix (script root), not once for all."""
    plain = client.get("/").get_data(as_text=True)
    prefixed = client.get("/", base_url="http://localhost/notify").get_data(as_text=True)
    assert 'href="/mentions-legales"' in plain and "/notify/mentions-legales" not in plain
    assert 'href="/notify/mentions-legales"' in prefixed
    assert 'href="/notify/connexion"' in prefixed
    assert 'href="/mentions-legales"' in client.get("/").get_data(as_text=True)


def test_accessibility_statement_says_the_honest_state(client):
    body = client.get("/accessibilite").get_data(as_text=True)
    # No audit has been made: the RGAA statement must say "non conforme", and the
    # footer must say it too.
    assert "<strong>non conforme</strong>" in body
    assert "Accessibilité : non conforme" in client.get("/").get_data(as_text=True)
    assert "Défenseur des droits" in body


def test_personal_data_page_shows_the_durations_in_force(tmp_path):
    app = create_app({"mode": "test", "instance_path": tmp_path, "retention_period": "P4Y",
                      "closure_delay": "P2M", "login_window_minutes": 30})
    body = app.test_client().get("/donnees-personnelles").get_data(as_text=True)
    assert "4 ans à compter de leur mise à disposition" in body
    assert "2 mois après votre" in body
    assert "30 minutes" in body


def test_appeal_help_example_is_computed_by_the_rules_in_force():
    example = appeal_example(datetime(2026, 11, 3, 9, 0, tzinfo=UTC))
    # Made available on 3 November: the day does not count, the delay ends at 24:00 on
    # 18 November (Paris), i.e. 23:00 UTC; two months franc from 18 November: 18 January
    # does not count either, so the last day is 19 January 2027 (a Tuesday).
    assert example.notified_at == datetime(2026, 11, 18, 23, 0, tzinfo=UTC)
    assert example.notified_on == date(2026, 11, 18)
    assert example.deadline == date(2027, 1, 19)


def test_appeal_help_page_shows_the_example(client):
    body = client.get("/aide/delai-de-recours").get_data(as_text=True)
    assert "jusqu'au 19 janvier 2027 inclus" in body
    assert "réputée notifiée le 19 novembre 2026 à 00:00:00" in body
