"""Registration files: filing, transitions, providers' status, the owner's tracking.
Operations flush only; the caller (view, job, CLI command, phase 2's API) commits.

Every operation that acts on a file takes an explicit ``Actor`` and refuses what that
actor may not do: a provider acts only on the files it filed, and not at all while
suspended or withdrawn; a centre only on the files assigned to it; the owner only on
the file he proved his right to with its tracking code. A file that exists but is not
the actor's answers "not found", like a number that does not exist.

A transition is one transaction: the file's new state (``UPDATE … WHERE state =
:from``, so two writers cannot both move it), its ``Transition`` row, its evidence event
(subject ``registration:<number>``) and, when the owner must act or the file ends, an
e-mail in the outbox.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import bindparam, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from notify.accounts.models import Account, AccountState
from notify.auth import throttle
from notify.auth.models import Organisation, OrganisationKind, StaffMember
from notify.auth.secrets import digest, new_activation_code, normalize_activation_code
from notify.auth.throttle import LoginLimits
from notify.backoffice.access import AccessAction, Accessed, record_access, registration_file
from notify.db import bind_value, insert_tuples
from notify.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotAllowed,
    NotFound,
    PayloadTooLarge,
)
from notify.evidence.log import EventForm, append_encoded_events, format_instant, record_event
from notify.evidence.models import Event as EvidenceEvent
from notify.evidence.models import EventTag, EvidenceBatch
from notify.mail.addresses import normalize_address
from notify.mail.outbox import enqueue, enqueue_many
from notify.registrations import queries, states, step_events
from notify.registrations.guidance import guidance
from notify.registrations.models import (
    Application,
    Centre,
    Procedure,
    Provider,
    ProviderStatus,
    ProviderStatusChange,
    Transition,
    subject_of,
)
from notify.registrations.numbers import parse_plate, parse_siret, parse_vin
from notify.registrations.states import ActorKind, Event, State
from notify.validation import Invalid, clean_text
from notify.web.formatting import date_fr

BULK_MAX = 10_000
BULK_READ = 2000  # files read, or moved, per statement
FILED = "filed"  # the first row of every file's history; not a step of the table
NUMBER_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
NUMBER_PATTERN = f"^IM[{NUMBER_ALPHABET}]{{10}}$"
UPDATE_SUBJECT = "Votre démarche d'immatriculation a évolué"
PROVIDER_SUBJECT = "Votre démarche d'immatriculation : votre professionnel ne peut plus agir"
TRACKING_REFUSED = "Numéro de dossier ou code de suivi incorrect."


# --- who acts ----------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who acts: a scoped API client of an organisation (provider, centre), a staff
    member or a system feed, or the owner proven by his tracking code."""

    kind: ActorKind
    organisation_id: int | None = None
    name: str | None = None  # a staff member's or system feed's identifier
    application_id: int | None = None  # the owner's file, proven by its tracking code

    @classmethod
    def provider(cls, organisation_id: int) -> Actor:
        return cls(ActorKind.PROVIDER, organisation_id=organisation_id)

    @classmethod
    def centre(cls, organisation_id: int) -> Actor:
        return cls(ActorKind.CENTRE, organisation_id=organisation_id)

    @classmethod
    def staff(cls, name: str) -> Actor:
        return cls(ActorKind.STAFF, name=name)

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls(ActorKind.SYSTEM, name=name)

    @classmethod
    def owner(cls, application_id: int) -> Actor:
        return cls(ActorKind.OWNER, application_id=application_id)

    @property
    def label(self) -> str:
        """The actor in the evidence log: no personal data."""
        match self.kind:
            case ActorKind.PROVIDER | ActorKind.CENTRE:
                return f"{self.kind}:{self.organisation_id}"
            case ActorKind.STAFF | ActorKind.SYSTEM:
                return f"{self.kind}:{self.name}"
        return str(self.kind)


def _organisation_row(session: Session, model, actor: Actor, kind: OrganisationKind):
    row = session.scalar(select(model).where(model.organisation_id == actor.organisation_id))
    if row is None:
        what = ("un professionnel habilité" if kind == OrganisationKind.PROVIDER
                else "un centre d'instruction")
        raise NotAllowed(f"Cette organisation n'est pas enregistrée comme {what}.")
    return row


def provider_of(session: Session, actor: Actor) -> Provider:
    return _organisation_row(session, Provider, actor, OrganisationKind.PROVIDER)


def centre_of(session: Session, actor: Actor) -> Centre:
    return _organisation_row(session, Centre, actor, OrganisationKind.CENTRE)


def check_provider_may_act(provider: Provider, now: datetime) -> None:
    """Refuse a withdrawn provider, or one suspended until a date not yet passed, with
    the reason (phase 2 answers 403 with it). A suspension ends by itself after its
    last day (art. 18-10 of the arrêté du 9 février 2009: a suspension has a term)."""
    ground = GROUNDS.get(provider.status_ground or "", "")
    if provider.status == ProviderStatus.WITHDRAWN:
        raise NotAllowed(f"L'habilitation de ce professionnel a été retirée ({ground}) : "
                         "il ne peut plus déposer ni faire évoluer de demande.")
    if provider.status == ProviderStatus.SUSPENDED and (
            provider.suspended_until is None or now.date() <= provider.suspended_until):
        until = (f" jusqu'au {date_fr(provider.suspended_until)} inclus"
                 if provider.suspended_until else "")
        raise NotAllowed(f"L'habilitation de ce professionnel est suspendue{until} "
                         f"({ground}) : il ne peut ni déposer ni faire évoluer de demande.")


def api_actor(session: Session, kind: ActorKind, organisation_id: int, now: datetime) -> Actor:
    """The actor of a partner system's call (``notify.registrations.api``): its
    organisation must be registered as a provider or a centre, and a provider that is
    suspended or withdrawn is refused whatever it asks, reads included."""
    actor = Actor(kind, organisation_id=organisation_id)
    if kind == ActorKind.PROVIDER:
        check_provider_may_act(provider_of(session, actor), now)
    else:
        centre_of(session, actor)
    return actor


