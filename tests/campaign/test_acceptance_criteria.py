"""评估验收 with standards: a measure's acceptance criteria (from the plan, else the definition's checklist),
recorded criterion by criterion with evidence; one not met blocks 销号; the results are in the audited event
and replay. Definition validation of `acceptance:` (PATH:LINE)."""
from __future__ import annotations

import pytest
from factories import REPO, attachment, verify_all
from office_suite import converted, pdf_text

from workflow.adapters.files.definition_files import load_roles, read_definitions
from workflow.adapters.files.yaml_files import YamlFileReader
from workflow.campaigns.loader import read_plan
from workflow.engine.projection import project_case
from workflow.errors import DefinitionError, GuardRejected, InvalidInput

XIFENG = REPO / "definitions" / "campaigns" / "xifeng-2021.yaml"
CRITERIA = ("        criteria:\n          - 律所全部完成自查并书面报告\n          - 发现问题全部建立台账\n")


def plan_with_criteria(tmp_path):
    """The Xifeng plan with two 验收条件 on 二(四)措施(1)."""
    text = XIFENG.read_text(encoding="utf-8")
    anchor = "      - id: 二(六)措施(2)\n"
    head, tail = text.split(anchor)
    lines = tail.split("\n")
    # the measure's four lines (title, text, unit, deadline) end before the next item: add the criteria after them
    tail = "\n".join(lines[:4]) + "\n" + CRITERIA + "\n".join(lines[4:])
    path = tmp_path / "xifeng-2021.yaml"
    path.write_text(head + anchor + tail, encoding="utf-8")
    return path


def done_measure(app, case_id, unit_head="supervisor"):
    s = app.cases
    s.advance(case_id, "start", actor="supervisor")
    return s.advance(case_id, "complete", actor="supervisor", attachments=[attachment("evidence", "自查报告.pdf")],
                     fields={"completion_report": "已完成"})


def measure_of(app, report, measure_id):
    return next(c for c in map(app.cases.get, report.cases) if c.fields["measure_id"] == measure_id)


def test_plan_criteria_reach_the_measure_case_and_a_failed_one_blocks_acceptance(app, tmp_path):
    report = app.campaigns.load(plan_with_criteria(tmp_path))
    m = measure_of(app, report, "二(六)措施(2)")
    assert m.definition_version == 3
    assert m.fields["acceptance_criteria"] == "律所全部完成自查并书面报告\n发现问题全部建立台账"
    done_measure(app, m.id)
    s = app.cases
    with pytest.raises(GuardRejected) as refused:
        s.advance(m.id, "accept", actor="leader", checks={
            1: {"met": True, "evidence": "自查报告.pdf"}, 2: {"met": False, "note": "两家律所未建台账"}})
    assert refused.value.code == "acceptance.not_met" and "2. 发现问题全部建立台账" in str(refused.value)
    assert "1. 律所" not in str(refused.value)
    assert s.get(m.id).state == "done"  # nothing written
    with pytest.raises(InvalidInput, match="incomplete"):  # every criterion needs its result
        s.advance(m.id, "accept", actor="leader", checks={1: {"met": True, "note": "已核"}})
    with pytest.raises(InvalidInput, match="needs evidence"):
        s.advance(m.id, "accept", actor="leader", checks={1: {"met": True}, 2: {"met": True, "note": "已核"}})
    with pytest.raises(InvalidInput, match="not on the case"):
        s.advance(m.id, "accept", actor="leader", checks={1: {"met": True, "evidence": "别的.pdf"},
                                                          2: {"met": True, "note": "已核"}})
    # the not-accepted path records the failed check and sends the measure back
    back = s.advance(m.id, "return_for_rework", actor="leader", fields={"return_reason": "台账未建全"},
                     checks={1: {"met": True, "note": "已核"}, 2: {"met": False, "note": "两家律所未建台账"}})
    assert back.state == "in_progress"
    s.advance(m.id, "complete", actor="supervisor", attachments=[attachment("evidence", "补充台账.xlsx")],
              fields={"completion_report": "已补建台账"})
    accepted = s.advance(m.id, "accept", actor="leader", checks={
        1: {"met": True, "note": "抽查三家属实"},
        2: {"met": True, "evidence": "补充台账.xlsx"}})
    assert accepted.state == "accepted"
    events, replayed = s.history(m.id)
    checks = [e.payload["checklist"] for e in events if "checklist" in e.payload]
    assert [[c["met"] for c in lst] for lst in checks] == [[True, False], [True, True]]
    first = "律所全部完成自查并书面报告"
    assert checks[1][0] == {"no": 1, "criterion": {"zh": first, "en": first},
                            "met": True, "note": "抽查三家属实"}
    assert checks[1][1]["evidence"] == "补充台账.xlsx"  # a file of the current round: those of a returned one are reset
    assert replayed == s.get(m.id) == project_case(events)
    verify_all(app)


