"""The in-memory store: ports.Store in one Python process, with the SQL store's transaction semantics.

Write transactions run one at a time (a lock held from BEGIN to COMMIT, as SQLite's BEGIN
IMMEDIATE does) and are atomic: they change a copy-on-write working copy of the tables
(workflow.adapters.memory.tables.Working) that becomes the committed state only when the `with`
block ends without an exception. A read transaction is the committed state as it was when it
began, and never waits (as a read does under WAL or MVCC).

Where it differs from the SQL store, on purpose:
* `lock_case(skip_locked=True)` never reports a held case: whole write transactions are
  serialised, so no other transaction can hold one (the SQL store on SQLite behaves the same;
  only PostgreSQL's row locks let two writers work at once).
* A second write transaction opened by a thread that has one open is refused at once with
  MemoryBusy (SQLite would wait out its busy timeout and say StoreBusy; waiting here would never end).
  Another thread waits up to `busy_timeout` seconds, then gets MemoryBusy.
* A broken unique or foreign key raises IntegrityViolation and leaves the transaction usable
  (a database raises its IntegrityError; PostgreSQL then aborts the transaction).
* Event sequence numbers and alert ids have no gaps: nothing is consumed by a rolled-back
  transaction or a skipped alert (PostgreSQL's sequences do consume them).
* There is no read model (inboxes, the battle map's timeline): that is workflow.ports.ReadModel,
  which only the SQL adapters implement.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from workflow.adapters.memory.reading import MemoryReadTx, TransactionClosed
from workflow.adapters.memory.tables import IntegrityViolation, Tables, Working
from workflow.adapters.memory.writing import MemoryWriteTx
from workflow.errors import ConcurrencyConflict

__all__ = ["IntegrityViolation", "MemoryBusy", "MemoryReadTx", "MemoryStore", "MemoryWriteTx", "TransactionClosed"]


class MemoryBusy(ConcurrencyConflict):
    """No write transaction could begin (another stayed open too long, or this thread has one); nothing
    was written."""


class MemoryStore:
    """ports.Store holding its tables in this process."""

    def __init__(self, *, busy_timeout: float = 15.0) -> None:
        self.busy_timeout = busy_timeout
        self._committed = Tables()
        self._write_lock = threading.Lock()
        self._writer: int | None = None  # the thread whose write transaction is open

    @contextmanager
    def read(self) -> Iterator[MemoryReadTx]:
        tx = MemoryReadTx(self._committed)
        try:
            yield tx
        finally:
            tx.close()

    @contextmanager
    def write(self) -> Iterator[MemoryWriteTx]:
        """One write transaction: everything in it is committed together when the block ends, or — on
        any exception — nothing is."""
        if self._writer == threading.get_ident():
            raise MemoryBusy("store.nested_write")
        if not self._write_lock.acquire(timeout=self.busy_timeout):
            raise MemoryBusy("store.busy")
        self._writer = threading.get_ident()
        tx = MemoryWriteTx(Working(self._committed))
        try:
            yield tx
            self._committed = tx.commit()
        finally:
            tx.close()
            self._writer = None
            self._write_lock.release()

    def dispose(self) -> None:
        """Nothing to release; the data stays, as a database outlives its connection pool."""


if TYPE_CHECKING:  # mypy checks that these are the ports they stand for
    from workflow.ports import ReadTx, Store, WriteTx

    def _implements(store: MemoryStore, read: MemoryReadTx, write: MemoryWriteTx) -> tuple[Store, ReadTx, WriteTx]:
        return store, read, write
