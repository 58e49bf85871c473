"""The proof checkers refuse everything but the exact proof: random trees (hypothesis) against the RFC 6962
definition, and the known hash-tree verifier bug — a proof accepted for a tree size, index or length it was
not made for.

A root is bound to its size by the signed checkpoint, so a proof that has exactly the shape another size
would need (leaf 0 of 3 and of 4: two left turns) rightly verifies against the same root; what must fail
is every claimed size whose proof has another length, every size that cannot hold the index, and every
proof one element too long or too short."""
from __future__ import annotations

import hypothesis.strategies as st
from hypothesis import given, settings

from workflow.audit import merkle as m

# distinct leaves: with two equal leaves a proof is rightly valid at either position
trees = st.lists(st.binary(max_size=8), min_size=1, max_size=70, unique=True).map(
    lambda xs: [m.leaf_hash(x) for x in xs])


def sizes_other_than(n: int) -> list[int]:
    return sorted({s for s in (1, n - 1, n + 1, 2 * n, 2 * n + 1, n + 2 ** (n.bit_length())) if s > 0 and s != n})


def dummy(size: int) -> list[bytes]:
    return [m.leaf_hash(i.to_bytes(4, "big")) for i in range(size)]


def inclusion_length(index: int, size: int) -> int | None:
    return len(m.inclusion_proof(index, dummy(size))) if index < size else None


def consistency_length(old: int, size: int) -> int:
    return len(m.consistency_proof(old, dummy(size)))


@settings(max_examples=150, deadline=None)
@given(trees, st.data())
def test_inclusion_proofs_of_random_trees_verify_and_nothing_else_does(ls, data):
    n = len(ls)
    root = m.reference_root(ls)
    assert m.root_of(ls) == root
    i = data.draw(st.integers(0, n - 1))
    proof = m.inclusion_proof(i, ls)
    assert m.verify_inclusion(ls[i], i, n, proof, root)
    for size in sizes_other_than(n):  # the same proof, another claimed tree size
        if inclusion_length(i, size) != len(proof):
            assert not m.verify_inclusion(ls[i], i, size, proof, root), (i, n, size)
    for j in {i - 1, i + 1, n, -1} - {i}:  # another index
        assert not m.verify_inclusion(ls[i], j, n, proof, root)
    assert not m.verify_inclusion(ls[i], i, n, [*proof, root], root)  # too long
    if proof:
        assert not m.verify_inclusion(ls[i], i, n, proof[:-1], root)  # too short
        k = data.draw(st.integers(0, len(proof) - 1))
        flipped = [*proof[:k], bytes([proof[k][0] ^ 1]) + proof[k][1:], *proof[k + 1:]]
        assert not m.verify_inclusion(ls[i], i, n, flipped, root)
    assert not m.verify_inclusion(m.leaf_hash(b"not in the tree"), i, n, proof, root)


@settings(max_examples=150, deadline=None)
@given(trees, st.data())
def test_consistency_proofs_of_random_trees_verify_and_nothing_else_does(ls, data):
    n = len(ls)
    old = data.draw(st.integers(1, n))
    old_root, new_root = m.reference_root(ls[:old]), m.reference_root(ls)
    proof = m.consistency_proof(old, ls)
    assert m.verify_consistency(old, n, old_root, new_root, proof)
    for size in sizes_other_than(n):
        if size < old or consistency_length(old, size) != len(proof):
            assert not m.verify_consistency(old, size, old_root, new_root, proof), (old, n, size)
    for other_old in {old - 1, old + 1} - {0, old}:
        if other_old <= n:
            assert not m.verify_consistency(other_old, n, old_root, new_root, proof)
    if old < n:
        assert not m.verify_consistency(old, n, old_root, new_root, [*proof, new_root])  # too long
        if proof:
            assert not m.verify_consistency(old, n, old_root, new_root, proof[:-1])  # too short
        forked = [*ls[:old], *(m.leaf_hash(b"forged" + x) for x in ls[old:])]
        assert old == n or not m.verify_consistency(old, n, old_root, m.reference_root(forked), proof)
        rewritten = [m.leaf_hash(b"rewritten"), *ls[1:]]
        assert not m.verify_consistency(old, n, m.reference_root(rewritten[:old]), new_root, proof)
    else:
        assert not m.verify_consistency(old, n, old_root, new_root, [new_root])  # same size: no proof at all
    assert not m.verify_consistency(0, n, m.EMPTY_ROOT, new_root, proof)
    assert not m.verify_consistency(n + 1, n, new_root, new_root, proof)  # a shrunk tree


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=4), max_size=300))
def test_the_streaming_root_equals_the_recursive_definition(xs):
    ls = [m.leaf_hash(x) for x in xs]
    builder = m.RootBuilder()
    for k, leaf in enumerate(ls, start=1):
        builder.append(leaf)
        if k in (1, 2, 3, len(ls)) or k & (k - 1) == 0:
            assert builder.root() == m.reference_root(ls[:k])
    assert m.root_of(ls) == m.reference_root(ls)


def _naive_verify_inclusion(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162's loop without its final `sn == 0` check — the hash-tree verifier bug, kept here to show
    that the wrong-size cases below are ones a buggy checker accepts."""
    if not 0 <= index < size:
        return False
    fn, sn, digest = index, size - 1, leaf
    for sibling in proof:
        if fn & 1 or fn == sn:
            digest = m.node_hash(sibling, digest)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            digest = m.node_hash(digest, sibling)
        fn, sn = fn >> 1, sn >> 1
    return digest == root


def test_the_sizes_a_buggy_checker_accepts_are_refused():
    ls = dummy(2)
    root, proof = m.reference_root(ls), m.inclusion_proof(0, ls)
    for wrong in (3, 4, 100, 2**40):  # a proof of leaf 0 in a tree of 2, claimed for bigger trees
        assert _naive_verify_inclusion(ls[0], 0, wrong, proof, root)
        assert not m.verify_inclusion(ls[0], 0, wrong, proof, root)
    assert m.verify_inclusion(ls[0], 0, 2, proof, root)
