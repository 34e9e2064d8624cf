"""The holders register: CSV import (all or nothing) and activation codes."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from notify.accounts.models import ActivationCode, Holder
from notify.accounts.register import import_holders, issue_activation_codes, parse_holders_csv
from notify.auth.secrets import digest

HEADER = "licence_number,surname,given_names,birth_date,territory,postal_address\n"
GOOD = (
    HEADER
    + '123456789012,MARTIN,Camille,1985-04-12,metropole,"12 rue des Lilas, 69003 Lyon"\n'
    + '12AB34567890,PAYET,Didier,1968-07-21,reunion,"21 rue de Paris, 97400 Saint-Denis"\n'
)


def count_holders(session):
    return session.scalar(select(func.count()).select_from(Holder))


def test_good_file_imports_every_line(session, clock):
    rows, problems = parse_holders_csv(GOOD, today=date(2026, 11, 20))
    assert problems == []
    report = import_holders(session, rows, clock.now())
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    payet = session.scalar(select(Holder).where(Holder.licence_number == "12AB34567890"))
    assert payet.territory == "reunion"
    assert payet.birth_date == date(1968, 7, 21)


def test_reimporting_the_same_file_changes_nothing(session, clock):
    rows, _ = parse_holders_csv(GOOD, today=date(2026, 11, 20))
    import_holders(session, rows, clock.now())
    clock.advance(timedelta(days=1))
    report = import_holders(session, rows, clock.now())
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert count_holders(session) == 2


def test_changed_line_updates_the_holder(session, clock):
    rows, _ = parse_holders_csv(GOOD, today=date(2026, 11, 20))
    import_holders(session, rows, clock.now())
    moved = GOOD.replace("69003 Lyon", "69007 Lyon")
    rows, _ = parse_holders_csv(moved, today=date(2026, 11, 20))
    report = import_holders(session, rows, clock.now())
    assert (report.updated, report.unchanged) == (1, 1)


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("12345,MARTIN,Camille,1985-04-12,metropole,Lyon", "licence_number"),
        ("123456789012,,Camille,1985-04-12,metropole,Lyon", "surname"),
        ("123456789012,MARTIN,,1985-04-12,metropole,Lyon", "given_names"),
        ("123456789012,MARTIN,Camille,12/04/1985,metropole,Lyon", "birth_date"),
        ("123456789012,MARTIN,Camille,2030-01-01,metropole,Lyon", "birth_date"),
        ("123456789012,MARTIN,Camille,1985-04-12,corse,Lyon", "territory"),
        ("123456789012,MARTIN,Camille,1985-04-12,metropole,", "postal_address"),
        ("123456789012,MARTIN,Camille,1985-04-12,metropole,Lyon,extra", "line"),
    ],
)
def test_each_bad_field_is_named_with_its_line(line, field):
    rows, problems = parse_holders_csv(HEADER + line + "\n", today=date(2026, 11, 20))
    assert rows == []
    assert [(p.line, p.field) for p in problems] == [(2, field)]


def test_every_bad_line_is_reported_not_just_the_first():
    text = (GOOD + "bad,X,Y,1985-04-12,metropole,Z\n"
            + "123456789012,DOUBLON,Camille,1985-04-12,metropole,Lyon\n"
            + "000000000001,A,B,not-a-date,nowhere,C\n")
    _, problems = parse_holders_csv(text, today=date(2026, 11, 20))
    assert [(p.line, p.field) for p in problems] == [
        (4, "licence_number"), (5, "licence_number"), (6, "birth_date"), (6, "territory")]
    assert "déjà présent ligne 2" in str(problems[1])


def test_wrong_header_is_refused():
    _, problems = parse_holders_csv("numero,nom\n1,2\n", today=date(2026, 11, 20))
    assert problems[0].field == "en-tête"


WITH_ISSUE = (
    HEADER.rstrip("\n") + ",licence_issued_on,early_accompanied_driving\n"
    + '123456789012,MARTIN,Camille,1985-04-12,metropole,"12 rue des Lilas, 69003 Lyon",'
      "2025-03-10,oui\n"
    + '12AB34567890,PAYET,Didier,1968-07-21,reunion,"21 rue de Paris, 97400 Saint-Denis",,\n'
)


def test_the_optional_columns_give_the_issue_date_and_early_driving(session, clock):
    rows, problems = parse_holders_csv(WITH_ISSUE, today=date(2026, 11, 20))
    assert problems == []
    import_holders(session, rows, clock.now())
    martin = session.scalar(select(Holder).where(Holder.licence_number == "123456789012"))
    payet = session.scalar(select(Holder).where(Holder.licence_number == "12AB34567890"))
    assert (martin.licence_issued_on, martin.early_accompanied_driving) == (date(2025, 3, 10),
                                                                            True)
    assert (payet.licence_issued_on, payet.early_accompanied_driving) == (None, False)


def test_a_file_without_the_optional_columns_keeps_what_is_stored(session, clock):
    rows, _ = parse_holders_csv(WITH_ISSUE, today=date(2026, 11, 20))
    import_holders(session, rows, clock.now())
    rows, problems = parse_holders_csv(GOOD, today=date(2026, 11, 20))
    assert problems == []
    report = import_holders(session, rows, clock.now())
    assert (report.updated, report.unchanged) == (0, 2)
    martin = session.scalar(select(Holder).where(Holder.licence_number == "123456789012"))
    assert (martin.licence_issued_on, martin.early_accompanied_driving) == (date(2025, 3, 10),
                                                                            True)


def test_one_optional_column_alone_and_in_any_order():
    text = HEADER.rstrip("\n") + ",early_accompanied_driving\n" + (
        "123456789012,MARTIN,Camille,1985-04-12,metropole,Lyon,1\n")
    [row], problems = parse_holders_csv(text, today=date(2026, 11, 20))
    assert problems == []
    assert (row.licence_issued_on, row.early_accompanied_driving) == (None, True)
    assert row.states == ("early_accompanied_driving",)


@pytest.mark.parametrize(
    ("cells", "field", "message"),
    [
        ("10/03/2025,non", "licence_issued_on", "date ISO 8601 attendue"),
        ("2026-11-21,non", "licence_issued_on", "dans le futur"),
        ("1999-04-11,non", "licence_issued_on", "avant les 14 ans du titulaire"),
        ("2025-03-10,peut-être", "early_accompanied_driving", "0, 1, oui ou non attendu"),
    ],
)
def test_bad_optional_values_are_refused_with_their_line(cells, field, message):
    text = (WITH_ISSUE.splitlines()[0] + "\n"
            + f"123456789012,MARTIN,Camille,1985-04-12,metropole,Lyon,{cells}\n")
    rows, problems = parse_holders_csv(text, today=date(2026, 11, 20))
    assert rows == []
    assert [(p.line, p.field) for p in problems] == [(2, field)]
    assert message in str(problems[0])


def test_issue_date_on_the_fourteenth_birthday_is_accepted():
    text = (WITH_ISSUE.splitlines()[0] + "\n"
            + "123456789012,MARTIN,Camille,1985-04-12,metropole,Lyon,1999-04-12,0\n")
    [row], problems = parse_holders_csv(text, today=date(2026, 11, 20))
    assert problems == [] and row.licence_issued_on == date(1999, 4, 12)


@pytest.mark.parametrize("extra", [",licence_number_bis", ",licence_issued_on,licence_issued_on"])
def test_unknown_or_repeated_optional_columns_are_refused(extra):
    _, problems = parse_holders_csv(HEADER.rstrip("\n") + extra + "\n", today=date(2026, 11, 20))
    assert problems[0].field == "en-tête"
    assert "facultatives : licence_issued_on,early_accompanied_driving" in str(problems[0])


def test_activation_codes_only_for_holders_without_account(session, clock, open_account,
                                                           make_holder):
    with_account = open_account()
    without = make_holder()
    issued = issue_activation_codes(session, clock.now(), timedelta(days=90))
    assert [h.id for h, _, _ in issued] == [without.id]
    _, code, expires_at = issued[0]
    assert expires_at == clock.now() + timedelta(days=90)
    stored = session.scalar(select(ActivationCode).where(ActivationCode.holder_id == without.id,
                                                         ActivationCode.revoked_at.is_(None)))
    assert stored.code_hash == digest(code)
    assert code not in stored.code_hash
    assert with_account.holder_id != without.id


def test_a_new_code_revokes_the_previous_one(session, clock, make_holder):
    holder = make_holder()
    issue_activation_codes(session, clock.now(), timedelta(days=90))
    issue_activation_codes(session, clock.now(), timedelta(days=90))
    codes = session.scalars(select(ActivationCode).where(ActivationCode.holder_id == holder.id)
                            .order_by(ActivationCode.id)).all()
    assert [c.revoked_at is None for c in codes] == [False, True]
