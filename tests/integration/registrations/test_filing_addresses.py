"""The applicant's address at filing is checked like an account's: a reserved test domain
only in demo and test modes (``test_domains=not settings.is_production``)."""

from __future__ import annotations

import pytest

from notify.errors import InvalidInput
from notify.registrations import operations as reg


@pytest.mark.parametrize("mode", ["production", "demo", "test"])
def test_a_test_domain_is_refused_in_production_only(session, clock, registration_world,
                                                     mode):
    production = mode == "production"
    data = {"procedure": "duplicata", "vin": "VF1RFA00067123456", "plate": "AB-123-CD",
            "provider_reference": f"REF-{mode}", "mandate_signed_at": "2026-11-19T10:00:00Z",
            "applicant": {"name": "Camille Martin", "email": "camille@garage.test"}}
    if production:
        with pytest.raises(InvalidInput, match="adresse électronique valide") as refused:
            reg.file_application(session, registration_world.garage_actor, data,
                                 now=clock.now(), mandate_days=15, test_domains=False)
        assert refused.value.field == "applicant.email"
        data["applicant"]["email"] = "camille@garage.fr"
    filed = reg.file_application(session, registration_world.garage_actor, data,
                                 now=clock.now(), mandate_days=15, test_domains=not production)
    assert filed.application.applicant_email.endswith(".fr" if production else ".test")