def test_a_measure_without_plan_criteria_is_checked_against_the_definition_checklist(app):
    report = app.campaigns.load(XIFENG)
    m = done_measure(app, report.cases[0])
    s = app.cases
    with pytest.raises(InvalidInput, match="incomplete"):
        s.advance(m.id, "accept", actor="leader")
    with pytest.raises(GuardRejected, match=r"3\. 建立健全长效机制"):
        s.advance(m.id, "accept", actor="leader", checks={
            1: {"met": True, "note": "是"}, 2: {"met": True, "note": "是"}, 3: {"met": False, "note": "尚无制度"}})
    ok = s.advance(m.id, "accept", actor="leader", checks={n: {"met": True, "note": "已核"} for n in (1, 2, 3)})
    assert ok.state == "accepted"
    [event] = [e for e in s.history(m.id)[0] if e.payload.get("trigger") == "accept"]
    assert event.payload["checklist"][0]["criterion"]["zh"] == "措施内容全部落实到位"


def test_checks_are_refused_at_a_step_that_takes_none(app):
    report = app.campaigns.load(XIFENG)
    with pytest.raises(InvalidInput, match="records no acceptance checklist"):
        app.cases.advance(report.cases[0], "start", actor="supervisor", checks={1: {"met": True, "note": "x"}})


def test_a_rectification_item_with_standards_set_at_dispatch_closes_out_only_when_all_are_met(app):
    s = app.cases
    item = s.open_case("rectification_item", actor="registrar", unit="xf-sfs-1", title="案卷归档不及时",
                       fields={"description": "2020年案卷未归档", "category": "other",
                               "discovery_channel": "inspection"})
    assert item.definition_version == 5
    s.advance(item.id, "verify", actor="supervisor")
    s.advance(item.id, "dispatch", actor="supervisor", fields={
        "measure": "补齐归档", "owner": "handler", "rectify_by": "2026-06-30",
        "acceptance_criteria": "全部案卷归档\n建立按月归档制度"})
    s.advance(item.id, "report_rectified", actor="handler", fields={"result": "已归档"},
              attachments=[attachment("evidence", "归档清单.xlsx")])
    s.advance(item.id, "sign_off", actor="unit_head")
    with pytest.raises(GuardRejected, match=r"2\. 建立按月归档制度"):
        s.advance(item.id, "close_out", actor="supervisor", checks={
            1: {"met": True, "evidence": "归档清单.xlsx"}, 2: {"met": False, "note": "制度未出台"}})
    closed = s.advance(item.id, "close_out", actor="supervisor", checks={
        1: {"met": True, "evidence": "归档清单.xlsx"}, 2: {"met": True, "note": "已印发制度"}})
    assert closed.state == "closed"
    verify_all(app)


def test_an_item_without_standards_closes_out_as_before(app):
    s = app.cases
    item = s.open_case("rectification_item", actor="registrar", unit="xf-sfs-1", title="台账不全",
                       fields={"description": "台账不全", "category": "other", "discovery_channel": "inspection"})
    s.advance(item.id, "verify", actor="supervisor")
    s.advance(item.id, "dispatch", actor="supervisor", fields={"measure": "补齐", "owner": "handler",
                                                               "rectify_by": "2026-06-30"})
    s.advance(item.id, "report_rectified", actor="handler", fields={"result": "已补"},
              attachments=[attachment("evidence")])
    s.advance(item.id, "sign_off", actor="unit_head")
    assert s.advance(item.id, "close_out", actor="supervisor").state == "closed"


BASE = """name: t
version: 1
title: {zh: 测试, en: Test}
initial: a
roles: [supervisor]
fields:
  crit: {type: longtext, label: {zh: 标准, en: Criteria}}
  n: {type: text, label: {zh: 名, en: Name}}
states:
  a: {label: {zh: 甲, en: A}, stage: reported}
  b: {label: {zh: 乙, en: B}, stage: closed, outcome: closed_out, terminal: true}
transitions:
  - {trigger: go, label: {zh: 走, en: Go}, source: a, dest: b, roles: [supervisor]}
"""


