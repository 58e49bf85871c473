"""`audit verify` over a whole database: raw DB-API cursors, ranges of cases in worker processes.

What `rectiflow audit verify` runs. The case ids are cut into ranges of about equal size; each
range is read in one read-only transaction (REPEATABLE READ on PostgreSQL, so its events and
its case rows are one snapshot), its events and case rows streamed side by side through the
driver's own cursor (server-side on PostgreSQL: memory stays flat), and every case checked by
workflow.adapters.sql.audit_rows — and, for a case whose chain and row are sound, its rows of the
battle map's derived timeline compared with what its events call for (workflow.adapters.sql.timeline).
Cases are independent, so ranges run in parallel processes; results come back in range order and
the problems are sorted by case, so the report is the same whatever the number of processes. Ranges
are half-open intervals of the database's own ordering of case ids, so an event whose case row is
gone (or a row whose events are) falls in exactly one.

With several processes, each range is its own transaction: a case written while verify runs is
seen either before or after that write, never half of it (a case's events and row are committed
together) — but two ranges may see the database at slightly different moments.
"""
from __future__ import annotations

import itertools
import math
import multiprocessing
from collections.abc import Iterator
from operator import itemgetter
from typing import Any

from sqlalchemy import Engine

from workflow.adapters.sql import timeline
from workflow.adapters.sql.audit_rows import (
    CASE_COLUMNS,
    EVENT_COLUMNS,
    events_from_rows,
    full_check,
    sound_chain,
    sound_row,
)
from workflow.adapters.sql.sqlstore import SqlStore, make_engine
from workflow.audit.verify import pair_by_case
from workflow.records import Problem, Report

_case_id = itemgetter(0)  # both SELECTs list the case id first
Range = tuple[str | None, str | None]  # [low, high): None is open on that side

# Below this many cases per process, starting processes costs more than it saves.
MIN_CASES_PER_JOB = 5000
RANGES_PER_JOB = 4
_FETCH = 2000  # rows per round trip of a server-side cursor


def verify_database(url: str, *, case_id: str | None = None, jobs: int = 1,
                    min_cases_per_job: int = MIN_CASES_PER_JOB) -> Report:
    """Verify every case of the database at `url` (or only `case_id`) with up to `jobs` processes."""
    engine = make_engine(url)
    try:
        ranges = [(None, None)] if case_id is not None else case_ranges(engine, jobs, min_cases_per_job)
        if len(ranges) == 1:
            return verify_range(engine, ranges[0], case_id).sorted()
    finally:
        engine.dispose()  # before any fork: no process shares a connection with another
    report = Report()
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    processes = min(jobs, math.ceil(len(ranges) / RANGES_PER_JOB))
    with context.Pool(processes, initializer=_worker_start, initargs=(url,)) as pool:
        for part in pool.imap(_worker_verify, ranges):  # imap: in range order
            report.merge(part)
        pool.close()
        pool.join()  # reaped before returning, so a caller's RUSAGE_CHILDREN counts the workers' CPU
    return report.sorted()


