"""Evidence bundles: a zip anyone can check offline, years later, without our database.

Layout (every name fixed, entries in this order, written byte-for-byte reproducibly):

* ``LISEZMOI.txt``: in French, what the bundle proves and how to check it by hand
  (OpenSSL commands with ``-attime``, the root's SHA-256 fingerprint);
* ``CHRONOLOGIE.txt``: in French, each fact, its legal time and its certification;
* ``chain.pem``: the TSA's certificate chain (TSA first, root last);
* ``decision.json`` and ``courrier.pdf``: a decision's content and letter, while kept;
* ``events/<seq>.json``: each event of the subject, exactly the canonical JSON hashed;
* ``batches/<seq>.tst``: the RFC 3161 TimeStampToken (DER) of each batch involved;
* ``manifest.json`` (last): canonical JSON listing the events with their hash, batch,
  leaf index and inclusion proof, the batches with their roots and genTime, the
  subject's entry in a certified heads snapshot with its proofs, and the SHA-256 of
  every other file.

The verifier rebuilds the zip from its own entries and requires the same bytes, so a
change anywhere (a file, the zip's headers) is caught, then checks every hash, chain
link, inclusion proof and token, that the events are all the subject's up to the
snapshot's certified time, the attachments against the deposit, the legal facts
(``notify.evidence.facts``), and renders both texts again. ``check_bundle`` reports
each check; ``verify_bundle`` raises on the first failure. This module knows no
database: ``export`` gathers what goes in.
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
import zipfile
from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509

from notify.evidence.facts import Check, Fact, decision_checks, fact_of, first
from notify.evidence.heads import Head, head_entry, heads_leaf
from notify.evidence.log import canonical_json, format_instant
from notify.evidence.texts import (
    ATTACHMENT_NAMES,
    HeadsStatement,
    TokenLine,
    chronology,
    readme,
)
from timestamp.merkle import leaf_hash, verify_inclusion
from timestamp.verify import VerificationError, verify_token

FORMAT = "notify-evidence-bundle/2"
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


@dataclass(frozen=True)
class BundleHeads:
    """The subject's entry in a certified heads snapshot, with both inclusion proofs."""

    batch_seq: int
    leaf_index: int
    proof: list[str]
    root: str
    subjects: int
    entry_index: int
    entry_proof: list[str]
    count: int
    head: str


def _certified_facts(events: list[BundleEvent], batches: list[BundleBatch]) -> list[Fact]:
    times = {b.seq: datetime.fromisoformat(b.gen_time) for b in batches}
    return [fact_of(e.document, times[e.batch_seq], e.batch_seq) for e in events]


def _heads_statement(heads: BundleHeads, batches: list[BundleBatch]) -> HeadsStatement:
    batch = next(b for b in batches if b.seq == heads.batch_seq)
    return HeadsStatement(datetime.fromisoformat(batch.gen_time), heads.batch_seq, heads.count)


def _token_lines(batches: list[BundleBatch]) -> list[TokenLine]:
    return [TokenLine(b.seq, b.root, datetime.fromisoformat(b.gen_time)) for b in batches]


def build_bundle(subject: str, events: list[BundleEvent], batches: list[BundleBatch],
                 chain_pem: bytes, verify_hint: str, *, heads: BundleHeads,
                 territory: str | None = None,
                 attachments: list[tuple[str, bytes]] = ()) -> bytes:
    """The zip. ``attachments``: ``decision.json`` and ``courrier.pdf`` while the
    decision's content is retained; ``territory``: the holder's, for legal times."""
    names = [name for name, _ in attachments]
    files: list[tuple[str, bytes]] = [
        ("LISEZMOI.txt", readme(subject, _token_lines(batches), chain_pem, verify_hint, names)),
        ("CHRONOLOGIE.txt", chronology(subject, territory, _certified_facts(events, batches),
                                       _heads_statement(heads, batches))),
        ("chain.pem", chain_pem),
        *attachments,
    ]
    files += [(f"events/{e.seq:04d}.json", e.document) for e in events]
    files += [(f"batches/{b.seq:04d}.tst", b.token) for b in batches]
    manifest = {
        "format": FORMAT,
        "subject": subject,
        "territory": territory,
        "verify_hint": verify_hint,
        "events": [{"seq": e.seq, "hash": e.hash, "batch": e.batch_seq,
                    "leaf_index": e.leaf_index, "proof": e.proof} for e in events],
        "batches": [{"seq": b.seq, "prev_root": b.prev_root, "root": b.root, "size": b.size,
                     "gen_time": b.gen_time, "prev_root_proof": b.prev_root_proof}
                    for b in batches],
        "heads": {"batch": heads.batch_seq, "leaf_index": heads.leaf_index,
                  "proof": heads.proof, "root": heads.root, "subjects": heads.subjects,
                  "entry_index": heads.entry_index, "entry_proof": heads.entry_proof,
                  "count": heads.count, "head": heads.head},
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


@dataclass
class BundleReport:
    """What ``check_bundle`` found: every check made, in order, and what was verified.

    ``ok`` only if every check holds; ``trusted`` says whether the tokens were checked
    against trust anchors given by the caller (else the bundle's own root, which proves
    consistency, not origin).
    """

    subject: str | None = None
    events: list[VerifiedEvent] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    trusted: bool = False
    complete_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]


