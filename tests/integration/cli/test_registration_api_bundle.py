"""A file moved through the registrations API (one step at a time and in bulk), its
events certified by the scheduler's job, exported and verified offline."""

from __future__ import annotations

from notify import create_app
from notify.auth import api_clients
from notify.bootstrap import services
from notify.registrations import operations as reg
from notify.registrations.models import Centre
from tests.integration.cli.test_evidence_cli import verify_offline
from tests.web.registrations.conftest import filing


def _partners(app) -> tuple[dict, dict]:
    with app.app_context():
        svc = services()
        now = svc.clock.now()
        with svc.db.unit_of_work() as uow:
            s = uow.session
            garage = api_clients.create_organisation(s, "garage", "Garage", "provider", now)
            cert = api_clients.create_organisation(s, "cert", "CERT de Lyon", "centre", now)
            s.add(Centre(organisation_id=cert.id, code="CERT-LYON", name="CERT de Lyon",
                         contact="-"))
            reg.register_provider(s, reg.Actor.staff("agent"), organisation_id=garage.id,
                                  habilitation_number="HAB-69-0001", prefecture="Rhône",
                                  siret="73282932000074", activity="Garage", now=now)
            _, provider = api_clients.create_client(s, "garage-sys", "garage",
                                                    ["registrations:file"], now)
            _, centre = api_clients.create_client(s, "cert-sys", "cert",
                                                  ["registrations:instruct"], now)
            uow.commit()
    return ({"Authorization": f"Bearer {provider}"}, {"Authorization": f"Bearer {centre}"})


def test_a_file_moved_through_the_api_verifies_offline(notify, tmp_path):
    notify("tsa", "init")
    app = create_app({"mode": "demo", "instance_path": tmp_path / "instance"})
    provider, centre = _partners(app)
    client = app.test_client()
    url = "/api/v1/registrations"
    number = client.post(url, json=filing(), headers=provider).get_json()["file"]["number"]
    assert client.post(f"{url}/{number}/submit", headers=provider).status_code == 200
    assert client.post(f"{url}/{number}/payment", headers=provider).status_code == 200
    results = client.post(f"{url}/transitions", headers=centre, json=[
        {"number": number, "event": "request_information", "reason": "Pièce illisible"},
        {"number": number, "event": "provide_information"},
        {"number": number, "event": "approve"}]).get_json()["results"]
    assert [r["outcome"] for r in results] == ["accepted"] * 3
    app.extensions["notify"].db.engine.dispose()

    notify("jobs", "run-once")  # certifies the file's events
    bundle = tmp_path / "dossier.zip"
    notify("evidence", "export", f"registration:{number}", "-o", str(bundle))
    result = verify_offline(notify, tmp_path, bundle)
    assert f"registration:{number}" in result.stdout
    assert result.stdout.count("registration_transition") >= 5
    assert "OK : 6 événement(s) vérifié(s)." in result.stdout
