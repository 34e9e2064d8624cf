"""Evidence bundles: a zip anyone can check offline, years later, without our database.

Layout (every name fixed, entries in this order, written byte-for-byte reproducibly):

* ``LISEZMOI.txt``: in French, what the bundle proves and how to check it by hand;
* ``chain.pem``: the TSA's certificate chain (TSA first, root last);
* ``events/<seq>.json``: each event of the subject, exactly the canonical JSON hashed;
* ``batches/<seq>.tst``: the RFC 3161 TimeStampToken (DER) of each batch involved;
* ``manifest.json`` (last): canonical JSON listing the events with their hash, batch,
  leaf index and inclusion proof, the batches with their roots and genTime, and the
  SHA-256 of every other file.

The verifier rebuilds the zip from its own entries and requires the same bytes, so a
change anywhere (a file, the zip's headers) is caught, then checks every hash, chain
link, inclusion proof and token. This module knows no database: ``export`` gathers
what goes in, ``verify_bundle`` needs only the bytes and trust anchors.
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
import zipfile
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509

from notify.evidence.log import canonical_json
from timestamp.merkle import leaf_hash, verify_inclusion
from timestamp.verify import VerificationError, verify_token

FORMAT = "notify-evidence-bundle/1"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class BundleError(Exception):
    """The bundle does not hold: ``str()`` says the first thing that failed, in French."""


@dataclass(frozen=True)
class BundleEvent:
    seq: int
    document: bytes
    hash: str
    batch_seq: int
    leaf_index: int
    proof: list[str]


@dataclass(frozen=True)
class BundleBatch:
    seq: int
    prev_root: str
    root: str
    size: int
    gen_time: str
    token: bytes
    prev_root_proof: list[str]


def write_zip(files: list[tuple[str, bytes]]) -> bytes:
    """A zip whose bytes depend only on the names and contents given (stored, fixed dates)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, content in files:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.create_system = 3
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_STORED
            archive.writestr(info, content)
    return buffer.getvalue()


def readme(subject: str, batches: list[BundleBatch], verify_hint: str) -> bytes:
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
        "données ni aux serveurs du service.",
        "",
        "Ce que contient le paquet",
        "-------------------------",
        "- events/NNNN.json : chaque événement, octet pour octet tel qu'il a été haché",
        "  (JSON canonique, RFC 8785). Son empreinte SHA-256 figure dans manifest.json ;",
        "  chaque événement contient l'empreinte du précédent (chaîne de hachage).",
        "- batches/NNNN.tst : le jeton d'horodatage RFC 3161 d'un lot d'événements. Le",
        "  jeton porte sur la racine d'un arbre de Merkle (RFC 9162) dont les feuilles",
        "  sont la racine du lot précédent puis les empreintes des événements du lot.",
        "- manifest.json : pour chaque événement, son lot, sa position et son chemin",
        "  d'inclusion dans l'arbre ; pour chaque lot, sa racine et l'heure certifiée",
        "  (genTime) ; l'empreinte SHA-256 de chaque fichier.",
        "- chain.pem : la chaîne de certificats de l'autorité d'horodatage.",
        "",
        "Vérification automatique (sans réseau ni base de données)",
        "----------------------------------------------------------",
        f"  {verify_hint}",
        "La commande vérifie chaque empreinte, chaque lien de chaîne, chaque chemin",
        "d'inclusion et chaque jeton, puis affiche chaque événement avec son heure",
        "certifiée. Elle échoue en nommant la première anomalie, quelle qu'elle soit.",
        "Fournissez avec --trust le certificat racine de l'autorité obtenu par un autre",
        "canal (par exemple auprès de l'administration) : celui de chain.pem ne prouve",
        "rien à lui seul.",
        "",
        "Vérification indépendante des jetons avec OpenSSL",
        "-------------------------------------------------",
        "Extrayez le paquet, enregistrez le certificat racine de confiance sous racine.pem,",
        "puis, pour chaque lot :",
    ]
    for batch in batches:
        lines.append(f"  openssl ts -verify -digest {batch.root} -in batches/{batch.seq:04d}.tst "
                     "-token_in -CAfile racine.pem -untrusted chain.pem")
        lines.append(f"      (lot {batch.seq}, heure certifiée {batch.gen_time})")
    lines += [
        "OpenSSL doit répondre « Verification: OK ». Pour relier un événement à la racine",
        "d'un lot, recalculez son chemin d'inclusion (RFC 9162, section 2.1.3.2) à partir",
        "de SHA-256(0x00 || empreinte de l'événement) et des nœuds listés dans",
        "manifest.json.",
        "",
        "Ce que le paquet prouve, et ce qu'il ne prouve pas",
        "---------------------------------------------------",
        "Il prouve que chaque événement existait, tel quel, au plus tard à l'heure",
        "certifiée de son lot, et que la suite des événements de l'objet n'a pas été",
        "modifiée depuis. Il ne prouve pas qu'un événement n'a pas été omis avant d'être",
        "enregistré, ni la véracité de son contenu au-delà de ce qu'il déclare.",
        "",
    ]
    return "\n".join(lines).encode("utf-8")


