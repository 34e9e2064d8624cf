"""The administration's register of licence holders: CSV import and activation codes."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from notify.accounts.models import Account, ActivationCode, Holder
from notify.auth.secrets import digest, new_activation_code
from notify.legal.delays import Period
from notify.legal.territories import TERRITORIES
from notify.validation import name_key

CSV_COLUMNS = ("licence_number", "surname", "given_names", "birth_date", "territory",
               "postal_address")
# Optional, after those six, in any order: files without them import as before and
# leave what the register already holds of them unchanged.
OPTIONAL_COLUMNS = ("licence_issued_on", "early_accompanied_driving")

# The licence number of the EU-model licence: 12 characters, digits and capital
# letters (older numbers are 12 digits). Anything else is a typing or export error.
LICENCE_NUMBER = re.compile(r"^[0-9A-Z]{12}$")
OLDEST_BIRTH_DATE = date(1900, 1, 1)
# No licence is issued before 14 years of age (category AM, R. 221-5 of the code de la
# route); an earlier issue date is a typing or export error. Licences older than the
# points system (1 July 1992) are accepted: they are simply not probationary.
YOUNGEST_LICENCE_AGE = 14
YES_NO = {"": False, "0": False, "non": False, "1": True, "oui": True}


@dataclass(frozen=True)
class HolderRow:
    licence_number: str
    surname: str
    given_names: str
    birth_date: date
    territory: str
    postal_address: str
    licence_issued_on: date | None = None
    early_accompanied_driving: bool = False
    # The optional facts this row states; the others are left as stored. A row made in
    # code states them all; a row read from a file, those of its columns.
    states: tuple[str, ...] = OPTIONAL_COLUMNS

    def facts(self) -> dict[str, object]:
        """The holder's columns this row sets, by name."""
        return {name: getattr(self, name) for name in CSV_COLUMNS + self.states}