def case_ranges(engine: Engine, jobs: int, min_cases_per_job: int = MIN_CASES_PER_JOB) -> list[Range]:
    """Ranges of case ids for up to `jobs` processes, a few per process (so one slow range does not
    hold up the end); a single open range when one process is enough."""
    with engine.connect() as conn:
        total = conn.exec_driver_sql("SELECT count(*) FROM cases").scalar_one()
        processes = min(jobs, total // max(min_cases_per_job, 1))
        if processes <= 1:
            return [(None, None)]
        step = math.ceil(total / (processes * RANGES_PER_JOB))
        # Every step-th id in the database's own order (integer division: no `%`, which drivers
        # with `%s` placeholders would misread): the boundaries of the ranges.
        bounds = list(conn.exec_driver_sql(
            "SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM cases) AS numbered "
            f"WHERE n > 0 AND n / {step} * {step} = n ORDER BY id").scalars())
    edges: list[str | None] = [None, *bounds, None]
    return list(itertools.pairwise(edges))


def verify_range(engine: Engine, span: Range, case_id: str | None = None) -> Report:
    """Verify the cases in one range (or the one case) in one read-only transaction."""
    report = Report()
    raw = engine.raw_connection()
    try:
        with ReadSnapshot(raw.driver_connection, engine.dialect.name) as read:
            events = read(_select("case_events", EVENT_COLUMNS, "case_id", "case_id, version", span, case_id))
            rows = read(_select("cases", CASE_COLUMNS, "id", "id", span, case_id))
            marks = Grouped(read(_select("case_timeline", TIMELINE_COLUMNS, "case_id", "case_id, version", span,
                                          case_id)))
            for cid, case_events, row in pair_by_case(events, rows, _case_id, _case_id):
                report.add(len(case_events), _case_problem(cid, case_events, row, marks.take(cid)))
            for cid in marks.left_over():  # timeline rows of a case that has neither events nor a row
                report.add(0, Problem(cid, None, TIMELINE_DIFFERS))
    finally:
        raw.close()
    return report


def _case_problem(cid: str, events: list[tuple[Any, ...]], row: tuple[Any, ...] | None,
                  stored_marks: list[tuple[Any, ...]]) -> Problem | None:
    """One case's first problem: its chain and row (audit_rows), then its timeline rows.

    The payloads are parsed once: the timeline the events call for is derived from the sound chain's
    events before the replay takes their payloads over (sound_row); when that derivation fails, or the
    fast path could not decide, the timeline is derived again from the rows, as the full check does."""
    chain = sound_chain(events, row)
    want = None
    if chain is not None:
        try:
            want = timeline.expected(chain)
        except Exception:
            want = None
    problem = None if chain is not None and sound_row(chain, row) else full_check(cid, events, row)
    if problem is None and _timeline_differs(events, stored_marks, want):
        problem = Problem(cid, None, TIMELINE_DIFFERS)
    return problem


TIMELINE_COLUMNS = tuple(c.name for c in timeline.ROW_COLUMNS) + ("valid_to",)
TIMELINE_DIFFERS = ("the battle map's timeline (case_timeline) differs from the one its events call for: "
                    "rebuild it from the log (workflow.adapters.sql.timeline.rebuild)")


def _timeline_differs(events: list[tuple[Any, ...]], stored: list[tuple[Any, ...]],
                      want: list[dict[str, Any]] | None = None) -> bool:
    if want is None:
        want = timeline.expected(events_from_rows(events))
    have = [{**dict(zip(TIMELINE_COLUMNS, r)), "late": bool(r[TIMELINE_COLUMNS.index("late")])} for r in stored]
    return want != have


class Grouped:
    """Rows of a stream ordered by case id, handed out case by case as the verify loop reaches it.

    Like pair_by_case, only equality of ids is relied on: rows of cases asked for later (or never)
    wait in `pending`, so memory holds at most the rows between two cases of the other streams."""

    def __init__(self, rows: Iterator[tuple[Any, ...]], max_pending: int | None = None) -> None:
        self.rows = iter(rows)
        self.pending: dict[str, list[tuple[Any, ...]]] = {}
        self.next: tuple[Any, ...] | None = next(self.rows, None)
        self.max_pending = max_pending  # more cases waiting than this: LookupError (the caller gives up)

    def take(self, case_id: str) -> list[tuple[Any, ...]]:
        found = self.pending.pop(case_id, None)
        if found is not None:
            return found
        while self.next is not None:
            group_id, group = self._group()
            if group_id == case_id:
                return group
            self.pending[group_id] = group
            if self.max_pending is not None and len(self.pending) > self.max_pending:
                raise LookupError(f"more than {self.max_pending} cases wait for their turn")
        return []

    def left_over(self) -> list[str]:
        """The cases whose rows nobody took (after the last `take`)."""
        while self.next is not None:
            group_id, group = self._group()
            self.pending[group_id] = group
        return sorted(self.pending)

    def _group(self) -> tuple[str, list[tuple[Any, ...]]]:
        assert self.next is not None
        group_id, group = _case_id(self.next), []
        while self.next is not None and _case_id(self.next) == group_id:
            group.append(self.next)
            self.next = next(self.rows, None)
        return group_id, group


def _select(table: str, columns: tuple[str, ...], key: str, order: str, span: Range,
            case_id: str | None) -> tuple[str, list[str]]:
    """The statement (with `?` placeholders) and its parameters for one side of a range."""
    where, params = [], []
    if case_id is not None:
        where.append(f"{key} = ?")
        params.append(case_id)
    if span[0] is not None:
        where.append(f"{key} >= ?")
        params.append(span[0])
    if span[1] is not None:
        where.append(f"{key} < ?")
        params.append(span[1])
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    return f"SELECT {', '.join(columns)} FROM {table}{clause} ORDER BY {order}", params


class ReadSnapshot:
    """A read-only transaction on a DB-API connection; calling it streams a query's rows."""

    def __init__(self, driver: Any, dialect: str) -> None:
        self.driver, self.dialect = driver, dialect
        self.cursors: list[Any] = []

    def __enter__(self) -> ReadSnapshot:
        if self.dialect == "sqlite":
            self.driver.execute("BEGIN")  # the engine runs SQLite in autocommit mode (see sqlstore)
        else:
            self.driver.rollback()  # the pool's pre-ping may have begun one: SET TRANSACTION must come first
            self.driver.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return self

    def __exit__(self, *exc: object) -> None:
        for cursor in self.cursors:
            cursor.close()
        if self.dialect == "sqlite":
            self.driver.execute("ROLLBACK")
        else:
            self.driver.rollback()

    def __call__(self, query: tuple[str, list[Any]]) -> Iterator[tuple[Any, ...]]:
        sql, params = query
        if self.dialect == "sqlite":
            cursor = self.driver.cursor()
        else:  # a named (server-side) cursor streams instead of loading the whole result
            cursor = self.driver.cursor(name=f"rectiflow_verify_{len(self.cursors)}")
            cursor.itersize = _FETCH
            sql = sql.replace("?", "%s")
        self.cursors.append(cursor)
        cursor.execute(sql, params)
        return iter(cursor)


# ---- worker processes -------------------------------------------------------------------------
_ENGINE: Engine | None = None


def _worker_start(url: str) -> None:
    global _ENGINE  # noqa: PLW0603 — one engine per worker process, made by the pool's initializer
    _ENGINE = make_engine(url)


def _worker_verify(span: Range) -> Report:
    assert _ENGINE is not None
    return verify_range(_ENGINE, span)


class SqlAuditScanner:
    """ports.AuditScanner on the store's database (each worker process opens its own connections)."""

    def __init__(self, url: str, store: SqlStore) -> None:
        self.url, self.store = url, store

    def verify(self, *, case_id: str | None, jobs: int) -> Report:
        self.store.dispose()  # no pooled connection may be shared with a forked worker
        return verify_database(self.url, case_id=case_id, jobs=jobs)
