"""Outcomes of closed-stage states (`outcome:`): parsed, validated with their line, given to every shipped
closed state, and resolved for cases still running on a version written before the key existed."""
from __future__ import annotations

import pytest
from definition_problems import assert_only
from factories import DEFINITIONS, MINI, ROLES, edited, shipped_definition_names

from workflow.adapters.files.definition_files import definition_paths, read_definitions
from workflow.definitions.outcomes import OUTCOME_KINDS, Outcome
from workflow.definitions.registry import DefinitionRegistry

DONE = "  done:\n    label: {zh: 完, en: Done}\n    stage: closed\n"


def load(tmp_path, text, name="mini.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    [loaded] = read_definitions([path], ROLES)
    return loaded.definition


def test_a_kind_alone_takes_its_default_label(tmp_path):
    defn = load(tmp_path, edited((DONE, DONE + "    outcome: closed_out\n")))
    assert defn.states["done"].outcome == Outcome("closed_out", {"zh": "已销号", "en": "Closed out"})
    assert defn.outcome_of("done") == defn.states["done"].outcome
    assert defn.outcome_of("working") is None and defn.outcome_of("nowhere") is None


def test_a_kind_with_its_own_label(tmp_path):
    text = edited((DONE, DONE + "    outcome: {kind: referred, label: {zh: 已转线索, en: Referred as a clue}}\n"))
    assert load(tmp_path, text).outcome_of("done") == Outcome("referred", {"zh": "已转线索",
                                                                           "en": "Referred as a clue"})


def test_a_closed_state_without_an_outcome_is_concluded(tmp_path):
    assert load(tmp_path, MINI).outcome_of("done") == Outcome("concluded", {"zh": "已办结", "en": "Concluded"})


def test_an_outcome_on_an_open_state_is_refused(tmp_path):
    text = edited(("    stage: handled\n", "    stage: handled\n    outcome: concluded\n"))
    assert_only(tmp_path, text, "outcome: concluded", "state 'working': only a state of stage closed has an outcome")


@pytest.mark.parametrize("value", ["rectified", "[closed_out]", "true", "{label: {zh: 完, en: Done}}"])
def test_an_outcome_outside_the_vocabulary_is_refused(tmp_path, value):
    text = edited((DONE, DONE + f"    outcome: {value}\n"))
    needle = "outcome:"
    shown = {"rectified": "'rectified'", "[closed_out]": "['closed_out']", "true": "True"}.get(value, "None")
    assert_only(tmp_path, text, needle, f"state 'done': outcome must be one of {', '.join(OUTCOME_KINDS)}, "
                                        f"got {shown}")


def test_an_unknown_key_or_a_half_label_is_refused_on_its_line(tmp_path):
    text = edited((DONE, DONE + "    outcome:\n      kind: unfounded\n      lable: {zh: 否, en: No}\n"))
    assert_only(tmp_path, text, "lable:", "state 'done' outcome: unknown key 'lable' (known: kind, label)")
    text = edited((DONE, DONE + "    outcome:\n      kind: unfounded\n      label: {zh: 否}\n"))
    assert_only(tmp_path, text, "label: {zh: 否}", "state 'done' outcome: label is missing en")


def test_every_closed_state_of_every_shipped_definition_names_its_outcome():
    loaded = read_definitions(definition_paths(DEFINITIONS), ROLES)
    by_name = {f.definition.name: f.definition for f in loaded}
    assert set(by_name) == set(shipped_definition_names())
    for defn in by_name.values():
        for state in defn.states.values():
            assert (state.outcome is not None) == (state.stage == "closed"), (defn.name, state.name)
    kind = {(n, s): d.outcome_of(s).kind for n, d in by_name.items() for s in d.states if d.outcome_of(s)}
    # 销号 is rectified and accepted — not a dismissal, a referral or a filed form.
    assert kind[("rectification_item", "closed")] == "closed_out"
    assert kind[("rectification_item", "unfounded")] == "unfounded"
    assert kind[("rectification_measure", "accepted")] == "closed_out"
    assert kind[("clue", "transferred")] == kind[("clue", "awaiting_feedback")] == "referred"
    assert kind[("commitment_letter", "filed")] == "concluded"
    assert {k for k, v in kind.items() if v == "closed_out"} == {
        ("appraisal_issue", "closed"), ("corrections_finding", "closed"), ("divestment", "divested"),
        ("legal_service_finding", "closed"), ("rectification_item", "closed"), ("rectification_measure", "accepted")}


def test_cases_of_an_older_version_take_the_outcome_the_newest_version_names(tmp_path):
    old = load(tmp_path, MINI + "", "v1.yaml")  # written before outcomes: `done` names none
    new = load(tmp_path, edited(("version: 1\n", "version: 2\n"), (DONE, DONE + "    outcome: closed_out\n")),
               "v2.yaml")
    registry = DefinitionRegistry([old, new], ROLES)
    assert registry.outcome("mini", 1, "done").kind == "closed_out"
    assert registry.outcome("mini", 2, "done").kind == "closed_out"
    assert registry.outcome("mini", 7, "done").kind == "closed_out"  # a version no longer loaded
    assert registry.outcome("mini", 1, "working") is None and registry.outcome("mini", 1, "limbo") is None
    assert registry.closes_out("mini")
    alone = DefinitionRegistry([old], ROLES)
    assert alone.outcome("mini", 1, "done").kind == "concluded" and not alone.closes_out("mini")
