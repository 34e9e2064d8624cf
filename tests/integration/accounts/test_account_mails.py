"""Every change to an account is told to its holder by e-mail, read as he receives it
(through the real SMTP server on loopback), with no personal data beyond what he needs."""

from datetime import UTC, datetime

from notify.accounts import operations as ops
from notify.bootstrap import services

SENT_AT = datetime(2026, 1, 15, 13, 32, tzinfo=UTC)


def _received(send_mail, inbox):
    send_mail()
    received = [(str(m["To"]), str(m["Subject"]), m.get_body(("plain",)).get_content())
                for m in inbox.messages]
    inbox.messages.clear()
    for to, subject, text in received:  # read each as its recipient would (pytest -s)
        print(f"\n--- à {to} : {subject}\n{text}")
    return received


def _private(holder):
    return [holder.licence_number, holder.surname, holder.given_names,
            holder.postal_address, holder.birth_date.isoformat()]


def test_closure_requested_withdrawn_and_effective_are_each_told(
        app, session, clock, open_account, send_mail, inbox):
    account = open_account(territory="reunion")
    _received(send_mail, inbox)  # the address verification
    clock.set(SENT_AT)
    with app.app_context():
        settings = services().settings
        ops.request_closure(session, account, confirmed=True, now=clock.now(),
                            settings=settings)
        session.commit()
        [(to, subject, text)] = _received(send_mail, inbox)
        assert (to, subject) == ("titulaire@example.fr", "Demande de fermeture de votre compte")
        # 15 February 2026 at 13:32 UTC is 17:32 in La Réunion, and the mail says so.
        assert "15 février 2026 à 17:32:00 (heure de La Réunion)" in text
        assert "https://notify.test/compte" in text

        ops.withdraw_closure(session, account, clock.now(), settings)
        session.commit()
        [(_, subject, text)] = _received(send_mail, inbox)
        assert subject == "Votre demande de fermeture est retirée"
        assert "votre compte reste ouvert" in text

        effective = ops.request_closure(session, account, confirmed=True, now=clock.now(),
                                        settings=settings)
        session.commit()
        _received(send_mail, inbox)
        clock.set(effective)
        ops.make_closures_effective(session, clock.now(), settings.base_url)
        session.commit()
        [(_, subject, text)] = _received(send_mail, inbox)
        assert subject == "Votre compte est fermé"
        assert "fermé depuis le 15 février 2026 à 17:32:00 (heure de La Réunion)" in text
        assert "par courrier" in text
        assert not any(value in text for value in _private(account.holder))


def test_password_change_and_reset_are_told(app, session, clock, open_account, send_mail,
                                            inbox):
    account = open_account()
    _received(send_mail, inbox)
    clock.set(SENT_AT)
    with app.app_context():
        settings = services().settings
        ops.change_password(session, account, "another long passphrase", clock.now(),
                            settings)
        session.commit()
        [(to, subject, text)] = _received(send_mail, inbox)
        assert (to, subject) == ("titulaire@example.fr", "Votre mot de passe a été modifié")
        assert "15 janvier 2026 à 14:32:00 (heure de Paris)" in text
        assert "another long passphrase" not in text
        ops.request_password_reset(session, account.email, clock.now(), settings)
        session.commit()
        [(_, _, reset)] = _received(send_mail, inbox)
        token = reset.split("/mot-de-passe/nouveau/")[1].split()[0]
        ops.reset_password(session, token, "a brand new passphrase", clock.now(), settings)
        session.commit()
        [(_, subject, text)] = _received(send_mail, inbox)
        assert subject == "Votre mot de passe a été modifié"
        assert not any(value in text for value in _private(account.holder))


def test_email_change_tells_the_old_address_twice_and_never_names_the_new_one(
        app, session, clock, open_account, send_mail, inbox):
    account = open_account()
    _received(send_mail, inbox)
    with app.app_context():
        settings = services().settings
        ops.request_email_change(session, account, "nouvelle@example.fr", clock.now(),
                                 settings)
        session.commit()
        received = _received(send_mail, inbox)
        token = next(text for to, _, text in received if to == "nouvelle@example.fr").split(
            "/compte/verification/")[1].split()[0]
        told = [text for to, _, text in received if to == "titulaire@example.fr"]
        ops.verify_email(session, token, clock.now(), settings)
        session.commit()
        [(to, subject, changed)] = _received(send_mail, inbox)
    assert (to, subject) == ("titulaire@example.fr", "Votre adresse électronique a été modifiée")
    for text in [*told, changed]:
        assert "nouvelle@example.fr" not in text
