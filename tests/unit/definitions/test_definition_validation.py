"""Every validation rule of a definition file: one exact ``PATH:LINE: message`` each, and nothing loaded.

Each test edits a small valid definition (MINI) in one place, writes it to tmp_path and reads it the
way every command does (`read_definitions`). The expected line is found in the written text, so the
tests say *which* line must be named without counting lines by hand.
"""
from __future__ import annotations

import pytest
from definition_problems import assert_only, line_of, problems_of
from factories import EXTRA_STATE, KNOWN_ROLES, MINI, ROLES, STAGES, edited

from workflow.adapters.files.definition_files import read_definitions
from workflow.errors import DefinitionError


def test_the_base_definition_is_valid(tmp_path):
    path = tmp_path / "mini.yaml"
    path.write_text(MINI, encoding="utf-8")
    [loaded] = read_definitions([path], ROLES)
    assert loaded.definition.key == ("mini", 1)
    assert list(loaded.definition.states) == ["open", "working", "done"]


# ---- states and transitions ------------------------------------------------------------------
def test_unknown_dest_state(tmp_path):
    text = edited(("    dest: done\n", "    dest: nowhere\n"))
    assert_only(tmp_path, text, "dest: nowhere", "transition 'finish': unknown dest state 'nowhere'")


def test_unknown_source_state(tmp_path):
    text = edited(("    source: working\n", "    source: [working, limbo]\n"))
    assert_only(tmp_path, text, "source: [working, limbo]", "transition 'finish': unknown source state 'limbo'")


def test_missing_source(tmp_path):
    text = edited(("    source: working\n", ""))
    assert_only(tmp_path, text, "trigger: finish", "transition 'finish': needs a source state")


def test_unreachable_state(tmp_path):
    text = edited(("states:\n", "states:\n" + EXTRA_STATE.format(name="orphan")),
                  ("transitions:\n", "transitions:\n  - {trigger: drop, label: {zh: 弃, en: Drop}, source: orphan,"
                                     " dest: done, roles: [handler]}\n"))
    assert_only(tmp_path, text, "  orphan:", "state 'orphan' is unreachable from 'open'")


def test_non_terminal_state_without_a_way_out(tmp_path):
    text = edited(("states:\n", "states:\n" + EXTRA_STATE.format(name="stuck")),
                  ("transitions:\n", "transitions:\n  - {trigger: park, label: {zh: 搁置, en: Park}, source: open,"
                                     " dest: stuck, roles: [handler]}\n"))
    assert_only(tmp_path, text, "  stuck:", "state 'stuck' is not terminal but has no way out")


def test_transition_out_of_a_terminal_state(tmp_path):
    text = MINI + ("  - trigger: reopen\n    label: {zh: 重开, en: Reopen}\n    source: done\n"
                   "    dest: working\n    roles: [supervisor]\n")
    assert_only(tmp_path, text, "source: done", "transition 'reopen' leaves terminal state 'done'")


def test_duplicate_trigger_from_the_same_source(tmp_path):
    text = MINI + ("  - trigger: start\n    label: {zh: 直接完成, en: Straight to done}\n    source: open\n"
                   "    dest: done\n    roles: [supervisor]\n")
    assert_only(tmp_path, text, "trigger: start", "duplicate trigger 'start' from state 'open'", occurrence=2)


def test_the_same_trigger_from_different_sources_is_fine(tmp_path):
    text = MINI + ("  - trigger: start\n    label: {zh: 再开始, en: Restart}\n    source: working\n"
                   "    dest: working\n    roles: [handler]\n")
    path = tmp_path / "mini.yaml"
    path.write_text(text, encoding="utf-8")
    [loaded] = read_definitions([path], ROLES)
    assert loaded.definition.transition("working", "start").dest == "working"


def test_initial_state_must_exist(tmp_path):
    text = edited(("initial: open\n", "initial: opened\n"))
    assert_only(tmp_path, text, "initial: opened", "initial state 'opened' is not one of the states")


