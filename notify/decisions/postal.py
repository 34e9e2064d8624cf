"""Postal exports: the decisions to print and post, in numbered batches.

A batch is a zip for the print house: ``decisions.csv`` (one line per letter: batch,
reference, channel, the holder's name and postal address as the register has them at
export, and the letter's file name and SHA-256) and ``lettres/<reference>.pdf``.
Each decision goes into exactly one batch (rows taken ``FOR UPDATE SKIP LOCKED`` and
marked in the same transaction as the batch). A batch can be exported again, giving
the very same bytes: the CSV is kept in the batch and the letters are re-rendered
deterministically, each checked against the hash recorded at deposit.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from notify.accounts.models import Holder
from notify.decisions.letters import LetterFacts, render_letter
from notify.decisions.models import Decision, DecisionState, PostalBatch, subject_of
from notify.errors import Conflict, InvalidInput, NotFound
from notify.evidence.log import NewEvent, append_events
from notify.evidence.models import EventTag
from notify.legal.routing import Channel

POSTAL_CHANNELS = (Channel.POSTAL_SIMPLE.value, Channel.POSTAL_REGISTERED.value)
CSV_COLUMNS = ("batch", "reference", "channel", "surname", "given_names", "postal_address",
               "letter_file", "letter_sha256")


@dataclass(frozen=True)
class PostalExport:
    batch: PostalBatch
    archive: bytes


def _letter(decision: Decision, licence_number: str) -> bytes:
    pdf = render_letter(LetterFacts.of(decision, licence_number))
    if hashlib.sha256(pdf).hexdigest() != decision.letter_sha256:
        raise Conflict(f"La lettre de la décision {decision.reference} ne correspond plus à "
                       "celle enregistrée au dépôt (version du modèle de lettre changée ?) : "
                       "export refusé.")
    return pdf


def _archive(batch: PostalBatch, letters: list[tuple[str, bytes]]) -> bytes:
    """A zip whose bytes depend only on the batch and its letters."""
    stamp = batch.created_at.astimezone(UTC).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in [("decisions.csv", batch.manifest), *letters]:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def _letter_name(reference: str) -> str:
    return f"lettres/{reference}.pdf"


def export_batch(session: Session, channel: str, now: datetime) -> PostalExport | None:
    """Put every decision of ``channel`` waiting for print into a new batch.

    Returns ``None`` when nothing waits. The caller writes the archive, then commits.
    """
    if channel not in POSTAL_CHANNELS:
        raise InvalidInput(f"Canal postal attendu ({', '.join(POSTAL_CHANNELS)}), "
                           f"reçu « {channel} ».", field="channel")
    rows = session.execute(
        select(Decision, Holder)
        .join(Holder, Holder.id == Decision.holder_id)
        .where(Decision.channel == channel, Decision.state == DecisionState.AWAITING_PRINT,
               Decision.postal_batch_id.is_(None))
        .order_by(Decision.id)
        .with_for_update(of=Decision, skip_locked=True)
    ).all()
    if not rows:
        return None
    number = (session.scalar(select(func.max(PostalBatch.number))) or 0) + 1
    manifest = io.StringIO()
    writer = csv.writer(manifest, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    letters = []
    for decision, holder in rows:
        pdf = _letter(decision, holder.licence_number)
        name = _letter_name(decision.reference)
        letters.append((name, pdf))
        writer.writerow([number, decision.reference, decision.channel, holder.surname,
                         holder.given_names, holder.postal_address, name,
                         decision.letter_sha256])
    batch = PostalBatch(number=number, channel=channel, created_at=now, count=len(rows),
                        manifest=manifest.getvalue().encode("utf-8"), archive_sha256="")
    archive = _archive(batch, letters)
    batch.archive_sha256 = hashlib.sha256(archive).hexdigest()
    session.add(batch)
    session.flush()
    for decision, _ in rows:
        decision.postal_batch_id = batch.id
        decision.exported_at = now
        decision.state = DecisionState.EXPORTED
    # Evidence that the decision left by post, in which batch and archive (the envelope
    # itself is the print house's and La Poste's evidence).
    append_events(session, [
        NewEvent(subject=subject_of(decision.reference), tag=EventTag.EXPORTED_FOR_PRINT,
                 actor="operator", at=now,
                 data={"batch": number, "channel": channel,
                       "archive_sha256": batch.archive_sha256,
                       "letter_sha256": decision.letter_sha256})
        for decision, _ in rows])
    session.flush()
    return PostalExport(batch, archive)


def reexport_batch(session: Session, number: int) -> PostalExport:
    """The archive of batch ``number`` again, byte for byte."""
    batch = session.scalar(select(PostalBatch).where(PostalBatch.number == number))
    if batch is None:
        raise NotFound(f"Aucun lot d'export postal n° {number}.")
    rows = session.execute(
        select(Decision, Holder.licence_number)
        .join(Holder, Holder.id == Decision.holder_id)
        .where(Decision.postal_batch_id == batch.id)
        .order_by(Decision.id)
    ).all()
    letters = [(_letter_name(d.reference), _letter(d, licence)) for d, licence in rows]
    archive = _archive(batch, letters)
    if hashlib.sha256(archive).hexdigest() != batch.archive_sha256:
        raise Conflict(f"Le lot n° {number} ne peut plus être reproduit à l'identique.")
    return PostalExport(batch, archive)
