"""RFC 6962 tree hashing: the streaming root equals the recursive definition; proofs verify and wrong sizes fail."""
from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.audit import merkle as m


def leaves(n: int) -> list[bytes]:
    return [m.leaf_hash(i.to_bytes(2, "big")) for i in range(n)]


def test_hashes_are_domain_separated_as_rfc_6962_says():
    assert m.EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert m.leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert m.node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()
    # the tree of 3: split at 2 (largest power of two smaller than 3)
    a, b, c = leaves(3)
    assert m.root_of([a, b, c]) == m.node_hash(m.node_hash(a, b), c)


@pytest.mark.parametrize("n", range(40))
def test_streaming_root_equals_the_recursive_definition(n):
    assert m.root_of(leaves(n)) == m.reference_root(leaves(n))


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13, 31])
def test_inclusion_and_consistency_proofs_verify(n):
    ls = leaves(n)
    root = m.reference_root(ls)
    for i in range(n):
        proof = m.inclusion_proof(i, ls)
        assert m.verify_inclusion(ls[i], i, n, proof, root)
        assert not m.verify_inclusion(ls[i], i, i, proof, root)  # index outside the claimed tree
        assert not m.verify_inclusion(m.leaf_hash(b"other"), i, n, proof, root)
    for old in range(1, n + 1):
        proof = m.consistency_proof(old, ls)
        assert m.verify_consistency(old, n, m.reference_root(ls[:old]), root, proof)


@pytest.mark.parametrize("n", [5, 6, 7, 13])
def test_a_wrong_tree_size_is_refused(n):
    """The hash-tree verifier bug: a proof checked against a size it was not made for must fail."""
    ls = leaves(n)
    root = m.reference_root(ls)
    proof = m.inclusion_proof(n - 1, ls)
    assert not m.verify_inclusion(ls[n - 1], n - 1, 2 * n + 1, proof, root)
    assert not m.verify_inclusion(ls[n - 1], n - 1, n - 1, proof, root)
    old = n - 2
    cproof = m.consistency_proof(old, ls)
    assert not m.verify_consistency(old, 2 * n + 1, m.reference_root(ls[:old]), root, cproof)
    assert not m.verify_consistency(old + 1, n, m.reference_root(ls[:old]), root, cproof)


# ---- the stored right edge (the sequencer resumes from it instead of rereading the log) -----------------------

@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=300), min_size=1, max_size=6))
def test_a_tree_resumed_from_its_frontier_has_the_reference_root(batches):
    """Appending in batches, each resumed from the last one's frontier alone, gives RFC 6962's root at every size."""
    all_leaves = leaves(sum(batches))
    size, frontier = 0, m.RootBuilder().frontier()
    for batch in batches:
        builder = m.RootBuilder.resume(size, frontier)
        for leaf in all_leaves[size:size + batch]:
            builder.append(leaf)
        size, frontier = builder.size, builder.frontier()
        assert len(frontier) == bin(size).count("1")
        assert builder.root() == m.reference_root(all_leaves[:size])


@pytest.mark.parametrize(("size", "nodes"), [(3, 1), (4, 2), (0, 1), (5, 3)])
def test_a_frontier_that_is_not_the_right_edge_of_that_size_is_refused(size, nodes):
    with pytest.raises(ValueError):
        m.RootBuilder.resume(size, leaves(nodes))
