from __future__ import annotations

import pytest

from notify.auth import api_clients
from tests.conftest import depositor_id


@pytest.fixture
def api_token(session, clock):
    """A fresh bearer token (committed, so that the request's session sees it)."""
    depositor_id(session)
    _, secret = api_clients.create_client(session, "snpc-test", "registre-test",
                                          ["decisions:deposit", "decisions:read"], clock.now())
    session.commit()
    return secret


@pytest.fixture
def auth(api_token):
    return {"Authorization": f"Bearer {api_token}"}
