"""The SQL store (SQLite embedded, PostgreSQL for more): ports.Store over SQLAlchemy Core.

SQLite: the driver's own transaction handling is switched off so that we emit BEGIN ourselves —
``BEGIN IMMEDIATE`` for writes (a read-then-write transaction can otherwise fail at once with
"database is locked", busy_timeout notwithstanding, because SQLite cannot upgrade a read lock
while another connection writes), WAL, a busy timeout and the chosen synchronous level on every
pooled connection.
PostgreSQL: the case row is locked with SELECT … FOR UPDATE. On both, the unique key on
(case_id, version) is the last line of defence against a double append.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import Connection

from workflow.adapters.sql import driver_sql
from workflow.adapters.sql.conflicts import StoreBusy, raise_as_conflict
from workflow.adapters.sql.held_connection import HeldConnections
from workflow.adapters.sql.sqltx import SqlTx

__all__ = ["MIGRATIONS", "SqlStore", "StoreBusy", "make_engine", "schema_status", "upgrade_database"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str, *, synchronous: str = "NORMAL", busy_timeout_ms: int = 15000, **kwargs: Any) -> Engine:
    """Create an engine with rectiflow's connection settings for SQLite or PostgreSQL."""
    if url.startswith("sqlite"):
        _ensure_parent_dir(url)
        engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
                               **kwargs)
        _configure_sqlite(engine, synchronous.upper(), busy_timeout_ms)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _ensure_parent_dir(url: str) -> None:
    path = url.split("///", 1)[-1].split("?", 1)[0]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: Engine, synchronous: str, busy_timeout_ms: int) -> None:
    if synchronous not in ("OFF", "NORMAL", "FULL", "EXTRA"):
        raise ValueError(f"unknown SQLite synchronous level {synchronous!r}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see module docstring)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("rectiflow_write", False)
        # On the driver connection itself: this runs once per transaction, and exec_driver_sql's
        # event and result machinery cost more than the BEGIN.
        driver_sql.run(conn, "BEGIN IMMEDIATE" if write else "BEGIN", ())


def upgrade_database(url: str, engine: Engine | None = None) -> None:
    """Bring the database schema to the newest migration (idempotent)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    own = engine is None
    engine = engine or make_engine(url)
    try:
        with engine.connect() as conn:
            cfg.attributes["connection"] = conn
            # "heads": features may add independent migration branches; all of them are applied.
            command.upgrade(cfg, "heads")
            conn.commit()
    finally:
        if own:
            engine.dispose()


def schema_status(engine: Engine) -> tuple[set[str], set[str]]:
    """(revisions applied to the database, head revisions the code ships)."""
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    heads = set(ScriptDirectory.from_config(cfg).get_heads())
    with engine.connect() as conn:
        applied = set(MigrationContext.configure(conn).get_current_heads())
    return applied, heads


class SqlStore:
    """ports.Store on a SQLAlchemy engine (its transactions are workflow.adapters.sql.sqltx.SqlTx)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        # Write transactions reuse their thread's connection (workflow.adapters.sql.held_connection).
        self._writers = HeldConnections(engine, rectiflow_write=True)

    @contextmanager
    def read(self) -> Iterator[SqlTx]:
        """One consistent view: on PostgreSQL a REPEATABLE READ snapshot (its default, READ COMMITTED,
        lets each statement see a commit made since the one before); SQLite's BEGIN gives that already."""
        with self.engine.connect() as conn:
            if self.dialect == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield SqlTx(conn, self.dialect)

    @contextmanager
    def write(self) -> Iterator[SqlTx]:
        conn = self._writers.take()
        try:
            with conn.begin():
                yield SqlTx(conn, self.dialect)
        except exc.DBAPIError as err:
            conn.close()  # back to the pool, which resets it; the next write takes another
            raise_as_conflict(err)
            raise
        except BaseException:
            conn.close()
            raise
        self._writers.keep(conn)

    def dispose(self) -> None:
        """Close every pooled connection (at exit, or before forking worker processes)."""
        self._writers.release_all()
        self.engine.dispose()
