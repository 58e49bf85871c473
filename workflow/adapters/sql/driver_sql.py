"""The write path's few hot statements, compiled once per dialect and run on the DB-API cursor.

Every change to a case runs the same five statements (lock the case, read the user, read the
case unit's chain, append the event, update the case row). Through SQLAlchemy Core each execution
pays for a cache lookup, parameter processing and result set-up in Python — more than the statement
itself costs on SQLite (BENCHMARKS.md has the profile). Here SQLAlchemy still writes the SQL (compiled once,
so the dialect's quoting and paramstyle stay its business) and still owns the connection and the
transaction; only the execution goes straight to the driver's cursor. Driver errors are re-raised
as SQLAlchemy's, so callers (SqlStore.write's conflict and busy handling) see what Core would give.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import Connection, Dialect


class DriverStatement:
    """One Core statement compiled for one dialect; `params` become the driver's parameter shape."""

    def __init__(self, statement: Any, dialect: Dialect, column_keys: Sequence[str] | None = None) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(column_keys) if column_keys else None)
        self.sql = compiled.string
        # qmark / numeric drivers (sqlite3) take a tuple in bind order; pyformat (psycopg) takes the dict.
        self.order = tuple(compiled.positiontup or ()) if compiled.positional else None

    def run(self, conn: Connection, params: Mapping[str, Any]) -> Any:
        """Execute on the connection's current transaction; return the driver cursor (rows unread)."""
        args: Any = tuple(params[name] for name in self.order) if self.order is not None else params
        return execute(conn, self.sql, args)


def execute(conn: Connection, sql: str, args: Any) -> Any:
    """Run driver SQL (the driver's own placeholders) on the connection's current transaction; the
    cursor comes back with its rows unread. What Connection.exec_driver_sql does, without its
    per-call event and result machinery."""
    dbapi_conn = conn.connection.dbapi_connection
    assert dbapi_conn is not None
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute(sql, args)
    except conn.dialect.loaded_dbapi.Error as err:
        cursor.close()
        raise exc.DBAPIError.instance(sql, args, err, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect) from err
    return cursor


def first(conn: Connection, sql: str, args: Any) -> tuple[Any, ...] | None:
    cursor = execute(conn, sql, args)
    try:
        return cursor.fetchone()  # type: ignore[no-any-return]
    finally:
        cursor.close()


def run(conn: Connection, sql: str, args: Any) -> None:
    execute(conn, sql, args).close()


class DriverStatements:
    """The statements of one dialect, compiled on first use."""

    def __init__(self, dialect: Dialect, statements: Mapping[str, tuple[Any, Sequence[str] | None]]) -> None:
        self.dialect = dialect
        self._sources = dict(statements)
        self._compiled: dict[Any, DriverStatement] = {}

    def run(self, conn: Connection, name: str, params: Mapping[str, Any]) -> Any:
        statement = self._compiled.get(name)
        if statement is None:
            source, keys = self._sources[name]
            statement = self._compiled[name] = DriverStatement(source, self.dialect, keys)
        return statement.run(conn, params)

    def variant(self, name: str, keys: tuple[str, ...]) -> DriverStatement:
        """Statement `name` compiled for exactly the parameters `keys` (an UPDATE sets just those columns)."""
        statement = self._compiled.get((name, keys))
        if statement is None:
            source, _keys = self._sources[name]
            statement = self._compiled[(name, keys)] = DriverStatement(source, self.dialect, keys)
        return statement

    def one(self, conn: Connection, name: str, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        cursor = self.run(conn, name, params)
        try:
            return cursor.fetchone()  # type: ignore[no-any-return]
        finally:
            cursor.close()

    def all(self, conn: Connection, name: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        cursor = self.run(conn, name, params)
        try:
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def rowcount(self, conn: Connection, name: str, params: Mapping[str, Any]) -> int:
        cursor = self.run(conn, name, params)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()