def test_reserved_trigger_name(tmp_path):
    text = edited(("  - trigger: finish\n", "  - trigger: state\n"))
    assert_only(tmp_path, text, "trigger: state",
                "trigger 'state' must be a lower-case identifier, not a reserved word")


# ---- roles ------------------------------------------------------------------------------------
def test_unknown_role_in_a_transition(tmp_path):
    text = edited(("    roles: [supervisor]\n", "    roles: [supervisor, janitor]\n"))
    assert_only(tmp_path, text, "roles: [supervisor, janitor]", f"unknown role 'janitor' (known: {KNOWN_ROLES})")


def test_unknown_role_in_the_definition(tmp_path):
    text = edited(("roles: [handler, supervisor]\n", "roles: [handler, supervisor, wizard]\n"))
    assert_only(tmp_path, text, "roles: [handler, supervisor, wizard]", f"unknown role 'wizard' (known: {KNOWN_ROLES})")


def test_read_only_role_cannot_act(tmp_path):
    text = edited(("    roles: [supervisor]\n", "    roles: [auditor]\n"))
    path, problems = problems_of(tmp_path, text)
    line = line_of(text, "roles: [auditor]")
    assert problems == [f"{path}:{line}: role 'auditor' is read-only and cannot act on cases",
                        f"{path}:{line}: transition 'finish': role 'auditor' is not listed in the definition's roles"]


def test_transition_role_must_be_a_role_of_the_definition(tmp_path):
    text = edited(("    roles: [supervisor]\n", "    roles: [leader]\n"))
    assert_only(tmp_path, text, "roles: [leader]",
                "transition 'finish': role 'leader' is not listed in the definition's roles")


def test_transition_needs_a_role(tmp_path):
    text = edited(("    roles: [supervisor]\n", "    roles: []\n"))
    assert_only(tmp_path, text, "roles: []", "transition 'finish': needs at least one role")


# ---- fields -----------------------------------------------------------------------------------
@pytest.mark.parametrize("key", ["requires", "optional"])
def test_unknown_field_at_a_step(tmp_path, key):
    text = edited(("    roles: [supervisor]\n", f"    roles: [supervisor]\n    {key}: [note, nonesuch]\n"))
    assert_only(tmp_path, text, f"{key}: [note, nonesuch]", "transition 'finish': unknown field 'nonesuch'")


def test_unknown_field_in_a_guard(tmp_path):
    text = edited(("    roles: [supervisor]\n", "    roles: [supervisor]\n    guards: [{field_present: nonesuch}]\n"))
    assert_only(tmp_path, text, "guards:", "transition 'finish': guard 'field_present' names unknown field 'nonesuch'")


def test_unknown_field_in_a_deadline(tmp_path):
    text = edited(("    stage: handled\n", "    stage: handled\n    deadline: {within: 5 working_days,"
                                             " from_field: nonesuch}\n"))
    assert_only(tmp_path, text, "from_field: nonesuch",
                "state 'working' deadline: from_field 'nonesuch' must name a date field")


def test_deadline_from_field_must_be_a_date(tmp_path):
    text = edited(("    stage: handled\n", "    stage: handled\n    deadline: {within: 5 working_days,"
                                             " from_field: note}\n"))
    assert_only(tmp_path, text, "from_field: note",
                "state 'working' deadline: from_field 'note' must name a date field")


def test_bad_field_type(tmp_path):
    text = edited(("    type: text\n", "    type: number\n"))
    assert_only(tmp_path, text, "type: number", "field 'note': bad type 'number' (known: text, longtext, date, "
                                                "integer, boolean, choice, person, unit, attachment)")


def test_field_without_type(tmp_path):
    text = edited(("    type: text\n", ""))
    assert_only(tmp_path, text, "  note:", "field 'note': bad type None (known: text, longtext, date, "
                                           "integer, boolean, choice, person, unit, attachment)")


