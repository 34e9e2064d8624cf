"""Operator commands: API tokens and postal exports, through the real CLI."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import timedelta

from sqlalchemy import select

from notify.auth.api_clients import token_digest
from notify.auth.models import ApiClient
from notify.decisions import operations as ops
from notify.decisions.models import Decision, PostalBatch
from notify.evidence.log import events_of
from tests.conftest import depositor_id
from tests.deposits import restoration, withdrawal


def test_api_token_create_list_revoke(runner, session):
    depositor_id(session)
    session.commit()
    created = runner.invoke(args=["api-token", "create", "snpc-prod", "--org", "registre-test",
                                  "--scope", "decisions:deposit", "--scope", "decisions:read"])
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("ntf_") and len(token) > 40
    row = session.scalar(select(ApiClient).where(ApiClient.name == "snpc-prod"))
    assert row.token_sha256 == token_digest(token)  # stored hashed, never in clear
    assert row.scopes == "decisions:deposit decisions:read"

    again = runner.invoke(args=["api-token", "create", "snpc-prod", "--org", "registre-test",
                                "--scope", "decisions:read"])
    assert again.exit_code != 0 and "existe déjà" in again.output

    listed = runner.invoke(args=["api-token", "list"])
    assert "snpc-prod\tregistre-test\tdecisions:deposit decisions:read\tactif" in listed.output
    assert token not in listed.output

    assert runner.invoke(args=["api-token", "revoke", "snpc-prod"]).exit_code == 0
    session.expire_all()
    assert row.revoked_at is not None
    assert "révoqué le" in runner.invoke(args=["api-token", "list"]).output
    missing = runner.invoke(args=["api-token", "revoke", "nobody"])
    assert missing.exit_code != 0 and "Aucun jeton" in missing.output


def read_zip(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_postal_export_and_identical_re_export(ctx, runner, session, clock, make_holder,
                                               tmp_path):
    first = make_holder(surname="DUPONT", postal_address="1 rue A\n75001 Paris")
    second = make_holder(surname="MARTIN")
    results = ops.deposit(session, [
        withdrawal("P-1", first.licence_number),
        restoration("P-2", second.licence_number),
        withdrawal("P-3", second.licence_number, points=4, balance_after=0,
                   decided_on="2026-11-19"),
    ], depositor="t", organisation_id=depositor_id(session),
                        now=clock.now())
    assert [r.channel for r in results] == ["postal_simple", "postal_simple",
                                            "postal_registered"]
    session.commit()

    out = tmp_path / "lot1.zip"
    done = runner.invoke(args=["postal", "export", "--channel", "postal_simple", "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert "Lot n° 1 (postal_simple, 2 lettre(s))" in done.output
    files = read_zip(out)
    assert sorted(files) == ["decisions.csv", "lettres/P-1.pdf", "lettres/P-2.pdf"]
    rows = list(csv.DictReader(io.StringIO(files["decisions.csv"].decode("utf-8"))))
    assert [(r["reference"], r["surname"], r["channel"], r["batch"]) for r in rows] == [
        ("P-1", "DUPONT", "postal_simple", "1"), ("P-2", "MARTIN", "postal_simple", "1")]
    assert rows[0]["postal_address"] == "1 rue A\n75001 Paris"
    for row in rows:
        assert hashlib.sha256(files[row["letter_file"]]).hexdigest() == row["letter_sha256"]

    session.expire_all()
    exported = session.scalars(select(Decision).order_by(Decision.id)).all()
    assert [(d.reference, d.state) for d in exported] == [
        ("P-1", "exported"), ("P-2", "exported"), ("P-3", "awaiting_print")]
    batch = session.scalar(select(PostalBatch))
    assert (batch.number, batch.count, batch.channel) == (1, 2, "postal_simple")
    assert exported[0].postal_batch_id == batch.id
    assert exported[0].exported_at == clock.now()
    assert letter_of(files, "P-1") == exported[0].letter_sha256
    [event] = [e for e in events_of(session, "decision:P-1") if e.tag == "exported_for_print"]
    assert json.loads(event.document)["data"] == {
        "batch": 1, "channel": "postal_simple", "archive_sha256": batch.archive_sha256,
        "letter_sha256": exported[0].letter_sha256}
    assert [e.tag for e in events_of(session, "decision:P-3")] == ["deposited"]

    # Nothing is exported twice.
    nothing = runner.invoke(args=["postal", "export", "--channel", "postal_simple",
                                  "-o", str(tmp_path / "empty.zip")])
    assert "Aucune décision postal_simple" in nothing.output
    assert not (tmp_path / "empty.zip").exists()

    # The register changes; re-exporting batch 1 still gives the same bytes.
    first.postal_address = "9 avenue B, 69001 Lyon"
    session.commit()
    clock.advance(timedelta(days=3))
    copy = tmp_path / "lot1-bis.zip"
    redone = runner.invoke(args=["postal", "export", "--batch", "1", "-o", str(copy)])
    assert redone.exit_code == 0, redone.output
    assert copy.read_bytes() == out.read_bytes()

    registered = tmp_path / "lot2.zip"
    assert runner.invoke(args=["postal", "export", "--channel", "postal_registered",
                               "-o", str(registered)]).exit_code == 0
    assert sorted(read_zip(registered)) == ["decisions.csv", "lettres/P-3.pdf"]
    assert runner.invoke(args=["postal", "export", "--batch", "9",
                               "-o", str(tmp_path / "x.zip")]).exit_code != 0
    refused = runner.invoke(args=["postal", "export", "--channel", "postal_simple",
                                  "-o", str(out)])
    assert refused.exit_code != 0 and "existe déjà" in refused.output


def letter_of(files, reference):
    return hashlib.sha256(files[f"lettres/{reference}.pdf"]).hexdigest()