class _Stop(Exception):
    """A check failed that later checks depend on."""


def _fail(message: str) -> BundleError:
    return BundleError(message)


def verify_bundle(data: bytes, trust_anchors: list[x509.Certificate] | None = None
                  ) -> tuple[str, list[VerifiedEvent]]:
    """``check_bundle``, raising ``BundleError`` with the first failure's detail."""
    report = check_bundle(data, trust_anchors)
    if not report.ok:
        failure = report.failures[0]
        raise _fail(f"{failure.label} : {failure.detail}")
    return report.subject, report.events


def check_bundle(data: bytes, trust_anchors: list[x509.Certificate] | None = None
                 ) -> BundleReport:
    """Check everything a bundle claims, offline, and report each check.

    Without ``trust_anchors``, the self-signed root of the bundle's own chain is used,
    which proves consistency but not origin (the caller should say so).
    """
    report = BundleReport(trusted=bool(trust_anchors))
    try:
        _verify(data, trust_anchors, report)
    except _Stop:
        pass
    except (KeyError, TypeError, ValueError, AttributeError, IndexError,
            StopIteration) as exc:
        # A manifest or event of the wrong shape (possible only if someone rebuilt the
        # zip around edited files): name it rather than crash.
        report.checks.append(Check("bundle.form", "Le contenu du paquet est bien formé", False,
                                   f"contenu mal formé ({type(exc).__name__}: {exc})"))
    return report


def _check(report: BundleReport, name: str, label: str, problem: str | None,
           detail: str = "", *, stop: bool = True) -> None:
    report.checks.append(Check(name, label, problem is None, problem or detail))
    if problem is not None and stop:
        raise _Stop


def _read(data: bytes, report: BundleReport) -> dict[str, bytes]:
    label = "Le conteneur zip est intact"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            files = [(info.filename, archive.read(info)) for info in archive.infolist()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError,
            OSError, KeyError, ValueError, EOFError, struct.error) as exc:
        # A damaged archive fails in many ways inside zipfile; all mean the same here.
        _check(report, "bundle.zip", label, f"le fichier n'est pas un paquet zip intact ({exc})")
    _check(report, "bundle.zip", label,
           None if write_zip(files) == data else
           "le conteneur zip a été modifié (en-têtes ou métadonnées)", f"{len(files)} fichiers")
    return dict(files)


def _manifest(files: dict[str, bytes], report: BundleReport) -> dict:
    label = "Le manifeste est lisible et chaque fichier correspond à son empreinte"
    raw = files.pop("manifest.json", None)
    if raw is None:
        _check(report, "bundle.manifest", label, "manifest.json manque")
    try:
        manifest = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        _check(report, "bundle.manifest", label, f"manifest.json illisible ({exc})")
    problem = None
    if canonical_json(manifest) != raw:
        problem = "manifest.json n'est pas sous forme canonique"
    elif manifest.get("format") != FORMAT:
        problem = f"format inconnu {manifest.get('format')!r}"
    elif set(manifest["files"]) != set(files):
        problem = "la liste des fichiers ne correspond pas au manifeste"
    else:
        problem = next((f"{name} : empreinte différente de celle du manifeste"
                        for name, content in files.items()
                        if hashlib.sha256(content).hexdigest() != manifest["files"][name]), None)
    _check(report, "bundle.manifest", label, problem, f"{len(files)} fichiers")
    return manifest


