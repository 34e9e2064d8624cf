"""What did not happen is provable: truncations, reorders and table edits are caught.

Decisions go through the real deposit, certification, making available, consultation
and deemed-notification code, with the embedded authority reading the test clock.
"""

from __future__ import annotations

import io
import json
import subprocess
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import cms, tsp
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import delete, select, update

from notify.decisions import holder as holder_ops
from notify.decisions import operations as deposit_ops
from notify.decisions.audit import compare_with_log, export_bundle, run_checks
from notify.decisions.models import Decision
from notify.evidence.bundle import (
    BundleBatch,
    BundleEvent,
    BundleHeads,
    build_bundle,
    check_bundle,
)
from notify.evidence.export import VERIFY_HINT
from notify.evidence.log import events_of, format_instant, record_event
from notify.evidence.models import Event, EventTag
from notify.jobs import jobs_of, run_job
from tests.conftest import depositor_id
from tests.deposits import withdrawal
from tests.jobs import run_jobs

DELAY_ENDS = datetime(2026, 12, 5, 23, 0, tzinfo=UTC)
"""Made available 2026-11-20 09:30 UTC: the delay ends at 24:00 of 5 December in Paris."""


def run(app, *names):
    run_jobs(app, *names)


@pytest.fixture
def decision(app, session, clock, open_account):
    account = open_account()
    deposit_ops.deposit(session, [withdrawal("D-1", account.holder.licence_number)],
                        depositor="t", organisation_id=depositor_id(session), now=clock.now())
    session.commit()
    run(app, "certify_evidence", "make_decisions_available")
    run(app, "certify_evidence")  # the making available in a batch of its own
    session.expire_all()
    found = session.scalar(select(Decision).where(Decision.reference == "D-1"))
    assert found.state == "available"
    found.account = account
    return found


def consult(app, session, clock, decision, via="page"):
    clock.advance(timedelta(days=3))
    holder_ops.consult(session, decision.account.holder, "D-1", now=clock.now(), via=via)
    session.commit()


def deemed(app, session, clock):
    clock.set(DELAY_ENDS + timedelta(hours=2))
    run(app, "record_deemed_notifications")
    session.expire_all()


def export(app):
    return export_bundle(app.extensions["notify"], "decision:D-1")


def failed(report):
    return {c.name for c in report.checks if not c.ok}


def test_consulted_bundle_with_the_pdf_verifies(app, session, clock, decision, tsa_files):
    consult(app, session, clock, decision, via="pdf")
    result = export(app)
    report = check_bundle(result.data, [tsa_files.root])
    assert report.ok, report.failures
    assert result.preparation.snapshot_taken
    names = [c.name for c in report.checks]
    assert {"bundle.complete", "bundle.attachments", "legal.made_available",
            "legal.consultation", "legal.recorded_before_certified", "bundle.texts"} <= set(names)
    files = zipfile.ZipFile(io.BytesIO(result.data))
    assert files.read("courrier.pdf").startswith(b"%PDF-")
    [first] = [e for e in events_of(session, decision.subject) if e.tag == "first_consultation"]
    data = json.loads(first.document)["data"]
    assert (data["via"], data["authentication"]) == ("pdf", "password")
    assert data["account"] == decision.account.reference
    chronology = files.read("CHRONOLOGIE.txt").decode()
    assert "Première consultation de la décision par le titulaire" in chronology
    assert "Consultée par le courrier PDF." in chronology
    assert "le 23 novembre 2026 à 10:30:00 (2026-11-23 09:30:00 UTC)" in chronology
    assert "compte pour cet objet exactement 3 événements, le dernier étant le n° 3" in chronology


def test_openssl_with_attime_and_an_independent_verifier(app, session, clock, decision,
                                                         tsa_files, tmp_path):
    from rfc3161_client import VerifierBuilder, decode_timestamp_response

    consult(app, session, clock, decision)
    data = export(app).data
    zipfile.ZipFile(io.BytesIO(data)).extractall(tmp_path)
    (tmp_path / "racine.pem").write_bytes(tsa_files.root.public_bytes(Encoding.PEM))
    readme = (tmp_path / "LISEZMOI.txt").read_text()
    commands = [line.strip() for line in readme.splitlines()
                if line.strip().startswith("openssl ts -verify")]
    assert commands and all("-attime" in c for c in commands)
    for command in commands:
        result = subprocess.run(command.split(), cwd=tmp_path, capture_output=True, text=True)
        assert "Verification: OK" in result.stdout, result.stderr
    fingerprint = subprocess.run(
        ["openssl", "x509", "-in", "racine.pem", "-noout", "-fingerprint", "-sha256"],
        cwd=tmp_path, capture_output=True, text=True, check=True).stdout.split("=")[1].strip()
    assert fingerprint in readme

    manifest = json.loads((tmp_path / "manifest.json").read_bytes())
    tsa_certificate, *_ = tsa_files.chain
    verifier = (VerifierBuilder().tsa_certificate(tsa_certificate)
                .add_root_certificate(tsa_files.root).build())
    for batch in manifest["batches"]:
        token = (tmp_path / "batches" / f"{batch['seq']:04d}.tst").read_bytes()
        response = tsp.TimeStampResp({"status": {"status": "granted"},
                                      "time_stamp_token": cms.ContentInfo.load(token)}).dump()
        decoded = decode_timestamp_response(response)
        assert verifier.verify(decoded, bytes.fromhex(batch["root"]))
        assert decoded.tst_info.gen_time.replace(tzinfo=UTC).isoformat() == batch["gen_time"]