@pytest.mark.parametrize("block, message", [
    ("acceptance:\n  on: [gone]\n  criteria: [{zh: 一, en: One}]\n", ":15: acceptance: on: no transition 'gone'"),
    ("acceptance:\n  on: [go]\n  criteria_field: n\n", ":16: acceptance: criteria_field 'n' must name a longtext"),
    ("acceptance:\n  on: [go]\n  criteria: [{zh: 一}]\n", ":16: acceptance: criterion 1: "),
    ("acceptance:\n  on: [go]\n  critera: []\n", ":16: acceptance: unknown key 'critera'"),
    ("acceptance:\n  on: [go]\n", ":14: acceptance: needs criteria"),
])
def test_a_bad_acceptance_block_is_refused_with_its_line(tmp_path, block, message):
    path = tmp_path / "t.yaml"
    path.write_text(BASE + block, encoding="utf-8")
    with pytest.raises(DefinitionError) as err:
        read_definitions([path], load_roles(REPO / "definitions"))
    assert any(message in p for p in err.value.problems), err.value.problems


def test_plan_criteria_and_indicators_are_validated_with_their_lines(tmp_path):
    text = XIFENG.read_text(encoding="utf-8").replace(
        "max_score: 30}\n    - {id: measures", "max_score: 0}\n    - {id: measures", 1)
    text = text.replace("        deadline: 2021-09-30\n", "        deadline: 2021-09-30\n        criteria: 全部\n", 1)
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DefinitionError) as err:
        read_plan(YamlFileReader(), path)
    problems = "\n".join(err.value.problems)
    assert "criteria must be a list of 1 to 50 one-line texts" in problems
    assert "indicator ledger: max_score must be a whole number from 1 to 1000, got 0" in problems
    assert all(":?:" not in p for p in err.value.problems)


def test_cli_checks_each_criterion_and_names_the_failed_one_in_chinese(cli, tmp_path):
    case_id = cli("campaign", "load", str(XIFENG), "--json")["cases"][0]
    report = tmp_path / "验收报告.pdf"
    report.write_bytes(b"%PDF report")
    cli("case", "advance", case_id, "start", "--as", "supervisor")
    cli("case", "advance", case_id, "complete", "--as", "supervisor", "--field", "completion_report=完成",
        "--attach", f"evidence={report}")
    refused = cli("--lang", "zh", "case", "advance", case_id, "accept", "--as", "leader", "--check", "1=met",
                  "--check-file", "1=验收报告.pdf", "--check", "2=达到:材料齐全", "--check", "3=unmet:制度未出台",
                  code=3)
    assert "不能验收销号：1 项验收条件未达到——3. 建立健全长效机制，防止问题反弹" in refused
    cli("case", "advance", case_id, "accept", "--as", "leader", "--check", "1=met", "--check-file", "1=验收报告.pdf",
        "--check", "2=met:材料齐全", "--check", "3=met:已印发制度")
    history = cli("case", "history", case_id, "--json")
    [check] = [e["payload"]["checklist"] for e in history["events"] if "checklist" in e["payload"]]
    assert [(c["no"], c["met"], c.get("evidence")) for c in check] == [(1, True, "验收报告.pdf"), (2, True, None),
                                                                       (3, True, None)]
    assert history["state"]["state"] == "accepted"
    cli("case", "advance", case_id, "reopen", "--as", "leader", "--check", "x=met", code=1)


def test_the_closeout_form_lists_each_criterion_as_the_last_check_recorded_it(app, tmp_path):
    report = app.campaigns.load(XIFENG)
    m = done_measure(app, report.cases[0])
    app.cases.advance(m.id, "accept", actor="leader", checks={
        1: {"met": True, "note": "逐项抽查属实"}, 2: {"met": True, "note": "材料齐全"},
        3: {"met": True, "note": "制度已印发", "evidence": "自查报告.pdf"}})
    form = app.documents.closeout(m.id)
    assert [(c.no, c.met, c.note) for c in form.checks] == [(1, True, "逐项抽查属实"), (2, True, "材料齐全"),
                                                           (3, True, "制度已印发")]
    assert form.checks[0].criterion == "措施内容全部落实到位" and form.checks[2].evidence == "自查报告.pdf"
    path = tmp_path / "closeout.docx"
    path.write_bytes(app.documents.closeout_docx(form))
    text = "".join(pdf_text(converted(path, "pdf")).split())  # as a real office suite lays it out
    assert "验收条件核验" in text and "措施内容全部落实到位" in text and "制度已印发" in text and "达到" in text


def test_a_case_without_a_checklist_has_no_check_on_its_closeout_form(app):
    report = app.campaigns.load(XIFENG)
    assert app.documents.closeout(report.cases[0]).checks == []
