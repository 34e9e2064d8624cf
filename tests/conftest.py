"""Shared fixtures.

The schema is built once per run by the real Alembic migrations; every test then runs
inside a transaction that is rolled back (operations' commits only release savepoints).
Database tests run on a SQLite file, and again on PostgreSQL when
``NOTIFY_TEST_DATABASE_URL`` is set (``.ci/run`` sets it).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from notify import create_app
from notify import db as database
from notify.auth import staff as staff_ops
from notify.auth import totp
from notify.clock import FixedClock

START = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def _backends() -> list[str]:
    backends = ["sqlite"]
    if os.environ.get("NOTIFY_TEST_DATABASE_URL"):
        backends.append("postgresql")
    return backends


def _reset_postgres(url: str) -> None:
    engine = database.make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session", params=_backends())
def database_url(request, tmp_path_factory) -> str:
    if request.param == "postgresql":
        url = os.environ["NOTIFY_TEST_DATABASE_URL"]
        _reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    database.upgrade(url)
    return url


@pytest.fixture(scope="session")
def engine(database_url):
    engine = database.make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine) -> Iterator[database.Database]:
    """A Database whose sessions live in one outer transaction, rolled back at the end."""
    connection = engine.connect()
    outer = connection.begin()
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint",
                           expire_on_commit=False)
    yield database.Database(engine, factory)
    outer.rollback()
    connection.close()


@pytest.fixture
def session(db):
    s = db.session_factory()
    yield s
    s.close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


class _Inbox:
    """What the loopback SMTP server received (envelope recipients and raw bytes)."""

    def __init__(self) -> None:
        self.messages: list = []
        self.raw: list[bytes] = []
        self.refuse_with: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_with:
            return self.refuse_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import email
        import email.policy

        self.raw.append(envelope.original_content or envelope.content)
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def free_port():
    """A function giving a loopback TCP port nobody listens on (yet)."""
    return _free_port


@pytest.fixture
def new_inbox():
    """A function making an SMTP handler that keeps what it receives, for tests that run
    (and stop, and restart) SMTP servers of their own."""
    return _Inbox


@pytest.fixture(params=["sqlite", "postgresql"])
def committed_url(request, tmp_path):
    """A database of the test's own, migrated, for tests that commit for real from
    several connections (concurrency): a SQLite file, and a PostgreSQL database next to
    NOTIFY_TEST_DATABASE_URL's when it is set."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'committed.db'}"
    else:
        if not os.environ.get("NOTIFY_TEST_DATABASE_URL"):
            pytest.skip("NOTIFY_TEST_DATABASE_URL is not set")
        # Named after the test database, so that runs against different ones do not meet.
        server = os.environ["NOTIFY_TEST_DATABASE_URL"]
        name = f"{server.rsplit('/', 1)[1]}_committed"
        url = database.recreate_postgres_database(server, name)
    database.upgrade(url)
    return url


