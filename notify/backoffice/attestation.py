"""The attestation of notification: one French A4 page, for a court or a lawyer.

It states the facts (made available on…, alert sent on…, consulted on… or deemed
notified on… under rule…, appeal deadline…), the SHA-256 of each event they rest on
and the serial number of the RFC 3161 token that certified it, how to check them (the
evidence bundle, ``notify evidence verify``, ``openssl ts -verify -attime``), and the
decision's fingerprint (``notify.backoffice.decision_file``) as text and as a QR code.

Deterministic: it is rendered only from certified facts, and its date (the PDF's
creation date, stated on the page) is the latest certification among the facts it
cites, never the time of rendering. The same facts give the same bytes.
"""

from __future__ import annotations

import segno

from notify.backoffice.decision_file import DecisionFile, TimelineEntry
from notify.decisions.letters import pdf_text
from notify.decisions.pdf import BOLD, REGULAR, TextDocument, wrap
from notify.evidence.models import EventTag
from notify.evidence.texts import TokenLine, both_times, openssl_command, utc_time
from notify.legal.deadlines import NotificationBasis
from notify.legal.points import DecisionKind
from notify.web.formatting import date_fr

ATTESTATION_VERSION = "notify attestation-notification/1"
"""The PDF's producer: changes when the wording or the layout changes."""

MARGIN = 18.0
WIDTH = 210.0 - 2 * MARGIN
QR_SIZE = 30.0
"""Side of the QR code in mm (its modules are scaled to it)."""
QR_X = 210.0 - MARGIN - QR_SIZE
_STYLES = {"title": (BOLD, 15.0, 6.5), "heading": (BOLD, 10.5, 5.0),
           "text": (REGULAR, 9.0, 4.1), "small": (REGULAR, 7.5, 3.4),
           "strong": (BOLD, 9.0, 4.1)}

CITED = (EventTag.DEPOSITED, EventTag.MADE_AVAILABLE, EventTag.ALERT_SENT,
         EventTag.ALERT_FAILED, EventTag.FIRST_CONSULTATION, EventTag.DEEMED_NOTIFIED)
"""The events an attestation rests on, in their chain's order."""


def qr_payload(file: DecisionFile) -> str:
    """What the QR code holds: the decision's subject and its fingerprint."""
    return f"{file.decision.subject} sha256={file.fingerprint}"


def _facts(file: DecisionFile) -> list[tuple[str, str]]:
    decision, territory = file.decision, file.holder.territory
    made = file.first(EventTag.MADE_AVAILABLE)
    alert = file.first(EventTag.ALERT_SENT)
    consulted = file.first(EventTag.FIRST_CONSULTATION)
    policy = file.policy
    parts = [("text", f"La décision a été mise à disposition sur le compte personnel du "
                      f"titulaire le {both_times(made.at, territory)}, instant certifié de "
                      "son dépôt (article R. 223-3-1, III du code de la route).")]
    if alert is not None:
        parts.append(("text", "Le courriel d'alerte a été envoyé au titulaire le "
                              f"{both_times(alert.at, territory)}."))
    elif file.first(EventTag.ALERT_FAILED) is not None:
        parts.append(("text", "L'envoi du courriel d'alerte a échoué ; cet échec est sans "
                              "effet sur la notification."))
    if decision.notification_basis == NotificationBasis.CONSULTATION:
        parts.append(("text", "Le titulaire l'a consultée pour la première fois le "
                              f"{both_times(consulted.at, territory)}, avant la fin du délai "
                              "de quinze jours : cette consultation vaut notification."))
    else:
        deemed = file.notification_event
        parts.append(("text", "Aucune consultation n'a été enregistrée avant la fin du délai "
                              "de quinze jours, qui a expiré le "
                              f"{date_fr(decision.notified_on)} à 24:00, heure légale "
                              f"({utc_time(deemed.at)}) : la décision est réputée notifiée "
                              "à cet instant."))
    parts += [
        ("strong", f"Date de notification : {date_fr(decision.notified_on)} "
                   f"({file.basis_label})."),
        ("text", f"Règle de calcul appliquée ({policy.ref}) : {policy.basis}"),
        ("strong", "Délai de recours contentieux : jusqu'au "
                   f"{date_fr(decision.appeal_deadline)} inclus (articles R. 421-1, R. 421-5 "
                   "et R. 421-7 du code de justice administrative)."),
    ]
    return parts


