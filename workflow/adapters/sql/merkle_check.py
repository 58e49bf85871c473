"""The Merkle check's fast path: prove that the log still holds exactly what a checkpoint signed, or say "not sure".

`audit verify` checks a checkpoint by reading every position's record back through a join, recomputing
its leaf from the record's parsed and re-encoded content, and rebuilding the root (SqlMerkleLog.scan and
workflow.audit.logcheck.check_tree, which name whatever changed). `log_sound` answers only the question
"would that check find nothing?", cheaper, and when it cannot say yes the full check runs — so the
report is the full check's, word for word; the fast path only skips work for a sound log.

It holds in one read-only snapshot when:
1. the stored leaves of positions 0..size-1 are all there, in order, and their root is the checkpoint's;
2. every event entry's record is present and its leaf is the stored one;
3. every access entry's record is present and its leaf is the stored one.
Then the full check's leaves (the current records') are the stored ones, so its root is the checkpoint's
and it names no problem.

Step 2 needs no JSON. The stored leaf is the leaf of the hash input the sequencer recomputed: canonical
JSON, with the payload's canonical JSON inside. If the input built around the payload column's stored
text (an object: it begins with "{") has that very leaf, then (SHA-256 being collision resistant) it *is*
that input, so the stored text is a canonical encoding — which parsing and re-encoding, what the full
check does, gives back byte for byte. The entries and the events are read in (case id, version) order and
paired by equality of case ids only (like audit_scan), never by comparing ids in Python.
"""
from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import Engine

from workflow.adapters.sql.audit_rows import EVENT_COLUMNS, event_hash_input, hash_input_around
from workflow.adapters.sql.audit_scan import Grouped, ReadSnapshot
from workflow.audit.logcheck import EVENT
from workflow.audit.merkle import RootBuilder, leaf_hash
from workflow.events import canonical_json

ACCESS_COLUMNS = ("seq", "at", "actor", "action", "case_id", "outcome", "ip", "detail")

_fromhex = bytes.fromhex
_PAYLOAD = EVENT_COLUMNS.index("payload")
# Cases whose events come with no log entry (written after the checkpoint) wait while the pairing looks
# for the next logged case; past this many, give up (the full check decides) rather than hold the log.
MAX_PENDING_CASES = 20_000


def access_leaf_input(r: tuple[Any, ...] | Any) -> bytes:
    """The leaf data of an access-log row: the canonical JSON of its columns (detail as stored text)."""
    return canonical_json(dict(zip(ACCESS_COLUMNS, tuple(r)))).encode("utf-8")


def event_leaf(r: tuple[Any, ...]) -> bytes:
    """The leaf of the event in row `r` (EVENT_COLUMNS), whatever the row holds (what the sequencer stores)."""
    return leaf_hash(event_hash_input(r))


def access_leaf(r: tuple[Any, ...]) -> bytes:
    return leaf_hash(access_leaf_input(r))


def log_sound(engine: Engine, size: int, root: bytes) -> bool:
    """True only when the full check of the log of `size` against `root` would find nothing wrong."""
    raw = engine.raw_connection()
    try:
        with ReadSnapshot(raw.driver_connection, engine.dialect.name) as read:
            counted = _stored_root(read, size, root)
            return (counted is not None and _events_match(read, size, counted[0])
                    and _access_match(read, size, counted[1]))
    except Exception:  # anything unexpected: the full check decides (and names it)
        return False
    finally:
        raw.close()


def _stored_root(read: ReadSnapshot, size: int, root: bytes) -> tuple[int, int] | None:
    """(event entries, access entries) when positions 0..size-1 are all there and their stored leaves make
    `root`, each entry naming its record plainly; else None."""
    builder, events, access = RootBuilder(), 0, 0
    rows = read(("SELECT position, kind, case_id, version, access_seq, leaf FROM log_entries "
                 "WHERE position < ? ORDER BY position", [size]))
    for position, kind, case_id, version, access_seq, leaf in rows:
        if position != builder.size:
            return None
        if kind == EVENT and case_id is not None and version is not None:
            events += 1
        elif kind != EVENT and access_seq is not None:
            access += 1
        else:
            return None
        builder.append(_fromhex(leaf))
    return (events, access) if builder.size == size and builder.root() == root else None


def _events_match(read: ReadSnapshot, size: int, expected: int) -> bool:
    entries = read(("SELECT case_id, version, leaf FROM log_entries WHERE kind = ? AND position < ? "
                    "ORDER BY case_id, version", [EVENT, size]))
    events = Grouped(read((f"SELECT {', '.join(EVENT_COLUMNS)} FROM case_events ORDER BY case_id, version", [])),
                     max_pending=MAX_PENDING_CASES)
    matched = 0
    for case_id, group in itertools.groupby(entries, key=lambda e: e[0]):
        rows = {r[1]: r for r in events.take(case_id)}
        for _, version, leaf in group:
            r = rows.get(version)
            if r is None:
                return False
            text = r[_PAYLOAD]
            if type(text) is not str or not text.startswith("{"):
                return False
            if leaf_hash(hash_input_around(r, text)) != _fromhex(leaf):
                return False
            matched += 1
    return matched == expected


def _access_match(read: ReadSnapshot, size: int, expected: int) -> bool:
    rows = read((f"SELECT l.leaf, {', '.join('a.' + c for c in ACCESS_COLUMNS)} FROM log_entries l "
                 "JOIN access_log a ON a.seq = l.access_seq WHERE l.kind <> ? AND l.position < ?", [EVENT, size]))
    matched = 0
    for r in rows:
        if access_leaf(tuple(r[1:])) != _fromhex(r[0]):
            return False
        matched += 1
    return matched == expected