@pytest.fixture
def run_together():
    """Start the given callables at the same instant in threads; re-raise their errors."""
    import threading

    def run(*workers):
        barrier = threading.Barrier(len(workers))
        errors = []

        def wrap(work):
            def target():
                barrier.wait()
                try:
                    work()
                except Exception as exc:  # surfaced below, with the test's failure
                    errors.append(exc)
            return target

        threads = [threading.Thread(target=wrap(w)) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors

    return run


@pytest.fixture(scope="session")
def smtp_server():
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def inbox(smtp_server) -> _Inbox:
    handler = smtp_server.handler
    handler.messages.clear()
    handler.raw.clear()
    handler.refuse_with = None
    return handler


@pytest.fixture(scope="session")
def tsa_files():
    """Keys and certificates of a throwaway TSA, valid from well before the test clock."""
    from timestamp.pki import generate_authority

    return generate_authority(now=datetime(2024, 1, 1, tzinfo=UTC))


@pytest.fixture
def timestamp_client(tsa_files, clock):
    """The real embedded authority, in process, reading the test clock."""
    from timestamp.authority import Authority
    from timestamp.client import EmbeddedClient
    from timestamp.oids import TEST_POLICY
    from timestamp.serials import CounterSerials

    authority = Authority.from_files(tsa_files, policy_oid=TEST_POLICY,
                                     serials=CounterSerials(), clock=clock.now)
    return EmbeddedClient(authority, trust_anchors=[tsa_files.root])


@pytest.fixture
def app(db, clock, smtp_server, timestamp_client, tmp_path):
    return create_app({
        "mode": "test",
        "instance_path": tmp_path / "instance",
        "database": db,
        "clock": clock,
        "timestamp_client": timestamp_client,
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_server.port,
        "base_url": "https://notify.test",
    })


@pytest.fixture
def client(app):
    return app.test_client()


# --- factories ----------------------------------------------------------------------

PASSWORD = "correct horse battery staple"


@pytest.fixture
def make_holder(session, clock):
    """Create a holder (flushed, not committed); keyword arguments override the defaults."""
    from notify.accounts.register import HolderRow, import_holders

    counter = iter(range(1, 10_000))

    def make(**overrides):
        from notify.accounts.models import Holder

        n = next(counter)
        values = dict(licence_number=f"9{n:011d}", surname="TESTEUR", given_names="Alex",
                      birth_date=datetime(1980, 5, 17).date(), territory="metropole",
                      postal_address=f"{n} rue de l'Essai, 75001 Paris")
        values.update(overrides)
        import_holders(session, [HolderRow(**values)], clock.now())
        return session.query(Holder).filter_by(licence_number=values["licence_number"]).one()

    return make


@pytest.fixture
def activation_code(session, clock):
    """Issue a fresh activation code for ``holder`` and return it in clear."""
    from datetime import timedelta

    from notify.accounts.register import issue_activation_codes

    def issue(holder, validity=timedelta(days=90)):
        codes = {h.id: code for h, code, _ in issue_activation_codes(session, clock.now(),
                                                                      validity)}
        return codes[holder.id]

    return issue


@pytest.fixture
def open_account(app, session, clock, make_holder, activation_code):
    """An open account (registered and verified through the real operations)."""
    from notify.accounts import operations as ops
    from notify.bootstrap import services

    def open_(email="titulaire@example.fr", password=PASSWORD, **holder_fields):
        holder = make_holder(**holder_fields)
        code = activation_code(holder)
        with app.app_context():
            settings = services().settings
            activation = ops.check_activation(session, holder.licence_number,
                                              holder.birth_date, code, clock.now())
            registration = ops.register(
                session, activation_id=activation.id, email=email, password=password,
                accepted_conditions=True, attested_deadlines=True, now=clock.now(),
                settings=settings)
            ops.verify_email(session, registration.verification_token, clock.now(), settings)
        session.commit()
        return registration.account

    return open_


# --- web helpers --------------------------------------------------------------------


class Browser:
    """The Flask test client, used the way a person uses the site: GET a page, read its
    CSRF token, POST the form."""

    def __init__(self, client) -> None:
        self.client = client

    @staticmethod
    def csrf_of(html: str) -> str:
        import re

        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or \
            re.search(r'type="hidden" name="csrf_token" value="([^"]+)"', html) or \
            re.search(r'name="csrf_token" value="([^"]+)"', html)
        assert match, "no CSRF token on the page"
        return match.group(1)

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def submit(self, url, data=None, *, page=None, follow_redirects=False):
        """POST ``data`` to ``url`` with the CSRF token of ``page`` (default: ``url``)."""
        html = self.client.get(page or url).get_data(as_text=True)
        form = {"csrf_token": self.csrf_of(html), **(data or {})}
        return self.client.post(url, data=form, follow_redirects=follow_redirects)

    def login(self, email, password=PASSWORD):
        return self.submit("/connexion", {"email": email, "password": password})


@pytest.fixture
def browser(client) -> Browser:
    return Browser(client)


@pytest.fixture
def send_mail(app):
    """Run the outbox job once, through the real SMTP transport to the loopback server."""
    from tests.jobs import run_jobs

    return lambda: run_jobs(app, "send_outbox")["send_outbox"]


@pytest.fixture
def poppler(tmp_path):
    """Run a poppler tool (``pdftotext``, ``pdfinfo``) on PDF bytes and return its output.

    An independent PDF reader: it must accept our files silently (poppler repairs a
    broken file but says so on stderr). Skipped without Debian's poppler-utils, except
    in CI, which installs it.
    """
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("poppler-utils is missing in CI (.ci/run installs it)")
        pytest.skip("poppler-utils is not installed (apt-get install poppler-utils)")

    def run(tool: str, data: bytes, *args: str) -> str:
        path = tmp_path / "document.pdf"
        path.write_bytes(data)
        done = subprocess.run([tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])],
                              capture_output=True, check=True)
        assert done.stderr == b""
        return done.stdout.decode("utf-8")

    return run


