"""Demo cases of every campaign case type, made at past instants so the inboxes, the battle map and
the ladders show green, yellow and red lights, returned and closed cases, linked cases and the plan.

Each story starts some days before the app clock's "now" (the service's clock is set back while it
runs, and never past now), so deadlines fall where they would have. The Xifeng plan is loaded (25
measure cases) and a demo self-report window around today is registered, so self-reports count.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from rectiflow.demo_people import DEMO_PASSWORD, STAFF
from rectiflow.demo_story import Story, doc, story
from workflow.bootstrap import Application
from workflow.campaigns.assessment import Assessments
from workflow.cases.validation import Attachment
from workflow.definitions.acceptance import criteria_of

WINDOW_KEY = "demo-self-report-window"


def seed_campaign_cases(app: Application, plan: Path | None = None) -> dict[str, Any]:
    """Seed once (a second call does nothing); returns how many cases exist afterwards."""
    now = app.clock.now()
    window = {"from": (now - timedelta(days=40)).date().isoformat(),
              "until": (now + timedelta(days=20)).date().isoformat(),
              "label": {"zh": "演示：自查补报期", "en": "Demo self-report window"}}
    if not app.campaigns.register_windows(WINDOW_KEY, "演示：自查补报期", [window], units=["xf-sfj"]):
        return {"seeded": False, "cases": app.cases.count()}
    for login, role, unit, name in STAFF:
        if app.directory.user(login) is None:
            app.directory.add_user(login, role=role, unit=unit, name=name, password=DEMO_PASSWORD)
    plan = plan or app.settings.definitions_dir / "campaigns" / "xifeng-2021.yaml"
    loaded = app.campaigns.load(plan)
    measures = loaded.cases
    for fn in (_ledger, _clues, _three_regulations, _declarations, _corrections, _business, _lawyers, _appraisal,
               _legal_service, _spread):
        fn(app)
    _measures(app, measures)
    _assessment(app, loaded.campaign)
    return {"seeded": True, "cases": app.cases.count()}


def _ledger(app: Application) -> None:
    rows = [("城区所社区矫正档案不全", "commutation_parole", "self_report", 2), ("违规接受律师宴请", "three_regulations",
            "mass_report", 30), ("亲属参股未报告", "business_lending", "org_investigation", 25),
            ("鉴定意见书超期出具", "appraisal", "inspection", 40), ("法律服务收费不规范", "legal_service", "mass_report", 12)]
    for i, (title, category, channel, days) in enumerate(rows):
        with story(app, days) as t:
            c = t.s.open_case("rectification_item", actor="registrar", unit="xf-sfs-1", title=title, fields={
                "description": f"{title}，专项整治中发现。", "category": category, "discovery_channel": channel})
            if i == 0:
                continue  # just reported
            t.later(2)
            t.s.advance(c.id, "verify", actor="supervisor")
            t.later(1)
            t.s.advance(c.id, "dispatch", actor="supervisor", fields={
                "measure": "限期整改并建立长效机制", "owner": "handler", "rectify_by": t.date([-6, 3, 25, -1][i - 1])})
            if i in (1, 2):
                continue  # rectifying: one overdue, one due soon
            t.later(5)
            t.s.advance(c.id, "report_rectified", actor="handler", attachments=[doc("整改报告.txt")],
                        fields={"result": "已整改"})
            t.s.advance(c.id, "sign_off", actor="unit_head")
            if i == 3:
                t.later(2)
                t.s.advance(c.id, "close_out", actor="supervisor", comment="验收合格，予以销号")


def _clues(app: Application) -> None:
    with story(app, 35) as t:  # received long ago and never proposed: overdue
        t.s.open_case("clue", actor="registrar", unit="xf-sfj", title="反映某所长违规兼职",
                      fields={"allegation": "在某公司兼职取酬", "subject_name": "所长甲", "discovery_channel": "mass_report"})
    with story(app, 20) as t:  # transferred to the discipline commission, receipt pending
        c = t.s.open_case("clue", actor="registrar", unit="xf-sfj", title="系统外领导干部过问案件",
                          fields={"allegation": "为当事人说情", "subject_name": "某局领导", "subject_outside_system": "yes",
                                  "discovery_channel": "org_investigation"})
        t.later(2)
        t.s.advance(c.id, "propose", actor="registrar", fields={"disposition_method": "transfer", "disposition_basis": "系统外领导干部"})
        t.later(1)
        t.s.advance(c.id, "approve_transfer", actor="leader", fields={"transfer_target": "县纪委监委"})
    with story(app, 10) as t:  # a counted self-report on the lenient track
        c = t.s.open_case("clue", actor="registrar", unit="xf-sfj", title="主动报告收受礼品",
                          fields={"allegation": "春节收受当事人购物卡", "subject_name": "干部乙", "discovery_channel": "self_report"})
        t.later(1)
        t.s.advance(c.id, "propose", actor="registrar", fields={"disposition_method": "talk_inquiry", "disposition_basis": "主动报告，情节较轻"})
        t.later(1)
        t.s.advance(c.id, "approve_talk", actor="leader")
        t.later(3)
        t.s.advance(c.id, "record_outcome_lenient", actor="supervisor", fields={
            "outcome": "form_measure", "form": "1", "organisational_measure": "诫勉谈话",
            "leniency_recommended": "yes", "leniency_basis": "在自查期内主动如实报告"})


def _three_regulations(app: Application) -> None:
    with story(app, 9) as t:  # recorded, never screened: overdue
        t.s.open_case("interference_record", actor="handler", unit="xf-sfs-1", title="同事询问社区矫正对象情况",
                      fields={"record_kind": "internal_inquiry", "content": "询问能否提前解矫", "recorded_by": "handler",
                              "discovery_channel": "self_report"})
    with story(app, 6) as t:  # screened as interference: a linked clue
        r = t.s.open_case("interference_record", actor="handler", unit="xf-sfs-1", title="某领导电话打招呼",
                          fields={"record_kind": "leader_inquiry", "content": "要求对某对象准假", "recorded_by": "handler",
                                  "inquirer_name": "领导丙", "discovery_channel": "self_report"})
        t.later(2)
        t.s.advance(r.id, "screen_as_interference", actor="supervisor", fields={
            "screening_basis": "违规干预", "recorder_commended": "yes", "handled_lawfully": "lawful",
            "officer_treatment": "protected"})
    with story(app, 15) as t:  # look-back with 一案双查: two linked clues
        lb = t.s.open_case("case_lookback", actor="registrar", unit="xf-sfs-1", title="2019年违纪案件回头看",
                           fields={"case_ref": "西司纪〔2019〕2号", "case_year": 2019, "case_kind": "staff_violation"})
        t.later(1)
        t.s.advance(lb.id, "start_review", actor="supervisor", fields={"reviewer": "handler"})
        t.later(4)
        t.s.advance(lb.id, "submit_review", actor="handler", fields={"review_findings": "承办人受请托未记录"})
        t.later(2)
        t.s.advance(lb.id, "open_dual_check", actor="leader", fields={
            "violator_name": "干部丁", "responsible_name": "分管领导戊", "dual_check_basis": "未履行记录报告责任"})
    with story(app, 3) as t:
        t.s.open_case("case_lookback", actor="registrar", unit="xf-sfs-2", title="2020年减刑案件回头看",
                      fields={"case_ref": "（2020）辽12刑更45号", "case_year": 2020, "case_kind": "commutation_parole"})


def _declarations(app: Application) -> None:
    with story(app, 12) as t:
        decl = t.app.declarations
        forms = {p["login"]: p["case"] for p in decl.issue("xf-sfs-1", actor="registrar").issued}
        decl.issue("xf-sfj", actor="registrar")  # nobody at the bureau has filed yet: overdue forms
        t.later(3)
        t.s.advance(forms["handler"], "submit", actor="handler", fields={
            "truthful_pledge": "yes", "relatives_business": "yes", "relatives_details": "配偶在本县经营法律咨询公司"})
        t.later(2)
        t.s.advance(forms["handler"], "file", actor="supervisor", fields={"review_note": "已建档；亲属经营另行甄别"})
        letters = {p["login"]: p["case"] for p in decl.issue("xf-sfs-1", actor="registrar", case_type="commitment_letter").issued}
        t.later(1)
        t.s.advance(letters["unit_head"], "sign", actor="unit_head", attachments=[
            Attachment("signed_letter", "承诺书.pdf", "廉洁执法承诺书（演示）".encode())], fields={"signed_on": t.date(-1)})


def _corrections(app: Application) -> None:
    with story(app, 18) as t:
        f = t.s.open_case("corrections_finding", actor="registrar", unit="xf-sfs-2", title="矫正对象脱管5日",
                          fields={"finding_kind": "lost_supervision", "subject_code": "JZ-2021-017",
                                  "description": "对象外出超期未报告", "discovery_channel": "org_investigation"})
        t.later(1)
        t.s.advance(f.id, "verify", actor="supervisor", fields={"responsible_person": "刘洋"})
        t.later(1)
        t.s.advance(f.id, "dispatch", actor="supervisor", fields={"measure": "重新纳入监管", "owner": "sfs2_handler",
                                                                "rectify_by": t.date(-3)})
    with story(app, 4) as t:
        t.s.open_case("public_report", actor="registrar", unit="xf-sfj", title="举报电话：司法所办事拖延",
                      fields={"intake_channel": "hotline", "reporter_name": "群众甲", "category": "commutation_parole",
                              "content": "某司法所迟迟不办理报到"})


def _business(app: Application) -> None:
    with story(app, 25) as t:
        d = t.s.open_case("divestment", actor="registrar", unit="xf-sfs-1", title="所长持有公司股份",
                          fields={"person_name": "所长 张华", "staff_member": "unit_head", "relation": "self",
                                  "details": "持股10%", "discovery_channel": "mass_report"})
        t.later(3)
        t.s.advance(d.id, "order_divestment", actor="supervisor", fields={
            "assessment": "违规参股", "order_text": "30日内转让股份", "rectify_by": t.date(2), "activity_kind": "shareholding"})


def _lawyers(app: Application) -> None:
    with story(app, 30) as t:
        p = t.s.open_case("departed_staff", actor="registrar", unit="xf-lsk", title="原县法院法官王某",
                          fields={"person_name": "王某", "former_org": "court", "former_org_name": "西丰县人民法院",
                                  "leave_type": "retired", "leave_date": t.date(-400)})
        t.later(2)
        t.s.advance(p.id, "start_verification", actor="lsk_head", fields={"current_firm": "西丰某律师事务所", "current_role": "lawyer"})
        t.later(3)
        t.s.advance(p.id, "record_violation", actor="supervisor", fields={"violation_details": "离任未满二年担任辩护人"})
    with story(app, 2) as t:
        t.s.open_case("departed_staff", actor="registrar", unit="xf-lsk", title="原检察院书记员李某",
                      fields={"person_name": "李某", "former_org": "procuratorate", "former_org_name": "西丰县人民检察院",
                              "leave_type": "expelled", "leave_date": t.date(-900)})
        t.s.open_case("law_firm_self_check", actor="registrar", unit="xf-ls-1", title="西丰某律师事务所离任人员自查",
                      fields={"firm_name": "西丰某律师事务所"})


def _appraisal(app: Application) -> None:
    with story(app, 21) as t:
        c = t.s.open_case("practice_complaint", actor="registrar", unit="xf-jd-1", title="鉴定意见与病历不符",
                          fields={"sector": "appraisal", "institution_name": "某司法鉴定所", "practitioner_name": "郑某",
                                  "complaint": "伤残等级明显偏高", "discovery_channel": "mass_report"})
        t.later(2)
        t.s.advance(c.id, "accept", actor="supervisor")
        t.later(10)
        t.s.advance(c.id, "decide_violation", actor="supervisor", fields={
            "investigation_findings": "未按规范检查", "decision": "industry_discipline", "penalty_details": "通报批评"})
        issue = next(link["case"] for link in t.s.get(c.id).links if link["direction"] == "opened")
        t.later(1)
        t.s.advance(issue, "dispatch", actor="supervisor", fields={"measure": "重新培训并复核", "rectify_by": t.date(10)})
        t.later(1)
        t.s.advance(issue, "list_for_supervision", actor="leader", fields={"listing_reason": "同类投诉反复", "listed_until": t.date(-1)})
    with story(app, 8) as t:
        r = t.s.open_case("integrity_rating", actor="registrar", unit="xf-jd-1", title="2025年度诚信等级评价",
                          fields={"year": 2025, "subject_kind": "institution", "subject_name": "某司法鉴定所"})
        t.later(2)
        t.s.advance(r.id, "submit_self_assessment", actor="jd_head", fields={"self_score": 92},
                    attachments=[Attachment("self_assessment_report", "自评.pdf", "自评报告（演示）".encode())])
        t.later(2)
        t.s.advance(r.id, "score", actor="supervisor", fields={"score": 78, "scoring_notes": "一起投诉查实"})


def _legal_service(app: Application) -> None:
    with story(app, 14) as t:
        f = t.s.open_case("legal_service_finding", actor="registrar", unit="xf-sfj", title="某咨询公司律师坐班",
                          fields={"finding_kind": "sitting_in_agency", "office_name": "某法律咨询公司",
                                  "description": "两名律师在无资质机构坐班", "discovery_channel": "inspection",
                                  "inspection_team": "司法局、市场监管局、律协"})
        t.later(1)
        t.s.advance(f.id, "verify", actor="supervisor", fields={"practitioner_name": "冯某"})
        t.later(1)
        t.s.advance(f.id, "transfer", actor="leader", fields={"transfer_target": "县市场监督管理局"})


SPREAD_UNITS = [("xf-sfs-2", "sfs2_handler"), ("xf-jcj", "jcj_head"), ("xf-lsk", "lsk_head"), ("xf-zzb", "zzb_head")]
HEADS = {"xf-sfs-2": "sfs2_head", "xf-jcj": "jcj_head", "xf-lsk": "lsk_head", "xf-zzb": "zzb_head"}  # who signs off
SPREAD_TITLES = ["外出请假审批不规范", "未登记过问案件情况", "执业档案缺失", "违规出具证明", "社区矫正对象漏管",
                 "承诺书未签订", "投诉处理超期", "台账更新不及时"]
CATEGORIES = ["commutation_parole", "three_regulations", "lawyer_contact", "legal_service", "commutation_parole",
              "three_regulations", "appraisal", "other"]
CHANNELS = ["self_report", "inspection", "org_investigation", "mass_report", "look_back"]


def _spread(app: Application) -> None:
    """A spread of ledger items and clues over units, ages and stages (a deterministic pattern)."""
    for n in range(24):
        unit, actor = SPREAD_UNITS[n % len(SPREAD_UNITS)]
        with story(app, 3 + (n * 7) % 45) as t:
            if n % 4 == 3:
                c = t.s.open_case("clue", actor="registrar", unit="xf-sfj", title=f"问题线索：{SPREAD_TITLES[n % 8]}",
                                  fields={"allegation": "反映某干部违规过问案件", "subject_name": f"干部{n}",
                                          "discovery_channel": CHANNELS[n % 5]})
                _clue_steps(t, c.id, n)
                continue
            c = t.s.open_case("rectification_item", actor="registrar", unit=unit, title=SPREAD_TITLES[n % 8],
                              fields={"description": "专项整治排查发现", "category": CATEGORIES[n % 8],
                                      "discovery_channel": CHANNELS[n % 5]})
            for step in range(n % 5):
                t.later(2)
                if step == 0:
                    t.s.advance(c.id, "verify", actor="supervisor")
                elif step == 1:
                    t.s.advance(c.id, "dispatch", actor="supervisor", fields={
                        "measure": "限期整改", "owner": actor, "rectify_by": t.date([-4, 2, 14, 30][n % 4])})
                elif step == 2:
                    t.s.advance(c.id, "report_rectified", actor=actor, attachments=[doc("整改情况.txt")],
                                fields={"result": "已整改"})
                    t.s.advance(c.id, "sign_off", actor=HEADS[unit])
                else:
                    t.s.advance(c.id, "close_out", actor="supervisor2", comment="验收合格，予以销号")


def _clue_steps(t: Story, clue: str, n: int) -> None:
    if n % 8 == 3:
        return  # received, waiting for a proposal
    t.later(3)
    method = "held_pending" if n % 16 == 7 else "talk_inquiry"
    t.s.advance(clue, "propose", actor="registrar", fields={"disposition_method": method, "disposition_basis": "依规处置"})
    t.later(1)
    t.s.advance(clue, "approve_hold" if method == "held_pending" else "approve_talk", actor="leader")


def _measures(app: Application, cases: list[str]) -> None:
    """Most measures of the 2021 plan were done and accepted; a few are still open (and overdue)."""
    s = app.cases
    for n, case_id in enumerate(cases):
        owner = _owner(s.get(case_id).unit)
        if n % 5 == 4:
            continue  # still planned
        s.advance(case_id, "start", actor=owner, fields={"progress_note": "已部署落实"})
        if n % 5 == 3:
            continue  # in progress, past the plan's date
        s.advance(case_id, "complete", actor=owner, attachments=[doc("完成情况.txt")],
                  fields={"completion_report": f"{s.get(case_id).fields['measure_id']} 已按方案完成"})
        case = s.get(case_id)  # 评估验收: every criterion of its checklist met, the completion report as evidence
        checks = {c.no: {"met": True, "evidence": "完成情况.txt"}
                  for c in criteria_of(s.definition_of(case).acceptance, case.fields)}
        s.advance(case_id, "accept", actor="leader", fields={"acceptance_note": "评估验收合格"}, checks=checks)


def _assessment(app: Application, key: str) -> None:
    """评估验收 under way: two units scored on every indicator of the plan, a third on one (if it has any)."""
    a = Assessments(app.cases)
    indicators, units = a.indicators(key), a.units(key)
    for n, unit in enumerate(units[:3]):
        for i in indicators[: 1 if n == 2 else None]:
            top = int(i["max_score"])
            a.assess(key, unit=unit, indicator=i["id"], score=top - (n + 1) * top // 10, note="按评估标准逐项打分",
                     actor="leader")


def _owner(unit: str) -> str:
    return {"xf-zzb": "zzb_head", "xf-jcj": "jcj_head", "xf-lsk": "lsk_head", "xf-jd-1": "jd_head"}.get(unit, "supervisor")