def test_choice_field_needs_choices(tmp_path):
    text = edited(("    type: text\n", "    type: choice\n"))
    assert_only(tmp_path, text, "type: choice", "field 'note': a choice field needs a non-empty list of choices",
                occurrence=1)


def test_only_choice_fields_have_choices(tmp_path):
    text = edited(("    type: text\n", "    type: text\n    choices: [{value: x, label: {zh: 叉, en: X}}]\n"))
    assert_only(tmp_path, text, "choices: [{value: x", "field 'note': only a choice field has choices")


def test_duplicate_choice(tmp_path):
    text = edited(("      - {value: b, label: {zh: 乙, en: B}}\n", "      - {value: a, label: {zh: 乙, en: B}}\n"))
    assert_only(tmp_path, text, "    choices:", "field 'kind': choice 'a' is listed twice")


@pytest.mark.parametrize("setting, message", [
    ("max_length: 501", "field 'note': max_length must be a whole number 1–500"),
    ("max_length: lots", "field 'note': max_length must be a whole number 1–500"),
    ("max_length: 0", "field 'note': max_length must be a whole number 1–500"),
])
def test_bad_max_length(tmp_path, setting, message):
    text = edited(("    type: text\n", f"    type: text\n    {setting}\n"))
    assert_only(tmp_path, text, setting, message)


def test_max_length_only_for_text(tmp_path):
    text = edited(("    type: date\n", "    type: date\n    max_length: 10\n"))
    assert_only(tmp_path, text, "max_length: 10", "field 'due': max_length applies to text and longtext fields only")


@pytest.mark.parametrize("key", ["required", "immutable"])
def test_field_flags_are_true_or_false(tmp_path, key):
    # `no` is not a YAML boolean here, so without this check it would silently mean "yes".
    text = edited(("    type: text\n", f"    type: text\n    {key}: no\n"))
    assert_only(tmp_path, text, f"{key}: no", f"field 'note': {key} must be true or false, got 'no'")


def test_terminal_flag_is_true_or_false(tmp_path):
    text = edited(("    terminal: true\n", "    terminal: yes\n"))
    assert_only(tmp_path, text, "terminal: yes", "state 'done': terminal must be true or false, got 'yes'")


# ---- deadlines and escalation -----------------------------------------------------------------
@pytest.mark.parametrize("deadline, needle, message", [
    ("{within: 5 days}", "deadline:",
     "state 'working' deadline: within: invalid duration '5 days': expected '<positive integer> <unit>' with unit "
     "working_days (wd), calendar_days (d) or hours (h), e.g. '5 working_days'"),
    ("{within: 0 working_days}", "deadline:",
     "state 'working' deadline: within: invalid duration '0 working_days': the amount must be positive"),
    ("{within: 5 working_days, warn_before: soon}", "deadline:",
     "state 'working' deadline: warn_before: invalid duration 'soon': expected '<positive integer> <unit>' with "
     "unit working_days (wd), calendar_days (d) or hours (h), e.g. '5 working_days'"),
    ("{within: 5 working_days, on_reentry: pause}", "deadline:",
     "state 'working' deadline: on_reentry must be restart or resume"),
    ("{within: 5 working_days, warn_at_percent: 150}", "deadline:",
     "state 'working' deadline: warn_at_percent must be a whole number 1–99"),
    ("{warn_before: 1 working_days}", "deadline:", "state 'working' deadline: needs `within: <amount> <unit>`"),
    ("5 working_days", "deadline:", "state 'working' deadline: needs `within: <amount> <unit>`"),
    ("{within: 5 working_days, wran_before: 1 working_days}", "deadline:",
     "state 'working' deadline: unknown key 'wran_before' (known: "),
])
def test_bad_deadline_spec(tmp_path, deadline, needle, message):
    text = edited(("    stage: handled\n", f"    stage: handled\n    deadline: {deadline}\n"))
    assert_only(tmp_path, text, needle, message, exact=False)


