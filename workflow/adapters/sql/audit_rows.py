"""`audit verify` on raw stored rows: a fast check that only ever says "sound", else the full check decides.

The full check (workflow.audit.verify.case_problem over Events and stored_case) builds objects and copies
that a sound case does not need. Here each case's rows are checked straight from the DB-API tuples:
the event hash is recomputed from the very bytes `Event.compute_hash` hashes (the canonical JSON
of the hashed fields, assembled around the canonical JSON of the parsed payload), the chain links
and the global order are compared (sound_chain), the case is replayed without copying the payloads it
parsed, and the stored snapshot is compared with the replay's canonical encoding — byte for byte, or
as parsed JSON when the bytes differ (sound_row). Whenever any of that is not exactly as a sound case
has it — or anything unexpected is raised — the case goes through the full check, which names the problem in its words.
So the result is the full check's, case for case; the fast path only skips work for sound cases.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from json.encoder import encode_basestring  # the string encoder of json.dumps(ensure_ascii=False)
from typing import Any

from workflow.adapters.sql.case_rows import event_from_row
from workflow.adapters.sql.stored_rows import stored_case
from workflow.audit.verify import case_problem
from workflow.engine.projection import project_case
from workflow.escalation.ladders import next_escalation_at
from workflow.events import GENESIS_HASH, Event, canonical_json
from workflow.records import CaseState, Problem

# Column order of the tuples this module reads (the adapter's SELECTs list them in this order).
# EVENT_COLUMNS follows Event's own field order, so a tuple maps onto Event positionally.
EVENT_COLUMNS = ("case_id", "version", "at", "actor", "action", "from_state", "to_state", "payload", "definition",
                 "definition_version", "prev_hash", "hash", "seq")
CASE_COLUMNS = ("id", "type", "definition_version", "title", "unit", "state", "version", "assignee", "opened_at",
                "updated_at", "due_at", "next_escalation_at", "snapshot")
_MIRRORED = CASE_COLUMNS[:10]  # columns that repeat a snapshot field (stored_rows._MIRRORED)
_FIELDS = tuple(CaseState.__dataclass_fields__)

# canonical_json of Event.hashed_content(): its keys sorted, no spaces. Checked against
# Event.compute_hash by tests/durability/test_verify_rows.py, so a new hashed field cannot slip by.
_HASHED = ('{{"action":{},"actor":{},"at":{},"case_id":{},"definition":{},"definition_version":{},'
           '"from_state":{},"payload":{},"prev_hash":{},"to_state":{},"version":{}}}')
_loads = json.loads
_sha256 = hashlib.sha256


def _encoder() -> Callable[[Any], str]:
    """canonical_json for parsed JSON, minus the per-call set-up of json.dumps (a third of its cost on a
    payload): the C encoder json.dumps itself ends in, built once with canonical_json's options and
    no cycle check (parsed JSON has no cycles)."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # no C accelerator: json.dumps with the same options
        return json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
    encode = make(None, None, encode_basestring, None, ":", ",", True, False, False)
    return lambda value: "".join(encode(value, 0))


_canonical = _encoder()
_quote = encode_basestring


class _NotPlain(Exception):
    """A column holds a type the engine never writes there: leave the case to the full check."""


def _text(value: Any) -> str:
    if type(value) is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    raise _NotPlain


def _int(value: Any) -> str:
    if type(value) is int:  # not bool, not a string SQLite kept in an INTEGER column
        return str(value)
    raise _NotPlain


def case_problem_from_rows(case_id: str, events: Sequence[tuple[Any, ...]],
                           row: tuple[Any, ...] | None) -> Problem | None:
    """The first problem of one case given its event rows (in version order) and its case row."""
    chain = sound_chain(events, row)
    if chain is not None and sound_row(chain, row):
        return None
    return full_check(case_id, events, row)


def full_check(case_id: str, events: Sequence[tuple[Any, ...]], row: tuple[Any, ...] | None) -> Problem | None:
    """The full check (workflow.audit.verify.case_problem) on freshly parsed rows: it names the problem."""
    return case_problem(case_id, events_from_rows(events),
                        None if row is None else stored_case(dict(zip(CASE_COLUMNS, row))))


def events_from_rows(events: Sequence[tuple[Any, ...]]) -> list[Event]:
    """Event objects of rows in EVENT_COLUMNS order (payloads parsed as stored)."""
    return [event_from_row(dict(zip(EVENT_COLUMNS, r))) for r in events]


