"""Reading definition YAML safely: syntax errors name their line, no Python objects are built, `on`/`no`
stay strings, misspelt or duplicate keys are refused, and guards come from a fixed vocabulary (no eval)."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from definition_problems import assert_only, line_of, problems_of
from factories import MINI, ROLES, edited

from workflow.adapters.files.definition_files import read_definitions
from workflow.adapters.files.yaml_files import load_yaml_text
from workflow.definitions.guards import VOCABULARY, GuardContext, evaluate
from workflow.errors import DefinitionError

GUARDED = "    roles: [supervisor]\n"


def with_guards(guards: str) -> str:
    return edited((GUARDED, f"{GUARDED}    guards: {guards}\n"))


def load(tmp_path, text):
    path = tmp_path / "mini.yaml"
    path.write_text(text, encoding="utf-8")
    [loaded] = read_definitions([path], ROLES)
    return loaded.definition


# ---- YAML itself ------------------------------------------------------------------------------
def test_malformed_yaml_names_the_line(tmp_path):
    text = edited(("    dest: done\n", "    dest: [done\n"))
    path, problems = problems_of(tmp_path, text)
    assert len(problems) == 1
    line = int(problems[0].split(":")[1])
    assert problems[0].startswith(f"{path}:{line}: malformed YAML: ")
    assert line_of(text, "dest: [done") <= line <= line_of(text, "dest: [done") + 2


def test_bad_indentation_names_the_line(tmp_path):
    text = edited(("    stage: handled\n", "      stage: handled\n"))
    path, problems = problems_of(tmp_path, text)
    assert problems[0].startswith(f"{path}:{line_of(text, '      stage: handled')}: malformed YAML: ")


def test_state_names_on_off_yes_no_stay_strings(tmp_path):
    text = edited(("initial: open\n", "initial: on\n"),
                  ("  open:\n", "  on:\n"), ("  working:\n", "  off:\n"), ("  done:\n", "  no:\n"),
                  ("    source: open\n", "    source: on\n"), ("    dest: working\n", "    dest: off\n"),
                  ("    source: working\n", "    source: [off, yes]\n"), ("    dest: done\n", "    dest: no\n"),
                  ("states:\n", "states:\n  yes:\n    label: {zh: 是, en: Yes}\n    stage: verified\n"),
                  ("transitions:\n", "transitions:\n  - {trigger: confirm, label: {zh: 确认, en: Confirm},"
                                     " source: on, dest: yes, roles: [handler]}\n"))
    defn = load(tmp_path, text)
    assert defn.initial == "on"
    assert list(defn.states) == ["yes", "on", "off", "no"]
    assert defn.transition("on", "start").dest == "off"
    assert defn.transition("yes", "finish").dest == "no"


def test_only_true_and_false_are_booleans():
    data = load_yaml_text("a: yes\nb: no\nc: on\nd: off\ne: y\nf: true\ng: False\n", "x.yaml")
    assert data == {"a": "yes", "b": "no", "c": "on", "d": "off", "e": "y", "f": True, "g": False}


@pytest.mark.parametrize("tag", [
    "!!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/new:os.system ['touch {marker}']",
    "!!python/name:os.system",
    "!!python/object:pathlib.Path {{}}",
])
def test_python_objects_are_refused(tmp_path, tag):
    marker = tmp_path / "pwned"
    text = edited(("name: mini\n", f"name: {tag.format(marker=marker)}\n"))
    path, problems = problems_of(tmp_path, text)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:1: malformed YAML: could not determine a constructor for the tag")
    assert not marker.exists()


def test_duplicate_mapping_key_is_refused(tmp_path):
    text = edited(("    dest: done\n", "    dest: done\n    dest: working\n"))
    path, problems = problems_of(tmp_path, text)
    assert problems == [f"{path}:{line_of(text, 'dest: working', 2)}: malformed YAML: duplicate key 'dest'"]


def test_duplicate_state_is_refused(tmp_path):
    text = edited(("states:\n", "states:\n  done:\n    label: {zh: 完, en: Done}\n    stage: closed\n"))
    path, problems = problems_of(tmp_path, text)
    assert problems == [f"{path}:{line_of(text, '  done:', 2)}: malformed YAML: duplicate key 'done'"]


def test_non_utf8_file_names_the_line(tmp_path):
    raw = MINI.encode("utf-8").replace("title: {zh: 小流程".encode(), b"title: {zh: \xc9\xcf\xba\xa3")
    path, problems = problems_of(tmp_path, raw)
    byte = raw.index(b"\xc9")
    assert problems == [f"{path}:3: not UTF-8 text (byte {byte} of the file)"]


# ---- keys -------------------------------------------------------------------------------------
def test_unknown_top_level_key(tmp_path):
    text = MINI + "colour: red\n"
    path, problems = problems_of(tmp_path, text)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:{line_of(text, 'colour: red')}: unknown key 'colour' (known: ")
    assert "transitions" in problems[0] and "escalation" in problems[0]


@pytest.mark.parametrize("old, new, what", [
    (GUARDED, GUARDED + "    gaurds: [before_deadline]\n", "transition 'finish': unknown key 'gaurds'"),
    ("    type: text\n", "    type: text\n    requird: true\n", "field 'note': unknown key 'requird'"),
    ("    stage: handled\n", "    stage: handled\n    termnal: true\n", "state 'working': unknown key 'termnal'"),
    ("      - {value: a, label: {zh: 甲, en: A}}\n", "      - {value: a, label: {zh: 甲, en: A}, colour: red}\n",
     "field 'kind' choice 'a': unknown key 'colour'"),
])
def test_misspelt_nested_keys_are_refused(tmp_path, old, new, what):
    # A typo must never silently drop a rule such as a four-eyes guard.
    text = edited((old, new))
    needle = new.strip().splitlines()[-1].strip()
    assert_only(tmp_path, text, needle, f"{what} (known: ", exact=False)


# ---- guards -----------------------------------------------------------------------------------
GUARD_EXAMPLES = {
    "not_actor_of": "[{not_actor_of: start}]",
    "field_present": "[{field_present: note}]",
    "field_equals": "[{field_equals: {field: kind, value: a}}]",
    "field_in": "[{field_in: {field: kind, values: [a, b]}}]",
    "field_not_in": "[{field_not_in: {field: kind, values: [b]}}]",
    "min_attachments": "[{min_attachments: {field: proof, count: 2}}]",
    "actor_is_assignee": "[actor_is_assignee]",
    "before_deadline": "[before_deadline]",
    "after_deadline": "[after_deadline]",
    "only_if": "[{only_if: {field: kind, values: [a], any: [{field_present: note}]}}]",
}
WITH_ATTACHMENT = ("  due:\n", "  proof:\n    type: attachment\n    label: {zh: 证明, en: Proof}\n  due:\n")


@pytest.mark.parametrize("kind", sorted(VOCABULARY))
def test_every_guard_kind_is_accepted(tmp_path, kind):
    assert kind in GUARD_EXAMPLES, f"guard {kind!r} is new: add an example here and document it"
    text = edited(WITH_ATTACHMENT, (GUARDED, f"{GUARDED}    guards: {GUARD_EXAMPLES[kind]}\n"))
    [guard] = load(tmp_path, text).transition("working", "finish").guards
    assert guard.kind == kind


def test_unknown_guard_kind_is_refused(tmp_path):
    text = with_guards("[{is_weekend: true}]")
    assert_only(tmp_path, text, "guards:", "transition 'finish': unknown guard 'is_weekend'; known guards: ",
                exact=False)


@pytest.mark.parametrize("expression", [
    "'__import__(\"os\").system(\"touch MARKER\")'",
    "['__import__(\"os\").system(\"touch MARKER\")']",
    "['lambda ctx: True']",
    "[{'open(\"MARKER\", \"w\")': x}]",
])
def test_code_in_place_of_a_guard_is_refused(tmp_path, expression):
    marker = tmp_path / "pwned"
    text = with_guards(expression.replace("MARKER", str(marker)))
    with pytest.raises(DefinitionError):
        load(tmp_path, text)
    assert not marker.exists()


def test_a_guard_value_is_data_never_code(tmp_path):
    marker = tmp_path / "pwned"
    code = f'__import__("os").system("touch {marker}")'
    defn = load(tmp_path, with_guards(f"[{{field_equals: {{field: note, value: '{code}'}}}}]"))
    guards = defn.transition("working", "finish").guards
    assert str(evaluate(guards, context(note="anything"))) == f"only possible when 'note' is {code!r}"
    assert evaluate(guards, context(note=code)) is None  # a plain string comparison
    assert not marker.exists()


@pytest.mark.parametrize("guards, message", [
    ("[field_present]", "transition 'finish': guard 'field_present' needs field, written as `- field_present: …`"),
    ("[{field_equals: {field: kind}}]", "transition 'finish': guard 'field_equals' needs value"),
    ("[{field_present: {field: note, also: due}}]",
     "transition 'finish': guard 'field_present' takes no argument also"),
    ("[{field_in: {field: kind, values: a}}]", "transition 'finish': guard 'field_in': values must be a list"),
    ("[{min_attachments: {field: note, count: many}}]",
     "transition 'finish': guard 'min_attachments': count must be a whole number ≥ 1"),
    ("[{not_actor_of: approve}]", "transition 'finish': guard 'not_actor_of': unknown trigger 'approve'"),
    ("[{min_attachments: note}]",
     "transition 'finish': guard 'min_attachments': field 'note' is not an attachment field"),
    ("[{field_equals: {field: kind, value: c}}]",
     "transition 'finish': guard 'field_equals': 'c' is not a choice of 'kind' (a, b)"),
    ("[{field_present: note, field_equals: {field: kind, value: a}}]",
     "transition 'finish': a guard is one of "),
])
def test_bad_guard_arguments(tmp_path, guards, message):
    assert_only(tmp_path, with_guards(guards), "guards:", message, exact=False)


def test_guard_values_must_match_a_yes_no_field(tmp_path):
    text = edited(("    type: date\n", "    type: boolean\n"),
                  (GUARDED, f"{GUARDED}    guards: [{{field_equals: {{field: due, value: 'yes'}}}}]\n"))
    assert_only(tmp_path, text, "guards:", "transition 'finish': guard 'field_equals': field 'due' is yes/no: "
                                           "compare it with true or false")


def test_a_guard_says_why_it_refuses(tmp_path):
    defn = load(tmp_path, with_guards("[{field_equals: {field: kind, value: a}}, {not_actor_of: start}]"))
    guards = defn.transition("working", "finish").guards

    assert str(evaluate(guards, context(kind="b"))) == "only possible when 'kind' is 'a'"
    assert str(evaluate(guards, context(kind="a", actor="han"))) == \
        "the person who did 'start' may not also do this step (four-eyes rule)"
    assert evaluate(guards, context(kind="a")) is None


def context(actor: str = "sup", **fields) -> GuardContext:
    now = datetime(2026, 3, 2, tzinfo=UTC)
    return GuardContext(actor, "supervisor", fields, {"start": "han"}, None, None, now)
