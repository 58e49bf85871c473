"""自查从宽、被查从严: the channel is fixed at intake; a self-report counts only inside the campaign's
self-report window and before the organisation held the clue; leniency is offered only then; an
investigation that finds more than was self-reported opens a linked "undisclosed" case."""
from __future__ import annotations

from datetime import timedelta

import pytest
from factories import linked, verify_all

from workflow.campaigns.declarations import Declarations
from workflow.errors import GuardRejected, ImmutableField, InvalidInput, WorkflowError

WINDOW = [("2026-02-16", "2026-03-13")]  # the test clock starts on Monday 2026-03-02


def open_clue(app, subject="王五", channel="self_report", **extra):
    fields = {"allegation": "收受当事人礼金", "subject_name": subject, "discovery_channel": channel, **extra}
    return app.cases.open_case("clue", actor="registrar", unit="xf-sfj", title=f"{subject}的问题", fields=fields)


def test_the_channel_can_never_be_edited_after_intake(app):
    clue = open_clue(app)
    with pytest.raises(ImmutableField):
        app.cases.update_fields(clue.id, actor="registrar", fields={"discovery_channel": "org_investigation"})
    with pytest.raises(ImmutableField):  # nor by a step
        app.cases.advance(clue.id, "propose", actor="registrar", fields={
            "disposition_method": "talk_inquiry", "disposition_basis": "x", "discovery_channel": "mass_report"})
    with pytest.raises(InvalidInput):  # and the engine's assessment cannot be typed over
        app.cases.update_fields(clue.id, actor="registrar", fields={"self_report_assessment": "counted"})
    assert app.cases.get(clue.id).fields["discovery_channel"] == "self_report"
    assert app.cases.get(clue.id).version == 1


def test_a_self_report_inside_the_window_counts_and_a_late_one_does_not(app, clock, plan_windows):
    plan_windows(WINDOW)
    assert open_clue(app, "甲").fields["self_report_assessment"] == "counted"
    assert open_clue(app, "乙", "supplementary_self_report").fields["self_report_assessment"] == "counted"
    clock.advance(days=14)  # 2026-03-16: the window closed on the 13th
    late = open_clue(app, "丙")
    assert late.fields["self_report_assessment"] == "late"
    assert open_clue(app, "丁", "inspection").fields["self_report_assessment"] == "not_self_report"
    verify_all(app)


def test_a_second_window_counts_too(app, clock, plan_windows):
    plan_windows([("2026-02-16", "2026-02-27"), ("2026-03-02", "2026-03-06")])
    assert open_clue(app, "甲", "supplementary_self_report").fields["self_report_assessment"] == "counted"


def test_without_any_window_loaded_only_the_org_held_test_applies(app):
    assert open_clue(app).fields["self_report_assessment"] == "counted"


def test_a_self_report_after_the_organisation_held_the_clue_is_not_one(app, clock, plan_windows):
    plan_windows(WINDOW)
    held = open_clue(app, "王五", clue_received_at="2026-02-20")
    assert held.fields["self_report_assessment"] == "org_held"
    open_clue(app, "赵六", "mass_report")  # the public reported 赵六 first…
    clock.advance(hours=2)
    assert open_clue(app, "赵六").fields["self_report_assessment"] == "org_held"  # …so 赵六's own report is late
    app.cases.open_case("rectification_item", actor="registrar", unit="xf-sfs-1", title="检查发现",
                          fields={"description": "违规兼职", "category": "business_lending",
                                  "discovery_channel": "inspection", "subject": "钱七"})
    clock.advance(hours=2)
    # the same person, another matter (a clue has no category: its matter is its type): not held
    assert open_clue(app, "钱七").fields["self_report_assessment"] == "counted"
    item = app.cases.open_case("rectification_item", actor="registrar", unit="xf-sfs-1", title="自查报告",
                               fields={"description": "违规兼职", "category": "business_lending",
                                       "discovery_channel": "self_report", "subject": "钱七"})
    assert item.fields["self_report_assessment"] == "org_held"  # the same person and the same matter
    assert open_clue(app, "孙八").fields["self_report_assessment"] == "counted"


def test_learning_later_that_the_organisation_held_it_first_changes_the_assessment(app, plan_windows):
    plan_windows(WINDOW)
    clue = open_clue(app)
    assert clue.fields["self_report_assessment"] == "counted"
    clue = app.cases.advance(clue.id, "propose", actor="registrar", fields={
        "disposition_method": "prelim_verification", "disposition_basis": "可查", "clue_received_at": "2026-02-25"})
    assert clue.fields["self_report_assessment"] == "org_held"
    proposed = app.cases.history(clue.id)[0][-1]
    assert proposed.payload["fields"]["self_report_assessment"] == "org_held"  # recorded in the step's event
    verify_all(app)