@pytest.mark.parametrize("rung, message", [
    ("{name: urge, when: orange, notify: [supervisor]}",
     "rung 'urge': when must be yellow, red or 'red + <amount> <unit>', got 'orange'"),
    ("{name: urge, when: red + soon, notify: [supervisor]}", "rung 'urge': when: invalid duration 'soon'"),
    ("{name: urge, when: red, notify: [janitor]}", "rung 'urge': unknown role 'janitor'"),
    ("{name: urge, when: red, notify: [supervisor], level: 3}",
     "rung 'urge': level must be 0, 1 (催办) or 2 (督办); 3 (挂牌) is manual"),
    ("{name: urge, when: red, notify: [supervisor], bulletin: yes}",
     "rung 'urge': bulletin must be true or false, got 'yes'"),
    ("{name: urge, when: red, notfy: [supervisor]}",
     "rung 'urge': unknown key 'notfy' (known: bulletin, label, level, name, notify, when)"),
])
def test_bad_escalation_spec(tmp_path, rung, message):
    text = MINI + f"escalation:\n  - {rung}\n"
    path, problems = problems_of(tmp_path, text)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:{line_of(text, '  - {name: urge')}: {message}")


def test_escalation_rung_names_are_unique(tmp_path):
    text = MINI + ("escalation:\n  - {name: urge, when: red, notify: [supervisor]}\n"
                   "  - {name: urge, when: red + 2 working_days, notify: [leader]}\n")
    assert_only(tmp_path, text, "escalation:", "escalation rung names must be unique")


def test_escalation_rung_needs_a_name(tmp_path):
    text = MINI + "escalation:\n  - {when: red, notify: [supervisor]}\n"
    assert_only(tmp_path, text, "  - {when: red", "each escalation rung needs a name")


# ---- bilingual labels and stages ---------------------------------------------------------------
def test_title_needs_both_languages(tmp_path):
    text = edited(("title: {zh: 小流程, en: Mini flow}\n", "title: {zh: 小流程}\n"))
    assert_only(tmp_path, text, "title:", "title: label is missing en")


def test_missing_title(tmp_path):
    text = edited(("title: {zh: 小流程, en: Mini flow}\n", ""))
    assert_only(tmp_path, text, "name: mini", "title: needs a bilingual label {zh: …, en: …}")


def test_state_label_missing(tmp_path):
    text = edited(("    label: {zh: 办理, en: Working}\n", ""))
    assert_only(tmp_path, text, "  working:", "state 'working': needs a bilingual label {zh: …, en: …}")


def test_state_label_with_an_empty_language(tmp_path):
    text = edited(("    label: {zh: 办理, en: Working}\n", "    label: {zh: '  ', en: Working}\n"))
    assert_only(tmp_path, text, "label: {zh: '  '", "state 'working': label is missing zh")


def test_field_label_missing(tmp_path):
    text = edited(("    label: {zh: 备注, en: Note}\n", ""))
    assert_only(tmp_path, text, "  note:", "field 'note': needs a bilingual label {zh: …, en: …}")


def test_field_label_not_bilingual(tmp_path):
    text = edited(("    label: {zh: 备注, en: Note}\n", "    label: 备注\n"))
    assert_only(tmp_path, text, "label: 备注", "field 'note': needs a bilingual label {zh: …, en: …}")


def test_transition_label_missing(tmp_path):
    text = edited(("    label: {zh: 完成, en: Finish}\n", ""))
    assert_only(tmp_path, text, "trigger: finish", "transition 'finish': needs a bilingual label {zh: …, en: …}")


