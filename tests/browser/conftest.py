"""A live notify and a real headless Chromium, driven through Playwright.

The site is the real application (mode "test") on a SQLite file migrated by the real
Alembic migrations, served by werkzeug in a thread on 127.0.0.1; its e-mails go through
the real SMTP transport to the loopback aiosmtpd server of ``tests/conftest.py`` when a
test runs the ``send_outbox`` job. Nothing is rolled back: each test makes its own
holder, with his own licence number and address.

Chromium is Debian's (``/usr/bin/chromium``), never a browser downloaded by Playwright.
Without it the tests are skipped, except under CI (``CI=true``) where they fail.

``NOTIFY_BROWSER_SCREENSHOTS=/some/folder`` saves full-page PNGs of the main pages there.
"""

from __future__ import annotations

import itertools
import os
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from notify import create_app
from notify import db as database
from notify.clock import FixedClock
from notify.web import DSFR_DIST
from tests.conftest import STAFF_PASSWORD, depositor_id

CHROMIUM = Path("/usr/bin/chromium")
# The network of the test machines is closed: nothing may try to reach Google.
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
START = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
PASSWORD = "correct horse battery staple"
SITE_NAME = "Mes décisions de points"

DSFR_AVAILABLE = (DSFR_DIST / "dsfr.min.css").exists()
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required under CI)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_context(tmp_path_factory):
    """One Chromium for the run, with a fresh profile; each test gets a clean page."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed: pip install -e '.[dev]'")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tmp_path_factory.mktemp("chromium-profile"),
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS,
            locale="fr-FR", timezone_id="Europe/Paris",
            viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        yield context
        context.close()


# --- the live site ------------------------------------------------------------------


@dataclass
class LiveSite:
    url: str
    app: Flask
    clock: FixedClock
    _numbers: itertools.count = field(default_factory=lambda: itertools.count(1))

    def send_mail(self) -> None:
        """What the scheduler would do next: run the outbox job once."""
        self.run_jobs("send_outbox")

    def run_jobs(self, *names: str) -> None:
        from tests.jobs import run_jobs

        run_jobs(self.app, *names)

    def deposit(self, items: list[dict]) -> None:
        """Deposit as the administration would, then certify and make available."""
        from notify.decisions.operations import deposit

        with self.app.extensions["notify"].db.unit_of_work() as uow:
            deposit(uow.session, items, depositor="browser-test",
                    organisation_id=depositor_id(uow.session), now=self.clock.now())
            uow.commit()
        self.run_jobs("certify_evidence", "make_decisions_available")

    def new_holder(self, birth_date: date = date(1979, 3, 8)) -> tuple[str, str]:
        """Import one holder into the register and print his activation code."""
        from notify.accounts.register import HolderRow, import_holders, issue_activation_codes

        n = next(self._numbers)
        number = f"8{n:011d}"
        services = self.app.extensions["notify"]
        with services.db.unit_of_work() as uow:
            import_holders(uow.session, [HolderRow(
                licence_number=number, surname="NAVIGATEUR", given_names="Camille",
                birth_date=birth_date, territory="metropole",
                postal_address=f"{n} rue du Test, 75001 Paris")], self.clock.now())
            codes = {holder.licence_number: code for holder, code, _ in
                     issue_activation_codes(uow.session, self.clock.now(), timedelta(days=90))}
            uow.commit()
        return number, codes[number]

    def open_account(self, email: str, password: str = PASSWORD) -> str:
        """An account opened through the real operations, without the browser."""
        from notify.accounts import operations as ops

        number, code = self.new_holder()
        services = self.app.extensions["notify"]
        now = self.clock.now()
        with self.app.app_context(), services.db.unit_of_work() as uow:
            activation = ops.check_activation(uow.session, number, date(1979, 3, 8), code, now)
            registration = ops.register(
                uow.session, activation_id=activation.id, email=email, password=password,
                accepted_conditions=True, attested_deadlines=True, now=now,
                settings=services.settings)
            ops.verify_email(uow.session, registration.verification_token, now,
                             services.settings)
            uow.commit()
        return number


@contextmanager
def serve_site(folder: Path, smtp_port: int, tsa_files, clock: FixedClock, **settings):
    """The real application on a migrated SQLite file, served on 127.0.0.1 in a thread;
    ``settings`` are added to its configuration."""
    url = f"sqlite:///{folder / 'notify.db'}"
    database.upgrade(url)
    from timestamp.authority import Authority
    from timestamp.client import EmbeddedClient
    from timestamp.oids import TEST_POLICY
    from timestamp.serials import CounterSerials

    authority = Authority.from_files(tsa_files, policy_oid=TEST_POLICY,
                                     serials=CounterSerials(), clock=clock.now)
    # Bind first (ephemeral port), so that the links in e-mails point to this server.
    server = make_server("127.0.0.1", 0, None, threaded=True)
    base_url = f"http://127.0.0.1:{server.port}"
    server.app = create_app({
        "mode": "test", "instance_path": folder / "instance", "database_url": url,
        "clock": clock, "smtp_host": "127.0.0.1", "smtp_port": smtp_port,
        "smtp_starttls": False, "base_url": base_url,
        "timestamp_client": EmbeddedClient(authority, trust_anchors=[tsa_files.root]),
        **settings,
    })
    thread = threading.Thread(target=server.serve_forever, name="live-notify", daemon=True)
    thread.start()
    yield LiveSite(base_url, server.app, clock)
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()
    server.app.extensions["notify"].db.engine.dispose()


@pytest.fixture(scope="session")
def live_site(chromium_context, smtp_server, tsa_files, tmp_path_factory):
    # chromium_context first: without a browser, skip before starting anything.
    with serve_site(tmp_path_factory.mktemp("live"), smtp_server.port, tsa_files,
                    FixedClock(START)) as site:
        yield site


# --- what a visitor does and sees ---------------------------------------------------


class Visitor:
    """A page in Chromium, plus what its console said and the helpers tests share."""

    def __init__(self, page, site: LiveSite, shots: Path | None) -> None:
        self.page = page
        self.site = site
        self.shots = shots
        self.console: list[str] = []
        self.failed_requests: list[str] = []
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        page.on("requestfailed", lambda r: self.failed_requests.append(r.url))

    def goto(self, path_or_url: str):
        url = path_or_url if path_or_url.startswith("http") else self.site.url + path_or_url
        return self.page.goto(url)

    @property
    def main(self):
        return self.page.locator("main")

    def sees_page(self, title: str, heading: str | re.Pattern) -> None:
        """The page a person lands on: in French, titled, with a skip link, this heading."""
        from playwright.sync_api import expect

        page = self.page
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        expect(page).to_have_title(f"{title} — {SITE_NAME}")
        skip = page.get_by_role("link", name="Aller au contenu")
        expect(skip).to_have_attribute("href", "#contenu")
        expect(page.locator("#contenu")).to_have_count(1)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)

    def tick(self, label: str) -> None:
        """Tick a DSFR checkbox the way a person does: by its label (the box is drawn
        by the label, which covers the real input)."""
        from playwright.sync_api import expect

        self.page.locator("label", has_text=label).click()
        expect(self.page.get_by_label(label)).to_be_checked()

    def screenshot(self, name: str) -> None:
        if self.shots is not None:
            self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)

    def csp_violations(self) -> list[str]:
        return [m for m in self.console if "Content Security Policy" in m]

    def errors(self) -> list[str]:
        return [m for m in self.console if m.startswith(("error:", "pageerror:"))]

    def link_in_mail(self, inbox, to: str, path: str) -> str:
        [message] = [m for m in inbox.messages if m["To"] == to and path in
                     m.get_body(("plain",)).get_content()]
        text = message.get_body(("plain",)).get_content()
        return re.search(rf"{re.escape(self.site.url)}{path}/\S+", text).group(0)


def accessibility_violations(page) -> list[str]:
    """What axe-core (``make assets`` installs it) finds wrong on the page as shown, one
    line per rule broken: its id, impact, help and the first elements at fault. Evaluated
    through the DevTools protocol, so the page's content security policy, which refuses
    inline scripts, does not stop it."""
    if not AXE.exists():
        _unavailable(f"{AXE} is missing: make assets")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            f"{[node['target'] for node in v['nodes']][:3]}" for v in result["violations"]]


@pytest.fixture
def visitor(chromium_context, live_site):
    """A fresh page with no cookies, as for a new person."""
    chromium_context.clear_cookies()
    page = chromium_context.new_page()
    folder = os.environ.get("NOTIFY_BROWSER_SCREENSHOTS")
    shots = Path(folder) if folder else None
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
    yield Visitor(page, live_site, shots)
    page.close()


@pytest.fixture
def expect():
    from playwright.sync_api import expect

    return expect


# --- staff members ------------------------------------------------------------------


def shots(visitor: Visitor, name: str) -> None:
    """Desktop and 390 px wide (when NOTIFY_BROWSER_SCREENSHOTS is set)."""
    visitor.screenshot(name)
    if visitor.shots is not None:
        visitor.page.set_viewport_size({"width": 390, "height": 844})
        visitor.screenshot(f"{name}-390")
        visitor.page.set_viewport_size({"width": 1280, "height": 900})


def staff_code(site: LiveSite, secret: str) -> str:
    """The TOTP code of the site's moment."""
    from notify.auth import totp

    return totp.code_at_step(secret, totp.step_at(site.clock.now()))


