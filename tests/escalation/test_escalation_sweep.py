"""The sweep on SQLite and PostgreSQL: each rung exactly once, in order, late after downtime, atomic."""
from __future__ import annotations

import pytest
from factories import local, open_rect, utc_text
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from workflow.adapters.sql import schema as t
from workflow.adapters.sql.sqltx import SqlTx
from workflow.audit.verify import verify
from workflow.events import ESCALATED, SYSTEM_SCHEDULER


def sweep(esc):
    return esc.sweeper(fired_by="test-sweeper").sweep()


def escalated(app, case_id):
    events, _ = app.cases.history(case_id)
    return [e for e in events if e.action == ESCALATED]


def next_due_column(app, case_id):
    with app.store.read() as tx:
        return tx.conn.execute(select(t.cases.c.next_escalation_at).where(t.cases.c.id == case_id)).scalar()


def test_rungs_fire_as_they_fall_due_each_once(esc_app, esc, clock) -> None:
    case = open_rect(esc_app)  # Mon 2026-03-02 09:00: due end of Mon Mar 9, yellow from Fri Mar 6
    esc_app.cases.assign(case.id, actor="handler", assignee="handler")
    clock.set(local("2026-03-05T23:59"))
    assert sweep(esc).fired == []
    clock.set(local("2026-03-06T00:00"))
    [remind] = sweep(esc).fired
    assert (remind.rung, remind.targets, remind.late) == ("remind", ("handler",), False)
    assert next_due_column(esc_app, case.id) == utc_text(local("2026-03-10T00:00"))
    clock.set(local("2026-03-10T00:01"))
    [urge] = sweep(esc).fired
    assert urge.rung == "urge" and urge.targets == ("handler", "supervisor", "supervisor2", "unit_head")
    c = esc_app.cases.get(case.id)
    assert (c.supervision_level, c.ever_overdue) == (1, True)
    clock.set(local("2026-03-17T00:00"))  # red + 5 working days: Mar 10-16
    [supervise] = sweep(esc).fired
    assert supervise.rung == "supervise" and supervise.bulletin and supervise.targets == ("leader", "supervisor",
                                                                                          "supervisor2")
    assert esc_app.cases.get(case.id).supervision_level == 2
    for _ in range(3):
        assert sweep(esc).fired == []
    assert [e.payload["rung"] for e in escalated(esc_app, case.id)] == ["remind", "urge", "supervise"]
    assert next_due_column(esc_app, case.id) is None


def test_each_firing_is_an_audit_event_of_the_scheduler(esc_app, esc, clock) -> None:
    case = open_rect(esc_app)
    clock.set(local("2026-03-10T00:00"))
    sweep(esc)
    event = escalated(esc_app, case.id)[1]
    assert event.actor == SYSTEM_SCHEDULER
    assert event.payload["due_at"] == utc_text(local("2026-03-10T00:00"))
    assert event.payload["fired_at"] == utc_text(local("2026-03-10T00:00")) == event.at
    assert event.payload["deadline_key"] == "reported@v1"
    with esc_app.store.read() as tx:
        report = verify(tx.iter_events(), tx.case_rows())
    assert report.ok, report.problems


def test_48_hours_of_downtime_fire_every_due_rung_once_in_order_marked_late(esc_app, esc, clock) -> None:
    s = esc_app.cases
    clock.set(local("2026-03-02T09:00"))
    a = s.open_case("loop_restart", actor="registrar", unit="xf-sfs-1", title="A")  # due end of Thu Mar 5
    clock.set(local("2026-03-03T09:00"))
    b = s.open_case("loop_restart", actor="registrar", unit="xf-sfs-1", title="B")  # due end of Fri Mar 6
    clock.set(local("2026-03-04T20:00"))
    assert sweep(esc).fired == []  # the last sweep before the scheduler went down
    clock.set(local("2026-03-06T20:00"))  # 48 hours later: the first sweep after the restart
    fired = sweep(esc).fired
    assert [(f.case, f.rung) for f in fired if f.case == a.id] == [(a.id, "remind"), (a.id, "urge")]
    assert [(f.case, f.rung) for f in fired if f.case == b.id] == [(b.id, "remind")]
    assert all(f.late and f.fired_at == utc_text(local("2026-03-06T20:00")) for f in fired)
    assert [f.due_at for f in fired if f.case == a.id] == [utc_text(local("2026-03-05T00:00")),
                                                           utc_text(local("2026-03-06T00:00"))]
    assert [e.payload["late"] for e in escalated(esc_app, a.id)] == [True, True]
    assert sweep(esc).fired == []
    clock.set(local("2026-03-07T00:00"))
    [urge_b] = sweep(esc).fired
    assert (urge_b.case, urge_b.rung, urge_b.late) == (b.id, "urge", False)