def test_a_comma_in_an_unquoted_flow_label_is_caught(tmp_path):
    # {en: Working, not done} is the mapping {en: Working, "not done": null}: the label would be cut short.
    text = edited(("    label: {zh: 办理, en: Working}\n", "    label: {zh: 办理中, en: Working, not done}\n"))
    assert_only(tmp_path, text, "en: Working, not done",
                "state 'working': label has unknown key 'not done' (quote a text that contains a comma)")
    quoted = edited(("    label: {zh: 办理, en: Working}\n", '    label: {zh: 办理中, en: "Working, not done"}\n'))
    path = tmp_path / "quoted.yaml"
    path.write_text(quoted, encoding="utf-8")
    [loaded] = read_definitions([path], ROLES)
    assert loaded.definition.states["working"].label["en"] == "Working, not done"


def test_choice_label_missing(tmp_path):
    text = edited(("      - {value: b, label: {zh: 乙, en: B}}\n", "      - {value: b, label: {en: B}}\n"))
    assert_only(tmp_path, text, "{value: b", "field 'kind' choice 'b': label is missing zh")


def test_missing_stage(tmp_path):
    text = edited(("    stage: handled\n", ""))
    assert_only(tmp_path, text, "  working:", f"state 'working': stage must be one of {STAGES}")


def test_invalid_stage(tmp_path):
    text = edited(("    stage: handled\n", "    stage: fixing\n"))
    assert_only(tmp_path, text, "stage: fixing", f"state 'working': stage must be one of {STAGES}")


def test_some_state_must_be_in_stage_closed(tmp_path):
    text = edited(("    stage: closed\n", "    stage: rectified\n"), ("    terminal: true\n", ""),
                  ("transitions:\n", "transitions:\n  - {trigger: again, label: {zh: 再, en: Again}, source: done,"
                                     " dest: working, roles: [handler]}\n"))
    assert_only(tmp_path, text, "states:", "at least one state must be in stage closed")


# ---- the file as a whole ------------------------------------------------------------------------
def test_every_problem_is_reported_in_one_pass(tmp_path):
    text = edited(("title: {zh: 小流程, en: Mini flow}\n", "title: {zh: 小流程}\n"),
                  ("    type: text\n", "    type: texte\n"), ("    dest: done\n", "    dest: nowhere\n"))
    path, problems = problems_of(tmp_path, text)
    assert [p.split(": ", 1)[0] for p in problems] == [
        f"{path}:{line_of(text, 'title:')}", f"{path}:{line_of(text, 'type: texte')}",
        f"{path}:{line_of(text, 'dest: nowhere')}"]


def test_one_bad_file_stops_every_file_from_loading(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(edited(("name: mini\n", "name: good\n")), encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(edited(("    dest: done\n", "    dest: nowhere\n")), encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        read_definitions([good, bad], ROLES)
    assert [p.split(":")[0] for p in caught.value.problems] == [str(bad)]


def test_two_files_with_the_same_name_and_version(tmp_path):
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(MINI, encoding="utf-8")
    second.write_text(MINI, encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        read_definitions([first, second], ROLES)
    assert caught.value.problems == [f"{second}:1: mini version 1 is also defined in {first}"]


@pytest.mark.parametrize("text", ["", "- a list\n- of things\n", "just text\n"])
def test_a_file_that_is_not_a_mapping(tmp_path, text):
    path, problems = problems_of(tmp_path, text)
    assert problems == [f"{path}:1: a definition must be a mapping with name, version, states and transitions"]


@pytest.mark.parametrize("version", ["'1'", "0", "1.5", "true"])
def test_version_is_a_whole_number(tmp_path, version):
    text = edited(("version: 1\n", f"version: {version}\n"))
    assert_only(tmp_path, text, "version:", "version must be a whole number ≥ 1")


def test_name_is_an_identifier(tmp_path):
    text = edited(("name: mini\n", "name: Mini Flow\n"))
    assert_only(tmp_path, text, "name: Mini Flow", "name must be a lower-case identifier such as rectification_item")