def _tokens(manifest: dict, files: dict[str, bytes], anchors, chain, report: BundleReport
            ) -> dict[int, tuple[dict, datetime]]:
    label = ("Chaque jeton d'horodatage (RFC 3161) est valide, émis par l'autorité de "
             "confiance, et porte sur la racine de son lot")
    batches = {}
    for b in manifest["batches"]:
        token = files.get(f"batches/{b['seq']:04d}.tst")
        if token is None:
            _check(report, "bundle.tokens", label, f"lot {b['seq']} : jeton absent")
        root = bytes.fromhex(b["root"])
        try:
            verified = verify_token(token, digest=root, hash_name="sha256",
                                    trust_anchors=anchors, untrusted=chain)
        except VerificationError as exc:
            _check(report, "bundle.tokens", label,
                   f"lot {b['seq']} : jeton d'horodatage refusé ({exc.message})")
        if verified.gen_time.isoformat() != b["gen_time"]:
            _check(report, "bundle.tokens", label,
                   f"lot {b['seq']} : l'heure du manifeste diffère de celle du jeton")
        batches[b["seq"]] = (b, verified.gen_time)
    _check(report, "bundle.tokens", label, None, f"{len(batches)} jeton(s)")

    label = "Les lots forment une chaîne, dans l'ordre de leurs heures certifiées"
    problem = None
    for seq, (b, _) in batches.items():
        if not verify_inclusion(leaf_hash(bytes.fromhex(b["prev_root"])), 0, b["size"],
                                [bytes.fromhex(p) for p in b["prev_root_proof"]],
                                bytes.fromhex(b["root"])):
            problem = problem or (f"lot {seq} : son arbre n'est pas celui qui a été horodaté "
                                  "(le lien vers le lot précédent ne tient pas : un "
                                  "événement a été retiré, ajouté ou modifié)")
    ordered = sorted(batches)
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        if later == earlier + 1 and batches[later][0]["prev_root"] != batches[earlier][0]["root"]:
            problem = problem or f"lot {later} : ne suit pas le lot {earlier}"
        if batches[later][1] < batches[earlier][1]:
            problem = problem or f"lot {later} : certifié avant le lot {earlier}"
    _check(report, "bundle.batch_chain", label, problem, f"lots {ordered}")
    return batches


def _events(manifest: dict, files: dict[str, bytes], batches, report: BundleReport
            ) -> list[Fact]:
    label = "Chaque événement est intact, à sa place dans la chaîne, et inclus dans son lot"
    subject = manifest["subject"]
    facts = []
    previous_hash = None
    problem = None
    for index, e in enumerate(manifest["events"], start=1):
        document = files.get(f"events/{e['seq']:04d}.json")
        if document is None:
            problem = f"événement {e['seq']} : fichier absent"
        elif hashlib.sha256(document).hexdigest() != e["hash"]:
            problem = f"événement {e['seq']} : empreinte différente"
        else:
            body = json.loads(document)
            if canonical_json(body) != document:
                problem = f"événement {e['seq']} : JSON non canonique"
            elif body["subject"] != subject or body["seq"] != e["seq"] or e["seq"] != index:
                problem = f"événement {e['seq']} : n'appartient pas à la suite de {subject}"
            elif body["prev"] != previous_hash:
                problem = f"événement {e['seq']} : ne suit pas l'événement précédent"
            elif e["batch"] not in batches:
                problem = f"événement {e['seq']} : lot {e['batch']} absent"
            else:
                batch, gen_time = batches[e["batch"]]
                if not verify_inclusion(leaf_hash(bytes.fromhex(e["hash"])), e["leaf_index"],
                                        batch["size"], [bytes.fromhex(p) for p in e["proof"]],
                                        bytes.fromhex(batch["root"])):
                    problem = f"événement {e['seq']} : absent de l'arbre du lot {e['batch']}"
        if problem:
            break
        previous_hash = e["hash"]
        facts.append(fact_of(document, gen_time, e["batch"]))
    _check(report, "bundle.events", label, problem, f"{len(facts)} événement(s)")
    report.events = [VerifiedEvent(f.seq, f.tag, format_instant(f.at), f.certified_at,
                                   f.batch_seq) for f in facts]
    return facts


