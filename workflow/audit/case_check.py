"""One case's full check, as the web history page shows it: its chain, its replay, its place in the signed log.

`check_case` answers three questions, each with a message code (no sentences: the web translates them):

1. **Chain** — versions 1..n, each `prev_hash` the hash before, each hash recomputed (workflow.audit.verify).
2. **Replay** — the events folded (workflow.engine.projection) and walked through their definition (every
   state a state of it — a `migrated` event's new state one of the version it moves to, and the events after
   it name that version —, each step starting where the last ended and a transition of the definition from
   that state to the next by that trigger) equal the case row; what differs is named.
3. **Checkpoint** — every event the latest stored signed checkpoint covers is proven in it: the leaf of the
   event *as it is now*, with an RFC 6962 inclusion proof built from the stored leaves, must reach the signed
   root. A re-chained event, a deleted tail still covered by the checkpoint, or edited leaf rows each fail.
   Events sequenced after the checkpoint (or not yet sequenced) are "not yet covered", which is no error.

Proofs, not a recomputed tree: the hashes of aligned blocks of `BLOCK` leaves are computed once per
checkpoint (one pass over the stored leaves, kept in `TreeCache` and only once they make the signed root);
a view then reads the blocks of its own events' leaves only and takes everything above from the cache.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from workflow.audit.log_ports import CaseLogEntry, MerkleLog
from workflow.audit.merkle import EMPTY_ROOT, node_hash, reference_root, split, verify_inclusion
from workflow.audit.notes import Checkpoint, NoteRefused, VerifierKey, open_checkpoint, parse_checkpoint, split_note
from workflow.audit.verify import chain_problem
from workflow.definitions.model import Definition
from workflow.engine.projection import apply
from workflow.events import ADVANCED, MIGRATED, Event
from workflow.records import CaseState

MISSING_LEAF = b"\xff" * 32  # stands in for a log entry that is not there (no SHA-256 output is known to be this)
BLOCK = 64  # leaves per cached block: a view reads at most this many leaves per event it proves


@dataclass(frozen=True)
class Finding:
    """One thing found wrong: a code (`case_check.*`, see FINDINGS), the first version concerned, parameters."""

    code: str
    version: int | None = None
    params: dict[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "version": self.version, **self.params}


FINDINGS = {
    # chain
    "no_events": "the case has no events",
    "version_missing": "event version %(version)s is missing (found %(found)s next)",
    "prev_hash": "event %(version)s does not link to the hash of the event before it",
    "hash": "event %(version)s does not match its hash: it was altered",
    # replay
    "row_missing": "the events exist but the case row is missing",
    "row_ahead": "the case row is at version %(row_version)s but the events end at %(version)s",
    "unreplayable": "event %(version)s cannot be replayed",
    "unknown_state": "event %(version)s leads to a state its definition does not have",
    "discontinuous": "event %(version)s starts from a state the case was not in",
    "no_transition": "event %(version)s is a step its definition has no transition for",
    "row_differs": "the case row differs from the replay of its events in: %(fields)s",
    # checkpoint
    "checkpoint_refused": "the latest checkpoint is refused: %(reason)s",
    "log_tampered": "the stored log entries no longer make the checkpoint's root: the log table was edited",
    "events_deleted": "events %(version)s..%(last)s are covered by the checkpoint but were deleted",
    "events_rewritten": "events %(version)s..%(last)s differ from what the checkpoint signed",
    "entries_tampered": "the log entries of events %(version)s..%(last)s were edited: their proofs fail",
}


@dataclass(frozen=True)
class CheckpointSeen:
    """The checkpoint a case was checked against (its size, when it was made, whether its signature was checked)."""

    size: int
    time: str | None
    signature_checked: bool


@dataclass
class CaseCheck:
    case_id: str
    events: int
    chain: Finding | None = None  # None: intact
    replay: Finding | None = None  # None (and chain intact): replay equals the row
    checkpoint: CheckpointSeen | None = None  # None: no checkpoint is stored (or it was refused)
    inclusion: list[Finding] = field(default_factory=list)
    proven: int = 0  # events proven in the checkpoint
    pending: int = 0  # events not yet covered by it

    @property
    def ok(self) -> bool:
        return self.chain is None and self.replay is None and not self.inclusion

    def to_dict(self) -> dict[str, object]:
        cp = self.checkpoint
        return {"case": self.case_id, "ok": self.ok, "events": self.events,
                "chain": self.chain and self.chain.to_dict(), "replay": self.replay and self.replay.to_dict(),
                "checkpoint": cp and {"size": cp.size, "time": cp.time, "signature_checked": cp.signature_checked},
                "inclusion": [f.to_dict() for f in self.inclusion], "proven": self.proven, "pending": self.pending}


# ---- 1 and 2: chain and replay ------------------------------------------------------------------
def chain_finding(case_id: str, events: list[Event]) -> Finding | None:
    if not events:
        return Finding("no_events", 1)
    problem = chain_problem(case_id, events)
    if problem is None:
        return None
    found = next((e.version for e in events if e.version >= (problem.version or 0)), None)
    if problem.reason.startswith("event version"):
        return Finding("version_missing", problem.version, {"found": found})
    if problem.reason.startswith("prev_hash"):
        return Finding("prev_hash", problem.version)
    return Finding("hash", problem.version)  # an altered event, or one out of the database's order


def replay_finding(events: list[Event], row: CaseState | None,
                   definition: Callable[[str, int], Definition | None]) -> Finding | None:
    """The events folded one by one and walked through their definition, then compared with the row."""
    if row is None:
        return Finding("row_missing")
    case: CaseState | None = None
    for ev in events:
        defn = definition(ev.definition, ev.definition_version)
        if ev.action == MIGRATED:  # recorded under the old version, it leads into a state of the new one
            defn = definition(ev.definition, int(ev.payload.get("to_version") or 0))
        if ev.to_state and defn is not None and ev.to_state not in defn.states:
            return Finding("unknown_state", ev.version, {"state": ev.to_state})
        if case is not None and ev.to_state and ev.from_state != case.state:
            return Finding("discontinuous", ev.version, {"state": ev.from_state or ""})
        if ev.action == ADVANCED and defn is not None and not any(
                t.trigger == ev.payload.get("trigger") and ev.from_state in t.sources and t.dest == ev.to_state
                for t in defn.transitions):
            return Finding("no_transition", ev.version)
        try:
            case = apply(case or CaseState(id=ev.case_id), ev)
        except Exception:  # only a forged (re-hashed) event has an action or payload the fold cannot take
            return Finding("unreplayable", ev.version)
    assert case is not None
    if isinstance(row.version, int) and row.version > case.version:
        return Finding("row_ahead", case.version, {"row_version": row.version})
    if case != row:
        theirs, ours = row.to_dict(), case.to_dict()
        diff = sorted(k for k, v in ours.items() if theirs.get(k) != v)
        return Finding("row_differs", row.version, {"fields": diff})
    return None


# ---- 3: inclusion in the latest checkpoint, by proofs --------------------------------------------
class TreeCache:
    """The hashes of the complete aligned blocks of the latest checkpoint's tree, kept once they make its root.

    Keyed by (size, root): a new checkpoint replaces them. Building reads every stored leaf once; every
    proof after that reads only the blocks of the leaves it proves."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[int, bytes] | None = None
        self._blocks: list[bytes] = []
        self._nodes: dict[tuple[int, int], bytes] = {}

    def blocks(self, log: MerkleLog, size: int, root: bytes) -> list[bytes] | None:
        """The block hashes of the checkpoint's tree; None when the stored leaves do not make `root`."""
        with self._lock:
            if self._key == (size, root):
                return self._blocks
        blocks: list[bytes] = []
        chunk: list[bytes] = []
        for leaf in log.stored_leaves(size):
            chunk.append(leaf)
            if len(chunk) == BLOCK:
                blocks.append(reference_root(chunk))
                chunk = []
        tree = _Tree(size, blocks, lambda _: chunk, {})
        if tree.root() != root:
            return None
        with self._lock:
            self._key, self._blocks, self._nodes = (size, root), blocks, {}
        return blocks

    def nodes(self) -> dict[tuple[int, int], bytes]:
        return self._nodes


