"""The set-wise sweep (workflow.escalation.set_firing) on SQLite and PostgreSQL: what a set writes is what
firing its cases one by one would write; a case another transaction holds (a handler's change) is
passed over, never merged or waited for; the set's writes refuse a stale version and a rung fired
already, whole."""
from __future__ import annotations

import shutil

import pytest
from factories import START, local, open_many, open_rect
from sqlalchemy import select

from workflow.adapters.sql import schema as t
from workflow.audit.verify import verify
from workflow.cases.notices import alert_targets
from workflow.errors import ConcurrencyConflict
from workflow.escalation import sweep as sweep_module
from workflow.escalation.sweep import EscalationSweeper
from workflow.events import ESCALATED

DOWNTIME_OVER = local("2026-04-30T00:00")  # every rung of a case opened on 2026-03-02 is due


def sweeper(esc, per_transaction: int) -> EscalationSweeper:
    return EscalationSweeper(esc.cases, esc.store, fired_by="test-sweeper", per_transaction=per_transaction)


def history(app, case_id):
    """The case's escalated events and alerts, without what differs between two databases (hashes, which
    cover the random case id, are checked by verify; seq and alert ids)."""
    a = t.alerts.c
    with app.store.read() as tx:
        events = [(e.version, e.at, e.actor, e.payload) for e in tx.events(case_id) if e.action == ESCALATED]
        rows = tx.conn.execute(select(a.login, a.event_version, a.kind, a.rung, a.level, a.at, a.due_at, a.late)
                               .where(a.case_id == case_id))
        alerts = sorted(tuple(r) for r in rows)
    return events, alerts


def failing_set(*args, **kwargs):
    raise RuntimeError("the set-wise path is off: every set runs case by case")


def mixed_cases(app) -> list[str]:
    """Cases in two units, some assigned: the set shares its alert look-ups between cases of one unit."""
    ids = open_many(app, 6) + [open_rect(app, unit="xf-sfs-2", title=f"平岗事项{i}").id for i in range(4)]
    for case_id in ids[:6:3]:
        app.cases.assign(case_id, actor="handler", assignee="handler")
    return ids


def test_a_set_writes_what_case_by_case_firing_writes(make_esc_app, database_url, sqlite_template, tmp_path,
                                                      clock, monkeypatch) -> None:
    # The same cases, the same clock: swept set-wise on the database under test, then case by case (the
    # path a failing set falls back to: each case in its savepoint) on a second SQLite database.
    shutil.copyfile(sqlite_template, tmp_path / "case-by-case.db")
    results = []
    for url, set_wise in ((database_url, True), (f"sqlite:///{tmp_path / 'case-by-case.db'}", False)):
        if not set_wise:
            monkeypatch.setattr(sweep_module, "fire_set", failing_set)
        app = make_esc_app(url)
        ids = mixed_cases(app)
        clock.set(DOWNTIME_OVER)
        fired = []
        while True:
            got = sweeper(app.escalations, 200).sweep().fired
            if not got:
                break
            fired += got
        with app.store.read() as tx:
            assert verify(tx.iter_events(), tx.case_rows()).ok  # every case's chain, its row matching it
            for f in fired:  # the shared look-ups alerted exactly whom the case alone would have
                case = app.cases.get(f.case)
                notify = next(r["notify"] for r in case.deadline["rungs"] if r["name"] == f.rung)
                defn = app.registry.get(case.type, case.definition_version)
                assert sorted(f.targets) == alert_targets(tx, app.registry.roles, defn, case, notify)
        results.append((len(fired), [history(app, i) for i in ids]))
        clock.set(START)
    assert results[0][0] == 3 * 10
    assert results[0] == results[1]


def test_a_case_a_handler_holds_is_passed_over_and_fired_after_its_change(make_esc_app, pg_url, clock) -> None:
    # PostgreSQL only: SQLite has one writer at a time, so there a held case is a held database.
    esc_app = make_esc_app(pg_url)
    esc = esc_app.escalations
    ids = open_many(esc_app, 5)
    held = ids[2]
    clock.set(local("2026-03-06T00:00"))  # the first rung (remind) is due
    with esc_app.store.write() as handler_tx:
        handler_tx.lock_case(held)  # a handler's change in progress
        result = sweeper(esc, 200).sweep()
        assert sorted(f.case for f in result.fired) == sorted(set(ids) - {held}) and held in result.passed_over
    esc_app.cases.assign(held, actor="handler", assignee="handler")  # the handler's change lands (version 2)
    [late] = sweeper(esc, 200).sweep().fired
    assert late.case == held and esc_app.cases.get(held).version == 3
    with esc_app.store.read() as tx:
        assert verify(tx.iter_events(), tx.case_rows()).ok


def test_a_stale_version_refuses_the_whole_set(esc_app, clock) -> None:
    a, b = open_many(esc_app, 2)
    with pytest.raises(ConcurrencyConflict), esc_app.store.write() as tx:
        locked = tx.lock_cases([a, b, "no-such-case"])
        assert sorted(locked) == sorted([a, b])
        stage = "open"
        tx.update_cases([(locked[a], stage, 1, None), (locked[b], stage, 7, None)])  # b was never at version 7
    assert esc_app.cases.get(a).version == 1 and esc_app.cases.get(b).version == 1


def test_the_firing_key_refuses_a_rung_of_the_set_that_fired_already(esc_app, clock) -> None:
    a, b = open_many(esc_app, 2)

    def row(case_id, by):
        return {"case_id": case_id, "deadline_key": "reported@v1", "rung": "remind", "level": 0, "bulletin": False,
                "due_at": "x", "fired_at": "y", "late": False, "event_version": 2, "fired_by": by}

    with esc_app.store.write() as tx:
        assert tx.add_firings([row(a, "one")]) == {a}
    with esc_app.store.write() as tx:
        assert tx.add_firings([row(a, "two"), row(b, "two")]) == {b}
    assert [f["fired_by"] for f in esc_app.escalations.firings(a)] == ["one"]
