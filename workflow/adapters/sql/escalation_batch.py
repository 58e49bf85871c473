"""The set-wise sweep's writes (workflow.escalation.set_firing): many cases, one statement per table.

A mixin of SqlTx. A set of a few hundred cases is locked with one SELECT (PostgreSQL: FOR UPDATE
SKIP LOCKED, so concurrent sweepers take disjoint cases; SQLite's write lock is the transaction's
own), its firing rows go in with one multi-row INSERT … ON CONFLICT DO NOTHING RETURNING (the
primary key still refuses a rung fired already, and says which cases it refused), and its alerts,
events and case updates with one executemany each (psycopg pipelines them: one round trip, not one
per row). A case update still names its version in the WHERE; the summed row count must be the
number of cases, or the whole set is a ConcurrencyConflict.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import exc, insert
from sqlalchemy.engine import Connection

from workflow.adapters.sql import driver_sql, search_index, timeline
from workflow.adapters.sql import schema as t
from workflow.adapters.sql.case_rows import ALWAYS_SET, LOCKED_COLUMNS, case_row, event_to_row, load_case
from workflow.errors import ConcurrencyConflict
from workflow.events import Event
from workflow.records import CaseState
from workflow.search_terms import document_terms

_FIRING_COLUMNS = tuple(c.name for c in t.escalation_firings.c)
_EVENT_COLUMNS = tuple(c.name for c in t.case_events.c if c.name != "seq")
_LOCK_COLUMNS = ", ".join(("id", "snapshot", *LOCKED_COLUMNS))
_PLAIN_EVENT_INSERT: dict[str, driver_sql.DriverStatement] = {}


def _marks(conn: Connection, n: int) -> str:
    mark = "%s" if conn.dialect.paramstyle in ("pyformat", "format") else "?"
    return ", ".join([mark] * n)


def _executemany(conn: Connection, statement: driver_sql.DriverStatement, rows: Sequence[dict[str, Any]]) -> int:
    """Run `statement` once per row (a Core statement compiled for the dialect); the rows it changed, summed."""
    order = statement.order
    return _run_many(conn, statement.sql, [tuple(r[n] for n in order) for r in rows] if order is not None else rows)


def _run_many(conn: Connection, sql: str, args: Sequence[Any]) -> int:
    """executemany on the driver's cursor (errors re-raised as SQLAlchemy's, as driver_sql.execute does)."""
    dbapi_conn = conn.connection.dbapi_connection
    assert dbapi_conn is not None
    cursor = dbapi_conn.cursor()
    try:
        cursor.executemany(sql, args)
        return int(cursor.rowcount)
    except conn.dialect.loaded_dbapi.Error as err:
        raise exc.DBAPIError.instance(sql, args, err, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect) from err
    finally:
        cursor.close()


class SetWrites:
    """The WriteTx methods of the set-wise sweep (SqlTx supplies conn, dialect, statements, _locked_rows)."""

    conn: Connection
    dialect: str
    statements: Any
    _locked_rows: dict[str, tuple[Any, ...]]
    _alert_buffer: list[dict[str, Any]] | None = None

    def lock_cases(self, case_ids: Sequence[str]) -> dict[str, CaseState]:
        if not case_ids:
            return {}
        sql = f"SELECT {_LOCK_COLUMNS} FROM cases WHERE id IN ({_marks(self.conn, len(case_ids))})"
        if self.dialect == "postgresql":
            sql += " ORDER BY id FOR UPDATE SKIP LOCKED"  # held cases are left out, never waited for
        cursor = driver_sql.execute(self.conn, sql, tuple(case_ids))
        try:
            rows = cursor.fetchall()
        finally:
            cursor.close()
        out = {}
        for row in rows:
            self._locked_rows[row[0]] = tuple(row[2:])  # update_cases then sets only the columns that change
            out[row[0]] = load_case(row[1])
        return out

    def add_firings(self, rows: list[dict[str, Any]]) -> set[str]:
        inserted: set[str] = set()
        for start in range(0, len(rows), 500):  # well under SQLite's bound-variable limit
            part = rows[start:start + 500]
            values = ", ".join([f"({_marks(self.conn, len(_FIRING_COLUMNS))})"] * len(part))
            sql = (f"INSERT INTO escalation_firings ({', '.join(_FIRING_COLUMNS)}) VALUES {values}"
                   " ON CONFLICT DO NOTHING RETURNING case_id")
            args = tuple(r[c] for r in part for c in _FIRING_COLUMNS)
            cursor = driver_sql.execute(self.conn, sql, args)
            try:
                inserted.update(r[0] for r in cursor.fetchall())
            finally:
                cursor.close()
        return inserted

    def append_events(self, events: Sequence[Event]) -> None:
        if not events:
            return
        statement = _PLAIN_EVENT_INSERT.get(self.conn.dialect.name)
        if statement is None:
            statement = _PLAIN_EVENT_INSERT[self.conn.dialect.name] = driver_sql.DriverStatement(
                insert(t.case_events), self.conn.dialect, _EVENT_COLUMNS)
        _executemany(self.conn, statement, [event_to_row(ev) for ev in events])
        for ev in events:
            timeline.record(self.conn, ev)  # nothing for an escalation; a state or deadline change has its row

    def update_cases(self, changes: Sequence[tuple[CaseState, str, int, tuple[str, ...] | None]]) -> None:
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for case, stage, expected, _search in changes:
            row = case_row(case, stage)
            locked = self._locked_rows.pop(case.id, None)
            if locked is None:
                raise ConcurrencyConflict("case.changed_meanwhile", case_id=case.id)  # not locked by this set
            keys = ALWAYS_SET + tuple(c for c, old in zip(LOCKED_COLUMNS, locked) if row[c] != old)
            groups.setdefault(keys, []).append({**{c: row[c] for c in keys}, "_case": case.id, "_expected": expected})
        updated = 0
        for keys, params in groups.items():
            updated += _executemany(self.conn, self.statements.variant("update_case", keys), params)
        if updated != len(changes):
            raise ConcurrencyConflict("case.changed_meanwhile", case_id=changes[0][0].id)
        for case, _stage, _expected, search in changes:
            if search is not None:  # the title or a free-text field changed: re-indexed with the change
                search_index.write(self.conn, case.id, document_terms(search), new=False)

    @contextmanager
    def deferred_alerts(self) -> Iterator[None]:
        buffer: list[dict[str, Any]] = []
        self._alert_buffer = buffer
        try:
            yield
        finally:
            self._alert_buffer = None
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in buffer:
            groups.setdefault(tuple(row), []).append(row)
        for keys, rows in groups.items():
            sql = (f"INSERT INTO alerts ({', '.join(keys)}) VALUES ({_marks(self.conn, len(keys))})"
                   " ON CONFLICT DO NOTHING")  # one per (login, case, event version), as escalation_sql's
            _run_many(self.conn, sql, [tuple(r[k] for k in keys) for r in rows])
