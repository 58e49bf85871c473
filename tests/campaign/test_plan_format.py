"""A plan format for any bureau: the plan's own labels as ids (any numbering, any depth), optional sections,
measures with lead and supporting units, a leader, phases or several deadlines, declared units — and two
plans of different shapes loaded side by side (each its measure cases, each its status, reloads idempotent)."""
from __future__ import annotations

import textwrap

import pytest
from factories import REPO, verify_all
from sqlalchemy import func, select

from workflow.adapters.files.yaml_files import YamlFileReader
from workflow.adapters.sql import schema
from workflow.campaigns.loader import read_plan
from workflow.errors import DefinitionError

CAMPAIGNS = REPO / "definitions" / "campaigns"
XIFENG = CAMPAIGNS / "xifeng-2021.yaml"
DISTRICT = CAMPAIGNS / "district-procuratorate-2021.yaml"
DP_UNITS = {"dp-jcy": ("某区人民检察院", None), "dp-zzb": ("区检察院教育整顿办公室", "dp-jcy"),
            "dp-zzc": ("区检察院政治部", "dp-jcy"), "dp-xsjc": ("区检察院第一检察部", "dp-jcy"),
            "dp-zxjc": ("区检察院刑事执行检察部", "dp-jcy"), "dp-kgss": ("区检察院控告申诉检察部", "dp-jcy"),
            "dp-jjz": ("区检察院派驻纪检监察组", "dp-jcy")}


def plan_of(path):
    return read_plan(YamlFileReader(), path)[0]