def _not_found(number: str) -> NotFound:
    return NotFound(f"Aucun dossier d'immatriculation n° {number} ne vous est accessible.")


def _visible_to(actor: Actor, session: Session):
    """The WHERE clause of the files ``actor`` may read."""
    match actor.kind:
        case ActorKind.PROVIDER:
            return Application.provider_id == provider_of(session, actor).id
        case ActorKind.CENTRE:
            return Application.centre_id == centre_of(session, actor).id
        case ActorKind.OWNER:
            return Application.id == actor.application_id
    return true()


_NUMBER = re.compile(NUMBER_PATTERN)


def _normalise_number(number: str) -> str:
    """``number`` as stored, or "not found" when no file can bear it (nor every database
    hold it: PostgreSQL takes no NUL)."""
    normalised = number.strip().upper()
    if not _NUMBER.fullmatch(normalised):
        raise _not_found(number)
    return normalised


def _load(session: Session, actor: Actor, number: str) -> Application:
    query = select(Application).where(Application.number == _normalise_number(number),
                                      _visible_to(actor, session))
    application = session.scalar(query)
    if application is None:
        raise _not_found(number)
    return application


# --- filing ------------------------------------------------------------------------


@dataclass(frozen=True)
class Filed:
    """The answer to a filing. ``tracking_code`` is given once, at the first filing; a
    duplicate (same reference, same content) answers the file without it."""

    application: Application
    tracking_code: str | None
    duplicate: bool
    warnings: tuple[str, ...] = ()


def _text(data: Mapping[str, Any], name: str, *, required: bool, max_length: int,
          label: str) -> str | None:
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(f"{label} est obligatoire.", field=name)
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{label} doit être une chaîne de caractères.", field=name)
    try:
        return clean_text(value, max_length)
    except Invalid as exc:
        raise InvalidInput(f"{label} : {exc.message}.", field=name) from None


EARLIEST_MANDATE = datetime(2009, 1, 1, tzinfo=UTC)
"""No mandate predates the SIV (arrêté du 9 février 2009)."""


def _instant(data: Mapping[str, Any], name: str, label: str) -> datetime | None:
    value = data.get(name)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00")) \
            if isinstance(value, str) else None
        parsed = parsed.astimezone(UTC) if parsed and parsed.tzinfo else None
    except (ValueError, OverflowError):
        parsed = None
    if parsed is None:
        raise InvalidInput(f"{label} doit être un instant ISO 8601 avec fuseau, par exemple "
                           "2026-11-20T09:30:00Z.", field=name)
    if parsed < EARLIEST_MANDATE:
        raise InvalidInput(f"{label} ne peut pas précéder le 1er janvier 2009.", field=name)
    return parsed


@dataclass(frozen=True)
class _Input:
    procedure: Procedure
    vin: str
    plate: str | None
    plate_format: str | None
    applicant_name: str
    applicant_email: str
    provider_reference: str | None
    mandate_signed_at: datetime | None
    centre_code: str | None
    national_number: str | None
    warnings: tuple[str, ...]

    def sha256(self) -> str:
        document = {k: (format_instant(v) if isinstance(v, datetime) else v)
                    for k, v in self.__dict__.items() if k != "warnings"}
        return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


FILING_FIELDS = frozenset({"procedure", "vin", "plate", "applicant", "provider_reference",
                           "mandate_signed_at", "centre", "national_number"})


def _parse_filing(data: Mapping[str, Any], *, by_provider: bool, now: datetime,
                  test_domains: bool) -> _Input:
    if not isinstance(data, Mapping):
        raise InvalidInput("Le dossier doit être un objet JSON.")
    unknown = sorted(set(data) - FILING_FIELDS)
    if unknown:
        raise InvalidInput(f"Champ inconnu : {', '.join(unknown)}.", field=unknown[0])
    try:
        procedure = Procedure(data.get("procedure"))
    except ValueError:
        raise InvalidInput("Procédure inconnue. Valeurs possibles : "
                           f"{', '.join(p.value for p in Procedure)}.",
                           field="procedure") from None
    vin = parse_vin(_text(data, "vin", required=True, max_length=40, label="Le VIN"))
    plate_text = _text(data, "plate", required=procedure not in (
        Procedure.FIRST_REGISTRATION, Procedure.PROVISIONAL_WW), max_length=16,
        label="Le numéro d'immatriculation")
    plate = parse_plate(plate_text) if plate_text else None
    if plate is not None and procedure == Procedure.PROVISIONAL_WW \
            and plate.format != "ww":
        raise InvalidInput("Une immatriculation provisoire porte un numéro WW-123-AA.",
                           field="plate")
    applicant = data.get("applicant")
    if not isinstance(applicant, Mapping):
        raise InvalidInput("Le demandeur (nom et adresse électronique) est obligatoire.",
                           field="applicant")
    name = _text(applicant, "name", required=True, max_length=200, label="Le nom du demandeur")
    # ASCII only: the owner's e-mails must leave whatever the relay.
    email = normalize_address(_text(applicant, "email", required=True, max_length=254,
                                    label="L'adresse électronique du demandeur"),
                              smtputf8=False, test_domains=test_domains,
                              field="applicant.email")
    reference = _text(data, "provider_reference", required=by_provider, max_length=64,
                      label="La référence du professionnel")
    mandate = _instant(data, "mandate_signed_at", "La date du mandat")
    if by_provider and mandate is None:
        raise InvalidInput("La date de signature du mandat est obligatoire pour un "
                           "professionnel (elle fait courir son délai de transmission).",
                           field="mandate_signed_at")
    if mandate is not None and mandate > now:
        raise InvalidInput("La date du mandat ne peut pas être dans le futur.",
                           field="mandate_signed_at")
    return _Input(procedure, vin.value, plate.value if plate else None,
                  plate.format if plate else None, name, email, reference, mandate,
                  _text(data, "centre", required=False, max_length=32, label="Le centre"),
                  _text(data, "national_number", required=False, max_length=64,
                        label="Le numéro de demande national"),
                  vin.warnings)


