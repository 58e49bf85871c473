"""The demo behind `make run` shows every campaign case type, at every stage, some of them overdue."""
from __future__ import annotations

from factories import REPO, verify_all

from rectiflow.demo import run_demo, seed_cases, walk_rectification
from workflow.adapters.files.definition_files import definition_paths, load_roles, read_definitions
from workflow.events import format_time


def test_seed_cases_covers_every_type_stage_and_light_once(app):
    walk_rectification(app)
    result = seed_cases(app)
    with app.store.read() as tx:
        rows = list(tx.case_rows())
    shipped = {f.definition.name for f in read_definitions(definition_paths(REPO / "definitions"),
                                                           load_roles(REPO / "definitions"))}
    assert {c.type for c in rows} == shipped
    assert result == {"seeded": True, "cases": len(rows)}
    assert len([c for c in rows if c.type != "rectification_measure"]) >= 55
    assert sum(1 for c in rows if c.type == "rectification_measure") == 25
    stages = {app.cases.definition_of(c).states[c.state].stage for c in rows}
    assert stages == {"reported", "verified", "handled", "rectified", "closed"}
    now = format_time(app.clock.now())
    overdue = [c for c in rows if (c.deadline or {}).get("due_at") and c.deadline["due_at"] < now]
    assert len(overdue) >= 10
    assert any(c.links for c in rows if c.type == "case_lookback")
    assert any(c.fields.get("self_report_assessment") == "counted" for c in rows)  # the demo window applies
    assert seed_cases(app) == {"seeded": False, "cases": len(rows)}
    verify_all(app)


def test_run_demo_on_an_empty_database_seeds_the_campaign(make_app, sqlite_url):
    app = make_app(sqlite_url)
    result = run_demo(app, if_empty=True)
    assert result["seeded"] and result["cases"] >= 80
    assert run_demo(app, if_empty=True)["case"] is None  # not empty any more: nothing is done