def to_verification(app, clue):
    s = app.cases
    s.advance(clue.id, "propose", actor="registrar",
              fields={"disposition_method": "prelim_verification", "disposition_basis": "可查"})
    return s.advance(clue.id, "approve_verification", actor="leader")


def test_leniency_is_offered_only_to_a_counted_self_report(app, clock, plan_windows):
    plan_windows(WINDOW)
    counted = to_verification(app, open_clue(app, "甲"))
    lenient = {"outcome": "form_measure", "form": "1", "leniency_recommended": "yes", "leniency_basis": "主动如实报告"}
    done = app.cases.advance(counted.id, "record_outcome_lenient", actor="supervisor", fields=lenient)
    assert done.fields["leniency_recommended"] is True
    clock.advance(days=14)
    late = to_verification(app, open_clue(app, "乙"))
    with pytest.raises(GuardRejected, match="self_report_assessment"):
        app.cases.advance(late.id, "record_outcome_lenient", actor="supervisor", fields=lenient)
    with pytest.raises(WorkflowError, match="cannot be set at this step"):  # the strict track takes no leniency
        app.cases.advance(late.id, "record_outcome", actor="supervisor", fields=lenient)
    strict = app.cases.advance(late.id, "record_outcome", actor="supervisor",
                                 fields={"outcome": "form_measure", "form": "2", "admin_sanction": "demerit"})
    assert "leniency_recommended" not in strict.fields
    verify_all(app)


def test_finding_more_than_was_self_reported_opens_a_linked_undisclosed_case(app):
    clue = to_verification(app, open_clue(app))
    clue = app.cases.advance(clue.id, "report_undisclosed", actor="supervisor",
                               fields={"undisclosed_findings": "另查明其配偶在辖区经营公司，本人未报告"})
    [hidden] = linked(app, clue, "undisclosed")
    assert (hidden.type, hidden.fields["discovery_channel"], hidden.fields["self_report_assessment"]) == (
        "clue", "org_investigation", "not_self_report")
    assert hidden.fields["allegation"].startswith("另查明")
    assert hidden.links == [{"case": clue.id, "type": "clue", "relation": "undisclosed", "direction": "opened_by"}]
    assert clue.state == "prelim_verification"  # the investigation carries on
    found = to_verification(app, open_clue(app, "钱七", "org_investigation"))
    with pytest.raises(GuardRejected):  # only a self-report can be "exceeded"
        app.cases.advance(found.id, "report_undisclosed", actor="supervisor", fields={"undisclosed_findings": "x"})
    verify_all(app)


def test_a_declared_problem_counts_from_when_the_form_was_submitted(app, clock, plan_windows):
    plan_windows(WINDOW)
    s = app.cases
    form = Declarations(s).issue("xf-sfs-1", actor="registrar").issued[0]["case"]
    clock.advance(days=8)  # Tuesday 2026-03-10, inside the window
    s.advance(form, "submit", actor="handler", fields={
        "truthful_pledge": "yes", "own_business": "yes", "own_business_details": "在某公司兼职取酬"})
    clock.advance(days=10)  # 2026-03-20: the reviewer files it after the window closed
    filed = s.advance(form, "file", actor="supervisor")
    [declared] = linked(app, filed, "declared_business")
    assert declared.fields["discovery_channel"] == "self_report"
    assert declared.fields["self_report_assessment"] == "counted"
    intake = s.history(declared.id)[0][0]
    assert intake.payload["reported_at"] < intake.at
    late = s.open_case("divestment", actor="registrar", unit="xf-sfs-1", title="今日才报",
                       fields={"person_name": "张华", "relation": "self", "details": "x",
                               "discovery_channel": "self_report"})
    assert late.fields["self_report_assessment"] == "late"
    verify_all(app)


def test_the_self_report_window_is_local_time(app, clock, plan_windows):
    plan_windows([("2026-03-02", "2026-03-02")])
    clock.set(clock.now().replace(hour=15, minute=30) - timedelta(days=0))  # 23:30 in Beijing, still 2 March
    assert open_clue(app, "甲").fields["self_report_assessment"] == "counted"
    clock.advance(hours=1)  # 00:30 on 3 March in Beijing (still 2 March in UTC)
    assert open_clue(app, "乙").fields["self_report_assessment"] == "late"
