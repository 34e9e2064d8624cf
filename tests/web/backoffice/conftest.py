"""What the back office's page tests share: signed-in members and decisions on file."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from notify.backoffice.models import StaffAccess
from notify.decisions import operations as deposit_ops
from tests.conftest import current_code, depositor_id, staff_login
from tests.deposits import withdrawal


@pytest.fixture
def sign_in(browser, clock, enrolled_staff):
    """Sign in a new member of ``role`` with TOTP; returns his e-mail and TOTP key."""

    def sign(role="legal", email=None):
        email = email or f"{role}@example.fr"
        email, secret, _ = enrolled_staff(email=email, role=role)
        assert staff_login(browser, email, current_code(secret, clock)).status_code == 302
        return email, secret

    return sign


@pytest.fixture
def on_file(session, clock):
    """Deposit ``items`` (decoded JSON) for the tests' organisation, committed."""

    def deposit(*items):
        results = deposit_ops.deposit(session, list(items), depositor="t",
                                      organisation_id=depositor_id(session), now=clock.now())
        assert {r.outcome for r in results} == {"accepted"}, [r.as_json() for r in results]
        session.commit()
        return results

    return deposit


@pytest.fixture
def holder_with_decision(make_holder, on_file, session):
    """A holder without an account (his decisions go by post) and one decision."""

    def make(reference="D-1", **holder_fields):
        holder = make_holder(**holder_fields)
        on_file(withdrawal(reference, holder.licence_number))
        return holder

    return make


def text_of(response) -> str:
    """The page's text, tags removed and white space collapsed."""
    text = re.sub(r"<[^>]+>", "", response.get_data(as_text=True))
    return " ".join(html.unescape(text).split())


def accesses(session) -> list[StaffAccess]:
    session.expire_all()
    return list(session.scalars(select(StaffAccess).order_by(StaffAccess.id)))
