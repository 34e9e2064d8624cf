"""Heads snapshots: the certified state of every subject, so that absence is provable.

A subject's chain proves that nothing was removed or reordered *inside* it, but not that
its last events were not cut off: without more, a decision whose first consultation was
deleted looks unconsulted. A heads snapshot closes that gap. It lists, for every subject
with an event in a given batch or an earlier one, its *head*: the number of its events
and the hash of the last one. The entries, sorted by subject, are the leaves of a Merkle
tree (RFC 9162 hashing); the snapshot document below, naming that tree's root, is the
last leaf of the batch it is taken with, so the batch's RFC 3161 token certifies it.

A bundle then carries, for its subject, the entry of a snapshot certified at T and its
short inclusion proof: its events must be exactly ``count`` long and end with ``head``.
That proves "these are all the events of this subject recorded up to T". Pure functions
here; ``notify.evidence.batches`` computes snapshots from the database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from notify.evidence.log import canonical_json
from timestamp.merkle import MerkleTree

FORMAT = "notify-heads/1"


@dataclass(frozen=True, order=True)
class Head:
    subject: str
    count: int
    last_hash: str


def head_entry(head: Head) -> bytes:
    """The leaf of one subject in a snapshot tree (canonical JSON)."""
    return canonical_json({"subject": head.subject, "count": head.count,
                           "head": head.last_hash})


def heads_tree(heads: Iterable[Head]) -> tuple[list[Head], MerkleTree]:
    """The snapshot tree: entries sorted by subject (code point order), one per subject."""
    ordered = sorted(heads)
    return ordered, MerkleTree([head_entry(h) for h in ordered])


def heads_document(batch_seq: int, root: str, size: int) -> bytes:
    """The document whose SHA-256 is the batch's last leaf."""
    return canonical_json({"format": FORMAT, "batch": batch_seq, "root": root,
                           "subjects": size})


def heads_leaf(batch_seq: int, root: str, size: int) -> bytes:
    return hashlib.sha256(heads_document(batch_seq, root, size)).digest()
