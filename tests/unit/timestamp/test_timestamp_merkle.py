"""RFC 9162 §2.1 Merkle trees, checked against a literal transcription of the RFC."""

from __future__ import annotations

import hashlib

from hypothesis import assume, given
from hypothesis import strategies as st

from timestamp.merkle import (
    MerkleTree,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_inclusion,
    verify_inclusion_of,
)


def _split(n: int) -> int:
    """The largest power of two smaller than n (RFC 9162 §2.1.1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def reference_root(leaves: list[bytes]) -> bytes:
    """MTH(D[n]) exactly as RFC 9162 §2.1.1 defines it, recursively."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = _split(len(leaves))
    return hashlib.sha256(
        b"\x01" + reference_root(leaves[:k]) + reference_root(leaves[k:])
    ).digest()


def reference_path(m: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) exactly as RFC 9162 §2.1.3.1 defines it."""
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if m < k:
        return reference_path(m, leaves[:k]) + [reference_root(leaves[k:])]
    return reference_path(m - k, leaves[k:]) + [reference_root(leaves[:k])]


def reference_shape(m: int, n: int) -> list[str]:
    """Which side each sibling of PATH(m, D[n]) is on, leaf first."""
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return reference_shape(m, k) + ["right"]
    return reference_shape(m - k, n - k) + ["left"]


@st.composite
def tree_and_index(draw, unique=False):
    leaves = draw(st.lists(st.binary(max_size=12), min_size=1, max_size=70, unique=unique))
    return leaves, draw(st.integers(0, len(leaves) - 1))


def test_empty_tree_root_is_hash_of_empty_string():
    assert root([]) == bytes.fromhex(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )


def test_single_leaf_root_is_its_leaf_hash():
    assert root([b"a"]) == leaf_hash(b"a") == hashlib.sha256(b"\x00a").digest()


def test_three_leaves_split_at_two():
    a, b, c = (leaf_hash(x) for x in (b"a", b"b", b"c"))
    assert root([b"a", b"b", b"c"]) == node_hash(node_hash(a, b), c)


def test_every_size_up_to_70_matches_the_rfc_definition():
    for size in range(71):
        leaves = [i.to_bytes(2, "big") for i in range(size)]
        tree = MerkleTree(leaves)
        assert tree.root == reference_root(leaves)
        for index in range(size):
            assert tree.proof(index) == reference_path(index, leaves)


@given(tree_and_index())
def test_any_leaf_of_any_tree_verifies(case):
    leaves, index = case
    tree = MerkleTree(leaves)
    proof = tree.proof(index)
    assert proof == inclusion_proof(index, leaves)
    assert verify_inclusion(leaf_hash(leaves[index]), index, len(leaves), proof, tree.root)
    assert verify_inclusion_of(leaves[index], index, len(leaves), proof, root(leaves))


@given(tree_and_index(), st.binary(max_size=12))
def test_another_leaf_fails(case, other):
    leaves, index = case
    assume(other != leaves[index])
    tree = MerkleTree(leaves)
    assert not verify_inclusion_of(other, index, len(leaves), tree.proof(index), tree.root)


@given(tree_and_index(), st.data())
def test_a_changed_proof_element_fails(case, data):
    leaves, index = case
    tree = MerkleTree(leaves)
    proof = tree.proof(index)
    assume(proof)
    position = data.draw(st.integers(0, len(proof) - 1))
    bit = data.draw(st.integers(0, 255))
    changed = bytearray(proof[position])
    changed[bit // 8] ^= 1 << (bit % 8)
    proof[position] = bytes(changed)
    assert not verify_inclusion(tree.leaf_hash(index), index, len(leaves), proof, tree.root)


@given(tree_and_index(), st.booleans())
def test_a_longer_or_shorter_proof_fails(case, longer):
    leaves, index = case
    tree = MerkleTree(leaves)
    proof = tree.proof(index)
    if longer:
        proof.append(tree.root)
    else:
        assume(proof)
        proof.pop()
    assert not verify_inclusion(tree.leaf_hash(index), index, len(leaves), proof, tree.root)


@given(tree_and_index(unique=True), st.integers(0, 80))
def test_another_index_fails(case, other_index):
    """With distinct leaves: two equal siblings could be swapped without changing the root."""
    leaves, index = case
    assume(other_index != index)
    tree = MerkleTree(leaves)
    assert not verify_inclusion(
        tree.leaf_hash(index), other_index, len(leaves), tree.proof(index), tree.root
    )


@given(tree_and_index(unique=True), st.integers(0, 140))
def test_another_size_verifies_only_if_the_path_has_the_same_shape(case, other_size):
    """The size is not hashed into the root: RFC 9162 binds it in the signed tree head.

    A proof checked with a wrong size can therefore pass, but only when that size puts
    the leaf at the same place with the same siblings; any other size must fail.
    """
    leaves, index = case
    assume(other_size != len(leaves))
    tree = MerkleTree(leaves)
    accepted = verify_inclusion(
        tree.leaf_hash(index), index, other_size, tree.proof(index), tree.root
    )
    same_shape = index < other_size and reference_shape(index, other_size) == reference_shape(
        index, len(leaves)
    )
    assert accepted == same_shape


def test_index_outside_the_tree_is_refused():
    tree = MerkleTree([b"a", b"b"])
    assert not verify_inclusion(tree.leaf_hash(0), 2, 2, tree.proof(0), tree.root)
    assert not verify_inclusion(tree.leaf_hash(0), -1, 2, tree.proof(0), tree.root)


def test_ten_thousand_leaves():
    leaves = [f"entry {i}".encode() for i in range(10_000)]
    tree = MerkleTree(leaves)
    assert tree.root == reference_root(leaves)
    for index in (0, 1, 4095, 8191, 8192, 9999):
        assert verify_inclusion_of(leaves[index], index, 10_000, tree.proof(index), tree.root)
