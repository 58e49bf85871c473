"""The plan as data: `campaign load` turns every measure into a case, once; bad files say PATH:LINE."""
from __future__ import annotations

import json

import pytest
from factories import REPO, verify_all
from sqlalchemy import func, select

from workflow.adapters.files.plan_files import read_plan_items
from workflow.adapters.files.yaml_files import YamlFileReader
from workflow.adapters.sql import schema
from workflow.campaigns.loader import read_plan
from workflow.errors import DefinitionError, RoleNotAllowed

XIFENG = REPO / "definitions" / "campaigns" / "xifeng-2021.yaml"


def case_count(app):
    with app.store.read() as tx:
        return tx.conn.execute(select(func.count()).select_from(schema.cases)).scalar_one()


def test_loading_twice_creates_every_measure_case_once(app):
    first = app.campaigns.load(XIFENG)
    assert (first.campaign, first.measures, len(first.cases), len(first.created)) == ("xifeng-2021", 25, 25, 25)
    again = app.campaigns.load(XIFENG)
    assert (again.cases, again.created) == (first.cases, [])
    assert case_count(app) == 25
    measure = app.cases.get(first.cases[0])
    assert measure.type == "rectification_measure" and measure.state == "planned"
    assert measure.fields["measure_id"] == "二(一)措施(1)" and measure.fields["due_date"] == "2021-05-31"
    assert measure.unit == "xf-zzb" and measure.opened_by == "system:campaign"
    verify_all(app)


def test_progress_lists_every_measure_with_its_state(app):
    report = app.campaigns.load(XIFENG)
    app.cases.advance(report.cases[0], "start", actor="supervisor")
    progress = app.campaigns.progress("xifeng-2021")
    assert [m["id"] for m in progress["measures"]][:2] == ["二(一)措施(1)", "二(一)措施(2)"]
    assert progress["measures"][0]["state"] == "in_progress"
    assert progress["tasks"]["二(五)"] == {"measures": 6, "accepted": 0}
    assert [w["from"] for w in progress["windows"]] == ["2021-05-06", "2021-07-01"]


def test_a_measure_added_to_the_file_later_gets_its_case_on_the_next_load(app, tmp_path):
    app.campaigns.load(XIFENG)
    text = XIFENG.read_text(encoding="utf-8").replace(
        "    target: {id: 二(六)目标",
        "      - id: 二(六)措施(3)\n        title: {zh: 新增措施, en: An added measure}\n"
        "        responsible_unit: xf-lsk\n        deadline: 2021-12-31\n    target: {id: 二(六)目标")
    path = tmp_path / "xifeng-2021.yaml"
    path.write_text(text, encoding="utf-8")
    report = app.campaigns.load(path)
    assert (report.measures, len(report.created)) == (26, 1)
    assert app.cases.get(report.created[0]).fields["measure_id"] == "二(六)措施(3)"


def test_the_plan_file_holds_every_numbered_item_of_the_plan():
    plan, _ = read_plan(YamlFileReader(), XIFENG)
    items = read_plan_items(REPO / "definitions")
    assert plan.item_ids() == [i.id for i in items] or sorted(plan.item_ids()) == sorted(i.id for i in items)
    kinds = [i.kind for i in plan.items]
    assert (kinds.count("content"), kinds.count("measure"), kinds.count("safeguard")) == (15, 25, 5)
    assert all(m.responsible_unit and m.deadline for m in plan.measures)


def broken(tmp_path, old: str, new: str):
    text = XIFENG.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "plan.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    line = text[: text.index(old)].count("\n") + 1
    return path, line


