"""Provisional deadlines in a year the calendar did not cover, fixed by an audited recompute."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from factories import local, open_rect, utc_text

from rectiflow.cli import main
from workflow.audit.verify import verify
from workflow.errors import RoleNotAllowed
from workflow.events import DEADLINE_RECOMPUTED

YEAR_2027 = """
  2027:  # hypothetical notice, for the test only
    holidays:
      - {zh: 元旦, en: New Year's Day, from: 2027-01-01, to: 2027-01-03}
    workdays: []
"""


def add_2027(defs) -> None:
    path = defs / "calendars" / "cn-mainland.yaml"
    text = path.read_text("utf-8").replace('version: "2026.1"', 'version: "2027.1"')
    assert 'version: "2027.1"' in text
    path.write_text(text.rstrip("\n") + "\n" + YEAR_2027, "utf-8")


@pytest.fixture
def provisional_case(esc_app, clock):
    clock.set(local("2026-12-28T09:00"))
    case = open_rect(esc_app)
    # Weekday rule for 2027: Dec 29, 30, 31, Fri Jan 1, Mon Jan 4.
    assert case.deadline["provisional"] and case.deadline["due_at"] == utc_text(local("2027-01-05T00:00"))
    return case


def test_recompute_fixes_provisional_deadlines_once_the_year_is_added(esc_app, provisional_case, make_esc_app,
                                                                      defs, clock, lease_clock) -> None:
    clock.set(local("2026-06-01T09:00"))
    settled = open_rect(esc_app)  # covered entirely by 2026: not touched
    add_2027(defs)
    app = make_esc_app(esc_app.settings.database_url, seed=False)
    esc = app.escalations
    [changed] = esc.recompute(requested_by="admin")
    assert changed["case"] == provisional_case.id and changed["calendar_version"] == "2027.1"
    assert (changed["provisional_before"], changed["provisional"]) == (True, False)
    case = app.cases.get(provisional_case.id)
    # Jan 1 is now a holiday: Dec 29, 30, 31, Jan 4, Jan 5.
    assert case.deadline["due_at"] == changed["due_at"] == utc_text(local("2027-01-06T00:00"))
    assert case.deadline["key"] == provisional_case.deadline["key"] and case.deadline["start"] == \
        provisional_case.deadline["start"]
    event = app.cases.history(case.id)[0][-1]
    assert (event.action, event.actor, event.payload["requested_by"]) == (DEADLINE_RECOMPUTED, "system:calendar",
                                                                          "admin")
    assert event.payload["previous"]["due_at"] == utc_text(local("2027-01-05T00:00"))
    assert app.cases.get(settled.id).version == 1
    assert esc.recompute(requested_by="admin") == []  # nothing left to fix
    with app.store.read() as tx:
        report = verify(tx.iter_events(), tx.case_rows())
    assert report.ok, report.problems


def test_recompute_keeps_rungs_that_already_fired(esc_app, provisional_case, make_esc_app, defs, clock,
                                                 lease_clock) -> None:
    clock.set(local("2027-01-04T09:00"))
    fired = esc_app.escalations.sweeper(fired_by="t").sweep().fired
    assert [f.rung for f in fired] == ["remind"]
    add_2027(defs)
    app = make_esc_app(esc_app.settings.database_url, seed=False)
    esc = app.escalations
    esc.recompute(requested_by="supervisor")
    assert app.cases.get(provisional_case.id).deadline["fired"][0]["rung"] == "remind"
    clock.set(local("2027-01-05T09:00"))  # past the provisional red (end of Jan 4), before the real one
    assert esc.sweeper(fired_by="t").sweep().fired == []
    clock.set(local("2027-01-06T00:00"))
    assert [f.rung for f in esc.sweeper(fired_by="t").sweep().fired] == ["urge"]


def test_only_administrators_and_supervisors_may_recompute(esc_app, provisional_case) -> None:
    with pytest.raises(RoleNotAllowed):
        esc_app.escalations.recompute(requested_by="handler")


def test_recompute_from_the_command_line(sqlite_esc_app, clock, defs, tmp_path) -> None:
    clock.set(local("2026-12-28T09:00"))
    provisional_case = open_rect(sqlite_esc_app)
    add_2027(defs)
    env = {"RECTIFLOW_DATABASE_URL": sqlite_esc_app.settings.database_url, "RECTIFLOW_DEFINITIONS": str(defs),
           "RECTIFLOW_INSTANCE": str(tmp_path / "instance")}
    result = CliRunner().invoke(main, ["deadlines", "recompute", "--as", "admin", "--json"], env=env)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["count"] == 1 and out["recomputed"][0]["case"] == provisional_case.id
    shown = CliRunner().invoke(main, ["case", "show", provisional_case.id, "--json"],
                               env={**env, "RECTIFLOW_NOW": "2027-01-04T09:00:00+08:00"})
    deadline = json.loads(shown.stdout)["deadline"]
    assert deadline["provisional"] is False and deadline["basis"]["calendar_version"] == "2027.1"