def build_bundle(subject: str, events: list[BundleEvent], batches: list[BundleBatch],
                 chain_pem: bytes, verify_hint: str) -> bytes:
    files: list[tuple[str, bytes]] = [
        ("LISEZMOI.txt", readme(subject, batches, verify_hint)),
        ("chain.pem", chain_pem),
    ]
    files += [(f"events/{e.seq:04d}.json", e.document) for e in events]
    files += [(f"batches/{b.seq:04d}.tst", b.token) for b in batches]
    manifest = {
        "format": FORMAT,
        "subject": subject,
        "events": [{"seq": e.seq, "hash": e.hash, "batch": e.batch_seq,
                    "leaf_index": e.leaf_index, "proof": e.proof} for e in events],
        "batches": [{"seq": b.seq, "prev_root": b.prev_root, "root": b.root, "size": b.size,
                     "gen_time": b.gen_time, "prev_root_proof": b.prev_root_proof}
                    for b in batches],
        "files": {name: hashlib.sha256(content).hexdigest() for name, content in files},
    }
    files.append(("manifest.json", canonical_json(manifest)))
    return write_zip(files)


@dataclass(frozen=True)
class VerifiedEvent:
    seq: int
    tag: str
    occurred_at: str
    certified_at: datetime
    batch_seq: int


def _fail(message: str) -> BundleError:
    return BundleError(message)


