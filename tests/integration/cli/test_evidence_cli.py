"""Account events certified in the running app, exported, verified offline."""

import json
import re

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding


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

    chain = notify("tsa", "chain").stdout.encode()
    root = x509.load_pem_x509_certificates(chain)[-1]
    (tmp_path / "root.pem").write_bytes(root.public_bytes(Encoding.PEM))
    # A legal officer's machine: production mode, no settings, no database.
    offline = {"NOTIFY_MODE": "production", "NOTIFY_INSTANCE_PATH": str(tmp_path / "nowhere")}
    result = notify("evidence", "verify", str(bundle), "--trust", str(tmp_path / "root.pem"),
                    extra_env=offline)
    assert "account_opened" in result.stdout
    assert "OK : 4 événement(s) vérifié(s)." in result.stdout

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
    # The demo's registration files bring more than one batch's worth of events.
    assert re.search(r"lots en attente de jeton : [1-9]", status)
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

    chain = notify("tsa", "chain").stdout.encode()
    root = x509.load_pem_x509_certificates(chain)[-1]
    (tmp_path / "root.pem").write_bytes(root.public_bytes(Encoding.PEM))
    offline = {"NOTIFY_MODE": "production", "NOTIFY_INSTANCE_PATH": str(tmp_path / "nowhere")}
    result = notify("evidence", "verify", str(bundle), "--trust", str(tmp_path / "root.pem"),
                    extra_env=offline)
    assert f"registration:{example['number']}" in result.stdout
    assert "registration_filed" in result.stdout
    assert "registration_transition" in result.stdout
    assert "OK :" in result.stdout
