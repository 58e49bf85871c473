"""自查从宽、被查从严 as rules, not labels (issue 15 item 5).

A clue the organisation found, already held or got late cannot be graded 第一种形态 nor recommended
for leniency unless a leader first records a reasoned exception (its own audited step, then shown on
the case); a counted self-report takes the lenient path. The 三个规定 three-tier rule fixes the
treatment of the officer in an interference record from the facts. Every shipped type that carries
the assessment uses it in a guard or says why not.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from factories import REPO, verify_all

from workflow.adapters.files.definition_files import definition_paths, read_definitions
from workflow.campaigns.catalogue import blocks, markdown
from workflow.definitions.checks import assessment_fields, guards_reading, leniency_problem
from workflow.errors import GuardRejected, WorkflowError

WINDOW = [("2026-02-16", "2026-03-13")]  # the test clock starts on Monday 2026-03-02
FORM_1 = {"outcome": "form_measure", "form": "1", "organisational_measure": "批评教育"}
LENIENT = {**FORM_1, "leniency_recommended": "yes", "leniency_basis": "主动如实报告"}


def open_clue(app, subject, channel, **extra):
    fields = {"allegation": "收受当事人礼金", "subject_name": subject, "discovery_channel": channel, **extra}
    return app.cases.open_case("clue", actor="registrar", unit="xf-sfj", title=f"{subject}的问题", fields=fields)


def to_verification(app, clue, **propose):
    app.cases.advance(clue.id, "propose", actor="registrar", fields={
        "disposition_method": "prelim_verification", "disposition_basis": "可查", **propose})
    return app.cases.advance(clue.id, "approve_verification", actor="leader")


def strict_clue(app, clock, plan_windows, assessment):
    """A clue in verification with the given (non-counted) assessment."""
    plan_windows(WINDOW)
    if assessment == "not_self_report":
        clue = to_verification(app, open_clue(app, "甲", "mass_report"))
    elif assessment == "org_held":
        clue = to_verification(app, open_clue(app, "乙", "self_report"), clue_received_at="2026-02-25")
    else:
        clock.advance(days=14)  # 2026-03-16: the window closed on the 13th
        clue = to_verification(app, open_clue(app, "丙", "self_report"))
    assert clue.fields["self_report_assessment"] == assessment
    return clue


@pytest.mark.parametrize("assessment", ["not_self_report", "org_held", "late"])
def test_an_organisation_found_clue_takes_no_lenient_outcome_without_the_leaders_exception(
        app, clock, plan_windows, assessment):
    clue = strict_clue(app, clock, plan_windows, assessment)
    with pytest.raises(GuardRejected, match="'form' may be '1' only when"):
        app.cases.advance(clue.id, "record_outcome", actor="supervisor", fields=FORM_1)
    with pytest.raises(GuardRejected, match="self_report_assessment"):
        app.cases.advance(clue.id, "record_outcome_lenient", actor="supervisor", fields=LENIENT)
    with pytest.raises(WorkflowError, match="leniency_exception_reason"):  # the exception needs its reason
        app.cases.advance(clue.id, "grant_leniency_exception", actor="leader", fields={"leniency_exception": "yes"})
    with pytest.raises(WorkflowError):  # and a leader's decision
        app.cases.advance(clue.id, "grant_leniency_exception", actor="supervisor",
                          fields={"leniency_exception": "yes", "leniency_exception_reason": "x"})
    assert app.cases.get(clue.id).version == clue.version  # nothing was written by the refusals
    reason = "被反映人在组织谈话前已主动退还礼金并如实说明，经党组研究同意例外从宽"
    excepted = app.cases.advance(clue.id, "grant_leniency_exception", actor="leader",
                                 fields={"leniency_exception": "yes", "leniency_exception_reason": reason})
    assert excepted.state == "prelim_verification"
    assert excepted.fields["leniency_exception_reason"] == reason  # visible on the case
    step = app.cases.history(clue.id)[0][-1]  # audited as its own event, with who and why
    assert step.payload["trigger"] == "grant_leniency_exception" and step.actor == "leader"
    assert step.payload["fields"]["leniency_exception_reason"] == reason
    done = app.cases.advance(clue.id, "record_outcome_lenient", actor="supervisor", fields=LENIENT)
    assert (done.state, done.fields["form"], done.fields["leniency_recommended"]) == ("outcome_pending", "1", True)
    verify_all(app)


def test_the_strict_track_still_takes_a_heavier_form_without_any_exception(app, clock, plan_windows):
    clue = strict_clue(app, clock, plan_windows, "not_self_report")
    done = app.cases.advance(clue.id, "record_outcome", actor="supervisor",
                             fields={"outcome": "form_measure", "form": "2", "admin_sanction": "demerit"})
    assert done.state == "outcome_pending"


def test_a_counted_self_report_takes_the_lenient_path_and_needs_no_exception(app, plan_windows):
    plan_windows(WINDOW)
    clue = to_verification(app, open_clue(app, "丁", "self_report"))
    assert clue.fields["self_report_assessment"] == "counted"
    with pytest.raises(GuardRejected, match="self_report_assessment"):  # an exception is for the strict track only
        app.cases.advance(clue.id, "grant_leniency_exception", actor="leader",
                          fields={"leniency_exception": "yes", "leniency_exception_reason": "无需"})
    done = app.cases.advance(clue.id, "record_outcome", actor="supervisor", fields=FORM_1)
    assert (done.state, done.fields["form"]) == ("outcome_pending", "1")
    other = to_verification(app, open_clue(app, "戊", "supplementary_self_report"))
    lenient = app.cases.advance(other.id, "record_outcome_lenient", actor="supervisor", fields=LENIENT)
    assert lenient.fields["leniency_recommended"] is True
    verify_all(app)


def open_record(app, channel):
    return app.cases.open_case("interference_record", actor="handler", unit="xf-sfs-1", title="电话过问",
                               fields={"record_kind": "leader_inquiry", "content": "询问能否准假",
                                       "recorded_by": "handler", "inquirer_name": "周某",
                                       "discovery_channel": channel})


# (channel, handled lawfully, treatment, allowed): 二(一)措施(3)
TIERS = [
    ("self_report", "lawful", "protected", True),      # recorded truthfully, lawful: protected
    ("self_report", "lawful", "sanction", False),      # … and never sanctioned for it
    ("look_back", "lawful", "protected", False),       # not recorded: no protection
    ("look_back", "lawful", "org_measure", True),      # not recorded but lawful: 组织处理
    ("look_back", "lawful", "sanction", True),         # … or 处分
    ("look_back", "lawful", "severe", False),          # severe only when not lawful
    ("look_back", "not_lawful", "org_measure", False),      # not lawful: no lighter treatment
    ("look_back", "not_lawful", "severe", True),            # not recorded, not lawful: 从严从重
    ("self_report", "not_lawful", "protected", False),      # recorded but not lawful: not protected
    ("self_report", "not_lawful", "severe", True),
]


@pytest.mark.parametrize(("channel", "lawful", "treatment", "allowed"), TIERS)
def test_the_three_regulations_tier_follows_from_the_recorded_facts(app, channel, lawful, treatment, allowed):
    rec = open_record(app, channel)
    fields = {"screening_basis": "甄别意见", "handled_lawfully": lawful, "officer_treatment": treatment}
    for trigger in ("screen_as_information", "screen_as_interference"):
        if not allowed:
            with pytest.raises(GuardRejected, match="'officer_treatment' may be"):
                app.cases.advance(rec.id, trigger, actor="supervisor", fields=fields)
    if allowed:
        done = app.cases.advance(rec.id, "screen_as_information", actor="supervisor", fields=fields)
        assert done.fields["officer_treatment"] == treatment
    verify_all(app)


def test_the_treatment_is_a_required_choice_and_only_a_truthful_recorder_is_commended(app):
    rec = open_record(app, "inspection")
    with pytest.raises(WorkflowError, match="officer_treatment"):
        app.cases.advance(rec.id, "screen_as_information", actor="supervisor", fields={"screening_basis": "x"})
    with pytest.raises(GuardRejected, match="recorder_commended"):
        app.cases.advance(rec.id, "screen_as_information", actor="supervisor", fields={
            "screening_basis": "x", "handled_lawfully": "lawful", "officer_treatment": "org_measure",
            "recorder_commended": "yes"})


def shipped():
    return [f.definition for f in read_definitions(definition_paths(REPO / "definitions"), _roles())]


def _roles():
    from workflow.adapters.files.definition_files import ROLES_FILE
    from workflow.adapters.files.yaml_files import load_yaml_file
    from workflow.definitions.roles import parse_roles
    data, _, _ = load_yaml_file(REPO / "definitions" / ROLES_FILE)
    return parse_roles(data, source=ROLES_FILE)


def test_every_shipped_type_with_the_assessment_uses_it_in_a_guard_or_says_why_not():
    carrying = [d for d in shipped() if assessment_fields(d)]
    assert len(carrying) >= 8
    for d in carrying:
        assert leniency_problem(d) is None, d.name
        assert guards_reading(d, assessment_fields(d)[0]) or d.leniency.get("zh"), d.name
    gated = {d.name for d in carrying if guards_reading(d, assessment_fields(d)[0])}
    assert {"clue", "interference_record"} <= gated


def test_the_catalogue_shows_the_rule_of_each_type_in_chinese():
    from workflow.campaigns.coverage import Coverage
    text = markdown(blocks(shipped(), [], Coverage(items={}, features={})))
    assert text.count("### 自查从宽、被查从严") >= 8
    assert "“四种形态”为“第一种形态”时须“自查认定”为“认定为主动自查（可从宽）”，或“领导批准例外从宽”为“是”" in text
    assert ("“对相关人员的处理（三个规定）”为“未记录且未依法办案，从严从重处理”时须"
            "“相关人员是否依法公正办案”为“未严格依法办案”") in text


def _write(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "defs"
    folder.mkdir(exist_ok=True)
    (folder / "roles.yaml").write_text((REPO / "definitions" / "roles.yaml").read_text("utf-8"), "utf-8")
    path = folder / name
    path.write_text(text, "utf-8")
    return path


def test_definitions_check_refuses_a_malformed_only_if_and_an_unused_assessment_with_path_and_line(cli, tmp_path):
    clue = (REPO / "definitions" / "clue.yaml").read_text("utf-8")
    bad = clue.replace('          values: ["1"]\n', '          values: "1"\n', 1)
    path = _write(tmp_path, "clue.yaml", bad)
    lines = bad.splitlines()
    line = lines.index("    guards:", lines.index("  - trigger: record_outcome")) + 1
    out = cli("definitions", "check", str(path), code=1)
    assert f"{path}:{line}: transition 'record_outcome': guard 'only_if': values must be a list" in out
    nested = clue.replace("field_equals: {field: self_report_assessment, value: counted}",
                          "field_equals: {field: self_report_assessment, value: kounted}")
    out = cli("definitions", "check", str(_write(tmp_path, "clue.yaml", nested)), code=1)
    assert "guard 'only_if': in any: 'field_equals': 'kounted' is not a choice of 'self_report_assessment'" in out
    empty = clue.replace("          any:\n", "          any: []\n          old_any:\n", 1)
    out = cli("definitions", "check", str(_write(tmp_path, "clue.yaml", empty)), code=1)
    assert "guard 'only_if'" in out
    record = (REPO / "definitions" / "interference_record.yaml").read_text("utf-8")
    stripped = re.sub(r"\nleniency:\n(  .*\n)+", "\n", record)
    stripped = "\n".join(x for x in stripped.splitlines() if "only_if" not in x)
    path = _write(tmp_path, "interference_record.yaml", stripped)
    line = stripped.splitlines().index("  self_report_assessment:") + 1
    out = cli("definitions", "check", str(path), code=1)
    assert f"{path}:{line}: field 'self_report_assessment': no guard reads the self-report assessment" in out