def write(tmp_path, text: str, name: str = "plan.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(path) -> list[str]:
    with pytest.raises(DefinitionError) as err:
        plan_of(path)
    return err.value.problems


def line_of(path, fragment: str) -> int:
    """The line of the fragment's last occurrence (a duplicate is reported where it repeats)."""
    return [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if fragment in line][-1]


def count(app, table) -> int:
    with app.store.read() as tx:
        return tx.conn.execute(select(func.count()).select_from(table)).scalar_one()


# ---- the format ----------------------------------------------------------------------------------------------
def test_the_second_plan_keeps_its_own_numbering_depth_units_and_phases():
    plan = plan_of(DISTRICT)
    assert [pid for pid, _ in plan.parts] == ["一、", "二、", "三、"]
    assert [m.id for m in plan.measures] == ["二、1、(2)", "二、1、(3)", "二、2、(2)", "二、2、(3)", "二、3、(1)①",
                                             "二、3、(2)①", "二、4、(2)"]
    kinds = {i.id: i.kind for i in plan.items}
    assert (kinds["一、1"], kinds["二、1、(1)"], kinds["三、2"]) == ("general", "content", "safeguard")
    assert "target" not in kinds.values()  # targets are optional
    by_id = {m.id: m for m in plan.measures}
    first = by_id["二、1、(2)"]
    assert (first.responsible_unit, first.lead_unit, first.supporting_units) == ("dp-zzb", "dp-zzb",
                                                                                  ("dp-zzc", "dp-jjz"))
    assert first.leader == "分管政治部的副检察长" and [ph.until for ph in first.phases] == ["2021-04-30", "2021-05-31"]
    assert first.deadline == "2021-05-31"  # the final date
    several = by_id["二、2、(2)"]
    assert (several.deadlines, several.deadline) == (("2021-04-30", "2021-05-31"), "2021-05-31")
    deep = by_id["二、3、(1)①"]
    assert (deep.task, deep.part) == ("二、3、(1)", "二、")  # part → task → sub-task → measure
    assert [t for t, _ in plan.tasks] == ["二、1", "二、2", "二、3", "二、3、(1)", "二、3、(2)", "二、4"]
    assert {u.code: (u.name, u.parent) for u in plan.units} == DP_UNITS


def test_the_two_plans_share_no_unit_code():
    xifeng, district = plan_of(XIFENG), plan_of(DISTRICT)
    assert not set(xifeng.unit_codes()) & set(district.unit_codes())
    assert not set(xifeng.unit_codes()) & {u.code for u in district.units}


def test_xifeng_reads_as_before_one_unit_one_date_per_measure():
    plan = plan_of(XIFENG)
    assert len(plan.measures) == 25 and plan.units == () and plan.parts == ()
    m = plan.measures[0]
    assert (m.id, m.task, m.responsible_unit, m.deadline, m.supporting_units, m.leader, m.phases) == (
        "二(一)措施(1)", "二(一)", "xf-zzb", "2021-05-31", (), None, ())
    item = plan.to_dict()["items"][0]
    assert set(item) == {"id", "kind", "task", "title", "text", "responsible_unit", "deadline"}  # stored as before


def test_any_numbering_and_only_tasks_a_court_style_plan(tmp_path):
    path = write(tmp_path, """\
        campaign: court-2021
        title: {zh: 某法院整治方案, en: A court plan}
        document: 示例
        lead_unit: ct-fy
        tasks:
          - id: 四(一)
            title: {zh: 违规违法减假暂, en: Early release}
            measures:
              - {id: 四(一)1, title: {zh: 倒查, en: Look back}, deadline: 2021-06-30}
              - {id: 四(一)2, title: {zh: 公开听证, en: Hearings}, deadlines: [2021-05-31, 2021-09-30]}
        """)
    plan = plan_of(path)
    assert [i.id for i in plan.items] == ["四(一)1", "四(一)2"]  # no general items, targets or safeguards
    assert plan.measures[0].responsible_unit == "ct-fy"  # no lead unit named: the plan's
    assert plan.measures[1].deadline == "2021-09-30"


BASE = """\
    campaign: test-plan
    title: {zh: 测试方案, en: Test plan}
    document: 示例
    issued_on: 2021-03-01
    lead_unit: t-root
    units:
      - {code: t-root, name: 测试局}
      - {code: t-a, name: 甲科, parent: t-root}
    parts:
      - id: 一、
        title: {zh: 任务, en: Tasks}
        tasks:
          - id: 一、1
            title: {zh: 任务一, en: Task one}
            measures:
              - id: 一、1、(1)
                title: {zh: 措施一, en: Measure one}
                lead_unit: t-a
                deadline: 2021-06-30
              - id: 一、1、(2)
                title: {zh: 措施二, en: Measure two}
                lead_unit: t-a
                phases:
                  - {title: {zh: 第一阶段, en: First}, from: 2021-03-01, until: 2021-04-30}
                  - {title: {zh: 第二阶段, en: Second}, from: 2021-05-01, until: 2021-06-30}
    """


@pytest.mark.parametrize("old,new,fragment,message", [
    ("id: 一、1、(2)", "id: 一、1、(1)", "id: 一、1、(1)", "is listed twice"),
    ("id: 一、1、(2)", "id: 二、1、(2)", "id: 二、1、(2)", "does not fit its place"),
    ("lead_unit: t-a\n            deadline", "lead_unit: t-b\n            deadline", "id: 一、1、(1)",
     "unknown unit 't-b'"),
    ("deadline: 2021-06-30", "deadline: 2021-02-28", "id: 一、1、(1)", "is before the plan was issued"),
    ("deadline: 2021-06-30", "deadline: soon", "deadline: soon", "deadline must be a date"),
    ("from: 2021-05-01", "from: 2021-04-15", "from: 2021-04-15", "phases must follow each other"),
    ("{code: t-a, name: 甲科, parent: t-root}", "{code: t-a, name: 甲科, parent: t-a}", "code: t-a",
     "cannot be its own parent"),
    ("{code: t-a, name: 甲科, parent: t-root}", "{code: t-root, name: 乙科}", "name: 乙科", "declared twice"),
    ("lead_unit: t-root\n", "lead_unit: t-x\n", "lead_unit: t-x", "lead_unit 't-x' is not one of the declared"),
    ("            deadline: 2021-06-30\n", "", "id: 一、1、(1)", "needs a deadline"),
    ("id: 一、1、(1)\n", "id: 11\n", "id: 11", "needs an id (the plan's own label, as text) (quote a number"),
])
def test_a_bad_plan_says_path_line_and_what(tmp_path, old, new, fragment, message):
    assert plan_of(write(tmp_path, BASE)).key == "test-plan"
    text = textwrap.dedent(BASE)
    assert old in text, old
    path = write(tmp_path, text.replace(old, new, 1), "bad.yaml")
    hits = [p for p in problems_of(path) if message in p]
    assert hits, problems_of(path)
    assert f"{path}:{line_of(path, fragment)}:" in " ".join(hits), hits


# ---- loading both plans side by side --------------------------------------------------------------------------
def test_both_plans_load_side_by_side_each_with_its_cases_status_and_idempotent_reloads(app):
    xifeng = app.campaigns.load(XIFENG)
    district = app.campaigns.load(DISTRICT)
    assert (len(xifeng.created), len(district.created)) == (25, 7)
    assert sorted(district.units_created) == sorted(DP_UNITS) and xifeng.units_created == []
    with app.store.read() as tx:
        assert {c: (tx.get_unit(c).name, tx.get_unit(c).parent) for c in DP_UNITS} == DP_UNITS
    assert not set(xifeng.cases) & set(district.cases)

    # status: each plan lists its own measures, each with its own case and state
    app.directory.add_user("dp_sup", role="supervisor", unit="dp-jcy", name="区检察院整治办 周明")
    app.cases.advance(district.cases[0], "start", actor="dp_sup")
    mine = app.campaigns.progress("district-procuratorate-2021")
    theirs = app.campaigns.progress("xifeng-2021")
    assert [m["case"] for m in mine["measures"]] == district.cases
    assert [m["case"] for m in theirs["measures"]] == xifeng.cases
    assert [m["state"] for m in mine["measures"]] == ["in_progress"] + ["planned"] * 6
    assert {m["state"] for m in theirs["measures"]} == {"planned"}
    assert mine["tasks"]["二、3、(1)"] == {"measures": 1, "accepted": 0}
    assert [w["from"] for w in mine["windows"]] == ["2021-03-15"]
    assert set(app.campaigns.titles()) >= {"xifeng-2021", "district-procuratorate-2021"}

    # the measure case carries what the plan says: lead unit, supporting units (names), leader, phases
    case = app.cases.get(district.cases[0])
    assert (case.unit, case.fields["responsible_unit"], case.fields["due_date"]) == ("dp-zzb", "dp-zzb",
                                                                                     "2021-05-31")
    assert case.fields["supporting_units"] == "区检察院政治部、区检察院派驻纪检监察组"
    assert case.fields["responsible_leader"] == "分管政治部的副检察长"
    assert case.fields["schedule"] == ("1. 自查填报：2021年3月15日至2021年4月30日\n"
                                       "2. 倒查核实：2021年5月1日至2021年5月31日")
    several = app.cases.get(district.cases[2])
    assert several.fields["schedule"] == "2021年4月30日前；2021年5月31日前" and several.unit == "dp-zxjc"
    plain = app.cases.get(xifeng.cases[0])
    assert not {"supporting_units", "responsible_leader", "schedule"} & set(plain.fields)

    # reloading either creates nothing: no case, no unit, the same map
    cases, units = count(app, schema.cases), count(app, schema.units)
    again_d, again_x = app.campaigns.load(DISTRICT), app.campaigns.load(XIFENG)
    assert (again_d.created, again_d.units_created, again_d.cases) == ([], [], district.cases)
    assert (again_x.created, again_x.units_created, again_x.cases) == ([], [], xifeng.cases)
    assert (count(app, schema.cases), count(app, schema.units)) == (cases, units)
    assert app.campaigns.progress("district-procuratorate-2021")["measures"][0]["state"] == "in_progress"
    verify_all(app)


def test_a_declared_unit_already_in_the_directory_is_matched_and_a_clash_is_refused(app, tmp_path):
    app.directory.add_unit("dp-jcy", name="某区人民检察院")  # the same unit: matched, not created again
    report = app.campaigns.load(DISTRICT)
    assert "dp-jcy" not in report.units_created and len(report.units_created) == len(DP_UNITS) - 1

    text = DISTRICT.read_text(encoding="utf-8").replace("campaign: district-procuratorate-2021",
                                                        "campaign: other-2021")
    path = write(tmp_path, text.replace("{code: dp-zzb, name: 区检察院教育整顿办公室",
                                        "{code: dp-zzb, name: 另一个办公室"))
    cases = count(app, schema.cases)
    with pytest.raises(DefinitionError) as err:
        app.campaigns.load(path)
    assert any(p.startswith(f"{path}:{line_of(path, 'code: dp-zzb')}: unit dp-zzb: the directory already has")
               for p in err.value.problems), err.value.problems
    assert count(app, schema.cases) == cases
    with app.store.read() as tx:
        assert tx.get_campaign("other-2021") is None and tx.get_unit("dp-zzb").name == "区检察院教育整顿办公室"


def test_a_plan_whose_units_cannot_be_created_writes_nothing(app, tmp_path):
    text = DISTRICT.read_text(encoding="utf-8").replace("{code: dp-jcy, name: 某区人民检察院}",
                                                        "{code: dp-jcy, name: 某区人民检察院, parent: dp-city}")
    path = write(tmp_path, text)
    units = count(app, schema.units)
    with pytest.raises(DefinitionError, match="unknown parent 'dp-city'"):
        app.campaigns.load(path)
    assert (count(app, schema.units), count(app, schema.cases)) == (units, 0)


def test_a_dry_run_of_a_plan_whose_units_are_not_yet_created_lists_its_measures_and_writes_nothing(app):
    units, cases = count(app, schema.units), count(app, schema.cases)
    preview = app.campaigns.preview(DISTRICT)
    assert (preview["dry_run"], len(preview["added"])) == (True, 7)
    assert {m["unit"] for m in preview["added"]} <= set(DP_UNITS)
    assert (count(app, schema.units), count(app, schema.cases)) == (units, cases)


def test_cli_loads_the_second_plan_beside_the_first_and_names_the_units_it_created(cli):
    first = cli("campaign", "load", str(XIFENG), "--json")
    second = cli("campaign", "load", str(DISTRICT), "--json")
    assert (len(first["created"]), first["units_created"]) == (25, [])
    assert (second["campaign"], len(second["created"]), sorted(second["units_created"])) == (
        "district-procuratorate-2021", 7, sorted(DP_UNITS))
    again = cli("campaign", "load", str(DISTRICT))
    assert again.strip().splitlines() == ["campaign district-procuratorate-2021: 7 measures, 0 new case(s)",
                                          "  7 unchanged"]
    status = cli("campaign", "status", "district-procuratorate-2021", "--json")
    assert [m["case"] for m in status["measures"]] == second["cases"]
    assert {m["unit"] for m in status["measures"]} == {"dp-zzb", "dp-zxjc", "dp-zzc", "dp-kgss"}


def test_the_progress_report_of_the_second_plan_groups_its_measures_by_their_innermost_task(app):
    app.campaigns.load(XIFENG)
    app.campaigns.load(DISTRICT)
    report = app.documents.progress("district-procuratorate-2021")
    assert [t.id for t in report.tasks] == ["二、1", "二、2", "二、3、(1)", "二、3、(2)", "二、4"]
    assert report.measures == 7
    rows = [m for t in report.tasks for m in t.measures]
    assert rows[0].unit == "区检察院教育整顿办公室" and rows[0].deadline == "2021-05-31"
    assert len(app.documents.progress("xifeng-2021").tasks) == 6  # the other plan's report is its own
