"""The real ``notify`` command, run as an operator would, on a SQLite file."""

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

HEADER = "licence_number,surname,given_names,birth_date,territory,postal_address\n"


def test_import_is_all_or_nothing_and_names_bad_lines(notify, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "123456789012,MARTIN,Camille,1985-04-12,metropole,Lyon\n"
                   + "12,DUPONT,Jean,1985-13-01,corse,Metz\n", encoding="utf-8")
    result = notify("holders", "import", str(bad), expect=1)
    assert "ligne 3, champ licence_number" in result.stderr
    assert "ligne 3, champ birth_date" in result.stderr
    assert "ligne 3, champ territory" in result.stderr
    assert "aucun titulaire n'a été importé" in result.stderr

    good = tmp_path / "good.csv"
    good.write_text(HEADER + "123456789012,MARTIN,Camille,1985-04-12,metropole,Lyon\n",
                    encoding="utf-8")
    assert "seraient créés" in notify("holders", "import", "--dry-run", str(good)).stdout
    codes = tmp_path / "codes.csv"
    notify("holders", "activation-codes", "-o", str(codes))
    assert list(csv.reader(codes.read_text().splitlines())) == [
        ["licence_number", "surname", "given_names", "postal_address", "activation_code",
         "expires_on"]]  # the dry run stored nothing

    assert "1 titulaire(s) ont été créés" in notify("holders", "import", str(good)).stdout
    assert "0 titulaire(s) ont été créés" in notify("holders", "import", str(good)).stdout
    codes.unlink()
    notify("holders", "activation-codes", "-o", str(codes))
    rows = list(csv.DictReader(codes.read_text().splitlines()))
    assert [r["licence_number"] for r in rows] == ["123456789012"]
    assert len(rows[0]["activation_code"]) == 19
    assert oct(codes.stat().st_mode & 0o777) == "0o600"


def test_import_takes_the_optional_licence_columns(notify, tmp_path):
    header = HEADER.rstrip("\n") + ",licence_issued_on,early_accompanied_driving\n"
    bad = tmp_path / "bad.csv"
    bad.write_text(header + "123456789012,MARTIN,Camille,1985-04-12,metropole,Lyon,2999-01-01,"
                   "peut-être\n", encoding="utf-8")
    result = notify("holders", "import", str(bad), expect=1)
    assert "ligne 2, champ licence_issued_on : date de délivrance dans le futur" in result.stderr
    assert "ligne 2, champ early_accompanied_driving" in result.stderr
    assert "aucun titulaire n'a été importé" in result.stderr

    good = tmp_path / "good.csv"
    good.write_text(header + "123456789012,MARTIN,Camille,1985-04-12,metropole,Lyon,2025-03-10,"
                    "oui\n", encoding="utf-8")
    assert "1 titulaire(s) ont été créés" in notify("holders", "import", str(good)).stdout
    old = tmp_path / "old.csv"
    old.write_text(HEADER + "123456789012,MARTIN,Camille,1985-04-12,metropole,Lyon\n",
                   encoding="utf-8")
    assert "1 inchangés" in notify("holders", "import", str(old)).stdout


def test_demo_load_prints_working_credentials(notify):
    data = json.loads(notify("demo", "load").stdout)
    assert len(data["holders"]) == 3
    assert {"licence_number", "email", "password"} <= set(data["holders"][0])
    assert [(d["outcome"], d["channel"]) for d in data["decisions"]] == [
        ("accepted", "online")] * 3 + [("accepted", "postal_simple"),
                                       ("accepted", "postal_registered"),
                                       ("accepted", "postal_simple")]
    again = json.loads(notify("demo", "load").stdout)
    assert {d["outcome"] for d in again["decisions"]} == {"duplicate"}
    assert again["holders"][0]["email"] == data["holders"][0]["email"]
    assert again["holders"][0]["password"] != data["holders"][0]["password"]


