"""Scripted scenarios, tasks 三 to 六 of the plan and the plan measures: each case type from intake to a
closed-stage state through at least one side path, with the roles its definition names; the audit
chain verifies after.

Case types: self_declaration, divestment, departed_staff, licence_cancellation, law_firm_self_check,
practice_complaint, appraisal_issue, integrity_rating, legal_service_finding, rectification_measure.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from factories import REPO, attachment, linked, verify_all

from workflow.campaigns.declarations import Declarations
from workflow.errors import GuardRejected, InvalidInput


def stage(app, case):
    return app.cases.definition_of(case).states[case.state].stage


def test_self_declaration_returned_then_filed_with_a_declared_business_then_spot_checked(app):
    s = app.cases
    [entry, _] = Declarations(s).issue("xf-sfs-1", actor="registrar").issued
    form = entry["case"]
    s.advance(form, "submit", actor="handler", fields={"truthful_pledge": "yes"})
    s.advance(form, "return_for_correction", actor="unit_head", fields={"return_reason": "亲属情况未填"})
    s.advance(form, "submit", actor="handler", fields={
        "truthful_pledge": "yes", "relatives_business": "yes", "relatives_details": "配偶在本县经营法律咨询公司"})
    form_case = s.advance(form, "file", actor="supervisor", fields={"review_note": "已建档"})
    assert (form_case.state, stage(app, form_case)) == ("filed", "closed")
    [business] = linked(app, form_case, "declared_business")
    assert (business.type, business.fields["relation"], business.fields["discovery_channel"]) == (
        "divestment", "relatives", "self_report")
    s.advance(form, "select_for_spot_check", actor="supervisor", fields={"sample_basis": "rate 1, seed 1"})
    form_case = s.advance(form, "find_undisclosed", actor="supervisor",
                          fields={"check_sources": "市场监管登记", "undisclosed_findings": "本人持有某公司10%股份"})
    [hidden] = linked(app, form_case, "undisclosed")
    assert (hidden.type, hidden.fields["discovery_channel"], hidden.fields["subject_name"]) == (
        "clue", "org_investigation", "承办人 李强")
    assert hidden.fields["self_report_assessment"] == "not_self_report"
    verify_all(app)


def test_divestment_urged_evidence_returned_then_accepted(app):
    s = app.cases
    d = s.open_case("divestment", actor="registrar", unit="xf-sfs-1", title="本人持有公司股份",
                    fields={"person_name": "李强", "staff_member": "handler", "relation": "self",
                            "details": "持股10%", "discovery_channel": "org_investigation"})
    s.advance(d.id, "order_divestment", actor="supervisor",
              fields={"assessment": "违规参股", "order_text": "30日内转让", "rectify_by": "2026-04-01",
                      "activity_kind": "shareholding"})
    s.advance(d.id, "urge", actor="unit_head", comment="请抓紧办理股权转让")
    s.advance(d.id, "submit_evidence", actor="handler", attachments=[attachment("evidence", "协议.pdf")],
              fields={"evidence_kind": "share_transfer"})
    s.advance(d.id, "return_evidence", actor="supervisor", fields={"return_reason": "缺少工商变更登记"})
    s.advance(d.id, "submit_evidence", actor="handler", attachments=[attachment("evidence", "变更登记.pdf")],
              fields={"evidence_kind": "registry_change"})
    d = s.advance(d.id, "accept_divestment", actor="supervisor")
    assert (d.state, stage(app, d)) == ("divested", "closed")
    verify_all(app)


def test_divestment_refused_after_urging_opens_a_clue(app):
    s = app.cases
    d = s.open_case("divestment", actor="registrar", unit="xf-sfs-1", title="亲属在辖区经营",
                    fields={"person_name": "张华", "relation": "spouse", "details": "配偶在辖区开设咨询公司",
                            "discovery_channel": "mass_report"})
    s.advance(d.id, "order_divestment", actor="leader",
              fields={"assessment": "影响公正执行公务", "order_text": "限期退出", "rectify_by": "2026-03-20"})
    d = s.advance(d.id, "record_refusal", actor="supervisor", fields={"refusal_note": "经两次督促仍拒不退出"})
    [clue] = linked(app, d, "refused_divestment")
    assert (d.state, clue.fields["subject_name"], clue.fields["discovery_channel"]) == (
        "refused", "张华", "org_investigation")
    verify_all(app)


def test_departed_staff_restrictions_computed_violation_opens_licence_case_then_recheck(app):
    s = app.cases
    p = s.open_case("departed_staff", actor="registrar", unit="xf-lsk", title="原县法院法官王某",
                    fields={"person_name": "王某", "former_org": "court", "former_org_name": "西丰县人民法院",
                            "leave_type": "retired", "leave_date": "2025-06-30"})
    assert (p.fields["restriction_until"], p.fields["lifetime_bar_org"], p.fields["barred_from_firms"]) == (
        "2027-06-30", "西丰县人民法院", False)
    with pytest.raises(InvalidInput):  # computed by the engine, never typed in
        s.advance(p.id, "start_verification", actor="supervisor", fields={"restriction_until": "2030-01-01"})
    s.advance(p.id, "start_verification", actor="supervisor",
              fields={"current_firm": "西丰某律师事务所", "current_role": "lawyer", "agent_cases_within_two_years": 3})
    p = s.advance(p.id, "record_violation", actor="leader", fields={"violation_details": "离任未满二年担任辩护人3件"})
    [lic] = linked(app, p, "practice_restriction_breach")
    assert (lic.type, lic.fields["basis"], lic.fields["law_firm"]) == (
        "licence_cancellation", "restriction_breach", "西丰某律师事务所")
    s.advance(p.id, "close_cleanup", actor="supervisor", fields={"cleanup_result": "已与律所解除劳动关系"})
    s.advance(p.id, "recheck", actor="leader", fields={"recheck_reason": "法院通报新线索"})
    p = s.advance(p.id, "record_compliant", actor="supervisor", fields={"verification_note": "复查未再代理"})
    assert (p.state, stage(app, p)) == ("on_roster", "closed")
    verify_all(app)


def test_licence_cancellation_enforced_only_after_the_deadline_then_reopened(app, clock):
    s = app.cases
    c = s.open_case("licence_cancellation", actor="registrar", unit="xf-lsk", title="开除人员违规执业",
                    fields={"person_name": "刘某", "basis": "expelled_practising", "law_firm": "某律所"})
    s.advance(c.id, "serve_notice", actor="supervisor", attachments=[attachment("notice_doc", "通知书.pdf")],
              fields={"apply_by": "2026-03-16", "licence_no": "12112-000"})
    with pytest.raises(GuardRejected):
        s.advance(c.id, "enforce", actor="leader")
    clock.advance(days=15)
    s.advance(c.id, "enforce", actor="leader", fields={"referral_target": "铁岭市司法局"})
    s.advance(c.id, "record_enforcement", actor="supervisor", attachments=[attachment("resolution_doc")],
              fields={"resolution": "cancelled_by_bureau"})
    c = s.advance(c.id, "confirm_closed", actor="leader", fields={"disclosure": "内部通报"})
    assert stage(app, c) == "closed"
    s.advance(c.id, "reopen", actor="supervisor", fields={"reopen_reason": "仍以顾问名义执业"})
    s.advance(c.id, "record_enforcement", actor="supervisor", attachments=[attachment("resolution_doc", "责令书.pdf")],
              fields={"resolution": "firm_ordered"})
    c = s.advance(c.id, "confirm_closed", actor="leader")
    assert c.state == "closed"
    verify_all(app)


def test_law_firm_self_check_returned_then_held_back_matters_found(app):
    s = app.cases
    c = s.open_case("law_firm_self_check", actor="registrar", unit="xf-ls-1", title="某律所离任人员自查",
                    fields={"firm_name": "西丰某律师事务所"})
    s.advance(c.id, "submit", actor="supervisor2", attachments=[attachment("self_check_report")],
              fields={"employs_departed": "no", "dossier_built": "yes"})
    s.advance(c.id, "return_for_correction", actor="supervisor", fields={"return_reason": "未附聘用人员名册"})
    s.advance(c.id, "submit", actor="supervisor2", attachments=[attachment("self_check_report", "名册.xlsx")],
              fields={"employs_departed": "no", "dossier_built": "yes"})
    c = s.advance(c.id, "find_discrepancy", actor="supervisor",
                  fields={"discrepancy_details": "聘用原检察院退休人员任顾问未报"})
    [item] = linked(app, c, "undisclosed")
    assert (item.type, item.unit, item.fields["discovery_channel"]) == (
        "rectification_item", "xf-ls-1", "org_investigation")
    assert (c.state, stage(app, c)) == ("discrepancy_found", "closed")
    verify_all(app)


def test_practice_complaint_extended_decided_into_the_problem_list_then_reopened(app):
    s = app.cases
    c = s.open_case("practice_complaint", actor="registrar", unit="xf-jd-1", title="鉴定意见明显失实",
                    fields={"sector": "appraisal", "institution_name": "某司法鉴定所", "practitioner_name": "郑某",
                            "complaint": "伤残等级鉴定与病历不符", "discovery_channel": "mass_report"})
    s.advance(c.id, "accept", actor="supervisor")
    s.advance(c.id, "request_extension", actor="supervisor2",
              fields={"extension_reason": "需调取医院病历", "requested_until": "2026-05-29"})
    s.advance(c.id, "approve_extension", actor="leader", fields={"investigate_until": "2026-05-15"})
    c = s.advance(c.id, "decide_violation", actor="supervisor", fields={
        "investigation_findings": "未按技术规范检查", "decision": "industry_discipline", "penalty_details": "通报批评"})
    [issue] = linked(app, c, "complaint_finding")
    assert (issue.type, issue.fields["institution_name"], issue.fields["problem_kind"]) == (
        "appraisal_issue", "某司法鉴定所", "complaint")
    c = s.advance(c.id, "notify_complainant", actor="registrar", fields={"notified_on": "2026-03-05"})
    assert stage(app, c) == "closed"
    s.advance(c.id, "reopen", actor="leader", fields={"reopen_reason": "倒查", "investigate_until": "2026-06-30"})
    c = s.advance(c.id, "decide_no_violation", actor="supervisor",
                  fields={"investigation_findings": "复查无新问题", "decision": "no_violation"})
    assert len(linked(app, c, "complaint_finding")) == 1  # no second problem-list entry for "no violation"
    c = s.advance(c.id, "notify_complainant", actor="registrar", fields={"notified_on": "2026-03-09"})
    assert c.state == "closed"
    verify_all(app)


def test_appraisal_issue_listed_for_supervision_returned_then_delisted(app):
    s = app.cases
    i = s.open_case("appraisal_issue", actor="registrar", unit="xf-jd-1", title="鉴定文书不规范",
                    fields={"institution_name": "某司法鉴定所", "problem_kind": "documents",
                            "description": "文书缺少鉴定人签名", "discovery_channel": "inspection"})
    s.advance(i.id, "dispatch", actor="supervisor", fields={"measure": "逐份补正", "rectify_by": "2026-03-31"})
    i = s.advance(i.id, "list_for_supervision", actor="leader",
                  fields={"listing_reason": "同类问题反复出现", "listed_until": "2026-04-15"})
    assert i.state == "supervised" and i.deadline["due_at"].startswith("2026-04-15")
    s.advance(i.id, "report_rectified", actor="supervisor2", attachments=[attachment("evidence")],
              fields={"result": "已补正"})
    s.advance(i.id, "return_for_rework", actor="supervisor", fields={"return_reason": "仍有3份未补正"})
    s.advance(i.id, "report_rectified", actor="supervisor2", attachments=[attachment("evidence", "补正.pdf")],
              fields={"result": "全部补正"})
    i = s.advance(i.id, "close_out", actor="leader", fields={"sanction": "industry_discipline"})
    assert (i.state, stage(app, i)) == ("closed", "closed")
    verify_all(app)


def test_integrity_rating_level_computed_from_the_score_returned_published_and_appealed(app):
    s = app.cases
    r = s.open_case("integrity_rating", actor="registrar", unit="xf-jd-1", title="2025年度诚信等级评价",
                    fields={"year": 2025, "subject_kind": "institution", "subject_name": "某司法鉴定所"})
    s.advance(r.id, "submit_self_assessment", actor="supervisor2", attachments=[attachment("self_assessment_report")],
              fields={"self_score": 95})
    r = s.advance(r.id, "score", actor="supervisor", fields={"score": 82, "scoring_notes": "一起投诉查实"})
    assert r.fields["level"] == "B"
    s.advance(r.id, "return_score", actor="leader", comment="投诉已整改，重新评分")
    r = s.advance(r.id, "score", actor="supervisor", fields={"score": 91, "scoring_notes": "整改到位"})
    assert r.fields["level"] == "A"
    r = s.advance(r.id, "publish", actor="leader", fields={"publication_ref": "西司〔2026〕8号"})
    assert stage(app, r) == "closed"
    s.advance(r.id, "appeal", actor="supervisor2", fields={"appeal_reason": "评分遗漏加分项"})
    r = s.advance(r.id, "score", actor="supervisor", fields={"score": 55, "scoring_notes": "核减"})
    assert r.fields["level"] == "D"
    r = s.advance(r.id, "publish", actor="leader")
    assert r.state == "published"
    verify_all(app)


def test_legal_service_finding_misconduct_clue_and_transfer_with_feedback(app):
    s = app.cases
    f = s.open_case("legal_service_finding", actor="registrar", unit="xf-sfj", title="某咨询公司律师坐班",
                    fields={"finding_kind": "sitting_in_agency", "office_name": "某法律咨询公司",
                            "description": "两名律师在无资质机构坐班", "discovery_channel": "inspection",
                            "inspection_team": "司法局、市场监管局、律协"})
    s.advance(f.id, "verify", actor="supervisor", fields={"practitioner_name": "冯某"})
    f = s.advance(f.id, "refer_misconduct", actor="leader", fields={"ten_prohibitions_check": "与法官不正当交往"})
    [clue] = linked(app, f, "legal_service_misconduct")
    assert (clue.fields["subject_name"], clue.fields["discovery_channel"]) == ("冯某", "inspection")
    s.advance(f.id, "transfer", actor="leader", fields={"transfer_target": "县市场监督管理局"})
    f = s.advance(f.id, "record_transfer_feedback", actor="registrar", fields={"transfer_feedback": "已责令停业"})
    assert (f.state, stage(app, f)) == ("transfer_closed", "closed")
    verify_all(app)


def test_rectification_measure_from_the_plan_overdue_extension_refused_return_then_accept(app, staff):
    s = app.cases
    report = app.campaigns.load(REPO / "definitions" / "campaigns" / "xifeng-2021.yaml")
    measure = s.get(report.cases[1])  # 二(一)措施(2), owned by the rectification office
    assert (measure.fields["measure_id"], measure.unit, measure.state) == ("二(一)措施(2)", "xf-zzb", "planned")
    s.advance(measure.id, "start", actor="zzb_head", fields={"progress_note": "已部署"})
    s.advance(measure.id, "report_progress", actor="zzb_head", fields={"progress_note": "完成逐人自查80%"})
    with pytest.raises(GuardRejected):  # the plan's date (2021-06-30) has passed: too late to ask for more time
        s.advance(measure.id, "request_extension", actor="zzb_head",
                  fields={"extension_reason": "第二轮补报", "extension_until": "2026-06-30"})
    s.advance(measure.id, "complete", actor="zzb_head", attachments=[attachment("evidence", "总结.docx")],
              fields={"completion_report": "自查补报完成"})
    s.advance(measure.id, "return_for_rework", actor="supervisor", fields={"return_reason": "缺少回头看台账"})
    s.advance(measure.id, "complete", actor="zzb_head", attachments=[attachment("evidence", "台账.xlsx")],
              fields={"completion_report": "补充台账"})
    measure = s.advance(measure.id, "accept", actor="leader", fields={"acceptance_note": "验收合格"},
                        checks={n: {"met": True, "evidence": "台账.xlsx"} for n in (1, 2, 3)})
    assert (measure.state, stage(app, measure)) == ("accepted", "closed")
    verify_all(app)


def test_rectification_measure_extension_before_its_date(app, staff):
    s = app.cases
    due = (app.clock.now() + timedelta(days=30)).date().isoformat()
    later = (app.clock.now() + timedelta(days=60)).date().isoformat()
    with s.begin() as work:  # as a plan load opens it (`opened_by: campaign`)
        m = work.open(app.registry.latest("rectification_measure"), work.user("supervisor"), unit="xf-lsk",
                      title="律所离任人员自查", by_campaign=True,
                      fields={"campaign": "local", "measure_id": "二(四)措施(1)", "measure_text": "组织律所自查",
                              "responsible_unit": "xf-lsk", "due_date": due})
    s.advance(m.id, "start", actor="lsk_head")
    s.advance(m.id, "request_extension", actor="lsk_head", fields={"extension_reason": "律所较多",
                                                                    "extension_until": later})
    m = s.advance(m.id, "approve_extension", actor="leader", fields={"due_date": later})
    assert m.state == "in_progress" and m.deadline["due_at"] > due and m.extension_count == 1
    s.advance(m.id, "complete", actor="lsk_head", attachments=[attachment("evidence")],
              fields={"completion_report": "完成"})
    m = s.advance(m.id, "accept", actor="supervisor", checks={n: {"met": True, "note": "已核"} for n in (1, 2, 3)})
    assert m.state == "accepted"
    verify_all(app)
