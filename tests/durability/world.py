"""Put a shared engine's database back to "directory only": every case and what case actions wrote, gone.

Property tests that share one engine (`shared_app`) across Hypothesis examples need each example to start
from the same world: the engine consults other cases when it decides (a 问题编号 is unique per case type, a
declarant gets one declaration per round, 自查从宽 looks for earlier organisation cases about the same
subject), so an example replayed after others ran could be refused where it was accepted before, draw
differently, and Hypothesis stops with FlakyStrategyDefinition ("Inconsistent data generation").

`clear_cases(app)` deletes, as the database owner the tests connect as, the rows of every table except the
directory and configuration (KEPT). Attachment blobs stay on disk: they are content-addressed (the same
bytes are stored under the same name whether or not they were there), and only an event that names one
makes it reachable, so they change no outcome (and unlinking them cost more than the rest).
The append-only triggers are what stops the engine from ever doing this: SQLite drops them and recreates
them from their own SQL (sqlite_master) in the same transaction; PostgreSQL skips them with
`session_replication_role = replica` when the role is a superuser (the throwaway test cluster), else drops
and recreates them from `pg_get_triggerdef`.
Nothing the engine keeps in memory is about cases (its caches hold definitions and SQL shapes only).
"""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import inspect, text

# The world every example starts from: who works where, the loaded definitions and plans, the schema
# version, the deployment id, and the scheduler's lease and login counters (no case action writes those).
KEPT = frozenset({"alembic_version", "units", "users", "definitions", "campaigns", "audit_meta",
                  "scheduler_leases", "login_counters"})


FTS5_SHADOWS = frozenset({"data", "idx", "content", "docsize", "config"})


def case_tables(conn: Any) -> list[str]:
    """Every table but KEPT: new case-related tables are cleared without touching this file."""
    return sorted(set(inspect(conn).get_table_names()) - KEPT)


def clear_cases(app: Any) -> None:
    """Delete every case and everything case actions wrote, in one transaction."""
    with app.store.engine.connect() as conn, conn.begin():
        tables = case_tables(conn)
        if conn.dialect.name == "sqlite":
            _clear_sqlite(conn, tables)
        else:
            _clear_postgresql(conn, tables)


def _delete_all(conn: Any, tables: list[str]) -> None:
    for table in tables:
        conn.exec_driver_sql(f'DELETE FROM "{table}"')


def _clear_sqlite(conn: Any, tables: list[str]) -> None:
    # A virtual table (the FTS5 search index) is emptied through itself: its shadow tables (<name>_data,
    # _idx, _content, _docsize, _config) are its private storage, and deleting from them corrupts it.
    virtual = [r[0] for r in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'")]
    shadows = {t for t in tables for v in virtual if t.startswith(v + "_") and t[len(v) + 1:] in FTS5_SHADOWS}
    tables = [t for t in tables if t not in shadows]
    triggers = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN "
                                 "(SELECT value FROM json_each(:tables))"), {"tables": json.dumps(tables)}).all()
    for name, _ in triggers:
        conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
    _delete_all(conn, tables)
    for _, sql in triggers:
        conn.exec_driver_sql(sql)


def _clear_postgresql(conn: Any, tables: list[str]) -> None:
    if conn.exec_driver_sql("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").scalar_one():
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")  # ordinary triggers do not fire
        _delete_all(conn, tables)
        return
    triggers = conn.execute(text(
        "SELECT t.tgname, c.relname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE NOT t.tgisinternal AND c.relname = ANY(:tables) AND c.relnamespace = 'public'::regnamespace"),
        {"tables": tables}).all()
    for name, table, _ in triggers:
        conn.exec_driver_sql(f'DROP TRIGGER "{name}" ON "{table}"')
    _delete_all(conn, tables)
    for *_, definition in triggers:
        conn.exec_driver_sql(definition)

