"""End to end (issue #4): deposit through the API, certification, alert over real SMTP,
consultation in the browser's shoes, deemed notification, offline-verified bundles;
then the same chain through an SMTP outage, a TSA outage and a crash between two jobs.

Real adapters throughout: aiosmtpd on loopback, the RFC 3161 authority (embedded, or
served over HTTP for the outage), the real migrations and jobs.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from notify import create_app
from notify.auth import api_clients
from notify.cli import jobs as jobs_command
from notify.decisions.audit import export_bundle
from notify.decisions.operations import make_available
from notify.evidence.bundle import verify_bundle
from notify.evidence.log import events_of
from notify.evidence.models import Event
from notify.mail.models import OutboxMessage
from tests.conftest import depositor_id
from tests.deposits import restoration, withdrawal
from tests.jobs import run_jobs
from timestamp.authority import Authority
from timestamp.client import RemoteClient
from timestamp.oids import TEST_POLICY
from timestamp.serials import CounterSerials
from timestamp.server import make_wsgi_app, serve_in_thread

API = "/api/v1/decisions"
DELAY_ENDS = datetime(2026, 12, 5, 23, 0, tzinfo=UTC)
"""Made available on 20 November 2026 (Paris): 24:00 of d + 15 = 5 December, 23:00 UTC."""


def run_all_jobs(app):
    return run_jobs(app)


def text_of(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", response.get_data(as_text=True)))
                    .split())


def alerts_to(inbox, address):
    return [m for m in inbox.messages if m["To"] == address
            and m["Subject"] == "Une nouvelle décision est disponible dans votre espace"]


def body(message) -> str:
    return (message.get_body(("plain",)).get_content()
            + message.get_body(("html",)).get_content())


@pytest.fixture
def bearer(session, clock):
    depositor_id(session)
    _, secret = api_clients.create_client(session, "snpc-e2e", "registre-test",
                                          ["decisions:deposit", "decisions:read"], clock.now())
    session.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_deposit_alert_consultation_deemed_notification_bundles(
        app, client, browser, session, clock, bearer, open_account, inbox, tsa_files,
        timestamp_client):
    account = open_account(email="camille@example.fr")
    licence = account.holder.licence_number
    inbox.messages.clear()

    # Deposit through the API: two decisions for the same holder.
    response = client.post(API, headers=bearer, json=[
        withdrawal("SNPC-2026-000123", licence),
        restoration("SNPC-2026-000124", licence)])
    assert [(r["outcome"], r["channel"]) for r in response.get_json()["results"]] == [
        ("accepted", "online"), ("accepted", "online")]
    status = client.get(f"{API}/SNPC-2026-000123", headers=bearer).get_json()
    assert (status["state"], status["made_available_at"]) == ("pending_certification", None)

    # The jobs: certified, made available at the token's genTime, alerted over SMTP.
    clock.advance(timedelta(seconds=2))
    run_all_jobs(app)
    status = client.get(f"{API}/SNPC-2026-000123", headers=bearer).get_json()
    assert status["state"] == "available"
    assert status["made_available_at"] == "2026-11-20T09:30:02.000000Z"
    assert status["alert"]["state"] == "sent"
    alerts = alerts_to(inbox, "camille@example.fr")
    assert len(alerts) == 2
    for alert in alerts:
        for detail in ("SNPC-2026-000123", "SNPC-2026-000124", "Lyon", "Excès", "2 points",
                       "L223-6", licence, "retrait", "Retrait"):
            assert detail not in alert["Subject"] + body(alert), detail
        assert "https://notify.test/decisions" in body(alert)

    # The holder logs in two days later and opens the first decision.
    clock.advance(timedelta(days=2))
    browser.login("camille@example.fr")
    listing = text_of(browser.get("/decisions"))
    assert listing.count("Nouvelle") == 2
    opened_at = clock.now()
    page = text_of(browser.get("/decisions/SNPC-2026-000123"))
    assert ("Notifiée le 22 novembre 2026 (première consultation, horodatage en cours)"
            in page)
    clock.advance(timedelta(seconds=3))
    run_all_jobs(app)
    page = text_of(browser.get("/decisions/SNPC-2026-000123"))
    assert ("Notifiée le 22 novembre 2026 (première consultation, horodatée le "
            "22 novembre 2026 à 10:30:05 (heure de Paris))") in page
    status = client.get(f"{API}/SNPC-2026-000123", headers=bearer).get_json()
    assert status["state"] == "notified"
    assert status["first_consulted_at"] == opened_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert status["notification"] == {"at": status["first_consulted_at"], "on": "2026-11-22",
                                      "basis": "consultation",
                                      "policy": "fifteen_days_end_of_day/1"}
    assert status["appeal_deadline"] == "2027-01-25"  # 23 Jan + franc = Sun 24 -> Mon 25

    # The second one is left unopened; `notify jobs run-once --now` past the end.
    clock.set(DELAY_ENDS + timedelta(minutes=1))
    result = app.test_cli_runner().invoke(jobs_command, [
        "run-once", "--now", "2026-12-06T00:01:00+01:00"])
    assert result.exit_code == 0, result.output
    assert "record_deemed_notifications: DeemedReport(notified=1" in result.output
    clock.advance(timedelta(seconds=5))
    run_all_jobs(app)  # certifies the deemed notification
    status = client.get(f"{API}/SNPC-2026-000124", headers=bearer).get_json()
    assert (status["state"], status["first_consulted_at"]) == ("notified", None)
    assert status["notification"] == {"at": "2026-12-05T23:00:00.000000Z", "on": "2026-12-05",
                                      "basis": "deemed", "policy": "fifteen_days_end_of_day/1"}
    assert status["appeal_deadline"] == "2027-02-08"
    page = text_of(browser.get("/decisions/SNPC-2026-000124"))  # opened after: no change
    assert "Réputée notifiée le 5 décembre 2026 (fin du délai de quinze jours)" in page
    run_all_jobs(app)

    # Both bundles verify offline against the TSA's root only.
    expected = {
        "decision:SNPC-2026-000123": ["deposited", "made_available", "alert_sent",
                                      "first_consultation"],
        "decision:SNPC-2026-000124": ["deposited", "made_available", "alert_sent",
                                      "deemed_notified", "first_consultation"],
    }
    for subject, tags in expected.items():
        bundle = export_bundle(app.extensions["notify"], subject).data
        verified_subject, events = verify_bundle(bundle, trust_anchors=[tsa_files.root])
        assert verified_subject == subject
        assert [e.tag for e in events] == tags
    deemed = [e for e in events if e.tag == "deemed_notified"][0]
    assert deemed.occurred_at == "2026-12-05T23:00:00.000000Z"
    assert deemed.certified_at > DELAY_ENDS


# --- outages and crashes ------------------------------------------------------------


@pytest.fixture
def outage_app(db, clock, tsa_files, tmp_path, free_port, new_inbox):
    """An app whose SMTP server and TSA (over HTTP) the test can stop and start again."""
    mailbox = new_inbox()
    smtp_port = free_port()
    authority = Authority.from_files(tsa_files, policy_oid=TEST_POLICY,
                                     serials=CounterSerials(), clock=clock.now)
    wsgi = make_wsgi_app(authority)
    tsa = {}

    def start_tsa(port=0):
        url, tsa["stop"] = serve_in_thread(wsgi, port=port)
        tsa["port"] = int(url.rsplit(":", 1)[1])
        return url

    url = start_tsa()
    smtp = {"controller": None}

    def start_smtp():
        smtp["controller"] = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
        smtp["controller"].start()

    def stop_smtp():
        smtp["controller"].stop()
        smtp["controller"] = None

    start_smtp()
    client = RemoteClient(url + "/tsa", [tsa_files.root], retries=0, timeout=5,
                          sleep=lambda _seconds: None)
    app = create_app({"mode": "test", "instance_path": tmp_path / "instance", "database": db,
                      "clock": clock, "timestamp_client": client, "smtp_host": "127.0.0.1",
                      "smtp_port": smtp_port, "smtp_timeout": 5,
                      "base_url": "https://notify.test"})
    app.outage = {
        "mailbox": mailbox,
        "stop_tsa": lambda: tsa.pop("stop")(),
        "start_tsa": lambda: start_tsa(tsa["port"]),
        "stop_smtp": stop_smtp, "start_smtp": start_smtp,
    }
    yield app
    if "stop" in tsa:
        tsa["stop"]()
    if smtp["controller"] is not None:
        stop_smtp()


def count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_tsa_down_then_smtp_down_nothing_lost_nothing_twice(outage_app, session, clock,
                                                           open_account, tsa_files):
    app = outage_app
    account = open_account(email="dominique@example.fr")
    depositor_id(session)
    _, secret = api_clients.create_client(session, "snpc-outage", "registre-test",
                                          ["decisions:deposit", "decisions:read"], clock.now())
    session.commit()
    client = app.test_client()
    reference = "SNPC-2026-000200"
    client.post(API, headers={"Authorization": f"Bearer {secret}"},
                json=[withdrawal(reference, account.holder.licence_number)])

    def status():
        return client.get(f"{API}/{reference}",
                          headers={"Authorization": f"Bearer {secret}"}).get_json()

    # TSA down: the deposit waits uncertified, and the fifteen days have not started.
    app.outage["stop_tsa"]()
    clock.advance(timedelta(seconds=1))
    report = run_all_jobs(app)
    assert report["certify_evidence"].error
    assert (status()["state"], status()["made_available_at"]) == ("pending_certification",
                                                                  None)
    clock.advance(timedelta(hours=3))
    run_all_jobs(app)
    assert status()["state"] == "pending_certification"

    # TSA back, SMTP down: certified and made available now, the alert waits.
    app.outage["start_tsa"]()
    app.outage["stop_smtp"]()
    clock.advance(timedelta(minutes=10))
    back_at = clock.now()
    report = run_all_jobs(app)
    assert report["certify_evidence"].certified >= 1
    assert status()["made_available_at"] == back_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert status()["alert"]["state"] == "pending"
    assert report["send_outbox"].retried >= 1

    # SMTP back: the alert goes out once, and its acceptance is recorded once.
    app.outage["start_smtp"]()
    clock.advance(timedelta(minutes=1))
    run_all_jobs(app)
    clock.advance(timedelta(minutes=10))
    run_all_jobs(app)
    mailbox = app.outage["mailbox"].messages
    assert [m["To"] for m in mailbox if "nouvelle décision" in m["Subject"]] == [
        "dominique@example.fr"]
    assert status()["alert"]["state"] == "sent"
    subject = f"decision:{reference}"
    assert [e.tag for e in events_of(session, subject)] == ["deposited", "made_available",
                                                            "alert_sent"]
    bundle = export_bundle(app.extensions["notify"], subject).data
    assert verify_bundle(bundle, trust_anchors=[tsa_files.root])[0] == subject


def test_crash_between_two_jobs_loses_and_duplicates_nothing(app, session, clock, bearer,
                                                             client, open_account, inbox):
    account = open_account(email="sacha@example.fr")
    client.post(API, headers=bearer,
                json=[withdrawal("SNPC-2026-000300", account.holder.licence_number)])
    clock.advance(timedelta(seconds=1))
    run_jobs(app, "certify_evidence")  # committed

    services = app.extensions["notify"]
    with app.app_context(), pytest.raises(RuntimeError), services.db.unit_of_work() as uow:
        make_available(uow.session, now=clock.now(), base_url="https://notify.test")
        raise RuntimeError("the scheduler process dies before committing")

    subject = "decision:SNPC-2026-000300"
    assert [e.tag for e in events_of(session, subject)] == ["deposited"]
    run_all_jobs(app)
    run_all_jobs(app)
    assert [e.tag for e in events_of(session, subject)] == ["deposited", "made_available",
                                                            "alert_sent"]
    assert count(session, OutboxMessage, OutboxMessage.subject_ref == subject) == 1
    assert len(alerts_to(inbox, "sacha@example.fr")) == 1
    assert count(session, Event, Event.batch_id.is_(None)) == 0
