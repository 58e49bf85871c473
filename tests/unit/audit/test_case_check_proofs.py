"""The history page's proofs (workflow.audit.case_check): cached blocks plus the blocks read per view give
exactly RFC 6962's inclusion proofs, at every tree size around the block boundaries, and a cache is kept
only when the stored leaves make the signed root."""
from __future__ import annotations

import hashlib

import pytest

from workflow.audit import case_check
from workflow.audit.case_check import TreeCache, _Tree
from workflow.audit.merkle import inclusion_proof, leaf_hash, reference_root, verify_inclusion


class Leaves:
    """The two reads of the Merkle log the check uses, over a list."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.leaves = leaves
        self.reads = 0

    def stored_leaves(self, size: int):
        return iter(self.leaves[:size])

    def leaves_between(self, lo: int, hi: int):
        self.reads += hi - lo
        return iter(self.leaves[lo:hi])


def leaves(n: int) -> list[bytes]:
    return [leaf_hash(hashlib.sha256(str(i).encode()).digest()) for i in range(n)]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 40, 64, 65])
def test_proofs_equal_rfc6962(monkeypatch, size):
    monkeypatch.setattr(case_check, "BLOCK", 4)
    data = leaves(size)
    log = Leaves(data)
    root = reference_root(data)
    cache = TreeCache()
    blocks = cache.blocks(log, size, root)  # type: ignore[arg-type]
    assert blocks is not None
    tree = _Tree(size, blocks, lambda b: list(log.leaves_between(b * 4, min(b * 4 + 4, size))), cache.nodes())
    for index in range(size):
        proof = tree.proof(index)
        assert proof == inclusion_proof(index, data)
        assert verify_inclusion(data[index], index, size, proof, root)


def test_a_view_reads_only_its_own_blocks(monkeypatch):
    monkeypatch.setattr(case_check, "BLOCK", 8)
    data = leaves(1000)
    log = Leaves(data)
    cache = TreeCache()
    blocks = cache.blocks(log, 1000, reference_root(data))  # type: ignore[arg-type]
    assert blocks is not None
    tree = _Tree(1000, blocks, lambda b: list(log.leaves_between(b * 8, min(b * 8 + 8, 1000))), cache.nodes())
    assert verify_inclusion(data[123], 123, 1000, tree.proof(123), reference_root(data))
    assert log.reads <= 16  # its own block and the partial last one, not the other 984 leaves


def test_no_cache_when_the_stored_leaves_do_not_make_the_root():
    data = leaves(10)
    cache = TreeCache()
    assert cache.blocks(Leaves(data), 10, reference_root(leaves(11)[:10][::-1])) is None  # type: ignore[arg-type]
