"""Account operations against a real database: opening, login, changes, closure."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from notify.accounts import operations as ops
from notify.accounts.models import AccountState
from notify.accounts.texts import ATTESTATION, CONDITIONS
from notify.auth.models import LoginFailure
from notify.auth.throttle import LoginLimits, forget_login_failures
from notify.bootstrap import services
from notify.errors import InvalidInput, NotAllowed, TooManyAttempts
from notify.evidence.log import events_of
from notify.mail.models import OutboxMessage

PASSWORD = "correct horse battery staple"
LIMITS = LoginLimits(per_principal=3, per_address=5, window=timedelta(minutes=15))


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield services()


def tags(session, account):
    return [e.tag for e in events_of(session, account.subject)]


def register(session, ctx, clock, holder, code, **overrides):
    activation = ops.check_activation(session, holder.licence_number, holder.birth_date, code,
                                      clock.now())
    fields = dict(activation_id=activation.id, email="Titulaire@Example.FR", password=PASSWORD,
                  accepted_conditions=True, attested_deadlines=True, now=clock.now(),
                  settings=ctx.settings)
    fields.update(overrides)
    return ops.register(session, **fields)


def test_registration_records_both_acceptances_and_queues_verification(
        session, ctx, clock, make_holder, activation_code):
    holder = make_holder()
    registration = register(session, ctx, clock, holder, activation_code(holder))
    account = registration.account
    assert account.state == AccountState.PENDING_VERIFICATION
    assert account.email == "titulaire@example.fr"
    assert (account.conditions_version, account.attestation_version) == (
        CONDITIONS.version, ATTESTATION.version)
    assert account.conditions_accepted_at == clock.now()
    events = events_of(session, account.subject)
    assert [e.tag for e in events] == ["conditions_accepted", "attestation_accepted"]
    assert json.loads(events[0].document)["data"] == {
        "version": CONDITIONS.version, "text_sha256": CONDITIONS.sha256}
    mail = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "verify_email"))
    assert mail.to_address == "titulaire@example.fr"
    assert registration.verification_token in mail.bodies()[0]
    assert holder.licence_number not in mail.subject + mail.bodies()[0]


def test_account_opens_only_when_the_address_is_verified(session, ctx, clock, make_holder,
                                                         activation_code):
    holder = make_holder()
    registration = register(session, ctx, clock, holder, activation_code(holder))
    with pytest.raises(NotAllowed):
        ops.authenticate(session, "titulaire@example.fr", PASSWORD, "10.0.0.1", clock.now(),
                         LIMITS)
    clock.advance(timedelta(minutes=3))
    assert ops.verify_email(session, registration.verification_token, clock.now(),
                            ctx.settings) == "opening"
    account = registration.account
    assert account.state == AccountState.ACTIVE
    assert account.opened_at == clock.now()
    assert tags(session, account) == ["conditions_accepted", "attestation_accepted",
                                      "email_verified", "account_opened"]
    assert ops.authenticate(session, "titulaire@example.fr", PASSWORD, "10.0.0.1",
                            clock.now(), LIMITS) is account


def test_events_form_a_hash_chain(session, open_account):
    account = open_account()
    events = events_of(session, account.subject)
    assert events[0].prev_hash is None
    for previous, event in zip(events, events[1:], strict=False):
        assert event.prev_hash == previous.hash
        assert event.seq == previous.seq + 1


@pytest.mark.parametrize("mistake", ["wrong_code", "wrong_birth_date", "expired", "used",
                                     "revoked", "unknown_licence"])
def test_activation_refusals_all_say_the_same(session, clock, make_holder, activation_code,
                                               ctx, mistake):
    holder = make_holder()
    code = activation_code(holder, validity=timedelta(days=1))
    licence, birth = holder.licence_number, holder.birth_date
    if mistake == "wrong_code":
        code = "AAAA-BBBB-CCCC-DDDD"
    elif mistake == "wrong_birth_date":
        birth = birth.replace(year=birth.year + 1)
    elif mistake == "expired":
        clock.advance(timedelta(days=1))
    elif mistake == "used":
        register(session, ctx, clock, holder, code)
    elif mistake == "revoked":
        activation_code(holder)
    elif mistake == "unknown_licence":
        licence = "000000000000"
    with pytest.raises(InvalidInput) as refused:
        ops.check_activation(session, licence, birth, code, clock.now())
    assert refused.value.message == ops.REGISTRATION_REFUSED


def test_code_is_accepted_whatever_its_case_and_dashes(session, clock, make_holder,
                                                       activation_code):
    holder = make_holder()
    code = activation_code(holder)
    typed = code.replace("-", " ").lower()
    assert ops.check_activation(session, holder.licence_number.lower(), holder.birth_date,
                                typed, clock.now()).holder_id == holder.id


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"email": "not-an-address"}, "email"),
     ({"password": "short"}, "password"),
     ({"accepted_conditions": False}, "accept_conditions"),
     ({"attested_deadlines": False}, "attest_deadlines")])
def test_registration_refusals_name_the_field_and_leave_the_code_usable(
        session, ctx, clock, make_holder, activation_code, overrides, field):
    holder = make_holder()
    code = activation_code(holder)
    session.commit()
    with pytest.raises(InvalidInput) as refused:
        register(session, ctx, clock, holder, code, **overrides)
    session.rollback()
    assert refused.value.field == field
    assert ops.check_activation(session, holder.licence_number, holder.birth_date, code,
                                clock.now())


def test_verification_link_expires_and_is_single_use(session, ctx, clock, make_holder,
                                                     activation_code):
    holder = make_holder()
    token = register(session, ctx, clock, holder, activation_code(holder)).verification_token
    clock.advance(timedelta(hours=ctx.settings.email_token_hours))
    with pytest.raises(ops.LinkUnusable, match="expiré") as refused:
        ops.verify_email(session, token, clock.now(), ctx.settings)
    assert (refused.value.reason, refused.value.status) == ("expired", 410)

    other = make_holder()
    token = register(session, ctx, clock, other, activation_code(other),
                     email="autre@example.fr").verification_token
    ops.verify_email(session, token, clock.now(), ctx.settings)
    with pytest.raises(ops.LinkUnusable, match="déjà été utilisé") as refused:
        ops.verify_email(session, token, clock.now(), ctx.settings)
    assert (refused.value.reason, refused.value.status) == ("used", 410)
    with pytest.raises(ops.LinkUnusable) as refused:
        ops.verify_email(session, "made-up-token", clock.now(), ctx.settings)
    assert (refused.value.reason, refused.value.status) == ("unknown", 404)


def test_wrong_password_is_counted_then_throttled_per_account(session, clock, open_account):
    open_account()
    for _ in range(LIMITS.per_principal):
        with pytest.raises(InvalidInput, match="incorrect"):
            ops.authenticate(session, "titulaire@example.fr", "wrong password!", "10.0.0.1",
                             clock.now(), LIMITS)
    with pytest.raises(TooManyAttempts):
        ops.authenticate(session, "titulaire@example.fr", PASSWORD, "10.0.0.2", clock.now(),
                         LIMITS)
    clock.advance(LIMITS.window + timedelta(seconds=1))
    assert ops.authenticate(session, "titulaire@example.fr", PASSWORD, "10.0.0.2",
                            clock.now(), LIMITS)


def test_throttling_per_address_covers_unknown_accounts(session, clock, open_account):
    open_account()
    for n in range(LIMITS.per_address):
        with pytest.raises(InvalidInput):
            ops.authenticate(session, f"nobody{n}@example.fr", "whatever password", "10.9.9.9",
                             clock.now(), LIMITS)
    with pytest.raises(TooManyAttempts):
        ops.authenticate(session, "titulaire@example.fr", PASSWORD, "10.9.9.9", clock.now(),
                         LIMITS)
    assert session.query(LoginFailure).filter_by(address="10.9.9.9").count() == LIMITS.per_address


def test_password_change_ends_other_sessions(session, ctx, clock, open_account):
    account = open_account()
    generation = account.session_generation
    assert ops.holder_for_login(session, account.id, generation).id == account.holder_id
    ops.change_password(session, account, "another long passphrase", clock.now(),
                        ctx.settings)
    assert ops.holder_for_login(session, account.id, generation) is None
    assert ops.holder_for_login(session, account.id, account.session_generation) is not None
    assert ops.authenticate(session, account.email, "another long passphrase", "10.0.0.1",
                            clock.now(), LIMITS) is account


def test_email_change_is_used_only_once_verified_and_old_address_is_told(
        session, ctx, clock, open_account):
    account = open_account()
    ops.request_email_change(session, account, "nouvelle@example.fr", clock.now(), ctx.settings)
    assert account.email == "titulaire@example.fr"
    assert account.pending_email == "nouvelle@example.fr"
    mails = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(2)).all()
    assert {(m.kind, m.to_address) for m in mails} == {
        ("verify_email", "nouvelle@example.fr"),
        ("email_change_requested", "titulaire@example.fr")}
    token = next(m for m in mails if m.kind == "verify_email").bodies()[0].split(
        "/compte/verification/")[1].split()[0]
    assert ops.verify_email(session, token, clock.now(), ctx.settings) == "change"
    assert account.email == "nouvelle@example.fr"
    assert account.pending_email is None
    told = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "email_changed"))
    assert told.to_address == "titulaire@example.fr"
    assert "nouvelle@example.fr" not in told.bodies()[0]
    assert tags(session, account)[-2:] == ["email_verified", "email_changed"]


def test_closure_takes_effect_after_the_delay_and_can_be_withdrawn_before(
        session, ctx, clock, open_account):
    account = open_account()
    requested = datetime(2026, 1, 15, 13, 32, tzinfo=UTC)  # 14:32 in Paris
    clock.set(requested)
    effective = ops.request_closure(session, account, confirmed=True, now=clock.now(),
                                    settings=ctx.settings)
    assert effective == datetime(2026, 2, 15, 13, 32, tzinfo=UTC)
    assert account.is_open_at(effective - timedelta(microseconds=1))
    assert not account.is_open_at(effective)
    ops.withdraw_closure(session, account, clock.now(), ctx.settings)
    assert account.closure_effective_at is None
    assert tags(session, account)[-2:] == ["closure_requested", "closure_withdrawn"]


def test_closure_needs_explicit_confirmation(session, ctx, clock, open_account):
    account = open_account()
    with pytest.raises(InvalidInput) as refused:
        ops.request_closure(session, account, confirmed=False, now=clock.now(),
                            settings=ctx.settings)
    assert refused.value.field == "confirm"
    assert account.closure_effective_at is None


def test_closure_job_closes_at_the_legal_instant_once(session, ctx, clock, open_account):
    account = open_account()
    effective = ops.request_closure(session, account, confirmed=True, now=clock.now(),
                                    settings=ctx.settings)
    base_url = ctx.settings.base_url
    assert ops.make_closures_effective(session, effective - timedelta(seconds=1), base_url) == 0
    clock.set(effective + timedelta(days=3))
    assert ops.make_closures_effective(session, clock.now(), base_url) == 1
    assert ops.make_closures_effective(session, clock.now(), base_url) == 0
    assert account.state == AccountState.CLOSED
    last = events_of(session, account.subject)[-1]
    assert (last.tag, last.occurred_at, last.actor) == ("closure_effective", effective, "system")
    with pytest.raises(InvalidInput):
        ops.withdraw_closure(session, account, clock.now(), ctx.settings)


def test_reset_password_link_changes_password_once(session, ctx, clock, open_account):
    account = open_account()
    ops.request_password_reset(session, "titulaire@example.fr", clock.now(), ctx.settings)
    mail = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "reset_password"))
    token = mail.bodies()[0].split("/mot-de-passe/nouveau/")[1].split()[0]
    ops.reset_password(session, token, "a brand new passphrase", clock.now(), ctx.settings)
    assert ops.authenticate(session, account.email, "a brand new passphrase", "10.0.0.1",
                            clock.now(), LIMITS) is account
    with pytest.raises(InvalidInput):
        ops.reset_password(session, token, "yet another passphrase", clock.now(),
                           ctx.settings)


def test_reset_for_unknown_address_sends_nothing(session, ctx, clock):
    ops.request_password_reset(session, "inconnu@example.fr", clock.now(), ctx.settings)
    assert session.scalar(select(OutboxMessage)) is None


def test_old_login_failures_are_forgotten(session, clock, open_account):
    open_account()
    with pytest.raises(InvalidInput):
        ops.authenticate(session, "titulaire@example.fr", "wrong password!", "10.0.0.1",
                         clock.now(), LIMITS)
    assert forget_login_failures(session, clock.now() + LIMITS.window
                                     - timedelta(seconds=1), LIMITS) == 0
    assert forget_login_failures(session, clock.now() + LIMITS.window, LIMITS) == 1
    assert session.query(LoginFailure).count() == 0
