"""The Merkle log in SQL: the sequencer, the stored checkpoints, and the scan that `audit verify` checks.

**The sequencer** (`SqlMerkleLog.sequence`) gives every committed audit record — a case event or an
access-log row — the next position of `log_entries`, with its RFC 6962 leaf hash. It is its own
transaction and never runs inside a write of a record, so it only ever sees committed records.
It does not trust the records' `seq` to tell what is new: on PostgreSQL a sequence value is taken
when a row is inserted but becomes visible when its transaction commits, so seq 7 can commit after
seq 8 — a "high-water mark" over seq would skip 7 forever (or a checkpoint would cover a hole that
7 fills later). Like Trillian's sequencer, which integrates from a queue of *submitted* (committed)
entries rather than from ids, it selects the committed records that have no log entry yet (an
anti-join on the records' identity: (case_id, version) of an event, seq of an access row) and
appends them after the last position, ordered deterministically by (time, kind, seq) — the order
within a batch is arbitrary but reproducible; what matters is that positions, once given, never
change. A slow transaction's record simply lands in a later batch. Two sequencers never interleave:
SQLite's BEGIN IMMEDIATE and PostgreSQL's table lock (EXCLUSIVE mode: readers go on) serialize them,
and under READ COMMITTED the statements after the lock see everything committed before it.
"""
from __future__ import annotations

import heapq
from collections.abc import Collection, Iterator
from typing import Any

from sqlalchemy import Engine, bindparam, text

from workflow.adapters.sql.audit_rows import EVENT_COLUMNS, event_hash_input
from workflow.adapters.sql.case_rows import event_from_row
from workflow.audit.logcheck import ACCESS, EVENT, EntryCheck
from workflow.audit.merkle import leaf_hash
from workflow.events import canonical_json

ACCESS_COLUMNS = ("seq", "at", "actor", "action", "case_id", "outcome", "ip", "detail")
_BATCH = 5000


def access_leaf_input(r: tuple[Any, ...] | Any) -> bytes:
    """The leaf data of an access-log row: the canonical JSON of its columns (detail as stored text)."""
    return canonical_json(dict(zip(ACCESS_COLUMNS, tuple(r)))).encode("utf-8")


def event_leaf(r: tuple[Any, ...]) -> bytes:
    return leaf_hash(event_hash_input(r))


def access_leaf(r: tuple[Any, ...]) -> bytes:
    return leaf_hash(access_leaf_input(r))


_INSERT = text("INSERT INTO log_entries (position, kind, case_id, version, access_seq, leaf) "
               "VALUES (:p, :k, :c, :v, :a, :l)")


def _entries(conn: Any, chunk: list[tuple[str, str, int]], first: int) -> list[dict[str, Any]]:
    """The log entries of one ordered chunk of new records (read by seq), from position `first` on."""
    event_seqs = [seq for _, kind, seq in chunk if kind == EVENT]
    access_seqs = [seq for _, kind, seq in chunk if kind == ACCESS]
    events = {r[12]: tuple(r) for r in _by_seq(conn, "case_events", EVENT_COLUMNS, event_seqs)}
    access = {r[0]: tuple(r) for r in _by_seq(conn, "access_log", ACCESS_COLUMNS, access_seqs)}
    rows = []
    for offset, (_, kind, seq) in enumerate(chunk):
        if kind == EVENT:
            r = events[seq]
            rows.append({"p": first + offset, "k": kind, "c": r[0], "v": r[1], "a": None, "l": event_leaf(r).hex()})
        else:
            rows.append({"p": first + offset, "k": kind, "c": None, "v": None, "a": seq,
                         "l": access_leaf(access[seq]).hex()})
    return rows


def _by_seq(conn: Any, table: str, columns: tuple[str, ...], seqs: list[int]) -> list[Any]:
    if not seqs:
        return []
    statement = text(f"SELECT {', '.join(columns)} FROM {table} WHERE seq IN :seqs").bindparams(
        bindparam("seqs", expanding=True))
    return list(conn.execute(statement, {"seqs": seqs}))


