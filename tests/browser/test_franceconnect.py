"""FranceConnect in Chromium: link the account, sign in with it, log out at the provider.

The site is served with FranceConnect configured against oidc-provider-mock on loopback
(the ``oidc_provider`` of ``tests/conftest.py``), whose forms the visitor fills as he
would FranceConnect's. The provider signs with the real time, so this site's clock is
set to it. Requests leaving 127.0.0.1 (the provider page's CDN stylesheet) are aborted
inside Chromium: the network stays closed.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from notify.clock import FixedClock
from tests.browser.conftest import PASSWORD, Visitor, serve_site

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def fc_site(chromium_context, smtp_server, tsa_files, tmp_path_factory, oidc_provider):
    with serve_site(tmp_path_factory.mktemp("live-fc"), smtp_server.port, tsa_files,
                    FixedClock(datetime.now(UTC).replace(microsecond=0)),
                    franceconnect_issuer=oidc_provider.url,
                    franceconnect_client_id="notify-browser",
                    franceconnect_client_secret="secret-du-client") as site:
        yield site


@pytest.fixture
def fc_visitor(chromium_context, fc_site, visitor_shots, oidc_provider):
    oidc_provider.reset()
    chromium_context.clear_cookies()
    page = chromium_context.new_page()
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda route: route.abort())
    yield Visitor(page, fc_site, visitor_shots)
    page.close()


@pytest.fixture
def visitor_shots():
    import os
    from pathlib import Path

    folder = os.environ.get("NOTIFY_BROWSER_SCREENSHOTS")
    if not folder:
        return None
    Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(folder)


def shoot(visitor: Visitor, name: str) -> None:
    """Full-page screenshots at desktop width and at 390 px."""
    visitor.page.set_viewport_size(PHONE)
    visitor.screenshot(f"{name}-390")
    visitor.page.set_viewport_size(DESKTOP)
    visitor.screenshot(name)


def at_provider(visitor: Visitor, expect, sub: str | None) -> None:
    """What the person does on the provider's page: identify as ``sub``, or refuse."""
    page = visitor.page
    expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()
    if sub is None:
        page.get_by_role("button", name="Deny").click()
    else:
        page.get_by_placeholder("sub").fill(sub)
        page.get_by_role("button", name="Authorize").click()


def test_link_then_sign_in_then_log_out(fc_visitor, oidc_provider, expect):
    visitor, site, page = fc_visitor, fc_visitor.site, fc_visitor.page
    number = site.open_account("fc.navigateur@example.fr")
    sub = oidc_provider.new_person(given_name="Camille", family_name="Navigateur",
                                   birthdate="1979-03-08")

    # The login page offers FranceConnect, with its official wording.
    visitor.goto("/connexion")
    visitor.sees_page("Se connecter", "Se connecter")
    button = page.get_by_role("button", name="S’identifier avec FranceConnect")
    expect(button).to_be_visible()
    expect(page.get_by_role("link", name="Qu’est-ce que FranceConnect ?")).to_have_attribute(
        "target", "_blank")
    shoot(visitor, "fc-01-login")

    page.get_by_label("Adresse électronique").fill("fc.navigateur@example.fr")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    visitor.sees_page("Mon compte", "Mon compte")
    expect(page.locator("#franceconnect")).to_have_text("FranceConnect")
    shoot(visitor, "fc-02-account-not-linked")

    page.get_by_role("link", name="Lier mon compte à FranceConnect").click()
    visitor.sees_page("Lier mon compte à FranceConnect", "Lier mon compte à FranceConnect")
    shoot(visitor, "fc-03-link")
    page.get_by_role("button", name="S’identifier avec FranceConnect").click()
    at_provider(visitor, expect, sub)

    visitor.sees_page("Confirmer la liaison avec FranceConnect",
                      "Confirmer la liaison avec FranceConnect")
    expect(visitor.main).to_contain_text("Camille Navigateur")
    expect(visitor.main).to_contain_text("8 mars 1979")
    shoot(visitor, "fc-04-confirm")
    page.get_by_label("Numéro de permis de conduire").fill("999999999999")
    page.get_by_role("button", name="Lier mon compte").click()
    expect(visitor.main).to_contain_text("Ce numéro de permis n'est pas celui de votre compte.")
    shoot(visitor, "fc-05-confirm-error")
    page.get_by_label("Numéro de permis de conduire").fill(number)
    page.get_by_role("button", name="Lier mon compte").click()
    visitor.sees_page("Mon compte", "Mon compte")
    expect(page.get_by_role("status")).to_contain_text("Votre compte est lié à FranceConnect")
    expect(visitor.main).to_contain_text("Votre compte est lié à FranceConnect depuis le")
    shoot(visitor, "fc-06-account-linked")

    # Out, and back in with FranceConnect alone.
    page.get_by_role("button", name="Se déconnecter").click()
    visitor.goto("/connexion")
    page.get_by_role("button", name="S’identifier avec FranceConnect").click()
    at_provider(visitor, expect, sub)
    visitor.sees_page("Mon compte", "Mon compte")
    expect(visitor.main).to_contain_text("fc.navigateur@example.fr")

    # Logging out ends the FranceConnect session too, then comes back here.
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", name="End Session")).to_be_visible()
    assert "id_token_hint=" in page.url
    page.get_by_role("button", name="End session").click()
    visitor.sees_page("Accueil", re.compile("."))
    expect(page.get_by_role("status")).to_have_text(
        "Vous êtes déconnecté de ce service et de FranceConnect.")
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()

    assert visitor.csp_violations() == []


def test_refusals_are_french_pages(fc_visitor, oidc_provider, expect):
    visitor, page = fc_visitor, fc_visitor.page

    visitor.goto("/connexion")
    page.get_by_role("button", name="S’identifier avec FranceConnect").click()
    at_provider(visitor, expect, None)
    visitor.sees_page("Connexion annulée", "Connexion annulée")
    expect(visitor.main).to_contain_text("Vous avez annulé la connexion")
    shoot(visitor, "fc-07-denied")

    visitor.goto("/connexion")
    page.get_by_role("button", name="S’identifier avec FranceConnect").click()
    at_provider(visitor, expect, oidc_provider.new_person(birthdate=str(date(1990, 1, 1))))
    visitor.sees_page("Aucun compte lié à cette identité", "Aucun compte lié à cette identité")
    shoot(visitor, "fc-08-unknown")

    # The same answer again (the page reloaded): refused, in French.
    page.reload()
    visitor.sees_page("Connexion expirée ou déjà utilisée", "Connexion expirée ou déjà utilisée")
    shoot(visitor, "fc-09-replayed")

    assert visitor.csp_violations() == []
