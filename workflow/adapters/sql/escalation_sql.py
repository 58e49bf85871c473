"""SQL side of escalations: due-case candidates, firing and alert rows, the bulletin list, the lease.

Functions over the open transaction's connection (the SqlTx methods of workflow.ports call them).

Firing rows are inserted with ON CONFLICT DO NOTHING on their primary key (case, deadline
instance, rung): a second firing of a rung writes nothing, whichever process tries it, and the
caller rolls its transaction back. The lease is taken with one conditional UPDATE (free,
expired, or already ours), which both SQLite (BEGIN IMMEDIATE) and PostgreSQL (row lock,
re-checked WHERE) apply atomically.
"""
from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, Select, Table, and_, case, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from workflow.adapters.sql import driver_sql
from workflow.adapters.sql import schema as t
from workflow.records import Alert, CaseState


def _insert_ignore(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> int:
    """Insert rows, skipping any whose unique key is taken; returns how many were inserted.

    Run on the driver's cursor (workflow.adapters.sql.driver_sql), a row at a time: once per rung fired,
    Core's per-execution machinery cost more than the inserts (BENCHMARKS.md). RETURNING, not rowcount: drivers may
    report -1 for INSERT … ON CONFLICT DO NOTHING. The columns are plain (text, integers, booleans
    that both drivers take as they are), so no bind processing is skipped.
    """
    if not rows:
        return 0
    keys = tuple(rows[0])
    cache_key = (conn.dialect.name, table.name, keys)
    stmt = _INSERT_IGNORE.get(cache_key)
    if stmt is None:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        key = next(iter(table.primary_key.columns))
        stmt = _INSERT_IGNORE[cache_key] = driver_sql.DriverStatement(
            dialect.insert(table).on_conflict_do_nothing().returning(key), conn.dialect, keys)
    inserted = 0
    for row in rows:
        cursor = stmt.run(conn, row)
        try:
            inserted += len(cursor.fetchall())
        finally:
            cursor.close()
    return inserted


_INSERT_IGNORE: dict[tuple[str, str, tuple[str, ...]], driver_sql.DriverStatement] = {}


def due_query(now: str, limit: int) -> Select[Any]:
    """The sweep's only read of the cases table: rows whose next rung is due, via ix_cases_next_escalation_at."""
    c = t.cases.c
    return select(c.id).where(c.next_escalation_at <= now).order_by(c.next_escalation_at, c.id).limit(limit)


def add_firing(conn: Connection, row: dict[str, Any]) -> bool:
    return _insert_ignore(conn, t.escalation_firings, [row]) == 1


def add_alerts(conn: Connection, rows: list[dict[str, Any]]) -> None:
    _insert_ignore(conn, t.alerts, rows)


def due_case_ids(conn: Connection, now: str, limit: int, exclude: Collection[str]) -> list[str]:
    """Cases whose next rung is due, earliest first — an index range scan on next_escalation_at."""
    ids: list[str] = list(conn.execute(due_query(now, limit + len(exclude))).scalars())
    return [i for i in ids if i not in exclude][:limit]


def alerts_for(conn: Connection, login: str, *, unread_only: bool) -> list[Alert]:
    a, c = t.alerts.c, t.cases.c
    query = (select(t.alerts, c.title).join(t.cases, c.id == a.case_id, isouter=True)
             .where(a.login == login).order_by(a.at.desc(), a.id.desc()))
    if unread_only:
        query = query.where(a.read_at.is_(None))
    rows = conn.execute(query).mappings().all()
    return [Alert(id=int(r["id"]), case=r["case_id"], kind=r["kind"], at=r["at"], read=r["read_at"] is not None,
                  level=int(r["level"]), rung=r["rung"], due_at=r["due_at"], late=bool(r["late"]),
                  title=r["title"] or "") for r in rows]


def mark_read(conn: Connection, login: str, ids: Iterable[int] | None, at: str) -> int:
    a = t.alerts.c
    stmt = update(t.alerts).where(a.login == login, a.read_at.is_(None)).values(read_at=at)
    if ids is not None:
        stmt = stmt.where(a.id.in_(list(ids)))
    return int(conn.execute(stmt).rowcount)


def firings(conn: Connection, case_id: str | None = None) -> list[dict[str, Any]]:
    f = t.escalation_firings.c
    query = select(t.escalation_firings).order_by(f.fired_at, f.case_id, f.due_at)
    if case_id is not None:
        query = query.where(f.case_id == case_id)
    return [dict(r) for r in conn.execute(query).mappings()]


def bulletin(conn: Connection, since: str | None) -> list[dict[str, Any]]:
    """Firings of rungs marked `bulletin` (通报), oldest first, with the case's title and unit."""
    f, c = t.escalation_firings.c, t.cases.c
    query = (select(f.case_id, f.rung, f.level, f.due_at, f.fired_at, f.late, c.title, c.unit, c.state)
             .join(t.cases, c.id == f.case_id).where(f.bulletin.is_(True)).order_by(f.fired_at, f.case_id))
    if since is not None:
        query = query.where(f.fired_at >= since)
    return [dict(r) for r in conn.execute(query).mappings()]


def cases_with_deadlines(conn: Connection) -> Iterator[CaseState]:
    """Every case that has a current deadline (for `deadlines recompute`)."""
    query = select(t.cases.c.snapshot).where(t.cases.c.due_at.is_not(None)).order_by(t.cases.c.id)
    for snapshot in list(conn.execute(query).scalars()):
        yield CaseState.from_dict(json.loads(snapshot))


def take_lease(conn: Connection, name: str, owner: str, now: str, expires: str) -> bool:
    lease = t.scheduler_leases
    row = {"name": name, "owner": owner, "acquired_at": now, "expires_at": expires}
    if _insert_ignore(conn, lease, [row]):
        return True
    stmt = (update(lease)
            .where(lease.c.name == name, or_(lease.c.owner == owner, lease.c.expires_at <= now))
            .values(owner=owner, expires_at=expires,
                    acquired_at=case((lease.c.owner == owner, lease.c.acquired_at), else_=now)))
    return conn.execute(stmt).rowcount == 1


def release_lease(conn: Connection, name: str, owner: str, now: str) -> None:
    lease = t.scheduler_leases
    conn.execute(update(lease).where(and_(lease.c.name == name, lease.c.owner == owner)).values(expires_at=now))


def lease_holder(conn: Connection, name: str) -> tuple[str, str] | None:
    lease = t.scheduler_leases.c
    row = conn.execute(select(lease.owner, lease.expires_at).where(lease.name == name)).first()
    return None if row is None else (row[0], row[1])
