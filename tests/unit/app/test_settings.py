"""Settings are read once, validated, and every problem is named."""

import stat

import pytest

from notify import create_app
from notify.legal.delays import Period
from notify.settings import SettingsError, load_settings

PRODUCTION = {
    "NOTIFY_SECRET_KEY": "x" * 40,
    "NOTIFY_DATABASE_URL": "postgresql+psycopg://notify@db/notify",
    "NOTIFY_BASE_URL": "https://points.example.gouv.fr",
    "NOTIFY_SMTP_HOST": "smtp.example.gouv.fr",
    "NOTIFY_MAIL_FROM": "ne-pas-repondre@example.gouv.fr",
    "NOTIFY_TSA_POLICY_OID": "1.2.250.1.999.1",
}


def test_production_is_the_default_and_needs_its_settings(tmp_path):
    with pytest.raises(SettingsError) as refused:
        load_settings(env={"NOTIFY_INSTANCE_PATH": str(tmp_path)})
    problems = "\n".join(refused.value.problems)
    for name in ("NOTIFY_SECRET_KEY", "NOTIFY_DATABASE_URL", "NOTIFY_BASE_URL",
                 "NOTIFY_SMTP_HOST", "NOTIFY_MAIL_FROM", "NOTIFY_TSA_POLICY_OID"):
        assert name in problems


def test_complete_production_settings_load(tmp_path):
    settings = load_settings(env={**PRODUCTION, "NOTIFY_INSTANCE_PATH": str(tmp_path)})
    assert settings.mode == "production"
    assert settings.smtp_starttls is True
    assert settings.closure_delay == Period(months=1)
    assert settings.retention_period == Period(years=6)
    assert "x" * 40 not in repr(settings)  # secrets never end up in a log line
    assert "smtp_password" not in repr(settings)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("NOTIFY_CLOSURE_DELAY", "P4M", "NOTIFY_CLOSURE_DELAY"),
        ("NOTIFY_CLOSURE_DELAY", "one month", "NOTIFY_CLOSURE_DELAY"),
        ("NOTIFY_SMTP_PORT", "twenty-five", "NOTIFY_SMTP_PORT doit être un entier"),
        ("NOTIFY_MODE", "staging", "NOTIFY_MODE doit valoir"),
        ("NOTIFY_SECRET_KEY", "short", "au moins 32 caractères"),
        ("NOTIFY_DATABASE_URL", "mysql://x", "NOTIFY_DATABASE_URL"),
        ("NOTIFY_STATE_BRAND", "maybe", "NOTIFY_STATE_BRAND doit valoir 0 ou 1"),
        ("NOTIFY_TSA_URL", "https://tsa.example/", "NOTIFY_TSA_TRUST_ANCHORS"),
        ("NOTIFY_STAFF_IDLE_MINUTES", "0", "NOTIFY_STAFF_IDLE_MINUTES doit valoir au moins 1"),
        ("NOTIFY_STAFF_IDLE_MINUTES", "600", "ne peut dépasser NOTIFY_STAFF_SESSION_MINUTES"),
    ],
)
def test_bad_setting_is_named(tmp_path, name, value, message):
    with pytest.raises(SettingsError) as refused:
        load_settings(env={**PRODUCTION, "NOTIFY_INSTANCE_PATH": str(tmp_path), name: value})
    assert message in str(refused.value)


def test_closure_delay_up_to_three_months_is_accepted(tmp_path):
    settings = load_settings(env={**PRODUCTION, "NOTIFY_INSTANCE_PATH": str(tmp_path),
                                  "NOTIFY_CLOSURE_DELAY": "P3M"})
    assert settings.closure_delay == Period(months=3)


def test_instance_file_is_read_and_environment_wins(tmp_path):
    (tmp_path / "notify.toml").write_text('smtp_port = 2525\nbase_url = "https://file"\n')
    settings = load_settings(env={**PRODUCTION, "NOTIFY_INSTANCE_PATH": str(tmp_path)})
    assert settings.smtp_port == 2525
    assert settings.base_url == "https://points.example.gouv.fr"


def test_demo_generates_a_private_secret_once(tmp_path):
    env = {"NOTIFY_MODE": "demo", "NOTIFY_INSTANCE_PATH": str(tmp_path)}
    first = load_settings(env=env)
    second = load_settings(env=env)
    assert first.secret_key == second.secret_key and len(first.secret_key) >= 32
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600
    assert first.database_url == f"sqlite:///{tmp_path / 'notify.db'}"


def test_create_app_refuses_to_start_with_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.delenv("NOTIFY_MODE", raising=False)
    with pytest.raises(SettingsError, match="NOTIFY_SECRET_KEY est obligatoire"):
        create_app({"instance_path": tmp_path})


def test_legal_policies_are_settings_checked_by_name_and_kind(tmp_path):
    env = {**PRODUCTION, "NOTIFY_INSTANCE_PATH": str(tmp_path)}
    settings = load_settings(env={**env, "NOTIFY_ROUTING_POLICY": "routing_stage_online"})
    assert settings.routing_policy.ref == "routing_stage_online/1"
    assert settings.notification_policy.ref == "fifteen_days_end_of_day/1"
    with pytest.raises(SettingsError, match="NOTIFY_ROUTING_POLICY : unknown policy"):
        load_settings(env={**env, "NOTIFY_ROUTING_POLICY": "au_hasard"})
    with pytest.raises(SettingsError, match="n'est pas une politique de ce type"):
        load_settings(env={**env, "NOTIFY_NOTIFICATION_POLICY": "routing_stage_online"})


FRANCECONNECT = {"NOTIFY_FRANCECONNECT_ISSUER": "https://fc.example.gouv.fr/api/v2/",
                 "NOTIFY_FRANCECONNECT_CLIENT_ID": "client",
                 "NOTIFY_FRANCECONNECT_CLIENT_SECRET": "a-secret-of-the-client"}


def test_franceconnect_is_off_unless_configured(tmp_path):
    settings = load_settings(env={**PRODUCTION, "NOTIFY_INSTANCE_PATH": str(tmp_path)})
    assert not settings.franceconnect_enabled
    settings = load_settings(env={**PRODUCTION, **FRANCECONNECT,
                                  "NOTIFY_INSTANCE_PATH": str(tmp_path)})
    assert settings.franceconnect_enabled
    assert settings.franceconnect_issuer == "https://fc.example.gouv.fr/api/v2"
    assert "a-secret-of-the-client" not in repr(settings)


@pytest.mark.parametrize(("changes", "message"), [
    ({"NOTIFY_FRANCECONNECT_CLIENT_SECRET": ""}, "donnez les trois ou aucun"),
    ({"NOTIFY_FRANCECONNECT_ISSUER": "http://fc.example.gouv.fr"}, "https:// en production"),
    ({"NOTIFY_FRANCECONNECT_ISSUER": "fc.example.gouv.fr"}, "une URL http(s)://"),
])
def test_bad_franceconnect_settings_are_named(tmp_path, changes, message):
    with pytest.raises(SettingsError) as refused:
        load_settings(env={**PRODUCTION, **FRANCECONNECT, **changes,
                           "NOTIFY_INSTANCE_PATH": str(tmp_path)})
    assert message in str(refused.value)


def test_franceconnect_over_http_outside_production(tmp_path):
    settings = load_settings(env={**FRANCECONNECT, "NOTIFY_MODE": "test",
                                  "NOTIFY_FRANCECONNECT_ISSUER": "http://127.0.0.1:9400",
                                  "NOTIFY_INSTANCE_PATH": str(tmp_path)})
    assert settings.franceconnect_issuer == "http://127.0.0.1:9400"