def test_last_event_deleted_in_the_database_is_caught(app, session, clock, decision):
    consult(app, session, clock, decision)
    assert export(app).report.ok
    # The auditor's attack: the first consultation goes, the decision looks unconsulted.
    session.execute(delete(Event).where(Event.subject == decision.subject,
                                        Event.tag == "first_consultation"))
    session.execute(update(Decision).where(Decision.id == decision.id).values(
        state="available", first_consulted_at=None, notified_at=None, notified_on=None,
        notification_basis=None, notification_policy=None, appeal_deadline=None))
    session.commit()
    result = export(app)
    assert failed(result.report) == {"bundle.complete"}
    assert result.preparation.refused and not result.preparation.snapshot_taken
    assert not run_checks(session)[0].ok


def test_deemed_notified_deleted_in_the_database_is_caught(app, session, clock, decision):
    deemed(app, session, clock)
    first = export(app)
    assert first.report.ok, first.report.failures
    assert {"legal.deemed_instant", "legal.deemed_certified_after",
            "legal.no_consultation_before_end"} <= {c.name for c in first.report.checks}
    chronology = zipfile.ZipFile(io.BytesIO(first.data)).read("CHRONOLOGIE.txt").decode()
    assert "Heure légale : le 5 décembre 2026 à 24:00, fin du délai" in chronology
    assert "recours contentieux possible jusqu'au 8 février 2027 inclus" in chronology
    assert "aucune\nconsultation n'avait été enregistrée avant la fin du délai" in chronology
    session.execute(delete(Event).where(Event.subject == decision.subject,
                                        Event.tag == "deemed_notified"))
    session.commit()
    assert failed(export(app).report) == {"bundle.complete"}
    checks = {c.name: c for c in run_checks(session)}
    assert not checks["log.integrity"].ok
    assert "state" in checks["decisions.match_log"].detail


def _rebuilt(data: bytes, keep) -> bytes:
    """An attacker's bundle: the events ``keep`` chooses, in its order, with a manifest,
    texts and proofs rebuilt by our own writer (the tokens are kept)."""
    files = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(files.read("manifest.json"))
    events = [BundleEvent(e["seq"], files.read(f"events/{e['seq']:04d}.json"), e["hash"],
                          e["batch"], e["leaf_index"], e["proof"]) for e in manifest["events"]]
    batches = [BundleBatch(b["seq"], b["prev_root"], b["root"], b["size"], b["gen_time"],
                           files.read(f"batches/{b['seq']:04d}.tst"), b["prev_root_proof"])
               for b in manifest["batches"]]
    h = manifest["heads"]
    heads = BundleHeads(h["batch"], h["leaf_index"], h["proof"], h["root"], h["subjects"],
                        h["entry_index"], h["entry_proof"], h["count"], h["head"])
    attachments = [(n, files.read(n)) for n in ("decision.json", "courrier.pdf")
                   if n in files.namelist()]
    return build_bundle(manifest["subject"], keep(events), batches, files.read("chain.pem"),
                        VERIFY_HINT, heads=heads, territory=manifest["territory"],
                        attachments=attachments)


@pytest.mark.parametrize(("attack", "keep", "check"), [
    ("last event cut off", lambda events: events[:-1], "bundle.complete"),
    ("middle event removed", lambda events: events[:1] + events[2:], "bundle.events"),
    ("events swapped", lambda events: [events[1], events[0], *events[2:]], "bundle.events"),
])
def test_rebuilt_bundles_are_caught(app, session, clock, decision, tsa_files, attack, keep,
                                    check):
    consult(app, session, clock, decision)
    data = export(app).data
    assert check_bundle(_rebuilt(data, lambda events: events), [tsa_files.root]).ok
    report = check_bundle(_rebuilt(data, keep), [tsa_files.root])
    assert check in failed(report), attack