def new_number() -> str:
    """Our file number: 10 characters without ambiguous ones (about 49 bits), so that
    numbers are not guessable one from another."""
    raw = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(10))
    return f"IM{raw}"


def file_application(session: Session, actor: Actor, data: Mapping[str, Any], *,
                     now: datetime, mandate_days: int, test_domains: bool) -> Filed:
    """File an application (the API's create). Idempotent on the provider's own
    reference: the same reference with the same content answers the existing file
    (``duplicate``), with another content a ``Conflict``.

    Providers file their own files; staff and the national systems file the owners'
    own applications (no provider). ``mandate_days`` is the provider's delay to
    transmit from the mandate (setting ``NOTIFY_REGISTRATION_MANDATE_DAYS``);
    ``test_domains`` lets the applicant's address be on a reserved test domain (demo
    and test modes).
    """
    provider = None
    if actor.kind == ActorKind.PROVIDER:
        provider = provider_of(session, actor)
        check_provider_may_act(provider, now)
    elif actor.kind not in (ActorKind.STAFF, ActorKind.SYSTEM):
        raise NotAllowed("Seul un professionnel habilité ou l'administration peut déposer "
                         "une demande.")
    parsed = _parse_filing(data, by_provider=provider is not None, now=now,
                           test_domains=test_domains)
    content_sha256 = parsed.sha256()
    if provider is not None:
        existing = session.scalar(select(Application).where(
            Application.provider_id == provider.id,
            Application.provider_reference == parsed.provider_reference))
        if existing is not None:
            if existing.content_sha256 != content_sha256:
                raise Conflict(f"La référence « {parsed.provider_reference} » désigne déjà "
                               "un dossier au contenu différent.", field="provider_reference")
            return Filed(existing, None, True, parsed.warnings)
    centre_id = None
    if parsed.centre_code is not None:
        centre_id = session.scalar(select(Centre.id).where(Centre.code == parsed.centre_code))
        if centre_id is None:
            raise InvalidInput(f"Centre d'instruction inconnu : « {parsed.centre_code} ».",
                               field="centre")
    account_id = session.scalar(select(Account.id).where(
        Account.email == parsed.applicant_email, Account.state == AccountState.ACTIVE,
        Account.email_verified_at.is_not(None)))
    code = new_activation_code()
    application = Application(
        number=new_number(), tracking_code_sha256=digest(normalize_activation_code(code)),
        national_number=parsed.national_number, procedure=parsed.procedure, vin=parsed.vin,
        plate=parsed.plate, plate_format=parsed.plate_format,
        applicant_name=parsed.applicant_name, applicant_email=parsed.applicant_email,
        account_id=account_id, provider_id=provider.id if provider else None,
        provider_reference=parsed.provider_reference, content_sha256=content_sha256,
        centre_id=centre_id, state=State.TO_COMPLETE, state_since_at=now,
        mandate_signed_at=parsed.mandate_signed_at,
        transmit_by_at=(parsed.mandate_signed_at + timedelta(days=mandate_days)
                        if parsed.mandate_signed_at else None),
        filed_at=now, owner_mail=True)
    try:
        with session.begin_nested():
            session.add(application)
            session.flush()
    except IntegrityError:
        # The same reference filed at the same instant by another request: answer as a
        # retry would, from the row that won.
        if provider is None:
            raise
        return file_application(session, actor, data, now=now, mandate_days=mandate_days,
                                test_domains=test_domains)
    _steps_in_cursor_order(session)
    event = record_event(session, subject=application.subject,
                         tag=EventTag.REGISTRATION_FILED, actor=actor.label, at=now,
                         data={"procedure": str(parsed.procedure), "vin": parsed.vin,
                               "plate": parsed.plate, "state": str(State.TO_COMPLETE),
                               "provider": provider.habilitation_number if provider else None})
    session.add(Transition(application_id=application.id, event=FILED, from_state=None,
                           to_state=State.TO_COMPLETE, actor=actor.label, at=now,
                           evidence_event_id=event.id))
    session.flush()
    return Filed(application, code, False, parsed.warnings)


def assign_centre(session: Session, actor: Actor, number: str, centre_code: str, *,
                  now: datetime) -> Application:
    """Staff assign (or move) a file to an instructing centre."""
    if actor.kind != ActorKind.STAFF:
        raise NotAllowed("Seule l'administration affecte un dossier à un centre.")
    application = _load(session, actor, number)
    centre = session.scalar(select(Centre).where(Centre.code == centre_code))
    if centre is None:
        raise InvalidInput(f"Centre d'instruction inconnu : « {centre_code} ».",
                           field="centre")
    application.centre_id = centre.id
    record_event(session, subject=application.subject, tag=EventTag.REGISTRATION_ASSIGNED,
                 actor=actor.label, at=now, data={"centre": centre.code})
    session.flush()
    return application


# --- transitions -------------------------------------------------------------------


def _owner_mail(file: _File, *, now: datetime, base_url: str, centre: Centre | None
                ) -> tuple[str, str, dict[str, Any]]:
    """The e-mail telling the owner where his file stands: address, subject reference,
    template arguments (JSON values, rendered when the message is sent)."""
    state = State(file.state)
    advice = guidance(state, now, information_service=file.information_service,
                      filed_by_provider=file.provider_id is not None)
    return file.applicant_email, subject_of(file.number), {
        "number": file.number, "label": states.STATE_LABELS[state],
        "advice": {"meaning": advice.meaning, "action": advice.action,
                   "due_on": date_fr(advice.due_at) if advice.due_at else None},
        "reason": file.last_reason,
        "centre": {"name": centre.name, "contact": centre.contact} if centre else None,
        "link": f"{base_url.rstrip('/')}/immatriculation/suivi"}


