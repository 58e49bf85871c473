"""`definitions migrate` plans a running deadline again under the new version: the same instance and due date,
the new state's warning rule, the new escalation ladder — recorded in the `migrated` event and replayed.
A field value the new version no longer accepts keeps the case where it is. SQLite and PostgreSQL."""
from __future__ import annotations

import re

from factories import copy_definitions, seed_directory

from workflow.cases.migration import migrate, plan_migration

FIELDS = {"description": "3份外出审批缺少司法所意见。", "category": "commutation_parole",
          "discovery_channel": "self_report"}


def next_version(text: str) -> tuple[str, int]:
    old = int(re.search(r"^version: (\d+)$", text, re.M).group(1))  # type: ignore[union-attr]
    return re.sub(r"^version: \d+$", f"version: {old + 1}", text, count=1, flags=re.M), old + 1


def test_deadline_and_ladder_are_planned_again(make_app, database_url, tmp_path, clock):
    defs = copy_definitions(tmp_path / "definitions")
    first = make_app(database_url, definitions=defs)
    seed_directory(first)
    case = first.cases.open_case("rectification_item", actor="registrar", unit="xf-sfs-1", title="审批材料不全",
                                 fields=FIELDS)
    before = first.cases.get(case.id).deadline
    assert before and len(before["rungs"]) == 3

    path = defs / "rectification_item.yaml"
    text, version = next_version(path.read_text(encoding="utf-8"))
    text = text.replace("    deadline: {within: 5 working_days, warn_before: 2 working_days}\n  verified:",
                        "    deadline: {within: 5 working_days, warn_before: 1 working_days}\n  verified:", 1)
    text = re.sub(r"\n  - \{name: supervise, [^\n]*", "", text, count=1)  # the ladder loses its third rung
    path.write_text(text, encoding="utf-8")
    app = make_app(database_url, definitions=defs)

    plan = plan_migration(app.cases, "rectification_item", version, {}, actor="admin",
                          replan=app.escalations.policy.recompute)
    [judged] = [c for c in plan.cases if c.case_id == case.id]
    assert judged.movable and judged.deadline_change == {"before": before["due_at"], "after": before["due_at"],
                                                         "rungs": 2}
    migrate(app.cases, plan, actor="admin")
    after = app.cases.get(case.id)
    assert after.definition_version == version
    assert after.deadline["due_at"] == before["due_at"] and after.deadline["key"] == before["key"]
    assert after.deadline["warn_before"] == "1 working_days" and after.deadline["yellow_at"] > before["yellow_at"]
    assert [r["name"] for r in after.deadline["rungs"]] == ["remind", "urge"]
    _, replayed = app.cases.history(case.id)
    assert replayed == after
    assert app.audit.verify().ok


def test_a_value_the_new_version_refuses_keeps_the_case(make_app, database_url, tmp_path):
    defs = copy_definitions(tmp_path / "definitions")
    first = make_app(database_url, definitions=defs)
    seed_directory(first)
    case = first.cases.open_case("rectification_item", actor="registrar", unit="xf-sfs-1", title="审批材料不全",
                                 fields=FIELDS)
    path = defs / "rectification_item.yaml"
    text, version = next_version(path.read_text(encoding="utf-8"))
    text = re.sub(r"\n      - \{value: commutation_parole, [^\n]*", "", text, count=1)  # a choice withdrawn
    path.write_text(text, encoding="utf-8")
    app = make_app(database_url, definitions=defs)
    plan = migrate(app.cases, plan_migration(app.cases, "rectification_item", version, {}, actor="admin"),
                   actor="admin")
    [judged] = [c for c in plan.cases if c.case_id == case.id]
    assert judged.outcome == "skipped"
    assert judged.problems == [f"field 'category': 'commutation_parole' is not one of the choices of version {version}"]
    assert app.cases.get(case.id).definition_version == version - 1