def depositor_id(session) -> int:
    """The id of the organisation the tests deposit decisions for (made on first use)."""
    from sqlalchemy import select

    from notify.auth.api_clients import create_organisation
    from notify.auth.models import Organisation

    existing = session.scalar(select(Organisation.id).where(Organisation.slug == "registre-test"))
    if existing is not None:
        return existing
    return create_organisation(session, "registre-test", "Registre des points (tests)",
                               "points_register", START).id


# --- an OpenID Connect provider on loopback (FranceConnect's stand-in) --------------


class OidcProvider:
    """oidc-provider-mock, a real OpenID Connect provider, served on 127.0.0.1.

    ``tamper`` (when set) rewrites the ID token of the token endpoint's answers, given the
    provider's own signing key: what a man in the middle, or a forged provider, would
    send. ``advertise`` adds entries to its discovery document (PKCE, FranceConnect's
    scopes); ``signed_userinfo`` makes it sign its userinfo as FranceConnect v2 does
    (``signed_userinfo(claims, key)`` returns the JWT). ``token_requests`` keeps the
    forms posted to its token endpoint. Subjects are made unique per test, since the
    provider lives for the whole run; ``reset()`` runs before each test that uses it.
    """

    def __init__(self, url: str, app) -> None:
        self.url = url
        self.app = app
        self._subjects = iter(range(1, 1_000_000))
        self.reset()

    def reset(self) -> None:
        self.tamper = None
        self.advertise: dict = {}
        self.signed_userinfo = None
        self.token_requests: list[dict] = []

    def new_person(self, **claims) -> str:
        """Register a person (claims as FranceConnect gives them); returns his ``sub``."""
        import uuid
        from urllib.parse import quote

        import requests

        sub = f"fc-{next(self._subjects)}-{uuid.uuid4().hex[:8]}"
        identity = {"given_name": "Alex", "family_name": "TESTEUR", "birthdate": "1980-05-17",
                    "gender": "female", "birthplace": "75056", "birthcountry": "99100"}
        identity.update(claims)
        response = requests.put(f"{self.url}/users/{quote(sub)}", json=identity, timeout=10)
        assert response.status_code == 204
        return sub

    def authorize(self, authorization_url: str, sub: str | None, *, deny: bool = False) -> str:
        """What the person does at the provider: identify as ``sub``, or refuse. Returns
        where the provider sends his browser back (the redirect URI and its query)."""
        import requests

        form = {"action": "deny"} if deny else {"sub": sub}
        response = requests.post(authorization_url, data=form, allow_redirects=False,
                                 timeout=10)
        assert response.status_code == 302, response.text[:500]
        return response.headers["Location"]


@pytest.fixture(scope="session")
def oidc_provider():
    import json
    import threading
    from datetime import timedelta

    import flask
    import oidc_provider_mock
    from werkzeug.serving import make_server

    # Short-lived tokens, so that a test can let one expire by moving the clock a little.
    provider_app = oidc_provider_mock.app(access_token_max_age=timedelta(minutes=5))
    server = make_server("127.0.0.1", 0, provider_app, threaded=True)
    provider = OidcProvider(f"http://127.0.0.1:{server.port}", provider_app)

    @provider_app.before_request
    def _keep_token_request():
        if flask.request.path == "/oauth2/token":
            provider.token_requests.append(flask.request.form.to_dict())

    @provider_app.after_request
    def _rewrite(response):
        path = flask.request.path
        if response.status_code != 200:
            return response
        key = flask.g.oidc_provider_mock_storage.jwk.as_dict(is_private=True)
        if path == "/.well-known/openid-configuration" and provider.advertise:
            response.set_data(json.dumps({**json.loads(response.get_data()),
                                          **provider.advertise}))
        elif path == "/oauth2/token" and provider.tamper is not None:
            body = json.loads(response.get_data())
            body["id_token"] = provider.tamper(body["id_token"], key)
            response.set_data(json.dumps(body))
        elif path == "/userinfo" and provider.signed_userinfo is not None:
            response.set_data(provider.signed_userinfo(json.loads(response.get_data()), key))
            response.content_type = "application/jwt"
        return response

    thread = threading.Thread(target=server.serve_forever, name="oidc-provider", daemon=True)
    thread.start()
    yield provider
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


