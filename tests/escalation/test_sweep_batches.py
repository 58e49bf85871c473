"""The sweep fires a batch of cases per transaction, each case in its own savepoint (SQLite and PostgreSQL).

What must hold whatever the batch size: a case that cannot fire is undone alone (its batch-mates
commit), a case that fails is undone alone and the sweep stops with what fired before it durable,
and a process killed inside a batch leaves none of that batch — every firing lands with its audit
event, firing row and alerts, or not at all.
"""
from __future__ import annotations

import pytest
from factories import local, open_many, open_rect
from killed_child import kill_inside_transaction
from sqlalchemy import func, select
from sweep_children import sweep_then_hang

from workflow.adapters.sql import schema as t
from workflow.adapters.sql.sqltx import SqlTx
from workflow.audit.verify import verify
from workflow.escalation.sweep import EscalationSweeper
from workflow.events import ESCALATED

DUE = local("2026-03-06T00:00")  # the first rung (remind) of a case opened on Mon 2026-03-02 is due


def written(app, case_id: str) -> tuple[int, int, int, int]:
    """(version, escalated events, firing rows, alert rows) of a case, as the database holds them."""
    with app.store.read() as tx:
        conn = tx.conn
        events = conn.execute(select(func.count()).select_from(t.case_events).where(
            t.case_events.c.case_id == case_id, t.case_events.c.action == ESCALATED)).scalar()
        firings = conn.execute(select(func.count()).select_from(t.escalation_firings).where(
            t.escalation_firings.c.case_id == case_id)).scalar()
        alerts = conn.execute(select(func.count()).select_from(t.alerts).where(t.alerts.c.case_id == case_id)).scalar()
    return app.cases.get(case_id).version, events, firings, alerts


def assigned_cases(app, n: int) -> list[str]:
    """`n` cases (version 2) whose first rung alerts their handler; same deadline, so swept in id order."""
    ids = sorted(open_many(app, n))
    for case_id in ids:
        app.cases.assign(case_id, actor="handler", assignee="handler")
    return ids


def audit_ok(app) -> None:
    with app.store.read() as tx:
        report = verify(tx.iter_events(), tx.case_rows())
    assert report.ok, report.problems


def sweeper(esc, per_transaction: int) -> EscalationSweeper:
    return EscalationSweeper(esc.cases, esc.store, fired_by="test-sweeper", per_transaction=per_transaction)


@pytest.mark.parametrize("per_transaction", [1, 3, 50])
def test_a_failing_case_is_undone_alone_and_what_fired_before_it_stays(esc_app, esc, clock, monkeypatch,
                                                                        per_transaction) -> None:
    ids = assigned_cases(esc_app, 5)
    poison = ids[2]
    clock.set(DUE)
    real = SqlTx.add_alerts

    def add_alerts(self, rows):
        real(self, rows)  # written inside the case's savepoint, then undone with it
        if rows and rows[0]["case_id"] == poison:
            raise RuntimeError("a bug in one case's firing")

    monkeypatch.setattr(SqlTx, "add_alerts", add_alerts)
    with pytest.raises(RuntimeError, match="a bug in one case"):
        sweeper(esc, per_transaction).sweep()
    assert [written(esc_app, i) for i in ids[:2]] == [(3, 1, 1, 1)] * 2  # committed, event and rows together
    assert [written(esc_app, i) for i in ids[2:]] == [(2, 0, 0, 0)] * 3  # the poison undone, the rest untouched
    audit_ok(esc_app)
    monkeypatch.setattr(SqlTx, "add_alerts", real)
    result = sweeper(esc, per_transaction).sweep()
    assert sorted(f.case for f in result.fired) == ids[2:]
    assert [written(esc_app, i) for i in ids] == [(3, 1, 1, 1)] * 5
    audit_ok(esc_app)


def test_a_case_with_nothing_due_is_passed_over_and_its_batch_mates_commit(esc_app, esc, clock, monkeypatch) -> None:
    due = assigned_cases(esc_app, 4)
    clock.set(DUE)
    fresh = open_rect(esc_app, title="今天登记").id  # its first rung is days away
    sweep = sweeper(esc, 50)
    real = SqlTx.due_case_ids

    def candidates(tx, now, limit, exclude):  # as if the index had handed out a case that is not (any longer) due
        ids = real(tx, now, limit, exclude)
        return ids[:2] + [fresh] + ids[2:] if fresh not in exclude and ids else ids

    monkeypatch.setattr(SqlTx, "due_case_ids", candidates)
    result = sweep.sweep()
    assert sorted(f.case for f in result.fired) == due and fresh in result.passed_over
    assert written(esc_app, fresh) == (1, 0, 0, 0)
    assert [written(esc_app, i) for i in due] == [(3, 1, 1, 1)] * 4
    audit_ok(esc_app)


def test_per_transaction_must_be_positive(esc) -> None:
    with pytest.raises(ValueError, match="per_transaction"):
        sweeper(esc, 0)


@pytest.mark.slow
def test_a_process_killed_inside_a_batch_leaves_none_of_it(esc_app, esc, clock, database_url, defs, tmp_path) -> None:
    ids = assigned_cases(esc_app, 6)
    kill_inside_transaction(sweep_then_hang, database_url, str(defs), str(tmp_path / "child"), DUE.isoformat(), 4)
    # Four cases had fired inside the batch; none of it was committed, so none of it is there.
    assert [written(esc_app, i) for i in ids] == [(2, 0, 0, 0)] * 6
    audit_ok(esc_app)
    clock.set(DUE)  # and nothing is left locked: the next sweep fires every case once
    assert sorted(f.case for f in sweeper(esc, 50).sweep().fired) == sorted(ids)
    assert [written(esc_app, i) for i in ids] == [(3, 1, 1, 1)] * 6