class StepRequest(NamedTuple):
    """One step asked of a file: its number, the event, the reason (if any). A named
    tuple: a bulk call makes ten thousand of them."""

    number: str
    event: Event
    reason: str | None = None


class Moved(NamedTuple):
    """An accepted step, as written: the file's new state and the step's evidence event.
    A tuple of plain values, as ``BulkResult``: a bulk call keeps ten thousand of them,
    which the garbage collector then need not walk."""

    number: str
    to_state: str
    evidence_event_id: int


@dataclass(slots=True)
class _File:
    """What moving a file reads and writes of it; ``state`` and what follows it are
    where the file stands after the steps applied so far in this call."""

    id: int
    number: str
    provider_id: int | None
    centre_id: int | None
    applicant_email: str
    owner_mail: bool
    read_state: str
    state: str
    state_since_at: datetime
    information_service: str | None
    last_reason: str | None
    submitted_at: datetime | None
    moved: bool = False


_FILE_COLUMNS = (Application.id, Application.number, Application.provider_id,
                 Application.centre_id, Application.applicant_email, Application.owner_mail,
                 Application.state, Application.state, Application.state_since_at,
                 Application.information_service, Application.last_reason,
                 Application.submitted_at)
_MOVE = (update(Application.__table__)
         .where(Application.id == bindparam("b_id"),
                Application.state == bindparam("b_read_state"))
         .values(state=bindparam("b_state"), state_since_at=bindparam("b_state_since_at"),
                 information_service=bindparam("b_information_service"),
                 last_reason=bindparam("b_last_reason"),
                 submitted_at=bindparam("b_submitted_at")))
_MOVED_COLUMNS = ("id", "read_state", "state", "state_since_at", "information_service",
                  "last_reason", "submitted_at")


STEPS_LOCK = 0x52454749  # "REGI": the advisory lock of registrations' steps


