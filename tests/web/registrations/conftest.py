from __future__ import annotations

from types import SimpleNamespace

import pytest

from notify.auth import api_clients


@pytest.fixture
def tokens(session, clock, registration_world):
    """Bearer headers of each organisation of ``registration_world`` (committed): the two
    providers' systems (``registrations:file``) and the two centres'
    (``registrations:instruct``)."""

    def headers(name, organisation, scope):
        _, secret = api_clients.create_client(session, name, organisation, [scope],
                                              clock.now())
        return {"Authorization": f"Bearer {secret}"}

    made = SimpleNamespace(
        garage=headers("garage-a-sys", "garage-a", "registrations:file"),
        other=headers("garage-b-sys", "garage-b", "registrations:file"),
        lyon=headers("cert-lyon-sys", "cert-lyon", "registrations:instruct"),
        paris=headers("cert-paris-sys", "cert-paris", "registrations:instruct"),
    )
    session.commit()
    return made


def filing(n: int = 1, **overrides) -> dict:
    data = {"procedure": "changement_titulaire", "vin": "VF1RFA00067123456",
            "plate": "AB-123-CD", "provider_reference": f"DOS-{n}",
            "mandate_signed_at": "2026-11-19T10:00:00Z", "centre": "CERT-LYON",
            "applicant": {"name": "Camille Martin", "email": "proprietaire@example.fr"}}
    data.update(overrides)
    return data