def _heads(manifest: dict, batches, facts: list[Fact], report: BundleReport
           ) -> HeadsStatement:
    label = ("Les événements sont tous ceux de l'objet à l'heure certifiée de l'état du "
             "journal (aucun n'a été retiré)")
    h = manifest["heads"]
    subject = manifest["subject"]
    problem = None
    if h["batch"] not in batches:
        _check(report, "bundle.complete", label, f"lot {h['batch']} de l'état du journal absent")
    batch, gen_time = batches[h["batch"]]
    document = heads_leaf(h["batch"], h["root"], h["subjects"])
    entry = head_entry(Head(subject, h["count"], h["head"]))
    if h["leaf_index"] != batch["size"] - 1 or not verify_inclusion(
            leaf_hash(document), h["leaf_index"], batch["size"],
            [bytes.fromhex(p) for p in h["proof"]], bytes.fromhex(batch["root"])):
        problem = f"l'état du journal n'est pas certifié par le lot {h['batch']}"
    elif not verify_inclusion(leaf_hash(entry), h["entry_index"], h["subjects"],
                              [bytes.fromhex(p) for p in h["entry_proof"]],
                              bytes.fromhex(h["root"])):
        problem = (f"l'état du journal certifié le {gen_time.isoformat()} ne donne pas à "
                   f"{subject} {h['count']} événement(s) : le journal a été modifié")
    elif h["count"] > len(facts):
        problem = (f"le paquet contient {len(facts)} événement(s), mais l'état du journal "
                   f"certifié le {gen_time.isoformat()} en compte {h['count']} : "
                   "des événements ont été retirés")
    elif h["count"] < 1 or manifest["events"][h["count"] - 1]["hash"] != h["head"]:
        problem = (f"l'événement {h['count']} du paquet n'est pas le dernier de l'objet "
                   f"selon l'état du journal certifié le {gen_time.isoformat()}")
    _check(report, "bundle.complete", label, problem,
           f"{h['count']} événement(s), état certifié le {gen_time.isoformat()}")
    report.complete_until = gen_time
    return HeadsStatement(gen_time, h["batch"], h["count"])


def _attachments(files: dict[str, bytes], facts: list[Fact], report: BundleReport
                 ) -> list[str]:
    names = [name for name in ATTACHMENT_NAMES if name in files]
    if not names:
        return names
    label = "La décision et son courrier sont ceux dont le dépôt a enregistré l'empreinte"
    deposited = first(facts, "deposited")
    expected = {"decision.json": deposited.data.get("content_sha256") if deposited else None,
                "courrier.pdf": deposited.data.get("letter_sha256") if deposited else None}
    problem = next((f"{name} : empreinte différente de celle enregistrée au dépôt"
                    for name in names
                    if hashlib.sha256(files[name]).hexdigest() != expected[name]), None)
    _check(report, "bundle.attachments", label, problem, ", ".join(names), stop=False)
    return names


def _verify(data: bytes, trust_anchors: list[x509.Certificate] | None,
            report: BundleReport) -> None:
    files = _read(data, report)
    manifest = _manifest(files, report)
    report.subject = manifest["subject"]
    chain = x509.load_pem_x509_certificates(files["chain.pem"])
    anchors = trust_anchors or [c for c in chain if c.issuer == c.subject]
    batches = _tokens(manifest, files, anchors, chain, report)
    facts = _events(manifest, files, batches, report)
    heads = _heads(manifest, batches, facts, report)
    names = _attachments(files, facts, report)
    if report.subject.startswith("decision:"):
        report.checks += decision_checks(facts, heads.certified_at)
    texts = {
        "CHRONOLOGIE.txt": chronology(report.subject, manifest["territory"], facts, heads),
        "LISEZMOI.txt": readme(report.subject, [
            TokenLine(seq, b["root"], gen_time) for seq, (b, gen_time) in batches.items()],
            files["chain.pem"], manifest["verify_hint"], names),
    }
    problem = next((f"{name} ne correspond pas aux événements vérifiés"
                    for name, text in texts.items() if files.get(name) != text), None)
    _check(report, "bundle.texts",
           "LISEZMOI.txt et CHRONOLOGIE.txt disent ce que prouvent les événements vérifiés",
           problem, "textes conformes", stop=False)
