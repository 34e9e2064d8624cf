from __future__ import annotations

import pytest

from notify.bootstrap import services


@pytest.fixture
def ctx(app):
    """An application context (mail templates) and its services."""
    with app.app_context():
        yield services()
