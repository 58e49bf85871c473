"""评估验收 on the web: the acceptance form shows the measure's checklist in Chinese; a criterion not met is
refused with a message naming it (what was typed is kept); all met accepts; the case page and the timeline
show the results. The campaign page and /campaigns/<key>/assessment show and record scores per unit."""
from __future__ import annotations

import re

from factories import REPO, attachment

XIFENG = REPO / "definitions" / "campaigns" / "xifeng-2021.yaml"


def text(response) -> str:
    return response.get_data(as_text=True)


def done_measure(app):
    case_id = app.campaigns.load(XIFENG).cases[0]
    app.cases.advance(case_id, "start", actor="supervisor")
    return app.cases.advance(case_id, "complete", actor="supervisor", fields={"completion_report": "完成"},
                             attachments=[attachment("evidence", "学习记录.pdf")])


def test_a_failed_criterion_is_refused_by_name_and_all_met_accepts(app, as_role):
    case = done_measure(app)
    leader = as_role("leader")
    html = text(leader.get(f"/cases/{case.id}"))
    assert 'id="checklist-accept"' in html and 'id="checklist-return_for_rework"' in html
    assert "措施内容全部落实到位" in html and "达到" in html and "未达到" in html and "学习记录.pdf" in html
    form = {"version": str(case.version), "check-1": "met", "check-file-1": "学习记录.pdf",
            "check-2": "met", "check-note-2": "材料齐全", "check-3": "unmet", "check-note-3": "制度未出台"}
    refused = leader.post(f"/cases/{case.id}/fire/accept", data=form)
    assert refused.status_code == 422
    page = text(refused)
    assert "不能验收销号：1 项验收条件未达到——3. 建立健全长效机制，防止问题反弹" in page
    assert "制度未出台" in page and re.search(r'value="unmet" id="c-accept-3-unmet" checked', page)
    assert app.cases.get(case.id).state == "done"
    form.update({"check-3": "met", "check-note-3": "已印发制度"})
    assert leader.post(f"/cases/{case.id}/fire/accept", data=form).status_code == 302
    assert app.cases.get(case.id).state == "accepted"
    shown = text(leader.get(f"/cases/{case.id}"))
    assert 'id="acceptance-check"' in shown and "✔ 达到" in shown and "已印发制度" in shown
    timeline = text(leader.get(f"/cases/{case.id}/history"))
    assert "验收核验" in timeline and "建立健全长效机制" in timeline and "学习记录.pdf" in timeline
    printed = text(leader.get(f"/cases/{case.id}/print"))  # the 销号审批表 lists the check
    checks = printed[printed.index('id="form-checks"'):]
    assert "建立健全长效机制" in checks and "已印发制度" in checks and "学习记录.pdf" in checks and "达到" in checks


def test_the_return_path_records_the_failed_check(app, as_role):
    case = done_measure(app)
    response = as_role("leader").post(f"/cases/{case.id}/fire/return_for_rework", data={
        "version": str(case.version), "return_reason": "长效机制未建立", "check-1": "met", "check-note-1": "是",
        "check-2": "met", "check-note-2": "是", "check-3": "unmet", "check-note-3": "无制度"})
    assert response.status_code == 302
    assert app.cases.get(case.id).state == "in_progress"
    timeline = text(as_role("leader").get(f"/cases/{case.id}/history"))
    assert "✘ 未达到" in timeline and "无制度" in timeline


def test_scores_are_recorded_and_shown_per_unit_with_totals(app, as_role):
    app.campaigns.load(XIFENG)
    leader = as_role("leader")
    page = text(leader.get("/campaigns/xifeng-2021/assessment"))
    assert "问题台账建立与销号" in page and "满分 100" in page and 'id="record-score"' in page
    response = leader.post("/campaigns/xifeng-2021/assessment", data={
        "unit": "xf-lsk", "indicator": "ledger", "score": "26", "note": "台账规范"})
    assert response.status_code == 302
    leader.post("/campaigns/xifeng-2021/assessment", data={
        "unit": "xf-lsk", "indicator": "measures", "score": "38", "note": "落实到位"})
    page = text(leader.get("/campaigns/xifeng-2021/assessment"))
    row = re.search(r'<tr data-unit="xf-lsk">(.*?)</tr>', page, re.S).group(1)
    assert "<b>26</b>" in row and "<b>38</b>" in row and "<b>64</b>" in row and "台账规范" in row
    assert "xf-lsk" not in re.sub(r"<[^>]+>", " ", page[page.index("<main"):])  # names, never codes
    plan = text(leader.get("/campaigns/xifeng-2021?show=all"))
    assert 'id="plan-assessment-summary"' in plan and "<b>64</b>" in plan
    bad = leader.post("/campaigns/xifeng-2021/assessment", data={
        "unit": "xf-lsk", "indicator": "ledger", "score": "31", "note": "超分"})
    assert bad.status_code == 422 and "得分应在 0 到 30 之间" in text(bad)


def test_only_supervisors_and_leaders_see_the_assessment(app, as_role):
    app.campaigns.load(XIFENG)
    assert as_role("handler").get("/campaigns/xifeng-2021/assessment").status_code == 403
    assert as_role("handler").post("/campaigns/xifeng-2021/assessment", data={
        "unit": "xf-lsk", "indicator": "ledger", "score": "1", "note": "x"}).status_code == 403
    assert as_role("supervisor").get("/campaigns/nope/assessment").status_code == 404
