"""The write path's connection: one per thread, held by the store and reused transaction after transaction.

Checking a connection out of SQLAlchemy's pool for every write transaction and back in after it
(the checkout, the reset-on-return rollback, the pool events and a new Connection object each time)
cost about as much CPU as the statements of a transition on SQLite (BENCHMARKS.md, "Engine
throughput"); on PostgreSQL the pool's pre-ping added a round trip per transaction. A thread that
writes keeps its connection instead. What each transaction sees is unchanged: it still begins
with SqlStore's BEGIN (``BEGIN IMMEDIATE`` on SQLite through the engine's begin event, FOR UPDATE
row locks on PostgreSQL in its default READ COMMITTED isolation) and ends with COMMIT or ROLLBACK.

Held connections are capped at half the pool (`HeldConnections.cap`), so that threads that hold one
still find pooled connections for their reads; a thread over the cap gives its connection back after
each write, as before. A held connection is given back to the pool (which then resets it, and pre-pings it on PostgreSQL
before its next use) when a transaction on it fails, when it has been idle longer than
``IDLE_SECONDS`` (a server restart or an idle-session timeout is then caught by the pool's ping, as
before), and on ``release_all`` (SqlStore.dispose). After a fork the child never touches the
parent's connection: it is kept referenced, unused, so that garbage collection cannot close a
socket or file handle the parent still owns.
"""
from __future__ import annotations

import os
import threading
import time
import weakref
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import Connection

IDLE_SECONDS = 30.0


class HeldConnections:
    """Per thread, the connection the thread's last write transaction used (if it may be reused)."""

    def __init__(self, engine: Engine, **options: Any) -> None:
        self.engine, self.options = engine, options
        self._local = threading.local()
        self._pid = os.getpid()
        self._generation = 0  # bumped by release_all: every thread's held connection is then stale
        self._inherited: list[Any] = []  # a parent's per-thread connections, never used nor closed here
        size = getattr(engine.pool, "size", None)
        self.cap = max(1, size() // 2) if callable(size) else 1
        self._idle: weakref.WeakSet[Connection] = weakref.WeakSet()  # held, between two writes (a dead
        # thread's connection leaves the set when it is collected — and goes back to the pool then)

    def take(self) -> Connection:
        """A connection outside any transaction: this thread's held one, or a new one from the pool."""
        if os.getpid() != self._pid:  # forked: the parent's connections are not ours to use or close
            self._inherited.append(self._local)
            self._local, self._pid, self._idle = threading.local(), os.getpid(), weakref.WeakSet()
        local = self._local
        conn: Connection | None = getattr(local, "conn", None)
        if conn is not None:
            local.conn = None
            self._idle.discard(conn)
            stale = (local.generation != self._generation or conn.invalidated or conn.closed
                     or time.monotonic() - local.used > IDLE_SECONDS)
            if not stale and not conn.in_transaction():
                return conn
            conn.close()  # back to the pool, which resets it (and pre-pings it before its next use)
        conn = self.engine.connect()
        if self.options:
            conn.execution_options(**self.options)
        return conn

    def keep(self, conn: Connection) -> None:
        """The transaction on `conn` ended cleanly: hold it for this thread's next one."""
        if os.getpid() != self._pid:  # taken before a fork: the parent's to close
            self._inherited.append(conn)
            return
        local = self._local
        if (conn.invalidated or conn.closed or conn.in_transaction() or len(self._idle) >= self.cap
                or getattr(local, "conn", None) is not None):  # (a write nested in another: one is held)
            conn.close()
            return
        self._idle.add(conn)
        local.conn, local.used, local.generation = conn, time.monotonic(), self._generation

    def release_all(self) -> None:
        """Give this thread's connection back now; other threads give theirs back on their next write."""
        self._generation += 1
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None and os.getpid() == self._pid:
            self._idle.discard(conn)
            conn.close()
