"""Scripted scenarios, tasks 一 and 二 of the plan: each case type from intake to a closed-stage state
through at least one side path, with the roles its definition names; the audit chain verifies after.

Case types: rectification_item, clue, interference_record, case_lookback, corrections_finding,
public_report, commitment_letter.
"""
from __future__ import annotations

import pytest
from factories import attachment, events_of, linked, verify_all

from workflow.errors import GuardRejected, RoleNotAllowed


def stage(app, case):
    return app.cases.definition_of(case).states[case.state].stage


def test_rectification_item_extension_reopen_and_undisclosed(app, clock):
    s = app.cases
    case = s.open_case("rectification_item", actor="registrar", unit="xf-sfs-1", title="社区矫正请假审批不规范",
                       fields={"description": "3份外出审批缺少司法所意见", "category": "commutation_parole",
                               "discovery_channel": "self_report", "subject": "李强"})
    s.advance(case.id, "verify", actor="supervisor")
    case = s.advance(case.id, "report_undisclosed", actor="supervisor",
                     fields={"undisclosed_findings": "另有2份迁居审批未报"})
    [extra] = linked(app, case, "undisclosed")
    assert (extra.type, extra.fields["discovery_channel"], extra.fields["subject"]) == (
        "rectification_item", "org_investigation", "李强")
    s.advance(case.id, "dispatch", actor="supervisor",
              fields={"measure": "补齐材料", "owner": "handler", "rectify_by": "2026-04-30"})
    s.advance(case.id, "request_extension", actor="handler",
              fields={"extension_reason": "材料需调档", "extension_until": "2026-05-29"})
    s.advance(case.id, "approve_extension", actor="leader", fields={"rectify_by": "2026-05-29"})
    s.advance(case.id, "report_rectified", actor="handler", attachments=[attachment("evidence")],
              fields={"result": "已补齐"})
    s.advance(case.id, "sign_off", actor="unit_head")
    case = s.advance(case.id, "close_out", actor="supervisor")
    assert stage(app, case) == "closed"
    s.advance(case.id, "reopen", actor="leader", fields={"reopen_reason": "回头看发现反弹", "rectify_by": "2026-06-30"})
    s.advance(case.id, "report_rectified", actor="unit_head", attachments=[attachment("evidence", "复查.txt")],
              fields={"result": "复查合格"})
    s.advance(case.id, "sign_off", actor="unit_head")
    case = s.advance(case.id, "close_out", actor="supervisor2")
    assert case.state == "closed"
    verify_all(app)


def test_clue_transfer_with_receipt_and_feedback_after_a_sent_back_proposal(app):
    s = app.cases
    clue = s.open_case("clue", actor="registrar", unit="xf-sfj", title="系统外领导干部过问案件",
                       fields={"allegation": "某局领导为当事人说情", "subject_name": "赵某",
                               "subject_outside_system": "yes", "discovery_channel": "mass_report"})
    assert clue.fields["self_report_assessment"] == "not_self_report"
    s.advance(clue.id, "propose", actor="registrar",
              fields={"disposition_method": "transfer", "disposition_basis": "系统外领导干部，依规移交"})
    s.advance(clue.id, "reject_proposal", actor="leader", comment="补充移交依据")
    s.advance(clue.id, "propose", actor="supervisor",
              fields={"disposition_method": "transfer", "disposition_basis": "依据三个规定移交纪委监委"})
    s.advance(clue.id, "approve_transfer", actor="leader", fields={"transfer_target": "县纪委监委"})
    clue = s.advance(clue.id, "record_receipt", actor="registrar",
                     attachments=[attachment("transfer_receipt", "回执.pdf")])
    assert clue.state == "awaiting_feedback"
    clue = s.advance(clue.id, "record_feedback", actor="supervisor", fields={"feedback": "已立案审查"})
    assert (clue.state, stage(app, clue)) == ("feedback_received", "closed")
    verify_all(app)


