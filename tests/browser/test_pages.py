"""What every page owes a person: French, titled, skippable, styled, and within its CSP."""

import re

import pytest

from tests.browser.conftest import DSFR_AVAILABLE, PASSWORD, SITE_NAME

pytestmark = pytest.mark.browser

PUBLIC_PAGES = ["/", "/inscription", "/connexion", "/mot-de-passe/oubli",
                "/conditions-generales", "/modalites-delai-de-recours", "/nulle-part"]


def test_public_pages_are_french_titled_and_within_their_csp(visitor, expect):
    page = visitor.page
    for path in PUBLIC_PAGES:
        response = visitor.goto(path)
        assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        expect(page).to_have_title(re.compile(rf"^\S.* — {SITE_NAME}$"))
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        expect(page.get_by_role("link", name="Aller au contenu")).to_have_count(1)
    assert visitor.csp_violations() == []

    # The collector does see a violation: an inline script without the nonce is refused.
    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.injected = true";
        document.head.append(script);
    }""")
    assert page.evaluate("window.injected === undefined")
    page.wait_for_function("true")  # let the console event reach us
    assert any("inline script" in m for m in visitor.csp_violations()), visitor.console


def test_the_skip_link_is_the_first_stop_and_leads_to_the_content(visitor, expect):
    visitor.goto("/connexion")
    page = visitor.page
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#contenu$"))
    expect(page.locator("main#contenu")).to_be_focused()


@pytest.mark.skipif(not DSFR_AVAILABLE, reason="DSFR not installed (make assets)")
def test_the_design_system_loads_its_styles_fonts_and_script(visitor, expect):
    page = visitor.page
    with page.expect_response(re.compile(r"/static/dsfr/dsfr\.min\.css$")) as css:
        visitor.goto("/")
    assert css.value.status in (200, 304)
    # The module script ran (it has the CSP nonce): DSFR marks the root element.
    expect(page.locator("html")).to_have_attribute("data-fr-js", "true")
    button = visitor.main.get_by_role("link", name="Créer mon compte")
    expect(button).to_have_css("background-color", "rgb(0, 0, 145)")  # DSFR blue France
    assert "Marianne" in page.evaluate("getComputedStyle(document.body).fontFamily")
    assert page.evaluate("document.fonts.ready.then(() => document.fonts.check('1em Marianne'))")
    assert visitor.csp_violations() == []


# --- the DSFR header script and the mobile menu ------------------------------------


def test_pages_run_without_script_errors(visitor):
    for path in PUBLIC_PAGES:
        visitor.goto(path)
        visitor.page.wait_for_load_state("load")
    assert [m for m in visitor.console if m.startswith("pageerror:")] == []


def test_on_a_phone_a_holder_can_log_out(visitor, expect):
    visitor.site.open_account("telephone@example.fr")
    page = visitor.page
    page.set_viewport_size({"width": 390, "height": 844})
    visitor.goto("/connexion")
    page.get_by_label("Adresse électronique").fill("telephone@example.fr")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    visitor.sees_page("Mon compte", "Mon compte")
    visitor.screenshot("05-account-on-a-phone")
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_be_visible(timeout=1000)
    menu.click()
    page.get_by_role("dialog").get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("status")).to_have_text("Vous êtes déconnecté.")
