"""Demo data: a few holders across territories, some with an open account, and the
registration files of ``notify.demo.registrations``.

Loading twice is harmless: holders are upserted, existing demo accounts get a fresh
password (printed, since only its hash is stored), holders still without an account
get a fresh activation code so that registration can be tried in the browser, and the
demo decisions, deposited again, are answered ``duplicate``.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from notify.accounts import operations as ops
from notify.accounts.models import Account, Holder
from notify.accounts.register import HolderRow, import_holders, issue_activation_codes
from notify.auth import staff as staff_ops
from notify.auth import totp
from notify.auth.api_clients import create_organisation
from notify.auth.models import Organisation, OrganisationKind, StaffMember
from notify.decisions.operations import deposit
from notify.demo.registrations import load_registrations
from notify.settings import Settings

DEMO_HOLDERS = (
    HolderRow("100000000001", "MARTIN", "Camille", date(1985, 4, 12), "metropole",
              "12 rue des Lilas, 69003 Lyon"),
    HolderRow("100000000002", "DUPONT", "Jean Pierre", date(1972, 11, 3), "alsace-moselle",
              "4 place Kléber, 67000 Strasbourg"),
    HolderRow("100000000003", "LUCIEN", "Marie-Josée", date(1990, 2, 28), "guadeloupe",
              "8 rue Schœlcher, 97110 Pointe-à-Pitre"),
    HolderRow("100000000004", "PAYET", "Didier", date(1968, 7, 21), "reunion",
              "21 rue de Paris, 97400 Saint-Denis"),
    HolderRow("100000000005", "BERNARD", "Léa", date(2003, 9, 9), "metropole",
              "3 avenue Jean Jaurès, 13001 Marseille"),
    HolderRow("100000000006", "NGUYEN", "Thomas", date(1995, 1, 17), "metropole",
              "56 boulevard Voltaire, 75011 Paris"),
)
DEMO_ORGANISATION = "registre-demo"
WITH_ACCOUNT = ("100000000001", "100000000002", "100000000003")


def _withdrawal(reference, licence, points, balance, decided_on, offence_on, place,
                description, offence_class):
    return {"reference": reference, "licence_number": licence, "kind": "withdrawal",
            "points": points, "balance_after": balance, "decided_on": decided_on,
            "probationary": False,
            "offence": {"date": offence_on, "place": place, "description": description,
                        "class": offence_class}}


# Deposited through the real deposit operation, as the administration's systems would:
# three go online (two holders with an account), one by simple letter (no account),
# one by registered letter (a withdrawal to 0, never eligible).
DEMO_DECISIONS = (
    _withdrawal("DEMO-2026-0001", "100000000001", 2, 10, "2026-11-02", "2026-10-02",
                "Lyon (69)", "Excès de vitesse inférieur à 20 km/h", "C3"),
    {"reference": "DEMO-2026-0002", "licence_number": "100000000001", "kind": "restoration",
     "points": 2, "balance_after": 12, "decided_on": "2026-11-10", "probationary": False,
     "restoration_basis": "L223-6-1"},
    _withdrawal("DEMO-2026-0003", "100000000002", 4, 8, "2026-11-05", "2026-09-14",
                "Strasbourg (67)", "Usage d'un téléphone tenu en main en conduisant", "C4"),
    _withdrawal("DEMO-2026-0004", "100000000005", 1, 11, "2026-11-06", "2026-10-20",
                "Marseille (13)", "Franchissement d'une ligne continue", "C4"),
    _withdrawal("DEMO-2026-0005", "100000000006", 6, 0, "2026-11-09", "2026-10-01",
                "Paris (75)", "Conduite sous l'empire d'un état alcoolique", "DELIT"),
    # After a voluntary course: by simple letter (routing_stage_by_post), yet part of the
    # holder's record on his account (balance, forecasts).
    {"reference": "DEMO-2026-0006", "licence_number": "100000000002", "kind": "restoration",
     "points": 3, "balance_after": 11, "decided_on": "2026-11-16", "probationary": False,
     "restoration_basis": "stage"},
)


def _demo_email(holder: Holder) -> str:
    return f"titulaire.{holder.licence_number[-2:]}@demo.notify.test"


def load_demo(session: Session, now: datetime, settings: Settings) -> dict:
    import_holders(session, list(DEMO_HOLDERS), now)
    holders = {h.licence_number: h for h in session.scalars(
        select(Holder).where(Holder.licence_number.in_([r.licence_number for r in DEMO_HOLDERS])))}
    first_codes = {h.licence_number: code for h, code, _ in
                   issue_activation_codes(session, now, timedelta(days=1))}
    with_account = []
    for number in WITH_ACCOUNT:
        holder = holders[number]
        password = "demo-" + secrets.token_urlsafe(12)
        account = session.scalar(select(Account).where(Account.holder_id == holder.id))
        if account is None:
            activation = ops.check_activation(session, number, holder.birth_date,
                                              first_codes[number], now)
            registration = ops.register(
                session, activation_id=activation.id, email=_demo_email(holder),
                password=password, accepted_conditions=True, attested_deadlines=True,
                now=now, settings=settings)
            ops.verify_email(session, registration.verification_token, now, settings)
            account = registration.account
        else:
            ops.change_password(session, account, password, now, settings)
        with_account.append({"licence_number": number, "email": account.email,
                             "password": password})
    codes = issue_activation_codes(session, now, timedelta(days=settings.activation_code_days))
    results = deposit(session, list(DEMO_DECISIONS), depositor="demo",
                      organisation_id=_demo_organisation(session, now).id, now=now,
                      routing_policy=settings.routing_policy)
    return {
        "holders": with_account,
        "registration": [
            {"licence_number": h.licence_number, "birth_date": h.birth_date.isoformat(),
             "activation_code": code}
            for h, code, _ in codes if h.licence_number in holders
        ],
        "decisions": [result.as_json() for result in results],
        "registrations": load_registrations(session, now, settings),
        "staff": _demo_staff(session, now, settings),
    }


DEMO_STAFF = (("juriste@demo.notify.test", "legal"), ("admin@demo.notify.test", "admin"))


def _demo_staff(session: Session, now: datetime, settings: Settings) -> list[dict]:
    """The demo's staff members, enrolled, with a new password and TOTP key at each load
    (``notify demo code EMAIL`` prints the code of the moment)."""
    members = []
    for email, role in DEMO_STAFF:
        member = session.scalar(select(StaffMember).where(StaffMember.email == email))
        password = "agent-" + secrets.token_urlsafe(12)
        if member is None:
            member = staff_ops.create_member(session, email, role, now).member
            secret = staff_ops.choose_password(session, member, password, settings.secret_key)
            staff_ops.confirm_enrolment(session, member, totp.code_at_step(
                secret, totp.step_at(now)), settings.secret_key, now)
            # The enrolment used the code of this step: the first login may use the next.
            member.totp_last_step = None
        else:
            secret = staff_ops.choose_password(session, member, password, settings.secret_key)
        members.append({"email": email, "role": role, "password": password,
                        "totp_key": secret})
    return members


def _demo_organisation(session: Session, now: datetime) -> Organisation:
    """The points register of the demo, which deposits the demo decisions."""
    existing = session.scalar(select(Organisation).where(Organisation.slug == DEMO_ORGANISATION))
    return existing or create_organisation(session, DEMO_ORGANISATION,
                                           "Registre des points (démonstration)",
                                           OrganisationKind.POINTS_REGISTER, now)