def _proofs(cited: list[TimelineEntry]) -> list[tuple[str, str]]:
    parts = []
    for entry in cited:
        parts.append(("text", f"{entry.seq}. {entry.label} — horodaté le "
                              f"{utc_time(entry.certified_at)}, jeton n° de série "
                              f"{entry.tsa_serial} (lot n° {entry.batch_seq})"))
        parts.append(("small", f"SHA-256 : {entry.hash}"))
    return parts


def _how_to_check(file: DecisionFile, cited: list[TimelineEntry]) -> list[tuple[str, str]]:
    notified = file.notification_event
    batches = sorted({(e.batch_seq, e.batch_root, e.certified_at) for e in cited})
    parts = [
        ("text", "Le paquet de preuves de la décision (preuves.zip, téléchargeable depuis sa "
                 "fiche dans l'espace agents) contient ces événements, octet pour octet "
                 "(events/NNNN.json, dont le SHA-256 est l'empreinte ci-dessus), les jetons "
                 "d'horodatage RFC 3161 de leurs lots, la chaîne de certificats de "
                 "l'autorité et l'état du journal qui prouve qu'aucun événement ne manque. "
                 "Vérification complète, hors ligne, avec le certificat racine de "
                 "l'autorité obtenu auprès de l'administration :"),
        ("small", "notify evidence verify preuves.zip --trust racine.pem"),
        ("text", "Vérification indépendante de chaque jeton avec OpenSSL, à son heure "
                 "certifiée (la commande reste valable après l'expiration des certificats), "
                 "dans le paquet extrait :"),
    ]
    parts += [("small", openssl_command(TokenLine(seq, root, at)))
              for seq, root, at in batches]
    parts.append(("text", "L'empreinte de la décision est celle de l'événement de "
                          f"notification n° {notified.seq} (sha256sum "
                          f"events/{notified.seq:04d}.json). Chaque événement contenant "
                          "l'empreinte du précédent, elle engage toute la suite des faits "
                          "depuis le dépôt."))
    return parts


def render_attestation(file: DecisionFile) -> bytes:
    """The PDF. ``file`` must be notified and its cited events certified (``attestable``)."""
    decision, holder = file.decision, file.holder
    cited = [e for e in file.timeline if e.tag in CITED and e.seq <= file.notification_event.seq]
    if any(not e.certified for e in cited):
        raise ValueError("an attestation cites certified events only")
    dated = max(e.certified_at for e in cited)
    kind = "Retrait" if decision.kind == DecisionKind.WITHDRAWAL else "Reconstitution"
    document = TextDocument(title=pdf_text(f"Attestation de notification {file.reference}"),
                            producer=ATTESTATION_VERSION, created_at=dated)
    document.add_page()
    qr = segno.make(qr_payload(file), error="m", micro=False)
    document.squares(QR_X, MARGIN, QR_SIZE / len(qr.matrix), qr.matrix)
    beside_qr = WIDTH - QR_SIZE - 4
    y = MARGIN + 5
    head = [
        ("title", "Attestation de notification"),
        ("strong", f"{kind} de points — décision n° {file.reference} du "
                   f"{date_fr(decision.decided_on)}"),
        ("text", f"Titulaire : {holder.surname} {holder.given_names}, permis n° "
                 f"{holder.licence_number} ; heure légale : {file.zone.label} "
                 f"({file.zone.tz_name})."),
    ]
    sections = [
        ("heading", "Les faits"), *_facts(file),
        ("heading", "Les preuves horodatées sur lesquelles ils reposent"), *_proofs(cited),
        ("heading", "Empreinte de la décision (code QR ci-dessus)"),
        ("small", f"SHA-256 {file.fingerprint}"),
        ("heading", "Comment les vérifier"), *_how_to_check(file, cited),
        ("small", f"Attestation établie à partir des seuls faits horodatés ; le dernier "
                  f"l'a été le {both_times(dated, holder.territory)}. Même décision, mêmes "
                  "faits : même document, octet pour octet."),
    ]
    for style, text in head:
        y = _paragraph(document, y, style, text, beside_qr)
    y = max(y, MARGIN + QR_SIZE + 2)
    for style, text in sections:
        y = _paragraph(document, y, style, text, WIDTH)
    return document.output()


def _paragraph(document: TextDocument, y: float, style: str, text: str, width: float
               ) -> float:
    font, size, leading = _STYLES[style]
    if style == "heading":
        y += 2.5
    lines = wrap(pdf_text(text), font, size, width)
    document.lines(MARGIN, y, leading, font, size, lines)
    return y + leading * len(lines) + (1.2 if style != "title" else 2)
