"""The French texts of a bundle: LISEZMOI.txt (how to check it) and CHRONOLOGIE.txt
(what happened, when, and how each fact is certified).

Both are rendered from the bundle's verified content only, so the verifier renders
them again and requires the same bytes: a text that says something the events do not
is caught like any other alteration.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from notify.evidence.facts import Fact
from notify.legal.policies import get_policy
from notify.legal.territories import DEFAULT_TERRITORY, get_territory
from notify.web.formatting import date_fr, datetime_fr

ATTACHMENT_NAMES = {"decision.json": "le contenu de la décision déposée (JSON canonique)",
                    "courrier.pdf": "le courrier de la décision (PDF)"}

_TAGS = {
    "conditions_accepted": "Acceptation des conditions d'utilisation",
    "attestation_accepted": "Attestation de connaissance des délais",
    "email_verified": "Vérification de l'adresse électronique",
    "account_opened": "Ouverture du compte personnel",
    "email_changed": "Changement d'adresse électronique",
    "closure_requested": "Demande de fermeture du compte",
    "closure_withdrawn": "Retrait de la demande de fermeture",
    "closure_effective": "Fermeture effective du compte",
    "deposited": "Dépôt de la décision par l'administration",
    "made_available": "Mise à disposition de la décision sur le compte personnel",
    "alert_sent": "Envoi du courriel d'alerte au titulaire",
    "alert_failed": "Échec de l'envoi du courriel d'alerte",
    "reminder_queued": "Rappel au titulaire avant la fin du délai de quinze jours",
    "reminder_sent": "Envoi du courriel de rappel au titulaire",
    "reminder_failed": "Échec de l'envoi du courriel de rappel",
    "first_consultation": "Première consultation de la décision par le titulaire",
    "consulted": "Nouvelle consultation de la décision par le titulaire",
    "deemed_notified": "Notification réputée acquise, faute de consultation dans le délai "
                       "de quinze jours",
    "content_purged": "Suppression du contenu au terme de la durée de conservation",
    "exported_for_print": "Transmission pour impression et envoi postal",
}
_VIA = {"page": "par la page de la décision (HTML)", "pdf": "par le courrier PDF"}
_AUTHENTICATION = {"password": "adresse électronique et mot de passe",
                   "franceconnect": "FranceConnect"}


@dataclass(frozen=True)
class HeadsStatement:
    """What the certified heads snapshot says of the subject."""

    certified_at: datetime
    batch_seq: int
    count: int


def root_fingerprint(chain_pem: bytes) -> str:
    """SHA-256 of the last certificate of the chain (the root), as OpenSSL prints it."""
    root = x509.load_pem_x509_certificates(chain_pem)[-1]
    digest = hashlib.sha256(root.public_bytes(Encoding.DER)).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _both(at: datetime, territory: str) -> str:
    return f"{datetime_fr(at, territory)} ({_utc(at)})"


def _detail(fact: Fact, territory: str) -> list[str]:
    data = fact.data
    if fact.tag == "first_consultation":
        lines = []
        if data.get("via") in _VIA:
            lines.append(f"Consultée {_VIA[data['via']]}.")
        if data.get("account"):
            how = _AUTHENTICATION.get(data.get("authentication"), data.get("authentication"))
            lines.append(f"Compte {data['account']}, authentifié par {how}.")
        if data.get("notification"):
            lines.append("Cette consultation, antérieure à la fin du délai, vaut notification.")
        elif "within_delay" in data:
            lines.append("Consultation postérieure à la fin du délai : elle ne change pas la "
                         "date de notification.")
        return lines
    if fact.tag == "deemed_notified":
        record = data.get("notification") or {}
        lines = []
        try:
            lines.append(f"Règle de calcul appliquée ({record['policy']}) : "
                         f"{get_policy(record['policy']).basis}")
            lines.append(f"Dernier jour du délai : {date_fr(date.fromisoformat(record['on']))}"
                         " ; recours contentieux possible jusqu'au "
                         f"{date_fr(date.fromisoformat(record['appeal_deadline']))} inclus.")
        except (KeyError, ValueError):
            lines.append("Règle de calcul non reconnue : voir la vérification automatique.")
        return lines
    if fact.tag == "made_available":
        return ["Instant certifié du dépôt : le délai de quinze jours court à partir de lui."]
    if fact.tag == "deposited":
        return ["Empreinte SHA-256 du contenu déposé (fichier decision.json) :",
                f"  {data.get('content_sha256')}",
                "Empreinte SHA-256 du courrier (fichier courrier.pdf) :",
                f"  {data.get('letter_sha256')}"]
    return []


def chronology(subject: str, territory: str | None, facts: Sequence[Fact],
               heads: HeadsStatement | None) -> bytes:
    """CHRONOLOGIE.txt: each fact, its legal time (holder's zone and UTC), its
    certification; then what the certified state of the log says about absence."""
    zone = get_territory(territory or DEFAULT_TERRITORY)
    shown = str(zone)
    lines = [
        "CHRONOLOGIE",
        "===========",
        "",
        f"Objet : {subject}",
        f"Heure légale : celle du territoire du titulaire, {zone.label} ({zone.tz_name}) ;",
        "entre parenthèses, la même heure en temps universel (UTC).",
        "",
        "Chaque fait porte deux heures : celle à laquelle le service l'a enregistré (heure",
        "légale du fait), et celle à laquelle il a été horodaté par le dispositif",
        "d'horodatage du site (article R. 223-3-1, III du code de la route). L'horodatage",
        "prouve que le fait existait, tel qu'il est écrit, au plus tard à cette heure-là.",
        "",
    ]
    for fact in facts:
        lines.append(f"{fact.seq}. {_TAGS.get(fact.tag, fact.tag)}")
        if fact.tag == "deemed_notified":
            # The delay ends at 24:00 of its last day, which is 00:00 of the next.
            last_day = fact.at.astimezone(get_territory(shown).zone) - timedelta(days=1)
            lines.append(f"   Heure légale : le {date_fr(last_day.date())} à 24:00, fin du "
                         f"délai ({_utc(fact.at)})")
        else:
            lines.append(f"   Heure légale : le {_both(fact.at, shown)}")
        if fact.certified_at is not None:
            lines.append(f"   Horodaté : le {_both(fact.certified_at, shown)}"
                         f", lot n° {fact.batch_seq}")
        lines += [f"   {line}" for line in _detail(fact, shown)]
        lines.append("")
    lines += ["Complétude", "----------"]
    if heads is None:
        lines.append("Aucun état certifié du journal n'accompagne ces événements : rien ne "
                     "prouve qu'il n'en manque pas après le dernier.")
    else:
        counted = (f"exactement {heads.count} événements, le dernier étant le n° {heads.count}"
                   if heads.count > 1 else "exactement un événement, le n° 1")
        lines += [
            f"L'état du journal horodaté le {_both(heads.certified_at, shown)}",
            f"(lot n° {heads.batch_seq}) compte pour cet objet {counted} ci-dessus :",
            "aucun autre événement n'avait été enregistré pour lui à cette heure-là.",
        ]
        deemed = next((f for f in facts if f.tag == "deemed_notified"), None)
        if deemed is not None and heads.certified_at >= deemed.at:
            lines += [
                "Cette heure étant postérieure à la fin du délai de quinze jours, aucune",
                "consultation n'avait été enregistrée avant la fin du délai.",
            ]
    lines.append("")
    return "\n".join(lines).encode("utf-8")


@dataclass(frozen=True)
class TokenLine:
    seq: int
    root: str
    gen_time: datetime


def readme(subject: str, tokens: Sequence[TokenLine], chain_pem: bytes, verify_hint: str,
           attachments: Sequence[str]) -> bytes:
    lines = [
        "PAQUET DE PREUVES — notify",
        "=" * 26,
        "",
        f"Objet : {subject}",
        "",
        "Ce paquet contient les événements juridiques de l'objet ci-dessus (dépôt, mise à",
        "disposition, alerte, première consultation, notification réputée acquise, ou",
        "étapes du compte), tels qu'ils ont été enregistrés, et de quoi prouver la date",
        "à laquelle chacun a été certifié par le dispositif d'horodatage du site",
        "(article R. 223-3-1, III du code de la route), sans faire confiance à la base de",
        "données ni aux serveurs du service. Il prouve aussi qu'aucun événement ne manque :",
        "un état du journal, horodaté, indique combien d'événements l'objet comptait à",
        "une heure donnée.",
        "",
        "La chronologie des faits, en clair, est dans CHRONOLOGIE.txt.",
        "",
        "Ce que contient le paquet",
        "-------------------------",
        "- CHRONOLOGIE.txt : chaque fait, son heure légale (heure du titulaire et UTC) et",
        "  l'heure à laquelle il a été horodaté.",
    ]
    for name in attachments:
        lines.append(f"- {name} : {ATTACHMENT_NAMES[name]} ; son empreinte SHA-256 est celle")
        lines.append("  enregistrée dans l'événement de dépôt.")
    lines += [
        "- events/NNNN.json : chaque événement, octet pour octet tel qu'il a été haché",
        "  (JSON canonique, RFC 8785). Son empreinte SHA-256 figure dans manifest.json ;",
        "  chaque événement contient l'empreinte du précédent (chaîne de hachage).",
        "- batches/NNNN.tst : le jeton d'horodatage RFC 3161 d'un lot d'événements. Le",
        "  jeton porte sur la racine d'un arbre de Merkle (RFC 9162) dont les feuilles",
        "  sont la racine du lot précédent, les empreintes des événements du lot et, pour",
        "  certains lots, l'empreinte d'un état du journal.",
        "- manifest.json : pour chaque événement, son lot, sa position et son chemin",
        "  d'inclusion dans l'arbre ; pour chaque lot, sa racine et l'heure certifiée",
        "  (genTime) ; l'état du journal retenu (« heads ») : le nombre d'événements de",
        "  l'objet, l'empreinte du dernier et les chemins qui les relient au lot horodaté ;",
        "  l'empreinte SHA-256 de chaque fichier.",
        "- chain.pem : la chaîne de certificats de l'autorité d'horodatage.",
        "",
        "Vérification automatique (sans réseau ni base de données)",
        "----------------------------------------------------------",
        f"  {verify_hint}",
        "La commande vérifie chaque empreinte, chaque lien de chaîne, chaque chemin",
        "d'inclusion, chaque jeton, que les événements sont tous ceux de l'objet à l'heure",
        "de l'état du journal, et les faits juridiques (mise à disposition, fin du délai",
        "recalculée, consultation). Elle échoue en nommant chaque anomalie.",
        "Fournissez avec --trust le certificat racine de l'autorité obtenu par un autre",
        "canal (par exemple auprès de l'administration) : celui de chain.pem ne prouve",
        "rien à lui seul. Son empreinte SHA-256 doit être :",
        f"  {root_fingerprint(chain_pem)}",
        "(commande : openssl x509 -in racine.pem -noout -fingerprint -sha256).",
        "",
        "Vérification indépendante des jetons avec OpenSSL",
        "-------------------------------------------------",
        "Extrayez le paquet, enregistrez le certificat racine de confiance sous racine.pem,",
        "puis, pour chaque lot, lancez la commande indiquée. L'option -attime fait vérifier",
        "les certificats à l'heure certifiée du jeton : la commande reste valable après",
        "l'expiration du certificat de l'autorité.",
    ]
    for token in tokens:
        lines.append(f"  openssl ts -verify -digest {token.root} -in batches/{token.seq:04d}.tst "
                     f"-token_in -CAfile racine.pem -untrusted chain.pem "
                     f"-attime {int(token.gen_time.timestamp())}")
        lines.append(f"      (lot {token.seq}, heure certifiée {_utc(token.gen_time)})")
    lines += [
        "OpenSSL doit répondre « Verification: OK ». Pour relier un événement à la racine",
        "d'un lot, recalculez son chemin d'inclusion (RFC 9162, section 2.1.3.2) à partir",
        "de SHA-256(0x00 || empreinte de l'événement) et des nœuds listés dans",
        "manifest.json.",
        "",
        "Ce que le paquet prouve, et ce qu'il ne prouve pas",
        "---------------------------------------------------",
        "Il prouve que chaque événement existait, tel quel, au plus tard à l'heure",
        "certifiée de son lot ; que la suite des événements de l'objet n'a pas été",
        "modifiée depuis ; et qu'à l'heure certifiée de l'état du journal, l'objet n'avait",
        "pas d'autre événement que ceux du paquet (en particulier, pour une notification",
        "réputée acquise, aucune consultation enregistrée avant la fin du délai).",
        "Il ne peut pas révéler un fait que le service n'aurait jamais enregistré, ni",
        "garantir la véracité du contenu d'un événement au-delà de ce qu'il déclare.",
        "",
    ]
    return "\n".join(lines).encode("utf-8")
