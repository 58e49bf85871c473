"""ports.LoginCounters in SQL: the `login_counters` table (migration auth_0001), one row per key.

`reserve` is an upsert and two guarded UPDATEs in one write transaction: the counting UPDATE only
matches while the key has a free slot and is not locked, and sets the lock itself when it takes the
last slot, so concurrent attempts cannot all pass a check before any of them counts (SQLite runs
write transactions one at a time, BEGIN IMMEDIATE; PostgreSQL re-evaluates the WHERE of an UPDATE
that waited for the row's lock). `record_aggregated` writes access-log rows only — the log is
append-only; the running count lives in this table, which is state, not a log.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from sqlalchemy import Connection, Engine, and_, case, delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from workflow.adapters.sql import schema as t
from workflow.adapters.sql.access_rows import access_values
from workflow.read_side import AccessEntry

c = t.login_counters.c
PRUNE_BATCH = 200  # idle counters forgotten per attempt: more than one attempt can create (three keys)


class SqlLoginCounters:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn.execution_options(rectiflow_write=True)  # BEGIN IMMEDIATE on SQLite (workflow.adapters.sql.sqlstore)
            with conn.begin():
                yield conn

    def _ensure(self, conn: Connection, key: str, now: str) -> None:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        conn.execute(dialect.insert(t.login_counters).values(key=key, count=0, since=now)
                     .on_conflict_do_nothing(index_elements=["key"]))

    def reserve(self, key: str, *, limit: int, now: str, window_start: str, lock_until: str) -> str | None:
        with self._write() as conn:
            _prune(conn, now, window_start)  # before the upsert: an idle row of this key goes too and starts afresh
            self._ensure(conn, key, now)
            # A lock that ended, or failures all older than the window: start counting afresh.
            conn.execute(update(t.login_counters).where(c.key == key, or_(
                and_(c.locked_until.is_not(None), c.locked_until <= now),
                and_(c.locked_until.is_(None), c.since < window_start)))
                .values(count=0, since=now, locked_until=None))
            taken = conn.execute(
                update(t.login_counters).where(c.key == key, c.count < limit, c.locked_until.is_(None))
                .values(count=c.count + 1, locked_until=case((c.count + 1 >= limit, lock_until), else_=None)))
            if taken.rowcount == 1:
                return None
            until = conn.execute(select(c.locked_until).where(c.key == key)).scalar()
            return str(until or lock_until)

    def settle(self, key: str, *, success: bool, forget: bool) -> None:
        if not success:
            return  # the reservation already counted this failure
        with self._write() as conn:
            values = ({"count": 0, "locked_until": None} if forget else
                      {"count": case((c.count > 0, c.count - 1), else_=0), "locked_until": None})
            conn.execute(update(t.login_counters).where(c.key == key).values(**values))

    def locks(self, prefix: str, *, now: str) -> dict[str, str]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(c.key, c.locked_until).where(
                c.key.startswith(prefix, autoescape=True), c.locked_until.is_not(None), c.locked_until > now)
                .order_by(c.key))
            return {str(key): str(until) for key, until in rows}

    def unlock(self, key: str, entry: AccessEntry, *, now: str) -> str | None:
        with self._write() as conn:
            until = conn.execute(select(c.locked_until).where(c.key == key, c.locked_until.is_not(None),
                                                              c.locked_until > now)).scalar()
            if until is None:
                return None
            conn.execute(update(t.login_counters).where(c.key == key).values(count=0, since=now, locked_until=None))
            conn.execute(insert(t.access_log).values(**access_values(
                replace(entry, detail={**entry.detail, "locked_until": str(until)}))))
            return str(until)

    def record_aggregated(self, key: str, entry: AccessEntry, *, now: str, quiet_since: str) -> bool:
        with self._write() as conn:
            self._ensure(conn, key, now)
            conn.execute(update(t.login_counters).where(c.key == key).values(count=c.count + 1))
            count, logged_at = conn.execute(select(c.count, c.logged_at).where(c.key == key)).one()
            if logged_at is not None and logged_at > quiet_since:
                return False
            conn.execute(update(t.login_counters).where(c.key == key).values(count=0, logged_at=now))
            row = replace(entry, detail={**entry.detail, "attempts": int(count)})
            conn.execute(insert(t.access_log).values(**access_values(row)))
            return True


def _prune(conn: Connection, now: str, window_start: str) -> None:
    """Forget counters with nothing left to remember — unlocked, idle since before the window, no attempts
    still waiting for their access-log row — so a stream of made-up logins cannot grow this table either.
    A bounded batch per attempt; on PostgreSQL rows another attempt holds are skipped, never waited for
    (two attempts pruning the same rows in a different order could otherwise deadlock)."""
    idle = (select(c.key).where(
        c.since < window_start, or_(c.locked_until.is_(None), c.locked_until <= now),
        or_(c.logged_at.is_(None), c.logged_at < window_start),
        or_(~c.key.startswith("log:", autoescape=True), c.count == 0))
        .order_by(c.since).limit(PRUNE_BATCH).with_for_update(skip_locked=True))
    conn.execute(delete(t.login_counters).where(c.key.in_(idle.scalar_subquery())))
