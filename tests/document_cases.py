"""Cases the document tests share (imported as `document_cases`): a case walked to 销号 through a return for
rework, an overdue case an escalation sweep listed for the 通报, and the Xifeng plan with a measure accepted
and one under way — all through the service API on the suite's clock (Monday 2026-03-02 09:00, Beijing).

    walk_to_close_out(app, clock)  -> the closed case (CaseState)
    listed_overdue(app, clock)     -> the listed case; leaves the clock at Friday 2026-03-20 09:00
    load_plan(app, clock)          -> the plan's measure case ids (in plan order), two of them moved on
"""
from __future__ import annotations

from factories import REPO, local

from workflow.cases.validation import Attachment

XIFENG = REPO / "definitions" / "campaigns" / "xifeng-2021.yaml"
FIRST = Attachment("evidence", "复核记录.txt", "补齐3份审批材料".encode())
SECOND = Attachment("evidence", "外出审批复核制度.txt", "《外出审批复核制度》".encode())
# Who the demo directory says they are (rectiflow/demo_people.py): documents show these, never the logins.
NAMES = {"registrar": "登记员 王敏", "handler": "承办人 李强", "unit_head": "所长 张华", "supervisor": "整治办 赵刚",
         "supervisor2": "整治办 孙丽", "leader": "分管领导 周明"}
WALKED_TITLE = "社区矫正对象外出审批缺少司法所意见"
LISTED_TITLE = "请假材料逾期未核实"


def walk_to_close_out(app, clock):
    s = app.cases
    clock.set(local("2026-03-02T09:00"))
    case = s.open_case("rectification_item", actor="registrar", unit="xf-sfs-1", title=WALKED_TITLE,
                       fields={"description": "2020年以来3份外出审批缺少司法所意见。", "category": "commutation_parole",
                               "discovery_channel": "self_report"})
    s.advance(case.id, "verify", actor="supervisor")
    clock.set(local("2026-03-03T10:00"))
    s.advance(case.id, "dispatch", actor="supervisor",
              fields={"measure": "逐案补齐司法所意见并建立复核制度", "owner": "handler", "rectify_by": "2026-03-20"})
    clock.set(local("2026-03-05T15:30"))
    s.advance(case.id, "report_rectified", actor="handler", fields={"result": "已补齐3份审批意见"}, attachments=[FIRST])
    s.advance(case.id, "sign_off", actor="unit_head")
    clock.set(local("2026-03-06T11:00"))
    s.advance(case.id, "return_for_rework", actor="supervisor", fields={"return_reason": "缺少复核制度文件"})
    clock.set(local("2026-03-10T16:00"))
    s.advance(case.id, "report_rectified", actor="handler", fields={"result": "补齐意见并印发复核制度"},
              attachments=[SECOND])
    s.advance(case.id, "sign_off", actor="unit_head")
    clock.set(local("2026-03-11T09:30"))
    return s.advance(case.id, "close_out", actor="supervisor2", comment="验收合格，予以销号")


def listed_overdue(app, clock):
    """Opened Monday 03-02 and never verified (5 working days: due at the end of Monday 03-09); the sweep on
    Friday 03-20 fires 催办 and 督办 (red + 5 working days), which lists it: 9 working days overdue then."""
    clock.set(local("2026-03-02T09:00"))
    case = app.cases.open_case("rectification_item", actor="registrar", unit="xf-sfs-2", title=LISTED_TITLE,
                               fields={"description": "2份请假审批材料不全。", "category": "commutation_parole",
                                       "discovery_channel": "inspection"})
    clock.set(local("2026-03-20T09:00"))
    app.escalations.sweeper(fired_by="test").sweep()
    return app.cases.get(case.id)


def load_plan(app, clock):
    """The Xifeng plan loaded on 03-02; measure 1 started, completed (03-04) and accepted (03-05); measure 2
    started on 03-04 (its plan date, 2021-05-31, long gone: overdue)."""
    clock.set(local("2026-03-02T09:00"))
    cases = app.campaigns.load(XIFENG).cases
    s = app.cases
    clock.set(local("2026-03-04T10:00"))
    s.advance(cases[0], "start", actor="supervisor")
    s.advance(cases[0], "complete", actor="supervisor", fields={"completion_report": "三个规定纳入中心组学习"},
              attachments=[Attachment("evidence", "学习记录.txt", "学习记录".encode())])
    s.advance(cases[1], "start", actor="supervisor")
    clock.set(local("2026-03-05T10:00"))
    s.advance(cases[0], "accept", actor="leader",  # 评估验收: the three criteria of the default checklist met
              checks={n: {"met": True, "evidence": "学习记录.txt"} for n in (1, 2, 3)})
    return cases