def enrol_staff(site: LiveSite, email: str, role: str) -> str:
    """A member enrolled through the real operations; returns his TOTP key. The clock
    moves on a step, so that the enrolment's code is not the login's."""
    from notify.auth import staff as staff_ops

    services = site.app.extensions["notify"]
    with site.app.app_context(), services.db.unit_of_work() as uow:
        member = staff_ops.create_member(uow.session, email, role, site.clock.now()).member
        secret = staff_ops.choose_password(uow.session, member, STAFF_PASSWORD,
                                           services.settings.secret_key)
        staff_ops.confirm_enrolment(uow.session, member, staff_code(site, secret),
                                    services.settings.secret_key, site.clock.now())
        uow.commit()
    site.clock.advance(timedelta(seconds=30))
    return secret


def fill_staff_login(visitor: Visitor, email: str, secret: str) -> None:
    """Fill and send the staff login form shown on the page."""
    page = visitor.page
    page.get_by_label("Adresse électronique professionnelle").fill(email)
    page.get_by_label("Mot de passe").fill(STAFF_PASSWORD)
    page.get_by_label("Code de vérification").fill(staff_code(visitor.site, secret))
    page.get_by_role("button", name="Se connecter").click()


def sign_in_staff(visitor: Visitor, email: str, secret: str) -> None:
    """Sign in at /agents/connexion and land on the staff home; the clock moves on a
    step, so that the next sign-in's code is a new one."""
    visitor.goto("/agents/connexion")
    fill_staff_login(visitor, email, secret)
    visitor.sees_page("Espace agents", "Espace agents")
    visitor.site.clock.advance(timedelta(seconds=30))