def _read(data: bytes) -> list[tuple[str, bytes]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            files = [(info.filename, archive.read(info)) for info in archive.infolist()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError,
            OSError, KeyError, ValueError, EOFError, struct.error) as exc:
        # A damaged archive fails in many ways inside zipfile; all mean the same here.
        raise _fail(f"le fichier n'est pas un paquet zip intact ({exc})") from exc
    if write_zip(files) != data:
        raise _fail("le conteneur zip a été modifié (en-têtes ou métadonnées)")
    return files


def verify_bundle(data: bytes, trust_anchors: list[x509.Certificate] | None = None
                  ) -> tuple[str, list[VerifiedEvent]]:
    """Check everything; return the subject and its events with their certified time.

    Without ``trust_anchors``, the self-signed root of the bundle's own chain is used,
    which proves consistency but not origin (the caller should say so).
    """
    try:
        return _verify(data, trust_anchors)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        # A manifest or event of the wrong shape (possible only if someone rebuilt the
        # zip around edited files): name it rather than crash.
        raise _fail(f"contenu mal formé ({type(exc).__name__}: {exc})") from exc


def _verify(data: bytes, trust_anchors: list[x509.Certificate] | None
            ) -> tuple[str, list[VerifiedEvent]]:
    files = dict(_read(data))
    if "manifest.json" not in files:
        raise _fail("manifest.json manque")
    raw_manifest = files.pop("manifest.json")
    try:
        manifest = json.loads(raw_manifest)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _fail(f"manifest.json illisible ({exc})") from exc
    if canonical_json(manifest) != raw_manifest:
        raise _fail("manifest.json n'est pas sous forme canonique")
    if manifest.get("format") != FORMAT:
        raise _fail(f"format inconnu {manifest.get('format')!r}")
    listed = manifest["files"]
    if set(listed) != set(files):
        raise _fail("la liste des fichiers ne correspond pas au manifeste")
    for name, content in files.items():
        if hashlib.sha256(content).hexdigest() != listed[name]:
            raise _fail(f"{name} : empreinte différente de celle du manifeste")

    chain = x509.load_pem_x509_certificates(files["chain.pem"])
    anchors = trust_anchors or [c for c in chain if c.issuer == c.subject]
    batches = {}
    for b in manifest["batches"]:
        token = files.get(f"batches/{b['seq']:04d}.tst")
        if token is None:
            raise _fail(f"lot {b['seq']} : jeton absent")
        root = bytes.fromhex(b["root"])
        try:
            verified = verify_token(token, digest=root, hash_name="sha256",
                                    trust_anchors=anchors, untrusted=chain)
        except VerificationError as exc:
            raise _fail(f"lot {b['seq']} : jeton d'horodatage refusé ({exc.message})") from exc
        if verified.gen_time.isoformat() != b["gen_time"]:
            raise _fail(f"lot {b['seq']} : l'heure du manifeste diffère de celle du jeton")
        if not verify_inclusion(leaf_hash(bytes.fromhex(b["prev_root"])), 0, b["size"],
                                [bytes.fromhex(p) for p in b["prev_root_proof"]], root):
            raise _fail(f"lot {b['seq']} : le lien vers le lot précédent ne tient pas")
        batches[b["seq"]] = (b, verified.gen_time)
    if len(batches) > 1:
        ordered = sorted(batches)
        for earlier, later in zip(ordered, ordered[1:], strict=False):
            linked = batches[later][0]["prev_root"] == batches[earlier][0]["root"]
            if later == earlier + 1 and not linked:
                raise _fail(f"lot {later} : ne suit pas le lot {earlier}")
            if batches[later][1] < batches[earlier][1]:
                raise _fail(f"lot {later} : certifié avant le lot {earlier}")

    subject = manifest["subject"]
    results = []
    previous_hash = None
    for index, e in enumerate(manifest["events"], start=1):
        name = f"events/{e['seq']:04d}.json"
        document = files.get(name)
        if document is None:
            raise _fail(f"événement {e['seq']} : fichier absent")
        if hashlib.sha256(document).hexdigest() != e["hash"]:
            raise _fail(f"événement {e['seq']} : empreinte différente")
        body = json.loads(document)
        if canonical_json(body) != document:
            raise _fail(f"événement {e['seq']} : JSON non canonique")
        if body["subject"] != subject or body["seq"] != e["seq"] or e["seq"] != index:
            raise _fail(f"événement {e['seq']} : n'appartient pas à la suite de {subject}")
        if body["prev"] != previous_hash:
            raise _fail(f"événement {e['seq']} : ne suit pas l'événement précédent")
        if e["batch"] not in batches:
            raise _fail(f"événement {e['seq']} : lot {e['batch']} absent")
        batch, gen_time = batches[e["batch"]]
        if not verify_inclusion(leaf_hash(bytes.fromhex(e["hash"])), e["leaf_index"],
                                batch["size"], [bytes.fromhex(p) for p in e["proof"]],
                                bytes.fromhex(batch["root"])):
            raise _fail(f"événement {e['seq']} : absent de l'arbre du lot {e['batch']}")
        previous_hash = e["hash"]
        results.append(VerifiedEvent(e["seq"], body["tag"], body["at"], gen_time, e["batch"]))
    return subject, results