@dataclass(frozen=True)
class LineProblem:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"ligne {self.line}, champ {self.field} : {self.message}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[LineProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _chunks(items: list, size: int = 500):
    """Slices small enough for any database's limit on bound parameters."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def normalize_licence_number(value: str) -> str:
    return "".join(value.split()).upper()


def _parse_line(line_no: int, raw: dict[str, str | None], today: date,
                optional: tuple[str, ...], problems: list[LineProblem]) -> HolderRow | None:
    values = {name: (raw.get(name) or "").strip() for name in CSV_COLUMNS + OPTIONAL_COLUMNS}
    before = len(problems)

    def problem(name: str, message: str) -> None:
        problems.append(LineProblem(line_no, name, message))

    licence = normalize_licence_number(values["licence_number"])
    if not LICENCE_NUMBER.match(licence):
        problem("licence_number", "12 chiffres ou lettres majuscules attendus")
    for name in ("surname", "given_names", "postal_address"):
        if not values[name]:
            problem(name, "valeur obligatoire")
        elif len(values[name]) > (1000 if name == "postal_address" else 200):
            problem(name, "valeur trop longue")
    birth = None
    try:
        birth = date.fromisoformat(values["birth_date"])
    except ValueError:
        problem("birth_date", f"date ISO 8601 attendue (AAAA-MM-JJ), reçu {values['birth_date']!r}")
    else:
        if not OLDEST_BIRTH_DATE <= birth <= today:
            problem("birth_date", "date de naissance impossible")
    if values["territory"] not in TERRITORIES:
        problem("territory", f"territoire inconnu {values['territory']!r} "
                             f"(attendu : {', '.join(TERRITORIES)})")
    issued = None
    if values["licence_issued_on"]:
        try:
            issued = date.fromisoformat(values["licence_issued_on"])
        except ValueError:
            problem("licence_issued_on", "date ISO 8601 attendue (AAAA-MM-JJ), reçu "
                                         f"{values['licence_issued_on']!r}")
        else:
            if issued > today:
                problem("licence_issued_on", "date de délivrance dans le futur")
            elif birth is not None and issued < Period(years=YOUNGEST_LICENCE_AGE).add_to(birth):
                problem("licence_issued_on", "date de délivrance avant les "
                                             f"{YOUNGEST_LICENCE_AGE} ans du titulaire")
    early = YES_NO.get(values["early_accompanied_driving"].lower())
    if early is None:
        problem("early_accompanied_driving", "0, 1, oui ou non attendu, reçu "
                                             f"{values['early_accompanied_driving']!r}")
    if raw.get(None):  # csv puts surplus cells under the None key
        problem("line", "trop de colonnes")
    if len(problems) > before:
        return None
    assert birth is not None and early is not None
    return HolderRow(licence, values["surname"], values["given_names"], birth,
                     values["territory"], values["postal_address"], issued, early, optional)


def parse_holders_csv(text: str, today: date) -> tuple[list[HolderRow], list[LineProblem]]:
    """Validate every line; return the rows and every problem found (not just the first)."""
    problems: list[LineProblem] = []
    reader = csv.DictReader(io.StringIO(text))
    header = tuple(name.strip() for name in (reader.fieldnames or ()))
    optional = header[len(CSV_COLUMNS):]
    if (header[:len(CSV_COLUMNS)] != CSV_COLUMNS or len(set(optional)) != len(optional)
            or not set(optional) <= set(OPTIONAL_COLUMNS)):
        return [], [LineProblem(1, "en-tête", f"colonnes attendues : {','.join(CSV_COLUMNS)}, "
                                              "puis, facultatives : "
                                              f"{','.join(OPTIONAL_COLUMNS)}")]
    reader.fieldnames = header
    rows: list[HolderRow] = []
    seen: dict[str, int] = {}
    for raw in reader:
        line_no = reader.line_num
        row = _parse_line(line_no, raw, today, optional, problems)
        if row is None:
            continue
        if row.licence_number in seen:
            problems.append(LineProblem(line_no, "licence_number",
                                        f"déjà présent ligne {seen[row.licence_number]}"))
            continue
        seen[row.licence_number] = line_no
        rows.append(row)
    return rows, problems


def import_holders(session: Session, rows: list[HolderRow], now: datetime) -> ImportReport:
    """Create or update holders; a row identical to what is stored changes nothing."""
    report = ImportReport()
    numbers = [r.licence_number for r in rows]
    existing: dict[str, Holder] = {}
    for chunk in _chunks(numbers):
        for holder in session.scalars(select(Holder).where(Holder.licence_number.in_(chunk))):
            existing[holder.licence_number] = holder
    for row in rows:
        holder = existing.get(row.licence_number)
        if holder is None:
            session.add(Holder(**row.facts(), imported_at=now, updated_at=now))
            report.created += 1
            continue
        changed = False
        for name, value in row.facts().items():
            if getattr(holder, name) != value:
                setattr(holder, name, value)
                changed = True
        if changed:
            holder.surname_key = name_key(holder.surname)
            holder.updated_at = now
            report.updated += 1
        else:
            report.unchanged += 1
    session.flush()
    return report


def issue_activation_codes(
    session: Session, now: datetime, validity: timedelta
) -> list[tuple[Holder, str, datetime]]:
    """A fresh one-time code for each holder without an account.

    Earlier unused codes of those holders are revoked: only the last letter printed is
    valid. Only the digest is stored; the codes exist in clear in the returned list only.
    """
    holders = list(
        session.scalars(
            select(Holder)
            .outerjoin(Account, Account.holder_id == Holder.id)
            .where(Account.id.is_(None))
            .order_by(Holder.licence_number)
        )
    )
    if not holders:
        return []
    for chunk in _chunks([h.id for h in holders]):
        session.execute(
            update(ActivationCode)
            .where(ActivationCode.holder_id.in_(chunk),
                   ActivationCode.used_at.is_(None), ActivationCode.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    issued = []
    expires_at = now + validity
    for holder in holders:
        code = new_activation_code()
        session.add(ActivationCode(holder_id=holder.id, code_hash=digest(code), issued_at=now,
                                   expires_at=expires_at))
        issued.append((holder, code, expires_at))
    session.flush()
    return issued