@pytest.mark.parametrize("outcome,last,final", [
    ("clarified", "record_clarification", "concluded"),
    ("false_accusation_malicious", "refer_false_accusation", "false_accusation_referred"),
])
def test_clue_clarification_and_false_accusation_branches(app, outcome, last, final):
    s = app.cases
    clue = s.open_case("clue", actor="registrar", unit="xf-sfj", title="反映某所长收受礼金",
                       fields={"allegation": "收受礼金", "subject_name": "张华", "discovery_channel": "mass_report"})
    s.advance(clue.id, "propose", actor="registrar",
              fields={"disposition_method": "prelim_verification", "disposition_basis": "可查"})
    s.advance(clue.id, "approve_verification", actor="leader")
    s.advance(clue.id, "record_outcome", actor="supervisor", fields={"outcome": outcome})
    with pytest.raises(GuardRejected):  # the four-forms approval is not the path for a clarification
        s.advance(clue.id, "approve_outcome", actor="leader")
    s.advance(clue.id, "approve_clarification", actor="leader")
    extra = {"false_accusation_referral": "县公安局"} if final == "false_accusation_referred" else {}
    clue = s.advance(clue.id, last, actor="leader", fields={"clarification_record": "在所内会议上澄清正名", **extra})
    assert (clue.state, stage(app, clue)) == (final, "closed")
    verify_all(app)


def test_interference_record_returned_for_details_then_screened_into_a_clue(app):
    s = app.cases
    rec = s.open_case("interference_record", actor="handler", unit="xf-sfs-1", title="某领导电话过问社区矫正对象请假",
                      fields={"record_kind": "leader_inquiry", "content": "电话询问能否准假", "recorded_by": "handler",
                              "discovery_channel": "self_report"})
    s.advance(rec.id, "request_details", actor="unit_head", fields={"details_request": "补充过问人姓名职务"})
    s.advance(rec.id, "supply_details", actor="handler", comment="已补充",
              fields={"inquirer_name": "周某", "inquirer_position": "某局副局长", "inquirer_outside_system": "yes"})
    with pytest.raises(RoleNotAllowed):
        s.advance(rec.id, "screen_as_interference", actor="unit_head", fields={"screening_basis": "x"})
    rec = s.advance(rec.id, "screen_as_interference", actor="supervisor",
                    fields={"screening_basis": "要求违规准假，属干预", "recorder_commended": "yes",
                            "handled_lawfully": "lawful", "officer_treatment": "protected"})
    assert (rec.state, stage(app, rec)) == ("referred_as_clue", "closed")
    [clue] = linked(app, rec, "interference_clue")
    assert clue.fields["subject_name"] == "周某" and clue.fields["subject_outside_system"] is True
    assert clue.fields["discovery_channel"] == "org_investigation" and clue.state == "received"
    assert clue.links == [{"case": rec.id, "type": "interference_record", "relation": "interference_clue",
                           "direction": "opened_by"}]
    verify_all(app)


def test_case_lookback_returned_then_dual_check_opens_two_linked_clues(app):
    s = app.cases
    lb = s.open_case("case_lookback", actor="registrar", unit="xf-sfs-1", title="2019年某违纪案件回头看",
                     fields={"case_ref": "西司纪〔2019〕3号", "case_year": 2019, "case_kind": "staff_violation"})
    s.advance(lb.id, "start_review", actor="supervisor", fields={"reviewer": "handler"})
    s.advance(lb.id, "submit_review", actor="handler", fields={"review_findings": "卷宗缺少过问记录"})
    s.advance(lb.id, "return_review", actor="leader", fields={"return_reason": "核实是否有人打招呼"})
    s.advance(lb.id, "submit_review", actor="handler", fields={"review_findings": "承办人受请托，未记录报告"})
    lb = s.advance(lb.id, "open_dual_check", actor="leader",
                   fields={"violator_name": "孙某", "responsible_name": "钱某",
                           "dual_check_basis": "分管领导未履行记录责任"})
    assert (lb.state, stage(app, lb)) == ("dual_check_opened", "closed")
    violator, = linked(app, lb, "dual_check_violator")
    responsible, = linked(app, lb, "dual_check_responsible")
    assert (violator.fields["subject_name"], responsible.fields["subject_name"]) == ("孙某", "钱某")
    assert {violator.fields["discovery_channel"], responsible.fields["discovery_channel"]} == {"look_back"}
    assert {"case": responsible.id, "type": "clue", "relation": "dual_check_responsible",
            "direction": "sibling"} in violator.links
    assert {"case": violator.id, "type": "clue", "relation": "dual_check_violator",
            "direction": "sibling"} in responsible.links
    # one transaction: the step's event and both intakes carry the same instant
    assert events_of(app, lb.id)[-1].at == events_of(app, violator.id)[0].at == events_of(app, responsible.id)[0].at
    verify_all(app)