def _steps_in_cursor_order(session: Session) -> None:
    """Make transition rows commit in the order of their ids, which are the changes
    feed's cursor: on PostgreSQL, a transaction-scoped advisory lock taken before the
    ids are drawn and held until the commit, so that a reader never sees a step while an
    earlier-numbered one is still uncommitted (it would move its cursor past it for
    good). Taken after the files' own rows are updated, so that its holder waits on no
    row lock. SQLite has one writer already."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(STEPS_LOCK)))


def move(session: Session, actor: Actor, requests: Sequence[StepRequest | DomainError], *,
         now: datetime, base_url: str) -> list[Moved | DomainError]:
    """Apply ``requests`` in order, as ``actor``, set-based: each answered by what was
    written (``Moved``) or why not (the ``DomainError``; a request given as an error is
    answered with it). A refused step writes nothing; the others go on, several steps
    of one file following one another.

    One read of the files (``FOR UPDATE`` on PostgreSQL, so that a concurrent writer
    waits; SQLite has one writer), the steps decided in memory by ``states.apply``, then
    per chunk one ``UPDATE … WHERE id = :id AND state = :read`` (executemany), the
    chained evidence events in one insert (``append_encoded_events``), the transition rows in
    one insert, and one e-mail per file whose state at the end of the call needs its
    owner or ends the file. A whole call is refused (nothing written) when the actor
    may not act at all (suspended or withdrawn provider, unknown organisation).
    """
    if actor.kind == ActorKind.PROVIDER:
        check_provider_may_act(provider_of(session, actor), now)
    visible = _visible_to(actor, session)
    numbers = sorted({r.number for r in requests if isinstance(r, StepRequest)})
    files: dict[str, _File] = {}
    for start in range(0, len(numbers), BULK_READ):
        query = (select(*_FILE_COLUMNS)
                 .where(Application.number.in_(numbers[start:start + BULK_READ]), visible)
                 .order_by(Application.id).with_for_update(of=Application))
        for row in session.execute(query):
            files[row.number] = _File(*row)
    # An accepted step is answered by (number, new state, index of its event) until
    # the events' ids are known.
    answers: list[tuple[str, str, int] | DomainError] = []
    events: list[tuple[str, str]] = []  # (subject, canonical JSON of its data)
    rows: list[tuple[Any, ...]] = []  # the transition rows, without their event's id
    kind = actor.kind
    stored_now = bind_value(session, Transition.__table__.c.at, now)
    # states.apply is pure: its answer for one (state, event, reason) serves every file
    # at that point, with its event's data already encoded.
    decided: dict[tuple[str, Event, str | None], _Decided] = {}
    for request in requests:
        if isinstance(request, DomainError):
            answers.append(request)
            continue
        file = files.get(request.number)
        if file is None:
            answers.append(_not_found(request.number))
            continue
        known = decided.get((file.state, request.event, request.reason))
        if known is None:
            try:
                step = states.apply(State(file.state), request.event, kind, request.reason)
            except DomainError as exc:
                answers.append(exc)
                continue
            known = decided[(file.state, request.event, request.reason)] = _Decided.of(step)
        step = known.step
        rows.append((file.id, known.event, known.from_state, known.to_state, stored_now,
                     step.reason, max(0, int((now - file.state_since_at).total_seconds()))))
        events.append((_SUBJECT_PREFIX + file.number, known.data_json))
        file.state, file.state_since_at, file.last_reason = known.to_state, now, step.reason
        if known.sets_service:
            file.information_service = step.information_service
        if known.submits:
            file.submitted_at = now
        file.moved = True
        answers.append((file.number, known.to_state, len(events) - 1))
    if not rows:
        return answers
    event_ids = _write(session, actor, [f for f in files.values() if f.moved], rows, events,
                       now=now, base_url=base_url)
    return [a if isinstance(a, DomainError) else Moved(a[0], a[1], event_ids[a[2]])
            for a in answers]


_SUBJECT_PREFIX = subject_of("")
_TRANSITION_COLUMNS = ("application_id", "event", "from_state", "to_state", "at", "reason",
                       "seconds_in_previous", "actor", "evidence_event_id")


@dataclass(frozen=True, slots=True)
class _Decided:
    """An accepted step as ``move`` writes it for each file it applies to."""

    step: states.Transition
    event: str
    from_state: str
    to_state: str
    data_json: str
    sets_service: bool  # a request for information sets the service, an answer clears it
    submits: bool

    @classmethod
    def of(cls, step: states.Transition) -> _Decided:
        return cls(step, step.event.value, step.from_state.value, step.to_state.value,
                   step_events.data_json(step),
                   step.information_service is not None
                   or step.from_state == State.AWAITING_INFORMATION,
                   step.event == Event.SUBMIT)


_MOVE_SQLITE = (f"UPDATE {Application.__tablename__} SET state = ?, state_since_at = ?, "
                "information_service = ?, last_reason = ?, submitted_at = ? "
                "WHERE id = ? AND state = ?")


def _move_sqlite(session: Session, files: list[_File], now: datetime) -> int:
    """``_MOVE`` through SQLite's driver directly, parameters as tuples (SQLAlchemy's
    handling of 2,000 parameter sets cost a third of the statement); the rows updated."""
    instant = Application.__table__.c.submitted_at  # the type of every instant column
    stored = {now: bind_value(session, instant, now), None: None}  # as the driver takes them
    for f in files:
        if f.submitted_at not in stored:
            stored[f.submitted_at] = bind_value(session, instant, f.submitted_at)
    session.flush()
    cursor = session.connection().connection.driver_connection.cursor()
    cursor.executemany(_MOVE_SQLITE, [
        (f.state, stored[now], f.information_service, f.last_reason,
         stored[f.submitted_at], f.id, f.read_state) for f in files])
    return cursor.rowcount


def _write(session: Session, actor: Actor, moved: list[_File], rows: list[tuple[Any, ...]],
           events: list[tuple[str, str]], *, now: datetime, base_url: str) -> list[int]:
    sqlite = session.get_bind().dialect.name == "sqlite"
    for start in range(0, len(moved), BULK_READ):
        chunk = moved[start:start + BULK_READ]
        if sqlite:
            count = _move_sqlite(session, chunk, now)
        else:
            count = session.execute(_MOVE, [
                {f"b_{name}": getattr(f, name) for name in _MOVED_COLUMNS}
                for f in chunk]).rowcount
        if count != len(chunk):
            # Only a writer that ignored the row locks could get here.
            raise Conflict("Des dossiers ont changé entre-temps : rien n'a été enregistré, "
                           "recommencez.")
    _steps_in_cursor_order(session)
    form = EventForm(step_events.TAG, actor.label, now)
    event_ids = append_encoded_events(
        session, [(subject, form, data) for subject, data in events], with_ids=True)
    label = actor.label
    insert_tuples(session, Transition.__table__, _TRANSITION_COLUMNS, [
        (*row, label, event_id) for row, event_id in zip(rows, event_ids, strict=True)])
    for f in moved:  # the ORM's copies, if any, were read before the UPDATE
        instance = session.identity_map.get(identity_key(Application, f.id))
        if instance is not None:
            session.expire(instance)
    mailed = [f for f in moved if f.owner_mail and f.state in states.MAILED_STATES]
    centre_ids = {f.centre_id for f in mailed if f.centre_id is not None}
    centres = {c.id: c for c in session.scalars(
        select(Centre).where(Centre.id.in_(centre_ids)))} if centre_ids else {}
    enqueue_many(session, kind="registration_update", subject=UPDATE_SUBJECT,
                 template="registration_update", now=now, messages=[
                     _owner_mail(f, now=now, base_url=base_url, centre=centres.get(f.centre_id))
                     for f in mailed])
    session.flush()
    return event_ids


def transition(session: Session, actor: Actor, number: str, event: Event | str, *,
               now: datetime, base_url: str, reason: str | None = None) -> Transition:
    """Move a file by ``event`` (``states.apply`` decides), as ``actor``; the
    ``DomainError`` saying why not otherwise."""
    [answer] = move(session, actor, [StepRequest(
        _normalise_number(number),
        event if isinstance(event, Event) else states.parse_event(str(event)), reason)],
        now=now, base_url=base_url)
    if isinstance(answer, DomainError):
        raise answer
    return session.scalar(select(Transition).where(
        Transition.evidence_event_id == answer.evidence_event_id))


def submit(session: Session, actor: Actor, number: str, *, now: datetime,
           base_url: str) -> Transition:
    return transition(session, actor, number, Event.SUBMIT, now=now, base_url=base_url)


def record_payment(session: Session, actor: Actor, number: str, *, now: datetime,
                   base_url: str) -> Transition:
    return transition(session, actor, number, Event.RECORD_PAYMENT, now=now,
                      base_url=base_url)


class BulkResult(NamedTuple):
    """The answer about one item of a bulk update, in request order."""

    index: int
    number: str | None
    outcome: str  # "accepted" | "rejected"
    to_state: str | None = None
    errors: Sequence[dict[str, str | None]] = ()  # an accepted item's: none

    def as_json(self) -> dict[str, Any]:
        return {"index": self.index, "number": self.number, "outcome": self.outcome,
                "state": self.to_state, "errors": self.errors}


_STEP_FIELDS = frozenset({"number", "event", "reason"})
_EVENTS = {event.value: event for event in Event}


def parse_step(item: Any) -> StepRequest:
    """One item ``{"number", "event", "reason"}`` of the API, checked: the number in
    our format (else unknown, as a file that is not the caller's), a known event, a
    reason that is one line of text."""
    if type(item) is dict and item.keys() <= _STEP_FIELDS:
        # The usual item, already in its stored form, checked at once; anything else
        # (and every error, with its message) takes the checks below.
        number, event, reason = item.get("number"), item.get("event"), item.get("reason")
        if type(number) is str and type(event) is str and _NUMBER.fullmatch(number) \
                and event in _EVENTS:
            if reason is None:
                return StepRequest(number, _EVENTS[event], None)
            try:
                return StepRequest(number, _EVENTS[event],
                                   clean_text(reason, states.REASON_MAX_LENGTH))
            except Invalid:
                pass
    if not isinstance(item, Mapping):
        raise InvalidInput("Chaque mise à jour est un objet JSON "
                           "{number, event, reason}.")
    unknown = sorted(set(item) - {"number", "event", "reason"})
    if unknown:
        raise InvalidInput(f"Champ inconnu : {', '.join(unknown)}.", field=unknown[0])
    number = item.get("number")
    if not isinstance(number, str) or not number.strip():
        raise InvalidInput("Le numéro de dossier est obligatoire.", field="number")
    event = item.get("event")
    if not isinstance(event, str):
        raise InvalidInput("L'événement est obligatoire.", field="event")
    reason = item.get("reason")
    if reason is not None:
        try:
            reason = clean_text(reason, states.REASON_MAX_LENGTH)
        except Invalid as exc:
            raise InvalidInput(f"Motif : {exc.message}.", field="reason") from None
    return StepRequest(_normalise_number(number), states.parse_event(event), reason)


def bulk_transition(session: Session, actor: Actor, items: Sequence[Any], *, now: datetime,
                    base_url: str) -> list[BulkResult]:
    """Apply up to ``BULK_MAX`` items ``{"number", "event", "reason"}`` (``move``): each
    answered, accepted with the file's new state or rejected with its reason; a refused
    one writes nothing and leaves the others."""
    if len(items) > BULK_MAX:
        raise PayloadTooLarge(f"Au plus {BULK_MAX} mises à jour par envoi "
                              f"(reçu {len(items)}).")
    requests: list[StepRequest | DomainError] = []
    for item in items:
        try:
            requests.append(parse_step(item))
        except DomainError as exc:
            requests.append(exc)
    results = []
    for index, (item, answer) in enumerate(zip(items, move(
            session, actor, requests, now=now, base_url=base_url), strict=True)):
        number = item.get("number") if isinstance(item, Mapping) else None
        number = number if isinstance(number, str) else None
        if isinstance(answer, DomainError):
            results.append(BulkResult(index, number, "rejected", errors=[
                {"field": answer.field, "message": answer.message}]))
        else:
            results.append(BulkResult(index, number, "accepted", answer.to_state))
    return results


# --- reading -----------------------------------------------------------------------


@dataclass(frozen=True)
class FileView:
    application: Application
    timeline: list[Transition]
    centre: Centre | None
    provider_name: str | None


def read_application(session: Session, actor: Actor, number: str) -> FileView:
    """A file and its dated timeline, for whoever may read it."""
    return _view(session, _load(session, actor, number))


def _view(session: Session, application: Application) -> FileView:
    timeline = list(session.scalars(select(Transition)
                                    .where(Transition.application_id == application.id)
                                    .order_by(Transition.id)))
    centre = session.get(Centre, application.centre_id) if application.centre_id else None
    provider_name = None
    if application.provider_id is not None:
        provider_name = session.scalar(
            select(Organisation.name).join(Provider, Provider.organisation_id == Organisation.id)
            .where(Provider.id == application.provider_id))
    return FileView(application, timeline, centre, provider_name)


@dataclass(frozen=True)
class Change:
    cursor: int
    number: str
    event: str
    from_state: str | None
    to_state: str
    at: datetime
    reason: str | None
    actor: str  # its kind only: provider, centre, staff, system, owner

    @classmethod
    def of(cls, row: Transition, number: str) -> Change:
        return cls(row.id, number, row.event, row.from_state, row.to_state, row.at,
                   row.reason, row.actor.split(":", 1)[0])


def changes_since(session: Session, actor: Actor, cursor: int = 0, *, limit: int = 500
                  ) -> tuple[list[Change], int]:
    """The steps of the actor's files after ``cursor`` (a transition id), oldest first,
    and the cursor to ask from next time."""
    if limit < 1 or limit > 1000:
        raise InvalidInput("limit doit être compris entre 1 et 1000.", field="limit")
    rows = session.execute(
        select(Transition, Application.number)
        .join(Application, Application.id == Transition.application_id)
        .where(Transition.id > cursor, _visible_to(actor, session))
        .order_by(Transition.id).limit(limit)).all()
    changes = [Change.of(t, n) for t, n in rows]
    return changes, (changes[-1].cursor if changes else cursor)


# --- providers ---------------------------------------------------------------------

SANCTION_GROUNDS = {
    "conditions_not_met": "conditions de l'habilitation plus remplies (art. 18-10)",
    "unreported_change": "changement non déclaré dans les quinze jours (art. 18-10)",
    "negligence": "manquement ou négligence dans l'exercice de l'activité (art. 18-10)",
    "fraud": "fraude (art. 18-10)",
    "compliance_2025": "mise en conformité à l'arrêté du 1er juillet 2025 non faite",
}
REINSTATEMENT_GROUNDS = {
    "conditions_met_again": "conditions de l'habilitation à nouveau remplies",
    "sanction_annulled": "sanction annulée ou retirée",
}
GROUNDS = SANCTION_GROUNDS | REINSTATEMENT_GROUNDS


def register_provider(session: Session, actor: Actor, *, organisation_id: int,
                      habilitation_number: str, prefecture: str, siret: str, activity: str,
                      agrement_number: str | None = None, guarantor: str | None = None,
                      guarantee_amount_euros: int | None = None,
                      guarantee_expires_on: date | None = None, now: datetime) -> Provider:
    if actor.kind != ActorKind.STAFF:
        raise NotAllowed("Seule l'administration enregistre un professionnel habilité.")
    organisation = session.get(Organisation, organisation_id)
    if organisation is None or organisation.kind != OrganisationKind.PROVIDER:
        raise InvalidInput("L'organisation doit exister et être de type « professionnel "
                           "habilité ».", field="organisation")
    provider = Provider(
        organisation_id=organisation_id, habilitation_number=habilitation_number.strip(),
        agrement_number=agrement_number, prefecture=prefecture, siret=parse_siret(siret),
        activity=activity, guarantor=guarantor, guarantee_amount_euros=guarantee_amount_euros,
        guarantee_expires_on=guarantee_expires_on, status=ProviderStatus.ACTIVE,
        status_changed_at=now, created_at=now)
    session.add(provider)
    session.flush()
    return provider


_STATUS_CHANGES = {
    # action: (allowed from, to, grounds)
    "suspend": ({ProviderStatus.ACTIVE, ProviderStatus.SUSPENDED}, ProviderStatus.SUSPENDED,
                SANCTION_GROUNDS),
    "withdraw": ({ProviderStatus.ACTIVE, ProviderStatus.SUSPENDED}, ProviderStatus.WITHDRAWN,
                 SANCTION_GROUNDS),
    "reinstate": ({ProviderStatus.SUSPENDED}, ProviderStatus.ACTIVE, REINSTATEMENT_GROUNDS),
}


def _in_progress(provider_id: int):
    return (Application.provider_id == provider_id,
            Application.state.not_in([str(s) for s in states.FINAL_STATES]))


def change_provider_status(session: Session, actor: Actor, provider_id: int, action: str, *,
                           reason: str, legal_ground: str, now: datetime, base_url: str,
                           until: date | None = None) -> ProviderStatusChange:
    """Suspend, withdraw or reinstate a provider (the prefect's decision, art. 18-10).

    Reason and legal ground are required; the change is a history row and an evidence
    event. On a suspension or withdrawal, the provider's files in progress are flagged
    and their owners told by e-mail (unless they opted out for that file); a
    reinstatement clears the flags.
    """
    if actor.kind != ActorKind.STAFF:
        raise NotAllowed("Seule l'administration change le statut d'un professionnel.")
    if action not in _STATUS_CHANGES:
        raise InvalidInput(f"Action inconnue : « {action} ».", field="action")
    allowed_from, to, grounds = _STATUS_CHANGES[action]
    provider = session.get(Provider, provider_id, with_for_update=True)
    if provider is None:
        raise NotFound("Professionnel inconnu.")
    if provider.status not in allowed_from:
        raise Conflict(f"Impossible : le professionnel est actuellement « "
                       f"{STATUS_LABELS[ProviderStatus(provider.status)]} ».")
    if legal_ground not in grounds:
        raise InvalidInput("Fondement juridique inconnu. Valeurs possibles : "
                           + ", ".join(grounds) + ".", field="legal_ground")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Le motif est obligatoire.", field="reason")
    if to == ProviderStatus.SUSPENDED and (until is None or until < now.date()):
        raise InvalidInput("Une suspension a une date de fin, aujourd'hui ou plus tard.",
                           field="until")
    provider.status = to
    provider.suspended_until = until if to == ProviderStatus.SUSPENDED else None
    provider.status_ground = legal_ground
    provider.status_changed_at = now
    change = ProviderStatusChange(provider_id=provider.id, status=to,
                                  suspended_until=provider.suspended_until,
                                  legal_ground=legal_ground, reason=reason,
                                  actor=actor.label, at=now)
    session.add(change)
    record_event(session, subject=provider.subject, tag=EventTag.PROVIDER_STATUS_CHANGED,
                 actor=actor.label, at=now,
                 data={"status": str(to), "legal_ground": legal_ground, "reason": reason,
                       "until": until.isoformat() if change.suspended_until else None})
    if to == ProviderStatus.ACTIVE:
        session.execute(update(Application).where(*_in_progress(provider.id))
                        .values(provider_flag=None).execution_options(synchronize_session=False))
    else:
        flag = ("Habilitation du professionnel retirée" if to == ProviderStatus.WITHDRAWN
                else f"Habilitation du professionnel suspendue jusqu'au {date_fr(until)}")
        session.execute(update(Application).where(*_in_progress(provider.id))
                        .values(provider_flag=flag).execution_options(synchronize_session=False))
        link = f"{base_url.rstrip('/')}/immatriculation/suivi"
        for number, email in session.execute(
                select(Application.number, Application.applicant_email)
                .where(*_in_progress(provider.id), Application.owner_mail.is_(True))
                .order_by(Application.id)):
            enqueue(session, kind="registration_provider", to=email, subject=PROVIDER_SUBJECT,
                    template="registration_provider", now=now,
                    subject_ref=f"registration:{number}", number=number, flag=flag,
                    link=link)
    session.flush()
    return change


STATUS_LABELS = {ProviderStatus.ACTIVE: "actif", ProviderStatus.SUSPENDED: "suspendu",
                 ProviderStatus.WITHDRAWN: "retiré"}


def suspend_provider(session: Session, actor: Actor, provider_id: int, *, reason: str,
                     legal_ground: str, until: date, now: datetime, base_url: str):
    return change_provider_status(session, actor, provider_id, "suspend", reason=reason,
                                  legal_ground=legal_ground, until=until, now=now,
                                  base_url=base_url)


def withdraw_provider(session: Session, actor: Actor, provider_id: int, *, reason: str,
                      legal_ground: str, now: datetime, base_url: str):
    return change_provider_status(session, actor, provider_id, "withdraw", reason=reason,
                                  legal_ground=legal_ground, now=now, base_url=base_url)


def reinstate_provider(session: Session, actor: Actor, provider_id: int, *, reason: str,
                       legal_ground: str, now: datetime, base_url: str):
    return change_provider_status(session, actor, provider_id, "reinstate", reason=reason,
                                  legal_ground=legal_ground, now=now, base_url=base_url)


def provider_history(session: Session, provider_id: int) -> list[ProviderStatusChange]:
    return list(session.scalars(select(ProviderStatusChange)
                                .where(ProviderStatusChange.provider_id == provider_id)
                                .order_by(ProviderStatusChange.id)))


# --- the owner ---------------------------------------------------------------------


def track(session: Session, number: str, code: str, *, address: str, now: datetime,
          limits: LoginLimits) -> Application:
    """The owner opens his file with its number and tracking code, throttled by the
    login's own mechanism (``notify.auth.throttle``, principal ``registration:<number>``):
    past the limit per client address or per file number, every try is refused (even a
    right one) until the window has passed. One message for every wrong pair, so that
    the page does not tell which numbers exist."""
    number = "".join(number.split()).upper()[:16]
    principal = subject_of(number)
    throttle.check_address(session, address, now, limits)
    throttle.check_principal(session, principal, None, now, limits)
    application = session.scalar(select(Application).where(Application.number == number))
    given = digest(normalize_activation_code(code or ""))
    if application is None or not secrets.compare_digest(
            application.tracking_code_sha256, given):
        throttle.record_failure(session, principal=principal, address=address[:64],
                                device=None, now=now)
        raise InvalidInput(TRACKING_REFUSED)
    return application


# --- staff -------------------------------------------------------------------------


def staff_file(session: Session, member: StaffMember, number: str, *, reason: str,
               action: AccessAction, now: datetime) -> FileView:
    """A staff member reads a file (its page, or its evidence bundle with ``action``
    ``BUNDLE``): the read is recorded in the access log with the member's reason
    (``notify.backoffice.access``) before anything is shown."""
    view = read_application(session, Actor.staff(member.reference), number)
    record_access(session, member, action, now=now, reason=reason,
                  read=[Accessed(registration_file(view.application.number))])
    return view


def staff_search(session: Session, member: StaffMember, text: str, *, now: datetime,
                 state: str | None = None, centre_id: int | None = None
                 ) -> list[queries.Found]:
    """Files matching a staff search; the files listed are recorded in the access log
    (one ``search`` event with the criteria), as a page of results shows applicants'
    names."""
    found = queries.search_files(session, text, state=state, centre_id=centre_id)
    record_access(session, member, AccessAction.SEARCH, now=now,
                  read=[Accessed(registration_file(f.application.number)) for f in found],
                  details={"q": text, "state": state, "centre_id": centre_id})
    return found


def owner_file(session: Session, application_id: int) -> FileView:
    application = session.get(Application, application_id)
    if application is None:
        raise NotFound("Ce dossier n'existe plus.")
    return _view(session, application)


def _of_account(account: Account):
    return or_(Application.account_id == account.id,
               Application.applicant_email == account.email)


def files_of_account(session: Session, account: Account) -> list[Application]:
    """The holder's files: linked to his account at filing, or filed under his address
    (verified) since; finished ones stay listed. Newest first."""
    if account.email_verified_at is None:
        return []
    return list(session.scalars(select(Application).where(_of_account(account))
                                .order_by(Application.filed_at.desc(), Application.id.desc())))


def file_of_account(session: Session, account: Account, number: str) -> FileView:
    application = session.scalar(select(Application).where(
        Application.number == number, _of_account(account)))
    if application is None or account.email_verified_at is None:
        raise _not_found(number)
    return _view(session, application)


def set_owner_mail(session: Session, application: Application, enabled: bool) -> None:
    """The owner's choice, per file, to receive (or not) the e-mails about it."""
    application.owner_mail = enabled
    session.flush()


# --- what the owner's page shows ---------------------------------------------------


@dataclass(frozen=True)
class Step:
    at: datetime
    label: str
    state_label: str
    actor_label: str
    reason: str | None
    certified_at: datetime | None
    tsa_serial: str | None = None  # the timestamp token certifying the step (staff page)


@dataclass(frozen=True)
class Tracking:
    """A file as its owner reads it: plain French, times, usual delay, whom to ask."""

    file: FileView
    state_label: str
    advice: Any  # guidance.Guidance
    in_state_seconds: int
    usual: queries.StepDelay | None
    time_per_state: list[tuple[str, int]]
    steps: list[Step]


def _actor_label(label: str) -> str:
    kind = label.split(":", 1)[0]
    try:
        return states.ACTOR_LABELS[ActorKind(kind)]
    except ValueError:
        return "le système"


def tracking(session: Session, view: FileView, now: datetime) -> Tracking:
    application = view.application
    state = State(application.state)
    certified = {row.id: (row.gen_time, row.tsa_serial) for row in session.execute(
        select(Transition.id, EvidenceBatch.gen_time, EvidenceBatch.tsa_serial)
        .join(EvidenceEvent, EvidenceEvent.id == Transition.evidence_event_id)
        .join(EvidenceBatch, EvidenceBatch.id == EvidenceEvent.batch_id)
        .where(Transition.application_id == application.id))}
    steps, spent = [], {}
    for row in view.timeline:
        label = ("demande enregistrée" if row.event == FILED
                 else states.EVENT_LABELS[Event(row.event)])
        steps.append(Step(row.at, label, states.STATE_LABELS[State(row.to_state)],
                          _actor_label(row.actor), row.reason,
                          *certified.get(row.id, (None, None))))
        if row.from_state is not None and row.seconds_in_previous is not None:
            key = states.STATE_LABELS[State(row.from_state)]
            spent[key] = spent.get(key, 0) + row.seconds_in_previous
    in_state = max(0, int((now - application.state_since_at).total_seconds()))
    if state not in states.FINAL_STATES:
        key = states.STATE_LABELS[state]
        spent[key] = spent.get(key, 0) + in_state
    usual = None
    if state not in states.FINAL_STATES:
        usual = next(iter(queries.step_delays(session, state)), None)
    return Tracking(view, states.STATE_LABELS[state],
                    guidance(state, application.state_since_at,
                             information_service=application.information_service,
                             filed_by_provider=application.provider_id is not None),
                    in_state, usual, list(spent.items()), steps)
