"""Demo registration files: providers (one suspended), three centres, a few thousand
files spread over states and ages, a visible backlog at Lyon, some filed under the demo
holders' addresses.

Written in bulk (a handful of INSERTs) so that loading takes a few seconds. Each file's
history is walked through the real state machine (``states.apply``) and gets its
transition rows and its chained evidence events, as if filed through the operations.
A second load leaves the existing demo files alone.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from notify.accounts.models import Account
from notify.auth.models import Organisation
from notify.auth.secrets import digest, new_activation_code, normalize_activation_code
from notify.evidence.log import event_row
from notify.evidence.models import Event as EvidenceEvent
from notify.evidence.models import EventTag
from notify.mail.models import OutboxMessage
from notify.registrations import operations as reg
from notify.registrations import states
from notify.registrations.models import Application, Centre, Procedure, Transition
from notify.registrations.numbers import vin_check_digit
from notify.registrations.states import ActorKind, Event, State
from notify.settings import Settings

FILES = 3000
CENTRES = (("cert-lyon", "CERT-LYON", "CERT de Lyon",
            "Formulaire « Poser une question » sur immatriculation.ants.gouv.fr, rubrique "
            "CERT de Lyon ; 34 00 (service gratuit + prix de l'appel)"),
           ("cert-paris", "CERT-PARIS", "CERT de Paris",
            "Formulaire « Poser une question » sur immatriculation.ants.gouv.fr, rubrique "
            "CERT de Paris ; 34 00"),
           ("cert-marseille", "CERT-MARSEILLE", "CERT de Marseille",
            "Formulaire « Poser une question » sur immatriculation.ants.gouv.fr, rubrique "
            "CERT de Marseille ; 34 00"))
PROVIDERS = (("garage-des-lilas", "Garage des Lilas", "HAB-69-0412", "AGR-69-0088", "Rhône",
              "73282932000074", "Garage, vente de véhicules d'occasion"),
             ("carte-grise-express", "Carte Grise Express", "HAB-75-1203", "AGR-75-0301",
              "Paris", "55208131766522", "Service en ligne d'immatriculation"),
             ("auto-sud", "Auto Sud Concession", "HAB-13-0777", None, "Bouches-du-Rhône",
              "44306184100047", "Concession automobile"),
             ("immat-rapide", "Immat Rapide", "HAB-33-0099", "AGR-33-0012", "Gironde",
              "38012986643097", "Service en ligne d'immatriculation"))
SUSPENDED = "immat-rapide"
DEMO_EMAILS = ("titulaire.01@demo.notify.test", "titulaire.02@demo.notify.test",
               "titulaire.03@demo.notify.test")
SURNAMES = ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
            "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia")
GIVEN = ("Camille", "Léa", "Louis", "Jules", "Chloé", "Hugo", "Inès", "Lucas", "Manon",
         "Nathan", "Sarah", "Gabriel", "Emma", "Arthur", "Jade")
_LETTERS = "ABCDEFGHJKLMNPQRSTVWXYZ"  # SIV letters: no I, O, U
_VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
HOUR, DAY = 3600, 86400


def _ascii(name: str) -> str:
    # The outbox writes addresses as ASCII (no SMTPUTF8): demo addresses stay ASCII.
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()


def _plate(rng: random.Random) -> str:
    def pair():
        while True:
            value = rng.choice(_LETTERS) + rng.choice(_LETTERS)
            if value not in ("SS", "WW"):
                return value
    return f"{pair()}-{rng.randint(1, 999):03d}-{pair()}"


def _vin(rng: random.Random) -> str:
    body = "VF" + "".join(rng.choice(_VIN_CHARS) for _ in range(15))
    if rng.random() < 0.2:  # some imported North-American vehicles, with their check digit
        body = "1" + body[1:8] + "0" + body[9:]
        body = body[:8] + vin_check_digit(body) + body[9:]
    return body


def _path(rng: random.Random, backlog: bool) -> list[tuple[Event, float, str | None]]:
    """A plausible life: (event, seconds after the previous step, reason)."""
    review = rng.uniform(20, 95) * DAY if backlog else rng.uniform(2, 25) * DAY
    steps: list[tuple[Event, float, str | None]] = [
        (Event.SUBMIT, rng.uniform(1, 72) * HOUR, None),
        (Event.RECORD_PAYMENT, rng.uniform(0.2, 48) * HOUR, None)]
    if rng.random() < 0.05:
        return [steps[0], (Event.ABANDON, rng.uniform(2, 20) * DAY, "Vente annulée")]
    if rng.random() < 0.2:
        tax = rng.random() < 0.3
        steps.append((Event.REQUEST_TAX_INFORMATION if tax else Event.REQUEST_INFORMATION,
                      review / 2, "Quitus fiscal à fournir" if tax
                      else "Justificatif de domicile de moins de six mois illisible"))
        steps.append((Event.PROVIDE_INFORMATION, rng.uniform(1, 15) * DAY, None))
    if rng.random() < 0.06:
        steps.append((Event.REJECT, review, "Certificat de cession non signé par le vendeur"))
        return steps
    steps += [(Event.APPROVE, review, None),
              (Event.START_PRODUCTION, rng.uniform(0.5, 2) * DAY, None),
              (Event.SHIP, rng.uniform(1, 3) * DAY, None)]
    if rng.random() < 0.15:
        steps.append((Event.LEAVE_NOTICE, rng.uniform(2, 7) * DAY, None))
        if rng.random() < 0.2:
            steps.append((Event.RETURN_TO_SENDER, 15 * DAY, None))
            return steps
    steps.append((Event.DELIVER, rng.uniform(2, 7) * DAY, None))
    return steps


def _actor(event: Event, provider_label: str | None, centre_label: str) -> tuple[ActorKind, str]:
    if event in (Event.SUBMIT, Event.PROVIDE_INFORMATION, Event.ABANDON):
        return ((ActorKind.PROVIDER, provider_label) if provider_label
                else (ActorKind.OWNER, "owner"))
    if event == Event.RECORD_PAYMENT:
        return ActorKind.SYSTEM, "system:paiement"
    if event in (Event.LEAVE_NOTICE, Event.DELIVER, Event.RETURN_TO_SENDER):
        return ActorKind.SYSTEM, "system:laposte"
    return ActorKind.CENTRE, centre_label


def _ids(session: Session, key, id_column, keys: list[str]) -> list[int]:
    found: dict[str, int] = {}
    for start in range(0, len(keys), 500):
        found.update(session.execute(select(key, id_column)
                                     .where(key.in_(keys[start:start + 500]))).all())
    return [found[k] for k in keys]


def load_registrations(session: Session, now: datetime, settings: Settings) -> dict:
    if session.scalar(select(Centre.id).where(Centre.code == CENTRES[0][1])) is not None:
        return {"loaded": False, "note": "dossiers d'immatriculation de démonstration déjà "
                                         "chargés"}
    rng = random.Random(2026)
    staff = reg.Actor.staff("demo")
    centres = []
    for slug, code, name, contact in CENTRES:
        org = Organisation(slug=slug, name=name, kind="centre", created_at=now)
        session.add(org)
        session.flush()
        centre = Centre(organisation_id=org.id, code=code, name=name, contact=contact)
        session.add(centre)
        session.flush()
        centres.append((centre.id, f"centre:{org.id}"))
    providers = []
    for slug, name, habilitation, agrement, prefecture, siret, activity in PROVIDERS:
        org = Organisation(slug=slug, name=name, kind="provider", created_at=now)
        session.add(org)
        session.flush()
        provider = reg.register_provider(
            session, staff, organisation_id=org.id, habilitation_number=habilitation,
            agrement_number=agrement, prefecture=prefecture, siret=siret, activity=activity,
            guarantor="Caisse de garantie de l'automobile", guarantee_amount_euros=30_000,
            guarantee_expires_on=date(now.year + 1, 6, 30), now=now - timedelta(days=400))
        providers.append((provider, f"provider:{org.id}"))
    accounts = dict(session.execute(select(Account.email, Account.id)
                                    .where(Account.email.in_(DEMO_EMAILS))).all())

    applications, histories, examples = [], [], []
    for i in range(FILES):
        centre_index = 0 if rng.random() < 0.5 else rng.choice((1, 2))
        provider, provider_label = (rng.choice(providers) if rng.random() < 0.7
                                    else (None, None))
        given, surname = rng.choice(GIVEN), rng.choice(SURNAMES)
        email = (DEMO_EMAILS[i % 3] if i < 12 else
                 f"{_ascii(given)}.{_ascii(surname)}{i}@exemple.fr")
        filed_at = now - timedelta(seconds=rng.uniform(0, 150) * DAY)
        code = new_activation_code()
        procedure = rng.choice(list(Procedure))
        mandate = filed_at - timedelta(days=rng.choice((0, 1, 3, 10, 20))) if provider else None
        applications.append({
            "number": reg.new_number(),
            "tracking_code_sha256": digest(normalize_activation_code(code)),
            "procedure": procedure, "vin": _vin(rng),
            "plate": None if procedure == Procedure.FIRST_REGISTRATION else (
                "WW" + _plate(rng)[2:] if procedure == Procedure.PROVISIONAL_WW
                else _plate(rng)),
            "plate_format": None if procedure == Procedure.FIRST_REGISTRATION else (
                "ww" if procedure == Procedure.PROVISIONAL_WW else "siv"),
            "applicant_name": f"{given} {surname}",
            "applicant_email": email, "account_id": accounts.get(email),
            "provider_id": provider.id if provider else None,
            "provider_reference": f"DOS-{i:05d}" if provider else None,
            "content_sha256": digest(f"demo-{i}"), "centre_id": centres[centre_index][0],
            "mandate_signed_at": mandate,
            "transmit_by_at": (mandate + timedelta(days=settings.registration_mandate_days)
                               if mandate else None),
            # Only the demo holders' addresses are read (in the demo mail catcher): the
            # other owners have turned the e-mails off, so that the demo's suspension
            # does not queue hundreds of messages to addresses nobody reads.
            "filed_at": filed_at, "owner_mail": email in DEMO_EMAILS,
        })
        # Walk the table until the next step would be in the future.
        state, at, steps, submitted_at = State.TO_COMPLETE, filed_at, [], None
        for event, delay, reason in _path(rng, backlog=centre_index == 0):
            if at + timedelta(seconds=delay) > now:
                break
            kind, label = _actor(event, provider_label, centres[centre_index][1])
            step = states.apply(state, event, kind, reason)
            at += timedelta(seconds=delay)
            steps.append((step, label, at, int(delay)))
            state = step.to_state
            submitted_at = at if event == Event.SUBMIT else submitted_at
        last_service = next((s.information_service for s, *_ in reversed(steps)
                             if s.information_service), None)
        applications[-1].update(
            state=state, state_since_at=steps[-1][2] if steps else filed_at,
            submitted_at=submitted_at, last_reason=steps[-1][0].reason if steps else None,
            information_service=last_service if state == State.AWAITING_INFORMATION else None)
        histories.append((provider, steps))
        if i < 12:
            examples.append({"number": applications[-1]["number"], "tracking_code": code,
                             "email": email, "state": str(state)})

    # Core inserts without RETURNING: SQLAlchemy's sorted RETURNING over thousands of
    # rows costs seconds; the ids are read back by number, 500 at a time.
    session.execute(insert(Application.__table__), applications)
    ids = _ids(session, Application.number, Application.id,
               [row["number"] for row in applications])
    events, transitions = [], []
    for application_id, row, (provider, steps) in zip(ids, applications, histories,
                                                      strict=True):
        subject = f"registration:{row['number']}"
        first = event_row(subject=subject, seq=1, prev_hash=None,
                          tag=EventTag.REGISTRATION_FILED,
                          actor=f"provider:{provider.organisation_id}" if provider else
                          "system:site-national", at=row["filed_at"],
                          data={"procedure": str(row["procedure"]), "vin": row["vin"],
                                "plate": row["plate"], "state": str(State.TO_COMPLETE),
                                "provider": provider.habilitation_number if provider
                                else None})
        events.append(first)
        transitions.append({"application_id": application_id, "event": reg.FILED,
                            "from_state": None, "to_state": State.TO_COMPLETE,
                            "actor": first["actor"], "reason": None, "at": row["filed_at"],
                            "seconds_in_previous": None})
        previous = first
        for seq, (step, label, at, seconds) in enumerate(steps, start=2):
            previous = event_row(
                subject=subject, seq=seq, prev_hash=previous["hash"],
                tag=EventTag.REGISTRATION_TRANSITION, actor=label, at=at,
                data={"event": str(step.event), "from": str(step.from_state),
                      "to": str(step.to_state), "reason": step.reason,
                      "service": (str(step.information_service)
                                  if step.information_service else None)})
            events.append(previous)
            transitions.append({"application_id": application_id, "event": step.event,
                                "from_state": step.from_state, "to_state": step.to_state,
                                "actor": label, "reason": step.reason, "at": at,
                                "seconds_in_previous": seconds})
    session.execute(insert(EvidenceEvent.__table__), events)
    event_ids = _ids(session, EvidenceEvent.hash, EvidenceEvent.id,
                     [row["hash"] for row in events])
    for row, event_id in zip(transitions, event_ids, strict=True):
        row["evidence_event_id"] = event_id
    session.execute(insert(Transition.__table__), transitions)
    # The suspension goes through the real operation (history row, evidence event, and
    # the owners' e-mails for the files in progress).
    queued_before = session.scalar(select(func.count()).select_from(OutboxMessage))
    reg.suspend_provider(session, staff, providers[-1][0].id,
                         reason="Pièces justificatives non vérifiées (contrôle du "
                                "1er octobre)", legal_ground="negligence",
                         until=(now + timedelta(days=45)).date(), now=now,
                         base_url=settings.base_url)
    queued = session.scalar(select(func.count()).select_from(OutboxMessage)) - queued_before
    return {"loaded": True, "files": FILES, "events": len(events), "mails_queued": queued,
            "examples": examples}
