"""RFC 6962 Merkle tree hashing (Certificate Transparency, also C2SP tlog): pure functions, no I/O.

Leaf hash = SHA-256(0x00 || data), node hash = SHA-256(0x01 || left || right). The tree over n leaves
splits at k, the largest power of two smaller than n (RFC 6962 §2.1). `RootBuilder` appends leaf
hashes one at a time keeping only the O(log n) roots of the complete subtrees so far (a "compact
range"), so the root of a log of any size is computed in one streaming pass with flat memory, and the
roots of several sizes (several checkpoints) in the same pass. Those roots (the tree's right edge,
`RootBuilder.frontier`) are all a log needs to keep to go on appending later: `RootBuilder.resume`
takes them back, so the next root costs the new leaves plus O(log n), never a reread of the old ones.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable

EMPTY_ROOT = hashlib.sha256(b"").digest()  # the root of the empty tree (RFC 6962: the hash of no input)


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class RootBuilder:
    """The root of the leaves appended so far, in O(log n) memory."""

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[bytes] = []  # roots of complete subtrees, largest (leftmost) first

    @classmethod
    def resume(cls, size: int, frontier: list[bytes]) -> RootBuilder:
        """The builder of a tree of `size` leaves from its `frontier()` (one node per set bit of size)."""
        if size < 0 or len(frontier) != bin(size).count("1") or any(len(n) != 32 for n in frontier):
            raise ValueError(f"a frontier of {len(frontier)} nodes is not the right edge of a tree of size {size}")
        builder = cls()
        builder.size, builder._stack = size, list(frontier)
        return builder

    def frontier(self) -> list[bytes]:
        """The roots of the complete subtrees so far, largest first: what `resume` needs."""
        return list(self._stack)

    def append(self, leaf: bytes) -> None:
        """Add the next leaf *hash*."""
        self._stack.append(leaf)
        self.size += 1
        n = self.size
        while n % 2 == 0:  # each trailing zero bit of the new size completes a subtree: merge
            right = self._stack.pop()
            self._stack[-1] = node_hash(self._stack[-1], right)
            n //= 2

    def root(self) -> bytes:
        """RFC 6962 MTH of the leaves so far: the complete subtrees folded right to left."""
        if not self._stack:
            return EMPTY_ROOT
        digest = self._stack[-1]
        for left in reversed(self._stack[:-1]):
            digest = node_hash(left, digest)
        return digest


def root_of(leaves: Iterable[bytes]) -> bytes:
    """The root over a sequence of leaf hashes."""
    builder = RootBuilder()
    for leaf in leaves:
        builder.append(leaf)
    return builder.root()


def reference_root(leaves: list[bytes]) -> bytes:
    """The root by RFC 6962's recursive definition (slow; tests compare RootBuilder with it)."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))


def split(n: int) -> int:
    """The largest power of two smaller than n (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_proof(index: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 6962 §2.1.1 PATH(m, D[n]): the audit path of leaf `index` in the tree over `leaves`."""
    n = len(leaves)
    if not 0 <= index < n:
        raise ValueError(f"leaf {index} is not in a tree of size {n}")
    if n == 1:
        return []
    k = split(n)
    if index < k:
        return [*inclusion_proof(index, leaves[:k]), reference_root(leaves[k:])]
    return [*inclusion_proof(index - k, leaves[k:]), reference_root(leaves[:k])]


def consistency_proof(old: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 6962 §2.1.2 PROOF(m, D[n]) that the tree of size `old` is a prefix of the tree over `leaves`."""
    n = len(leaves)
    if not 0 < old <= n:
        raise ValueError(f"no consistency proof from size {old} to size {n}")
    return _subproof(old, leaves, True)


def _subproof(m: int, leaves: list[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [reference_root(leaves)]
    k = split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], complete), reference_root(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), reference_root(leaves[:k])]


def verify_inclusion(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: True only if `proof` shows leaf `index` in the tree of `size` with `root`.

    A proof of the wrong length for (index, size) is refused — the check hash-tree verifiers have
    missed, which let a proof for one tree size pass for another."""
    if not 0 <= index < size:
        return False
    fn, sn, digest = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            return False  # more proof than the tree has levels
        if fn & 1 or fn == sn:
            digest = node_hash(sibling, digest)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            digest = node_hash(digest, sibling)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and digest == root


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, proof: list[bytes]) -> bool:
    """RFC 9162 §2.1.4.2: True only if `proof` shows the tree (old, old_root) is a prefix of (new, new_root)."""
    if not 0 < old <= new:
        return False
    if old == new:
        return not proof and old_root == new_root
    path = list(proof)
    if old & (old - 1) == 0:  # old is a power of two: its root is the first node of the path
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root
