from __future__ import annotations

import pytest

from notify.decisions import tokens


@pytest.fixture
def api_token(session, clock):
    """A fresh bearer token (committed, so that the request's session sees it)."""
    _, secret = tokens.create_token(session, "snpc-test", clock.now())
    session.commit()
    return secret


@pytest.fixture
def auth(api_token):
    return {"Authorization": f"Bearer {api_token}"}
