"""Merkle trees of RFC 9162 §2.1 (Certificate Transparency v2), with SHA-256.

One time-stamp token covers a whole batch of evidence entries through the root of
their tree; an inclusion proof then shows, entry by entry, that it was in the batch
certified by the "dispositif d'horodatage" (R. 223-3-1 III of the Code de la route).
Leaves and interior nodes are hashed with distinct prefixes (0x00, 0x01) so that an
interior node can never be passed off as a leaf (RFC 9162 §2.1.1).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

_LEAF = b"\x00"
_NODE = b"\x01"
HASH_SIZE = 32


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d) (RFC 9162 §2.1.1)."""
    return hashlib.sha256(_LEAF + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right) (RFC 9162 §2.1.1)."""
    return hashlib.sha256(_NODE + left + right).digest()


class MerkleTree:
    """All levels of the tree of `leaves` (raw entries), computed once.

    Building level by level and carrying an unpaired last node up unchanged gives
    exactly the tree of RFC 9162 §2.1.1, where D[n] splits at the largest power of two
    smaller than n: the unpaired node is the root of the right, smaller subtree.
    """

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.size = len(leaves)
        level = [leaf_hash(leaf) for leaf in leaves]
        self._levels = [level]
        while len(level) > 1:
            paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            if len(level) % 2:
                paired.append(level[-1])
            level = paired
            self._levels.append(level)

    @property
    def root(self) -> bytes:
        """MTH(D[n]); the empty tree's root is SHA-256 of the empty string."""
        if self.size == 0:
            return hashlib.sha256(b"").digest()
        return self._levels[-1][0]

    def leaf_hash(self, index: int) -> bytes:
        self._check_index(index)
        return self._levels[0][index]

    def proof(self, index: int) -> list[bytes]:
        """PATH(index, D[n]) of RFC 9162 §2.1.3.1, from the leaf's sibling upwards."""
        self._check_index(index)
        path = []
        for level in self._levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):  # else this node is carried up without a sibling
                path.append(level[sibling])
            index //= 2
        return path

    def _check_index(self, index: int) -> None:
        if not 0 <= index < self.size:
            raise IndexError(f"leaf {index} is not in a tree of {self.size} leaves")


def root(leaves: Sequence[bytes]) -> bytes:
    return MerkleTree(leaves).root


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    return MerkleTree(leaves).proof(index)


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2, step by step; `leaf_hash` is the hash of the entry, not the entry."""
    if not 0 <= index < tree_size:
        return False
    fn, sn = index, tree_size - 1
    r = leaf_hash
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_inclusion_of(
    data: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """verify_inclusion for a raw entry, hashed as a leaf first."""
    return verify_inclusion(leaf_hash(data), index, tree_size, proof, root)
