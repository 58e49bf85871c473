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

**Incremental.** Scanning both tables for what has no log entry yet costs the whole log on every
sweep, and rereading every leaf costs it on every checkpoint. So each run that changes anything
appends a `log_frontier` row in its own transaction: the tree's right edge (the O(log n) roots of its
complete subtrees, RFC 6962 / a "compact range") and two watermarks, `event_mark` and `access_mark`:
every committed record with a seq at or below them is in the log. The next run's anti-join looks
only above the marks, appends leaves onto the stored right edge, and a checkpoint's root is the
latest row's (`tree_head`). A mark is only ever a seq below which no transaction can still commit:
on SQLite, the largest seq seen inside the sequencer's BEGIN IMMEDIATE (one writer at a time, so
nothing is in flight); on PostgreSQL, the largest seq seen after a moment when no transaction was
writing either table — `LOCK … IN SHARE MODE` is granted only once every transaction holding ROW
EXCLUSIVE on them (every INSERT takes it before it draws its seq) has ended, and seq values
(SERIAL, cache 1) drawn after it are larger than any before it. That lock is tried with a short
`lock_timeout` in a transaction of its own and held for one SELECT; if a slow transaction keeps it
waiting, the mark simply stays where it was this time (the run scans a little more, and the slow
record is still found above the old mark when it commits) — the marks cost speed, never completeness.
"""
from __future__ import annotations

import heapq
from collections.abc import Collection, Iterator
from typing import Any

from sqlalchemy import Engine, bindparam, text
from sqlalchemy.exc import OperationalError

from workflow.adapters.sql.audit_rows import EVENT_COLUMNS
from workflow.adapters.sql.case_rows import event_from_row
from workflow.adapters.sql.merkle_check import ACCESS_COLUMNS, access_leaf, event_leaf, log_sound
from workflow.audit.log_ports import CaseLogEntry
from workflow.audit.logcheck import ACCESS, EVENT, EntryCheck
from workflow.audit.merkle import RootBuilder

_BATCH = 5000
_MARK_LOCK_TIMEOUT = "100ms"  # how long the PostgreSQL mark may hold writers back at most (see the docstring)


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


_SAVE_FRONTIER = text("INSERT INTO log_frontier (size, nodes, event_mark, access_mark) VALUES (:s, :n, :e, :a)")


def _log_size(conn: Any) -> int:
    return int(conn.exec_driver_sql("SELECT coalesce(max(position) + 1, 0) FROM log_entries").scalar_one())


def _max_seqs(conn: Any) -> tuple[int, int]:
    return (int(conn.exec_driver_sql("SELECT coalesce(max(seq), 0) FROM case_events").scalar_one()),
            int(conn.exec_driver_sql("SELECT coalesce(max(seq), 0) FROM access_log").scalar_one()))


def _frontier(conn: Any) -> tuple[RootBuilder, tuple[int, int], tuple[int, int] | None]:
    """The tree of the whole log as it is (its size is the builder's), resumed from the latest stored right
    edge; the marks to scan above; the stored marks (None: no usable row, so the next run writes one)."""
    # One statement, one snapshot: the log's size and the latest row agree even while a sequencer commits.
    row = conn.exec_driver_sql(
        "SELECT (SELECT coalesce(max(position) + 1, 0) FROM log_entries), f.size, f.nodes, f.event_mark, "
        "f.access_mark FROM (SELECT 1 AS one) o LEFT JOIN (SELECT size, nodes, event_mark, access_mark "
        "FROM log_frontier ORDER BY id DESC LIMIT 1) f ON 1 = 1").one()
    size = int(row[0])
    if row[1] is not None and int(row[1]) == size:
        nodes = str(row[2])
        try:
            builder = RootBuilder.resume(size, [bytes.fromhex(nodes[i:i + 64]) for i in range(0, len(nodes), 64)])
            marks = (int(row[3]), int(row[4]))
            return builder, marks, marks
        except ValueError:
            pass  # not a right edge of this size: rebuilt below from the stored leaves
    # No row yet (a log sequenced before audit_frontier_0001) or one that does not fit: one pass over the
    # stored leaves, and the marks from scratch (the anti-join over everything finds what is missing).
    builder = RootBuilder()
    leaves = text("SELECT leaf FROM log_entries WHERE position < :n ORDER BY position")
    for (leaf,) in conn.execute(leaves.execution_options(yield_per=_BATCH), {"n": size}):
        builder.append(bytes.fromhex(leaf))
    return builder, (0, 0), None


class SqlMerkleLog:
    """ports.MerkleLog on a SQLAlchemy engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ---- the sequencer --------------------------------------------------------------------------
    def sequence(self) -> int:
        """Append every committed record not yet in the log; the number appended (one transaction)."""
        settled = self._settled_marks() if self.engine.dialect.name == "postgresql" else None
        with self.engine.connect() as conn:
            conn.execution_options(rectiflow_write=True)
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql("LOCK TABLE log_entries IN EXCLUSIVE MODE")
                else:  # inside BEGIN IMMEDIATE no other write is in flight: what is there is settled
                    settled = _max_seqs(conn)
                builder, marks, stored = _frontier(conn)
                position = builder.size
                # Only the keys of what is new (memory: a few fields per record), then the records by chunks.
                new = [(at, EVENT, seq) for at, seq in conn.execute(text(
                    "SELECT e.at, e.seq FROM case_events e WHERE e.seq > :m AND NOT EXISTS "
                    "(SELECT 1 FROM log_entries l WHERE l.case_id = e.case_id AND l.version = e.version)"),
                    {"m": marks[0]})]
                new += [(at, ACCESS, seq) for at, seq in conn.execute(text(
                    "SELECT a.at, a.seq FROM access_log a WHERE a.seq > :m AND NOT EXISTS "
                    "(SELECT 1 FROM log_entries l WHERE l.access_seq = a.seq)"), {"m": marks[1]})]
                new.sort()  # (time, kind, seq): a total, reproducible order of this batch (seq breaks ties only)
                for start in range(0, len(new), _BATCH):
                    rows = _entries(conn, new[start:start + _BATCH], position + start)
                    conn.execute(_INSERT, rows)
                    for row in rows:
                        builder.append(bytes.fromhex(row["l"]))
                if settled is not None:  # never lower: another run may have settled more already
                    marks = (max(marks[0], settled[0]), max(marks[1], settled[1]))
                if new or not stored or marks != stored:
                    conn.execute(_SAVE_FRONTIER, {"s": builder.size, "e": marks[0], "a": marks[1],
                                                  "n": "".join(node.hex() for node in builder.frontier())})
                return len(new)

    def _settled_marks(self) -> tuple[int, int] | None:
        """PostgreSQL: the largest event and access seq at a moment no transaction was writing either
        table (every smaller seq is committed or rolled back for good); None if that moment did not come
        within the lock timeout."""
        try:
            with self.engine.connect() as conn, conn.begin():
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{_MARK_LOCK_TIMEOUT}'")
                conn.exec_driver_sql("LOCK TABLE case_events, access_log IN SHARE MODE")
                return _max_seqs(conn)
        except OperationalError:  # lock_timeout: a write is in flight; the marks stay as they are
            return None

    def tree_head(self) -> tuple[int, bytes]:
        """(size, RFC 6962 root) of the log as sequenced, from the stored right edge — O(log n)."""
        with self.engine.connect() as conn:
            builder, _marks, _stored = _frontier(conn)
        return builder.size, builder.root()

    # ---- reading --------------------------------------------------------------------------------
    def size(self) -> int:
        """The number of positions given so far (the next position)."""
        with self.engine.connect() as conn:
            return _log_size(conn)

    def stored_leaves(self, size: int) -> Iterator[bytes]:
        """The stored leaf hashes of positions 0..size-1, in order (what a checkpoint signs)."""
        with self.engine.connect() as conn:
            result = conn.execution_options(yield_per=_BATCH).execute(
                text("SELECT leaf FROM log_entries WHERE position < :n ORDER BY position"), {"n": size})
            for (leaf,) in result:
                yield bytes.fromhex(leaf)

    def sound(self, size: int, root: bytes) -> bool:
        """True only when `scan` would show every record as logged and make `root` (merkle_check: cheaper)."""
        return log_sound(self.engine, size, root)

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

    def case_entries(self, case_id: str) -> list[CaseLogEntry]:
        """One case's log entries (the unique index on (case_id, version)) with the leaf of each event now."""
        columns = ", ".join("e." + c for c in EVENT_COLUMNS)
        sql = text(f"SELECT l.position, l.version, l.leaf, {columns} FROM log_entries l "
                   "LEFT JOIN case_events e ON e.case_id = l.case_id AND e.version = l.version "
                   "WHERE l.case_id = :c ORDER BY l.version")
        with self.engine.connect() as conn:
            return [CaseLogEntry(int(r[0]), int(r[1]), bytes.fromhex(r[2]),
                                 None if r[3] is None else event_leaf(tuple(r[3:])))
                    for r in conn.execute(sql, {"c": case_id})]

    def count_below(self, size: int) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM log_entries WHERE position < :n"),
                                    {"n": size}).scalar_one())

    def leaves_between(self, lo: int, hi: int) -> Iterator[bytes]:
        with self.engine.connect() as conn:
            result = conn.execute(text("SELECT leaf FROM log_entries WHERE position >= :lo AND position < :hi "
                                       "ORDER BY position"), {"lo": lo, "hi": hi})
            yield from (bytes.fromhex(leaf) for (leaf,) in result)

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
