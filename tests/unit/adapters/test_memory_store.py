"""What only the in-memory store does (workflow.adapters.memory): how it refuses a second writer, a closed
transaction and a row no table could hold. Everything it shares with the SQL store is the store contract
(tests/contract/test_store_contract.py, run on all three stores)."""
from __future__ import annotations

import threading

import pytest
from factories import folded, opening_event

from workflow.adapters.memory.store import IntegrityViolation, MemoryBusy, MemoryStore, TransactionClosed
from workflow.errors import ConcurrencyConflict
from workflow.records import Unit, User


def test_a_thread_with_a_write_open_is_refused_a_second_at_once_and_its_first_still_commits():
    store = MemoryStore(busy_timeout=30)
    with store.write() as tx:
        tx.add_unit(Unit("u", "U", None))
        with pytest.raises(MemoryBusy), store.write():
            pass
    with store.read() as tx:
        assert tx.units() == [Unit("u", "U", None)]
    assert issubclass(MemoryBusy, ConcurrencyConflict)  # the sweep and the interfaces treat it as one


def test_another_thread_waits_for_the_writer_up_to_the_busy_timeout():
    store = MemoryStore(busy_timeout=0.2)
    outcome: list[str] = []

    def second_writer() -> None:
        try:
            with store.write() as tx:
                tx.add_unit(Unit("late", "L", None))
            outcome.append("wrote")
        except MemoryBusy:
            outcome.append("busy")

    with store.write():
        thread = threading.Thread(target=second_writer)
        thread.start()
        thread.join(5)
    assert outcome == ["busy"]
    second_writer()  # the store is free again
    assert outcome == ["busy", "wrote"]


def test_a_transaction_is_closed_with_its_block_and_a_read_one_cannot_write():
    store = MemoryStore()
    with store.write() as writer:
        pass
    with store.read() as reader:
        assert not hasattr(reader, "append") and not hasattr(reader, "savepoint")
    for closed in (writer, reader):
        with pytest.raises(TransactionClosed):
            closed.get_case("c1")
    with pytest.raises(TransactionClosed):
        writer.insert_case(folded(None, opening_event("c1")), "reported")


@pytest.mark.parametrize("write", [
    lambda tx: tx.update_user("zhao", no_such_column=1),
    lambda tx: tx.add_firing({"case_id": "c1", "deadline_key": "k", "rung": "r"}),
    lambda tx: tx.add_alerts([{"login": "zhao", "case_id": "c1", "event_version": 2, "kind": "flag", "level": 1,
                               "at": "2026-03-02T01:00:00.000000Z", "late": False, "colour": "red"}]),
], ids=["unknown-user-column", "firing-without-its-columns", "alert-with-an-unknown-column"])
def test_a_row_no_table_could_hold_is_refused(write):
    store = MemoryStore()
    with store.write() as tx:
        tx.add_user(User("zhao", "赵", "handler", None))
    with pytest.raises(IntegrityViolation), store.write() as tx:
        write(tx)
    with store.read() as tx:
        assert tx.users() == [User("zhao", "赵", "handler", None)] and tx.firings() == []
        assert tx.alerts_for("zhao", unread_only=False) == []