# --- registrations ------------------------------------------------------------------


@pytest.fixture
def registration_world(session, clock):
    """Two providers and two centres (with their organisations), flushed, and a helper
    to file applications as a provider."""
    from types import SimpleNamespace

    from notify.auth.models import Organisation
    from notify.registrations import operations as reg
    from notify.registrations.models import Centre

    staff = reg.Actor.staff("agent-1")

    def organisation(slug, name, kind):
        org = Organisation(slug=slug, name=name, kind=kind, created_at=clock.now())
        session.add(org)
        session.flush()
        return org

    def provider(slug, name, habilitation):
        org = organisation(slug, name, "provider")
        reg.register_provider(session, staff, organisation_id=org.id,
                              habilitation_number=habilitation, prefecture="Rhône",
                              siret="73282932000074", activity="Garage", now=clock.now())
        return org

    def centre(slug, code, name):
        org = organisation(slug, name, "centre")
        session.add(Centre(organisation_id=org.id, code=code, name=name,
                           contact="Formulaire de contact sur immatriculation.ants.gouv.fr"))
        session.flush()
        return org

    world = SimpleNamespace(
        staff=staff,
        garage=provider("garage-a", "Garage des Lilas", "HAB-69-0001"),
        other=provider("garage-b", "Auto Express", "HAB-13-0002"),
        lyon=centre("cert-lyon", "CERT-LYON", "CERT de Lyon"),
        paris=centre("cert-paris", "CERT-PARIS", "CERT de Paris"),
    )
    world.garage_actor = reg.Actor.provider(world.garage.id)
    world.other_actor = reg.Actor.provider(world.other.id)
    world.lyon_actor = reg.Actor.centre(world.lyon.id)
    world.paris_actor = reg.Actor.centre(world.paris.id)
    counter = iter(range(1, 100_000))

    def file(actor=None, *, email="proprietaire@example.fr", centre="CERT-LYON", **overrides):
        n = next(counter)
        data = {"procedure": "changement_titulaire", "vin": "VF1RFA00067123456",
                "plate": "AB-123-CD", "provider_reference": f"REF-{n}",
                "mandate_signed_at": "2026-11-19T10:00:00Z", "centre": centre,
                "applicant": {"name": "Camille Martin", "email": email}}
        data.update(overrides)
        return reg.file_application(session, actor or world.garage_actor, data,
                                    now=clock.now(), mandate_days=15, test_domains=True)

    world.file = file
    return world


# --- staff members ----------------------------------------------------------------

STAFF_PASSWORD = "un mot de passe d'agent solide"


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def app_secret(app):
    return app.extensions["notify"].settings.secret_key


@pytest.fixture
def enrolled_staff(app, session, clock, app_secret):
    """A staff member enrolled through the real operations; returns (e-mail, TOTP key, recovery
    codes)."""

    def make(email="juriste@example.fr", role="legal"):
        with app.app_context():
            enrolment = staff_ops.create_member(session, email, role, clock.now())
            secret = staff_ops.choose_password(session, enrolment.member, STAFF_PASSWORD,
                                               app_secret)
            code = totp.code_at_step(secret, totp.step_at(clock.now()))
            codes = staff_ops.confirm_enrolment(session, enrolment.member, code, app_secret,
                                                clock.now())
        session.commit()
        clock.advance(timedelta(seconds=30))  # the enrolment code's step is used
        return email, secret, codes

    return make


def staff_login(browser, email, code, password=STAFF_PASSWORD):
    return browser.submit("/agents/connexion", {"email": email, "password": password,
                                                "code": code})


def current_code(secret, clock):
    return totp.code_at_step(secret, totp.step_at(clock.now()))
