"""Crash safety: a process SIGKILLed inside its write transaction leaves no trace of the change.

A spawned child builds the engine and starts to advance (or open) a case; a hook installed in the
child only (monkeypatching the store's own steps) stops it inside the transaction — after the event
was appended, or after the case row was updated too — and the parent kills it with SIGKILL. Then:
the audit log verifies, the case is at its previous version with its previous event count, and the
next advance succeeds (no lock was left behind).
"""
from __future__ import annotations

import pytest
from cli_process import run_cli
from engine_children import advance_then_hang
from factories import event_count, open_rectification_item
from killed_child import kill_inside_transaction

from workflow.audit.verify import verify


@pytest.mark.parametrize("hook", ["after_append", "after_update"])
def test_sigkill_while_advancing_leaves_no_partial_change(shared_app, shared_url, shared_instance, hook):
    case = open_rectification_item(shared_app)
    before_row = shared_app.cases.get(case.id)
    before_total = event_count(shared_url)

    kill_inside_transaction(advance_then_hang, shared_url, str(shared_instance), case.id, hook)

    after = shared_app.cases.get(case.id)
    assert after.to_dict() == before_row.to_dict()
    assert event_count(shared_url) == before_total
    with shared_app.store.read() as tx:
        report = verify(tx.iter_events(), tx.case_rows())
    assert report.ok, report.problems
    cli = run_cli(shared_url, shared_instance, "audit", "verify", "--json")
    assert cli.code == 0 and cli.json()["ok"] is True, cli
    # Nothing is left locked: the same step now goes through, at the version the victim wanted.
    moved = shared_app.cases.advance(case.id, "verify", actor="supervisor", expected_version=1)
    assert (moved.state, moved.version) == ("verified", 2)
    assert event_count(shared_url, case.id) == 2


def test_sigkill_while_opening_leaves_no_event_and_no_case(shared_app, shared_url, shared_instance):
    existing = open_rectification_item(shared_app)
    with shared_app.store.read() as tx:
        ids_before = set(tx.all_case_ids())
    before_total = event_count(shared_url)

    kill_inside_transaction(advance_then_hang, shared_url, str(shared_instance), "", "open_after_append")

    with shared_app.store.read() as tx:
        assert set(tx.all_case_ids()) == ids_before
        report = verify(tx.iter_events(), tx.case_rows())
    assert report.ok, report.problems
    assert event_count(shared_url) == before_total
    assert open_rectification_item(shared_app).version == 1
    assert shared_app.cases.advance(existing.id, "verify", actor="supervisor").version == 2