def test_a_crash_inside_a_firing_leaves_nothing_and_the_next_sweep_fires_once(esc_app, esc, clock,
                                                                              monkeypatch) -> None:
    case = open_rect(esc_app)
    clock.set(local("2026-03-20T00:00"))
    real = SqlTx.add_alerts

    def crash(self, rows):
        real(self, rows)
        raise RuntimeError("power cut after the alerts were written")

    monkeypatch.setattr(SqlTx, "add_alerts", crash)
    with pytest.raises(RuntimeError):
        sweep(esc)
    assert escalated(esc_app, case.id) == [] and esc.firings() == []
    assert esc_app.cases.get(case.id).version == 1
    monkeypatch.setattr(SqlTx, "add_alerts", real)
    assert [f.rung for f in sweep(esc).fired] == ["remind", "urge", "supervise"]
    assert len(esc.firings(case.id)) == 3 and sweep(esc).fired == []


def test_the_database_refuses_a_second_firing_row(esc_app) -> None:
    row = {"case_id": "c1", "deadline_key": "reported@v1", "rung": "urge", "level": 1, "bulletin": False,
           "due_at": "x", "fired_at": "y", "late": False, "event_version": 2, "fired_by": "a"}
    with esc_app.store.write() as tx:
        tx.conn.execute(insert(t.escalation_firings).values(**row))
    with pytest.raises(IntegrityError), esc_app.store.write() as tx:
        tx.conn.execute(insert(t.escalation_firings).values(**{**row, "fired_by": "b"}))


def test_a_rung_the_key_says_has_fired_is_not_recorded_again(esc_app, esc, clock) -> None:
    case = open_rect(esc_app)
    row = {"case_id": case.id, "deadline_key": "reported@v1", "rung": "remind", "level": 0, "bulletin": False,
           "due_at": case.deadline["yellow_at"], "fired_at": "elsewhere", "late": False, "event_version": 2,
           "fired_by": "another process"}
    with esc_app.store.write() as tx:
        assert tx.add_firing(row) is True
    clock.set(local("2026-03-06T00:00"))
    result = sweep(esc)
    assert result.fired == [] and case.id in result.passed_over
    assert escalated(esc_app, case.id) == [] and esc_app.cases.get(case.id).version == 1


def test_alerts_go_to_the_unit_chain_and_the_assignee(esc_app, esc, clock) -> None:
    esc_app.directory.add_user("unit_head2", role="unit_head", unit="xf-sfs-2")
    esc_app.directory.add_user("leader_off", role="leader", unit="xf-sfj")
    with esc_app.store.write() as tx:
        tx.update_user("leader_off", active=False)
    case = open_rect(esc_app)
    clock.set(local("2026-03-20T00:00"))
    by_rung = {f.rung: f.targets for f in sweep(esc).fired}
    assert by_rung["urge"] == ("supervisor", "supervisor2", "unit_head")  # not unit_head2 (xf-sfs-2)
    assert by_rung["supervise"] == ("leader", "supervisor", "supervisor2")  # not the inactive leader
    [alert] = esc.supervision.alerts_of("unit_head")
    assert (alert.case, alert.kind, alert.rung, alert.read, alert.late) == (case.id, "escalation", "urge", False, True)
    assert esc.supervision.alerts_of("unit_head2") == []


def test_a_confidential_case_alerts_no_one_who_may_not_see_it(esc_app, esc, clock) -> None:
    case = esc_app.cases.open_case("secret_item", actor="registrar", unit="xf-sfs-1", title="保密")
    clock.set(local("2026-03-10T00:00"))
    [urge] = sweep(esc).fired
    assert urge.case == case.id and urge.targets == ("supervisor", "supervisor2")


def test_reading_alerts_marks_them(esc_app, esc, clock) -> None:
    open_rect(esc_app)
    clock.set(local("2026-03-20T00:00"))
    sweep(esc)
    [_alert] = esc.supervision.alerts_of("leader", unread_only=True)
    assert esc.supervision.mark_read("leader") == 1
    assert esc.supervision.alerts_of("leader", unread_only=True) == []
    assert esc.supervision.alerts_of("leader")[0].read is True


def test_the_sweep_finds_due_cases_through_the_next_due_index(sqlite_esc_app) -> None:
    from sqlalchemy.dialects import sqlite

    from workflow.adapters.sql.escalation_sql import due_query

    sql = str(due_query("2026-03-20T00:00:00.000000Z", 200).compile(dialect=sqlite.dialect(),
                                                                    compile_kwargs={"literal_binds": True}))
    with sqlite_esc_app.store.read() as tx:
        plan = " ".join(str(row[-1]) for row in tx.conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
    assert "SEARCH cases USING INDEX ix_cases_next_escalation_at (next_escalation_at<?)" in plan  # a range seek


def test_open_cases_with_nothing_due_cost_the_sweep_nothing(esc_app, esc, clock) -> None:
    ids = [open_rect(esc_app).id for _ in range(5)]
    clock.set(local("2026-03-03T09:00"))
    with esc.store.read() as tx:
        assert tx.due_case_ids(utc_text(clock.now()), 200, set()) == []
    result = sweep(esc)
    assert result.fired == [] and not result.passed_over
    assert all(esc_app.cases.get(i).version == 1 for i in ids)