class _Tree:
    """MTH(D[lo:hi]) of the checkpoint's tree: aligned full blocks from the cache, other leaves read by block."""

    def __init__(self, size: int, blocks: list[bytes], read_block: Callable[[int], list[bytes]],
                 nodes: dict[tuple[int, int], bytes]) -> None:
        self.size, self.blocks, self.read_block, self.nodes = size, blocks, read_block, nodes
        self._leaves: dict[int, list[bytes]] = {}
        self._inside: dict[tuple[int, int], bytes] = {}  # this view's subtrees inside blocks (from fresh leaves)

    def leaves_of(self, block: int) -> list[bytes]:
        if block not in self._leaves:
            self._leaves[block] = self.read_block(block)
        return self._leaves[block]

    def mth(self, lo: int, hi: int) -> bytes:
        n = hi - lo
        if n >= BLOCK and lo % BLOCK == 0 and n & (n - 1) == 0:  # whole cached blocks
            key = (lo, hi)
            if key not in self.nodes:
                self.nodes[key] = (self.blocks[lo // BLOCK] if n == BLOCK else
                                   node_hash(self.mth(lo, lo + n // 2), self.mth(lo + n // 2, hi)))
            return self.nodes[key]
        if lo // BLOCK == (hi - 1) // BLOCK:  # within one block: its leaves, read fresh once per view
            if (lo, hi) not in self._inside:
                if n == 1:
                    block = self.leaves_of(lo // BLOCK)
                    # A log row deleted from the block: no leaf, so no proof through it verifies.
                    self._inside[lo, hi] = block[lo % BLOCK] if lo % BLOCK < len(block) else MISSING_LEAF
                else:
                    k = split(n)
                    self._inside[lo, hi] = node_hash(self.mth(lo, lo + k), self.mth(lo + k, hi))
            return self._inside[lo, hi]
        k = split(n)
        return node_hash(self.mth(lo, lo + k), self.mth(lo + k, hi))

    def root(self) -> bytes:
        return self.mth(0, self.size) if self.size else EMPTY_ROOT

    def proof(self, index: int, lo: int = 0, hi: int | None = None) -> list[bytes]:
        """RFC 6962 PATH(index, D[lo:hi])."""
        hi = self.size if hi is None else hi
        if hi - lo == 1:
            return []
        k = split(hi - lo)
        if index < lo + k:
            return [*self.proof(index, lo, lo + k), self.mth(lo + k, hi)]
        return [*self.proof(index, lo + k, hi), self.mth(lo, lo + k)]


def latest_checkpoint(notes: list[str], key: VerifierKey | None,
                      origin: str) -> tuple[Checkpoint | None, Finding | None]:
    """The latest stored checkpoint, its signature checked when a key is known; or why it is refused."""
    if not notes:
        return None, None
    try:
        cp = open_checkpoint(notes[-1], key) if key is not None else parse_checkpoint(split_note(notes[-1])[0])
    except NoteRefused as err:
        return None, Finding("checkpoint_refused", params={"reason": err.code})
    if cp.origin != origin:
        return None, Finding("checkpoint_refused", params={"reason": "audit.origin_mismatch"})
    return cp, None


def inclusion_findings(result: CaseCheck, events: list[Event], entries: list[CaseLogEntry], cp: Checkpoint,
                       log: MerkleLog, cache: TreeCache) -> None:
    """Prove each covered event of the case in `cp`; fill result.inclusion, proven and pending."""
    covered = {e.version: e for e in entries if e.position < cp.size}
    present = {ev.version for ev in events}
    result.pending = sum(1 for v in present if v not in covered)
    deleted = sorted(v for v in covered if v not in present)
    if deleted:
        result.inclusion.append(Finding("events_deleted", deleted[0], {"last": deleted[-1]}))
    blocks = cache.blocks(log, cp.size, cp.root)
    if blocks is not None and log.count_below(cp.size) != cp.size:
        # Entries deleted from the log table since the blocks were cached: this case's own entries may be among
        # them (its events would then look merely "not yet covered"), so the log is not trusted for this view.
        blocks = None
    if blocks is None:
        result.inclusion.append(Finding("log_tampered"))
        rewritten = sorted(v for v, e in covered.items() if e.current is not None and e.current != e.stored)
        _spans(result, "events_rewritten", rewritten)
        return
    tree = _Tree(cp.size, blocks, lambda b: list(log.leaves_between(b * BLOCK, min((b + 1) * BLOCK, cp.size))),
                 cache.nodes())
    rewritten, tampered = [], []
    for version in sorted(present & covered.keys()):
        entry = covered[version]
        if entry.current is None:
            continue
        if verify_inclusion(entry.current, entry.position, cp.size, tree.proof(entry.position), cp.root):
            result.proven += 1
        elif entry.current != entry.stored:
            rewritten.append(version)
        else:
            tampered.append(version)
    _spans(result, "events_rewritten", rewritten)
    _spans(result, "entries_tampered", tampered)


def _spans(result: CaseCheck, code: str, versions: Iterable[int]) -> None:
    found = sorted(versions)
    if found:
        result.inclusion.append(Finding(code, found[0], {"last": found[-1]}))
