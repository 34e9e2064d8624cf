"""Account events certified in the running app, exported, verified offline."""

import json
import re

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding


def verify_offline(notify, tmp_path, bundle):
    """``notify evidence verify`` on a legal officer's machine: production mode, no
    settings, no database, only the root certificate of ``notify tsa chain``."""
    chain = notify("tsa", "chain").stdout.encode()
    root = x509.load_pem_x509_certificates(chain)[-1]
    (tmp_path / "root.pem").write_bytes(root.public_bytes(Encoding.PEM))
    offline = {"NOTIFY_MODE": "production", "NOTIFY_INSTANCE_PATH": str(tmp_path / "nowhere")}
    return notify("evidence", "verify", str(bundle), "--trust", str(tmp_path / "root.pem"),
                  extra_env=offline)

def test_account_bundle_verifies_offline_against_the_published_chain(notify, tmp_path):
    notify("tsa", "init")
    holders = json.loads(notify("demo", "load").stdout)["holders"]
    notify("jobs", "run-once")
    # The first run's later jobs (making the demo decisions available, sending their
    # alerts) record events that the next run certifies.
    notify("jobs", "run-once")
    status = notify("evidence", "status").stdout
    assert "événements non certifiés : 0" in status

    import sqlite3

    with sqlite3.connect(tmp_path / "instance" / "notify.db") as db:
        reference = db.execute(
            "SELECT reference FROM accounts WHERE email = ?", (holders[0]["email"],)
        ).fetchone()[0]
    bundle = tmp_path / "compte.zip"
    notify("evidence", "export", f"account:{reference}", "-o", str(bundle))

    result = verify_offline(notify, tmp_path, bundle)
    assert "account_opened" in result.stdout
    assert "OK : 4 événement(s) vérifié(s)." in result.stdout

    # A decision: exported at once (certified and snapshotted on demand), with its
    # letter, verified offline; then a date edited in the table is reported by check.
    assert "OK    La table des décisions dit ce que dit le journal" in notify(
        "evidence", "check").stdout
    with sqlite3.connect(tmp_path / "instance" / "notify.db") as db:
        decision = db.execute("SELECT reference FROM decisions WHERE made_available_at "
                              "IS NOT NULL ORDER BY id LIMIT 1").fetchone()[0]
    paquet = tmp_path / "decision.zip"
    notify("evidence", "export", f"decision:{decision}", "-o", str(paquet))
    result = verify_offline(notify, tmp_path, paquet)
    assert "OK    Les événements sont tous ceux de l'objet" in result.stdout
    assert "OK    La décision et son courrier sont ceux" in result.stdout
    with sqlite3.connect(tmp_path / "instance" / "notify.db") as db:
        db.execute("UPDATE decisions SET made_available_at = '2026-01-01 00:00:00.000000' "
                   "WHERE reference = ?", (decision,))
    result = notify("evidence", "check", expect=1)
    assert f"{decision} : made_available_at vaut 2026-01-01T00:00:00+00:00" in result.stderr

    data = bytearray(bundle.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bundle.write_bytes(bytes(data))
    result = notify("evidence", "verify", str(bundle), "--trust", str(tmp_path / "root.pem"),
                    expect=1)
    assert "ÉCHEC" in result.stderr


def test_tsa_init_refuses_to_replace_an_authority(notify):
    notify("tsa", "init")
    assert "déjà présente" in notify("tsa", "init", "--if-missing").stdout
    assert "n'est pas remplacée" in notify("tsa", "init", expect=1).stderr


def test_without_tsa_events_wait_and_status_says_why(notify):
    notify("demo", "load")
    notify("jobs", "run-once")
    status = notify("evidence", "status").stdout
    # The pending events (the demo's registration files bring several batches' worth),
    # and the first heads snapshot over them.
    assert re.search(r"lots en attente de jeton : [2-9]", status)
    assert "notify tsa init" in status


def test_registration_bundle_verifies_offline(notify, tmp_path):
    """An owner stopped by the police proves when his file was filed and where it
    stood: the file's events, certified, exported, verified on a machine without notify's
    database."""
    notify("tsa", "init")
    loaded = json.loads(notify("demo", "load").stdout)["registrations"]
    example = next(e for e in loaded["examples"] if e["state"] != "a_completer")
    notify("jobs", "run-once")  # certifies the demo's events first
    bundle = tmp_path / "dossier.zip"
    notify("evidence", "export", f"registration:{example['number']}", "-o", str(bundle))

    result = verify_offline(notify, tmp_path, bundle)
    assert f"registration:{example['number']}" in result.stdout
    assert "registration_filed" in result.stdout
    assert "registration_transition" in result.stdout
    assert "OK :" in result.stdout
