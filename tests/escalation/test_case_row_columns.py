"""The case row's columns stay exactly what the case says after every kind of change (SQLite and PostgreSQL).

An update sets only the columns that changed since the case was locked (an unchanged indexed
column named in SET still costs its index entries); whatever changed — assignee, state and
stage, deadline, next rung — must still reach the row, where the inboxes, the battle map and the
sweep read it.
"""
from __future__ import annotations

from factories import local, open_rect
from sqlalchemy import select

from workflow.adapters.sql import schema as t
from workflow.adapters.sql.case_rows import case_row


def assert_row_matches(app, case_id: str) -> None:
    case = app.cases.get(case_id)
    want = case_row(case, app.cases.definition_of(case).states[case.state].stage)
    with app.store.read() as tx:
        row = tx.conn.execute(select(t.cases).where(t.cases.c.id == case_id)).mappings().one()
    assert {k: row[k] for k in want} == want


def test_every_change_leaves_every_column_of_the_row_right(esc_app, esc, clock) -> None:
    s = esc_app.cases
    case = open_rect(esc_app)
    other = open_rect(esc_app, title="另一件")  # never changed: its row must not move either
    before_other = s.get(other.id)
    assert_row_matches(esc_app, case.id)
    s.assign(case.id, actor="handler", assignee="handler")  # assignee
    assert_row_matches(esc_app, case.id)
    clock.set(local("2026-03-06T00:00"))
    assert {f.case for f in esc.sweeper(fired_by="t").sweep().fired} == {case.id, other.id}
    assert_row_matches(esc_app, case.id)  # next rung
    s.add_comment(case.id, actor="handler", text="在办")  # nothing but version, time and snapshot
    assert_row_matches(esc_app, case.id)
    moved = s.advance(case.id, "verify", actor="supervisor")  # state, stage, deadline, next rung
    assert moved.state == "verified"
    assert_row_matches(esc_app, case.id)
    s.assign(case.id, actor="supervisor", assignee=None)  # assignee back to nobody
    assert_row_matches(esc_app, case.id)
    assert_row_matches(esc_app, other.id)
    assert s.get(other.id).version == before_other.version + 1  # it had one rung fired, nothing else