def test_corrections_finding_misconduct_clue_rejected_extension_and_close_out(app):
    s = app.cases
    f = s.open_case("corrections_finding", actor="registrar", unit="xf-sfs-1", title="矫正对象脱管5日",
                    fields={"finding_kind": "lost_supervision", "subject_code": "JZ-2021-017",
                            "description": "对象外出超期未报告", "discovery_channel": "org_investigation"})
    s.advance(f.id, "verify", actor="unit_head", fields={"responsible_person": "李强"})
    f = s.advance(f.id, "refer_misconduct", actor="supervisor", fields={"misconduct_details": "收受对象家属礼金后准假"})
    [clue] = linked(app, f, "corrections_misconduct")
    assert (clue.fields["subject_name"], clue.fields["discovery_channel"]) == ("李强", "org_investigation")
    s.advance(f.id, "dispatch", actor="supervisor", fields={"measure": "重新报到、补充监管", "owner": "unit_head",
                                                          "rectify_by": "2026-03-31"})
    s.advance(f.id, "request_extension", actor="handler",
              fields={"extension_reason": "对象在外地", "extension_until": "2026-04-30"})
    s.advance(f.id, "reject_extension", actor="leader", comment="限期内完成")
    s.advance(f.id, "report_rectified", actor="handler", attachments=[attachment("evidence", "报到记录.txt")],
              fields={"result": "已重新纳入监管"})
    f = s.advance(f.id, "close_out", actor="supervisor")
    assert (f.state, stage(app, f)) == ("closed", "closed")
    verify_all(app)


def test_public_report_more_information_then_routed_as_a_ledger_item_and_replied(app):
    s = app.cases
    r = s.open_case("public_report", actor="registrar", unit="xf-sfj", title="举报电话：司法所办事拖延",
                    fields={"intake_channel": "hotline", "reporter_name": "群众甲", "reporter_contact": "138…",
                            "category": "commutation_parole", "content": "某司法所迟迟不办理报到"})
    s.advance(r.id, "request_information", actor="registrar", fields={"info_request": "请提供时间和经办人"})
    s.advance(r.id, "information_received", actor="registrar", comment="举报人补充了时间")
    r = s.advance(r.id, "refer_as_problem", actor="supervisor", fields={"screening_basis": "属程序性问题"})
    [item] = linked(app, r, "public_report")
    assert (item.type, item.fields["discovery_channel"], item.fields["category"]) == (
        "rectification_item", "mass_report", "commutation_parole")
    r = s.advance(r.id, "record_reply", actor="registrar", fields={"reply": "已交办整改，感谢监督"})
    assert (r.state, stage(app, r)) == ("replied", "closed")
    verify_all(app)


def test_anonymous_public_report_cannot_be_asked_for_more_and_closes_without_reply(app):
    s = app.cases
    r = s.open_case("public_report", actor="registrar", unit="xf-sfj", title="匿名信：律师与法官吃饭",
                    fields={"intake_channel": "mailbox", "anonymous": "yes", "category": "lawyer_contact",
                            "content": "某律师宴请", "subject_name": "吴某"})
    with pytest.raises(GuardRejected):
        s.advance(r.id, "request_information", actor="registrar", fields={"info_request": "?"})
    r = s.advance(r.id, "refer_as_clue", actor="supervisor", fields={"screening_basis": "具体可查"})
    [clue] = linked(app, r, "public_report")
    assert (clue.type, clue.fields["discovery_channel"]) == ("clue", "mass_report")
    r = s.advance(r.id, "close_anonymous", actor="registrar")
    assert r.state == "replied"
    verify_all(app)


def test_commitment_letters_per_officer_returned_once_and_filed(app):
    decl = app.declarations
    issued = decl.issue("xf-sfs-1", actor="registrar", case_type="commitment_letter")
    by_login = {p["login"]: p["case"] for p in issued.issued}
    assert set(by_login) == {"handler", "unit_head"}
    s = app.cases
    letter = by_login["handler"]
    with pytest.raises(GuardRejected):  # only the officer signs their own letter
        s.advance(letter, "sign", actor="unit_head", attachments=[attachment("signed_letter")],
                  fields={"signed_on": "2026-03-02"})
    s.advance(letter, "sign", actor="handler", attachments=[attachment("signed_letter", "承诺书.pdf")],
              fields={"signed_on": "2026-03-02", "letter_kind": "corrections_enforcement"})
    s.advance(letter, "return_for_correction", actor="unit_head", fields={"return_reason": "缺少签名页"})
    s.advance(letter, "sign", actor="handler", attachments=[attachment("signed_letter", "承诺书-签名.pdf")],
              fields={"signed_on": "2026-03-03"})
    done = s.advance(letter, "file", actor="unit_head")
    assert (done.state, stage(app, done)) == ("filed", "closed")
    status = decl.status("xf-sfs-1", case_type="commitment_letter")
    assert (status["filed"], status["not_filed"]) == (1, ["unit_head"])
    verify_all(app)