class SqlMerkleLog:
    """ports.MerkleLog on a SQLAlchemy engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ---- the sequencer --------------------------------------------------------------------------
    def sequence(self) -> int:
        """Append every committed record not yet in the log; the number appended (one transaction)."""
        with self.engine.connect() as conn:
            conn.execution_options(rectiflow_write=True)
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql("LOCK TABLE log_entries IN EXCLUSIVE MODE")
                position = conn.exec_driver_sql("SELECT coalesce(max(position) + 1, 0) FROM log_entries").scalar_one()
                # Only the keys of what is new (memory: a few fields per record), then the records by chunks.
                new = [(at, EVENT, seq) for at, seq in conn.exec_driver_sql(
                    "SELECT e.at, e.seq FROM case_events e WHERE NOT EXISTS "
                    "(SELECT 1 FROM log_entries l WHERE l.case_id = e.case_id AND l.version = e.version)")]
                new += [(at, ACCESS, seq) for at, seq in conn.exec_driver_sql(
                    "SELECT a.at, a.seq FROM access_log a WHERE NOT EXISTS "
                    "(SELECT 1 FROM log_entries l WHERE l.access_seq = a.seq)")]
                new.sort()  # (time, kind, seq): a total, reproducible order of this batch (seq breaks ties only)
                for start in range(0, len(new), _BATCH):
                    chunk = new[start:start + _BATCH]
                    conn.execute(_INSERT, _entries(conn, chunk, position + start))
                return len(new)

    # ---- reading --------------------------------------------------------------------------------
    def size(self) -> int:
        """The number of positions given so far (the next position)."""
        with self.engine.connect() as conn:
            return int(conn.exec_driver_sql("SELECT coalesce(max(position) + 1, 0) FROM log_entries").scalar_one())

    def stored_leaves(self, size: int) -> Iterator[bytes]:
        """The stored leaf hashes of positions 0..size-1, in order (what a checkpoint signs)."""
        with self.engine.connect() as conn:
            result = conn.execution_options(yield_per=_BATCH).execute(
                text("SELECT leaf FROM log_entries WHERE position < :n ORDER BY position"), {"n": size})
            for (leaf,) in result:
                yield bytes.fromhex(leaf)

    def scan(self, size: int) -> Iterator[EntryCheck]:
        """Positions 0..size-1 with their stored leaf and the leaf of the record as it is NOW (None: gone)."""
        columns = ", ".join([*("e." + c for c in EVENT_COLUMNS), *("a." + c for c in ACCESS_COLUMNS)])
        sql = text(f"SELECT l.position, l.kind, l.case_id, l.version, l.access_seq, l.leaf, {columns} "
                   "FROM log_entries l "
                   "LEFT JOIN case_events e ON e.case_id = l.case_id AND e.version = l.version "
                   "LEFT JOIN access_log a ON a.seq = l.access_seq "
                   "WHERE l.position < :n ORDER BY l.position")
        n_event = len(EVENT_COLUMNS)
        with self.engine.connect() as conn:
            for r in conn.execution_options(yield_per=_BATCH).execute(sql, {"n": size}):
                position, kind, case_id, version, access_seq, leaf = r[:6]
                event_row, access_row = tuple(r[6:6 + n_event]), tuple(r[6 + n_event:])
                if kind == EVENT:
                    current = None if event_row[0] is None else event_leaf(event_row)
                else:
                    current = None if access_row[0] is None else access_leaf(access_row)
                yield EntryCheck(int(position), kind, case_id, version, access_seq, bytes.fromhex(leaf), current)

    def records(self, size: int, case_id: str | None = None) -> Iterator[tuple[int, str, Any]]:
        """(position, kind, record) of positions 0..size-1 in order — an Event, or an access-log row as a
        dict of ACCESS_COLUMNS (detail as stored text); with `case_id`, that case's events only.
        A position whose record is gone is skipped (the bundle then shows the hole)."""
        where = "" if case_id is None else " AND l.case_id = :c"
        ev = text(f"SELECT l.position, {', '.join('e.' + c for c in EVENT_COLUMNS)} FROM log_entries l "
                  "JOIN case_events e ON e.case_id = l.case_id AND e.version = l.version "
                  f"WHERE l.position < :n{where} ORDER BY l.position")
        ac = text(f"SELECT l.position, {', '.join('a.' + c for c in ACCESS_COLUMNS)} FROM log_entries l "
                  "JOIN access_log a ON a.seq = l.access_seq WHERE l.position < :n ORDER BY l.position")
        with self.engine.connect() as conn, self.engine.connect() as conn2:
            event_rows = conn.execution_options(yield_per=_BATCH).execute(ev, {"n": size, "c": case_id})
            events = ((int(r[0]), EVENT, event_from_row(dict(zip(EVENT_COLUMNS, r[1:])))) for r in event_rows)
            if case_id is not None:
                yield from events
                return
            access_rows = conn2.execution_options(yield_per=_BATCH).execute(ac, {"n": size})
            access = ((int(r[0]), ACCESS, dict(zip(ACCESS_COLUMNS, r[1:]))) for r in access_rows)
            yield from heapq.merge(events, access, key=lambda x: x[0])

    def position_of(self, case_id: str, version: int) -> int | None:
        """The log position of one case event, None if it is not (yet) in the log."""
        with self.engine.connect() as conn:
            found = conn.execute(text("SELECT position FROM log_entries WHERE case_id = :c AND version = :v"),
                                 {"c": case_id, "v": version}).scalar_one_or_none()
        return None if found is None else int(found)

    def event_versions(self, case_ids: Collection[str]) -> dict[str, int]:
        """The highest stored event version of each of these cases (0: it has none)."""
        found = dict.fromkeys(case_ids, 0)
        with self.engine.connect() as conn:
            for case_id in found:
                found[case_id] = int(conn.execute(text("SELECT coalesce(max(version), 0) FROM case_events "
                                                       "WHERE case_id = :c"), {"c": case_id}).scalar_one())
        return found

    # ---- the deployment and the checkpoints -----------------------------------------------------
    def deployment_id(self) -> str:
        with self.engine.connect() as conn:
            return str(conn.exec_driver_sql("SELECT value FROM audit_meta WHERE key = 'deployment_id'").scalar_one())

    def save_checkpoint(self, *, origin: str, size: int, root: str, at: str, note: str) -> None:
        with self.engine.connect() as conn:
            conn.execution_options(rectiflow_write=True)
            with conn.begin():
                conn.execute(text("INSERT INTO log_checkpoints (origin, size, root, at, note) "
                                  "VALUES (:o, :s, :r, :t, :n)"), {"o": origin, "s": size, "r": root, "t": at,
                                                                   "n": note})

    def checkpoints(self) -> list[str]:
        """Every stored checkpoint note, oldest first."""
        with self.engine.connect() as conn:
            return [str(n) for n in conn.exec_driver_sql("SELECT note FROM log_checkpoints ORDER BY id").scalars()]