@pytest.mark.parametrize("attack", ["middle deleted", "reordered"])
def test_database_deletion_and_reorder_are_caught(app, session, clock, decision, attack):
    consult(app, session, clock, decision)
    assert export(app).report.ok
    events = events_of(session, decision.subject)
    if attack == "middle deleted":
        session.execute(delete(Event).where(Event.id == events[1].id))
    else:
        session.execute(update(Event).where(Event.id == events[1].id).values(seq=99))
        session.execute(update(Event).where(Event.id == events[2].id).values(seq=2))
        session.execute(update(Event).where(Event.id == events[1].id).values(seq=3))
    session.commit()
    # The batch of the made available event no longer gives its certified root.
    assert failed(export(app).report) & {"bundle.events", "bundle.batch_chain"}
    assert not run_checks(session)[0].ok


@pytest.mark.parametrize(("column", "value"), [
    ("state", "available"),
    ("made_available_at", datetime(2026, 11, 19, 9, 30, tzinfo=UTC)),
    ("first_consulted_at", datetime(2026, 11, 22, 9, 30, tzinfo=UTC)),
    ("notified_at", datetime(2026, 11, 22, 9, 30, tzinfo=UTC)),
])
def test_each_table_edit_is_reported(app, session, clock, decision, column, value):
    consult(app, session, clock, decision)
    assert compare_with_log(session) == []
    session.execute(update(Decision).where(Decision.id == decision.id).values({column: value}))
    session.commit()
    [difference] = compare_with_log(session)
    assert (difference.reference, difference.column) == ("D-1", column)
    assert difference.log != difference.table


def test_the_job_checks_the_log_and_the_table(app, session, clock, decision):
    run(app, "check_evidence")
    session.execute(update(Decision).where(Decision.id == decision.id).values(
        made_available_at=datetime(2026, 11, 10, tzinfo=UTC)))
    session.commit()
    job = next(j for j in jobs_of(app) if j.name == "check_evidence")
    outcome = run_job(app, job)
    # A failed check fails the job, so that ``notify jobs status`` shows it.
    assert not outcome.ok
    assert "La table des décisions dit ce que dit le journal" in outcome.error
    assert "Le journal est intact" not in outcome.error


def test_a_deemed_instant_that_is_not_the_recomputed_one_is_refused(app, session, clock,
                                                                     decision):
    """A faulty service records the deemed notification a day late: the bundle's hashes
    and tokens hold, the legal check does not."""
    late = DELAY_ENDS + timedelta(days=1)
    clock.set(late + timedelta(hours=1))
    data = json.loads(events_of(session, decision.subject)[-1].document)
    record_event(session, subject=decision.subject, tag=EventTag.DEEMED_NOTIFIED,
                 actor="system", at=late, data={
                     "made_available_at": data["at"], "consulted_before_end": False,
                     "notification": {
                         "basis": "deemed", "at": format_instant(late), "on": "2026-12-06",
                         "policy": "fifteen_days_end_of_day/1",
                         "delay_ends_at": format_instant(late), "territory": "metropole",
                         "appeal_deadline": "2027-02-08", "appeal_policy": "two_months_franc/1",
                         "residence": "france"}})
    session.commit()
    report = export(app).report
    assert failed(report) == {"legal.deemed_instant"}
    [check] = report.failures
    assert "recalculé '2026-12-05T23:00:00.000000Z'" in check.detail


def test_export_certifies_on_demand_and_says_why_when_the_tsa_is_down(
        app, session, clock, decision, tsa_files, free_port):
    from dataclasses import replace

    from notify.decisions.audit import CertificationPending
    from timestamp.client import RemoteClient

    consult(app, session, clock, decision)  # not certified yet: the export certifies it
    assert export(app).preparation.certified >= 1
    clock.advance(timedelta(days=1))
    holder_ops.consult(session, decision.account.holder, "D-1", now=clock.now(), via="page")
    session.commit()
    down = RemoteClient(f"http://127.0.0.1:{free_port()}/tsa", [tsa_files.root], retries=0,
                        timeout=2)
    services = replace(app.extensions["notify"], timestamp_client=down)
    with pytest.raises(CertificationPending, match="attendent leur horodatage"):
        export_bundle(services, "decision:D-1")


def test_the_job_refuses_a_snapshot_over_a_tampered_log(app, session, clock, decision):
    consult(app, session, clock, decision)
    assert export(app).report.ok
    session.execute(delete(Event).where(Event.subject == decision.subject,
                                        Event.tag == "first_consultation"))
    session.commit()
    clock.advance(timedelta(days=1))
    holder_ops.consult(session, decision.account.holder, "D-1", now=clock.now(), via="page")
    session.commit()
    refused = run_jobs(app, "certify_evidence")["certify_evidence"]
    assert refused.certified == 1 and "supprimé ou modifié" in refused.heads_error
    clock.advance(timedelta(seconds=2))  # not tried again at every run
    assert run_jobs(app, "certify_evidence")["certify_evidence"].heads_error is None
    clock.advance(timedelta(hours=1))
    assert run_jobs(app, "certify_evidence")["certify_evidence"].heads_error