def stored_event_hash(r: tuple[Any, ...], payload: dict[str, Any]) -> str:
    """Event.compute_hash of the event in row `r` (EVENT_COLUMNS) whose payload column parsed to `payload`."""
    return _sha256(stored_event_hash_input(r, payload)).hexdigest()


def stored_event_hash_input(r: tuple[Any, ...], payload: dict[str, Any]) -> bytes:
    """The bytes Event.compute_hash hashes, for the event in row `r` whose payload parsed to `payload`."""
    return hash_input_around(r, _canonical(payload))


def hash_input_around(r: tuple[Any, ...], payload_json: str) -> bytes:
    """The hash input of the event in row `r` with `payload_json` as its payload's canonical JSON, taken as
    given (the Merkle check passes the stored text: workflow.adapters.sql.merkle_check says when it may)."""
    # encode_basestring raises on anything but a string: NOT NULL text columns need no _text
    hashed = _HASHED.format(_quote(r[4]), _quote(r[3]), _quote(r[2]), _quote(r[0]), _quote(r[8]), _int(r[9]),
                            _text(r[5]), payload_json, _quote(r[10]), _text(r[6]), _int(r[1]))
    return hashed.encode("utf-8")


def event_hash_input(r: tuple[Any, ...]) -> bytes:
    """The hash input of the event in row `r` (EVENT_COLUMNS) — its Merkle leaf's data — whatever the row holds."""
    try:
        payload = _loads(r[7])
        if type(payload) is dict:
            return stored_event_hash_input(r, payload)
    except Exception:
        pass
    try:
        event = event_from_row(dict(zip(EVENT_COLUMNS, r)))
        return canonical_json(event.hashed_content()).encode("utf-8")
    except Exception:  # unreadable: still a leaf, one no sound record has
        return repr(tuple(r[:12])).encode("utf-8")


def sound_chain(events: Sequence[tuple[Any, ...]], row: tuple[Any, ...] | None) -> list[Event] | None:
    """The case's events, payloads freshly parsed, when its chain is sound (every link, hash and order as
    the full check wants it) and it has a row; else None (the full check decides)."""
    if not events or row is None:
        return None
    try:
        return _chain(events)
    except Exception:
        return None


def _chain(events: Sequence[tuple[Any, ...]]) -> list[Event] | None:
    prev_hash, prev_seq = GENESIS_HASH, None
    chain: list[Event] = []
    for expected, r in enumerate(events, start=1):
        case_id, version, at, actor, action, from_state, to_state, text, definition, dversion, prev, digest, seq = r
        if version != expected or prev != prev_hash or (prev_seq is not None and seq is not None and seq <= prev_seq):
            return None
        payload = _loads(text)
        if type(payload) is not dict or stored_event_hash(r, payload) != digest:
            return None
        chain.append(Event(case_id, version, at, actor, action, from_state, to_state, payload, definition,
                           dversion, prev, digest, seq))
        prev_hash, prev_seq = digest, seq
    return chain


def sound_row(chain: list[Event], row: tuple[Any, ...] | None) -> bool:
    """True only when the stored row equals the replay of a sound chain (from sound_chain).

    The replay takes the parsed payloads without copying them (project_case's `owned`): they were
    parsed for this check alone, and nothing reads them after it but what the caller did before."""
    if row is None:
        return False
    try:
        replayed = project_case(chain, owned=True)
        return replayed is not None and _row_matches(replayed, row)
    except Exception:
        return False


def _row_matches(replayed: CaseState, row: tuple[Any, ...]) -> bool:
    """The stored row equals the replay: its snapshot field for field, its columns value for value."""
    snapshot = {name: getattr(replayed, name) for name in _FIELDS}
    # The engine stores the snapshot as canonical JSON, so a sound row is byte for byte the replay's
    # encoding; only a row that is not (or not canonical) is parsed and compared as data.
    if row[-1] != _canonical(snapshot) and _loads(row[-1]) != snapshot:
        return False
    if any(getattr(replayed, name) != value for name, value in zip(_MIRRORED, row)):
        return False
    deadline = replayed.deadline if isinstance(replayed.deadline, dict) else None
    return bool(row[10] == (deadline or {}).get("due_at") and row[11] == next_escalation_at(deadline))