def test_demo_staff_sign_in_with_the_printed_password_and_the_code_of_the_moment(
        notify, tmp_path):
    from notify.auth import totp

    data = json.loads(notify("demo", "load").stdout)
    assert [(m["email"], m["role"]) for m in data["staff"]] == [
        ("juriste@demo.notify.test", "legal"), ("admin@demo.notify.test", "admin")]
    member = data["staff"][0]
    code = notify("demo", "code", member["email"]).stdout.strip()
    assert code in {totp.code_at_step(member["totp_key"], totp.step_at(datetime.now(UTC)) + d)
                    for d in (-1, 0, 1)}
    assert "Aucun agent enrôlé" in notify("demo", "code", "x@demo.notify.test",
                                          expect=1).stderr
    again = json.loads(notify("demo", "load").stdout)["staff"][0]
    assert again["password"] != member["password"]
    assert again["totp_key"] != member["totp_key"]


def test_jobs_run_once_with_now_only_outside_production(notify, tmp_path):
    result = notify("jobs", "run-once", "--now", "2027-01-01T00:00:00+00:00")
    assert "close_accounts: 0" in result.stdout
    production = {"NOTIFY_MODE": "production", "NOTIFY_SECRET_KEY": "s" * 40,
                  "NOTIFY_DATABASE_URL": f"sqlite:///{tmp_path / 'instance' / 'notify.db'}",
                  "NOTIFY_BASE_URL": "https://x", "NOTIFY_SMTP_HOST": "127.0.0.1",
                  "NOTIFY_MAIL_FROM": "x@example.fr", "NOTIFY_TSA_POLICY_OID": "1.2.3.4"}
    result = notify("jobs", "run-once", "--now", "2027-01-01T00:00:00+00:00", expect=1,
                    extra_env=production)
    assert "--now n'est accepté qu'en mode demo ou test" in result.stderr


def test_missing_production_setting_stops_with_its_name(notify):
    result = notify("db", "upgrade", expect=2, extra_env={"NOTIFY_MODE": "production"})
    assert "NOTIFY_SECRET_KEY est obligatoire" in result.stderr
    assert "Traceback" not in result.stderr


def test_downgrade_then_upgrade(notify, tmp_path):
    notify("db", "downgrade", "base")
    notify("db", "upgrade")
    assert Path(tmp_path / "instance" / "notify.db").exists()


def test_smtp_down_keeps_mail_pending_and_outbox_status_says_why(notify):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = str(s.getsockname()[1])
    down = {"NOTIFY_SMTP_PORT": closed_port}
    loaded = json.loads(notify("demo", "load", extra_env=down).stdout)
    notify("jobs", "run-once", extra_env=down)
    status = notify("outbox", "status", extra_env=down).stdout
    # The three decision alerts, and the demo holders' registration e-mails.
    assert f" pending : {3 + loaded['registrations']['mails_queued']}" in status
    assert "injoignable" in status
    assert "essais=1" in status


def test_a_failing_job_does_not_stop_the_others_and_is_shown(notify, tmp_path):
    import sqlite3

    # A real failure of one job: its table is gone.
    with sqlite3.connect(tmp_path / "instance" / "notify.db") as conn:
        conn.execute("DROP TABLE login_failures")
    result = notify("jobs", "run-once", expect=1)
    assert "forget_login_failures: ÉCHEC" in result.stderr
    assert "login_failures" in result.stderr
    # Every job ran, the ones after the failing one too.
    for name in ("certify_evidence", "close_accounts", "send_outbox",
                 "record_deemed_notifications", "purge_decisions", "purge_outbox"):
        assert f"{name}: " in result.stdout
    assert "1 tâche(s) en échec : forget_login_failures" in result.stderr

    status = notify("jobs", "status").stdout
    lines = {line.split(":")[0]: line for line in status.splitlines() if not line.startswith(" ")}
    assert "ÉCHEC" in lines["forget_login_failures"]
    assert "login_failures" in lines["forget_login_failures"]
    assert "réussie" in lines["send_outbox"] and " s — " in lines["send_outbox"]


def test_jobs_status_before_any_run(notify):
    assert "send_outbox: jamais exécutée" in notify("jobs", "status").stdout