@pytest.mark.parametrize("old,new,message", [
    ("responsible_unit: xf-zzb\n        deadline: 2021-05-31", "responsible_unit: xf-zzb\n        deadline: 2021-05-32",
     "is not a valid date"),
    ("responsible_unit: xf-zzb\n        deadline: 2021-05-31", "responsible_unit: xf-zzb\n        deadline: soon",
     "deadline must be a date"),
    ("      - id: 二(一)措施(1)", "      - id: 二(二)措施(1)", "does not fit its place"),
    ("      - id: 二(一)措施(2)", "      - id: 二(一)措施(1)", "is listed twice"),
    ("campaign: xifeng-2021", "campaign: Xifeng 2021", "campaign must be a key"),
    ("    target: {id: 二(一)目标", "    goal: {id: 二(一)目标", "unknown key 'goal'"),
])
def test_a_bad_plan_file_is_refused_with_path_and_line(app, tmp_path, old, new, message):
    path, line = broken(tmp_path, old, new)
    with pytest.raises(DefinitionError) as err:
        app.campaigns.load(path)
    hits = [p for p in err.value.problems if message in p]
    assert hits and all(p.startswith(f"{path}:") for p in hits), err.value.problems
    assert any(p.startswith((f"{path}:{line}:", f"{path}:{line + 1}:")) for p in hits)
    assert case_count(app) == 0


def test_an_unknown_responsible_unit_is_refused_and_nothing_is_written(app, tmp_path):
    path, line = broken(tmp_path, "responsible_unit: xf-jd-1", "responsible_unit: xf-nowhere")
    with pytest.raises(DefinitionError, match="unknown responsible_unit 'xf-nowhere'") as err:
        app.campaigns.load(path)
    assert any(p.startswith(f"{path}:{line - 3}:") for p in err.value.problems)  # the measure's own line
    assert case_count(app) == 0
    with app.store.read() as tx:
        assert tx.conn.execute(select(func.count()).select_from(schema.campaigns)).scalar_one() == 0


def test_a_user_who_may_not_open_measures_loads_nothing(app):
    with pytest.raises(RoleNotAllowed):
        app.campaigns.load(XIFENG, actor="handler")
    assert case_count(app) == 0
    report = app.campaigns.load(XIFENG, actor="supervisor")
    assert app.cases.get(report.cases[0]).opened_by == "supervisor"




def test_cli_campaign_load_prints_the_documented_json_and_is_idempotent(cli, tmp_path):
    out = cli("campaign", "load", str(XIFENG), "--json")
    assert set(out) >= {"campaign", "measures", "cases"}
    assert (out["campaign"], out["measures"], len(out["cases"]), len(out["created"])) == ("xifeng-2021", 25, 25, 25)
    again = cli("campaign", "load", str(XIFENG), "--json")
    assert (again["cases"], again["created"]) == (out["cases"], [])
    status = cli("campaign", "status", "xifeng-2021", "--json")
    assert len(status["measures"]) == 25 and status["measures"][0]["state"] == "planned"
    assert "二(一)措施(1)" in cli("campaign", "status", "xifeng-2021")


def test_cli_campaign_load_reports_file_problems_without_a_traceback(cli, tmp_path):
    path, line = broken(tmp_path, "deadline: 2021-05-31", "deadline: someday")
    result = cli("campaign", "load", str(path), "--json", code=1)
    assert result["ok"] is False and any(p.startswith(f"{path}:{line}:") for p in result["problems"])
    assert "Traceback" not in cli("campaign", "load", str(tmp_path / "missing.yaml"), code=1)
    assert "no campaign 'nope'" in json.dumps(cli("campaign", "status", "nope", "--json", code=1), ensure_ascii=False)


def test_a_loaded_plan_is_read_back_as_data_and_an_unknown_one_is_not_found(app):
    from workflow.errors import NotFound

    app.campaigns.load(REPO / "definitions" / "campaigns" / "xifeng-2021.yaml")
    plan = app.campaigns.plan("xifeng-2021")
    assert {i["kind"] for i in plan["items"]} == {"general", "content", "measure", "target", "safeguard"}
    assert plan["tasks"][0]["id"] == "二(一)"
    with pytest.raises(NotFound):
        app.campaigns.plan("no-such-plan")
