"""One message catalogue (workflow.messages): every refusal the engine raises carries a code and its
parameters, every code renders in English and in Chinese, and no engine module builds a message by hand."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from workflow import errors
from workflow.errors import InvalidInput, RoleNotAllowed, WorkflowError
from workflow.messages import MESSAGES, WHAT, Message, render

REPO = Path(__file__).resolve().parents[3]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def zh_catalogue() -> dict[str, str]:
    with (REPO / "web" / "translations" / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return {str(m.id): str(m.string) for m in read_po(fh) if m.id}


CODES = sorted(c for c in MESSAGES if c != "text")


@pytest.mark.parametrize("code", CODES)
def test_every_code_renders_in_english_and_in_chinese(code):
    zh = zh_catalogue().get(MESSAGES[code], "")
    assert zh and re.search(r"[\u4e00-\u9fff]", zh), f"{code}: no Chinese translation"
    assert not re.search(r"\b[a-z]{3,}\s+[a-z]{3,}\s+[a-z]{3,}\b", PLACEHOLDER.sub("", zh)), \
        f"{code}: English words in the Chinese text: {zh}"
    params = {name: f"<{name}>" for name in PLACEHOLDER.findall(MESSAGES[code]) + PLACEHOLDER.findall(zh)}
    english, chinese = render(code, params), render(code, params, template=zh)
    for name in PLACEHOLDER.findall(zh):  # a translation may leave a parameter out, never invent one
        assert f"<{name}>" in chinese
    assert "%(" not in english + chinese


def test_the_catalogue_compiles_without_errors():
    """What `pybabel compile` checks: a translation uses only the placeholders of its English text."""
    with (REPO / "web" / "translations" / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalogue = read_po(fh)
    assert [(m.lineno, m.id, [str(e) for e in errs]) for m, errs in catalogue.check()] == []


def test_every_word_a_message_may_name_is_translated_too():
    catalogue = zh_catalogue()
    assert all(catalogue.get(text) for text in WHAT.values())


def test_a_message_keeps_its_parameters_and_reads_as_english():
    err = RoleNotAllowed("access.may_not_step", role="handler", trigger="verify", roles=["supervisor", "unit_head"])
    assert (err.code, err.params["trigger"]) == ("access.may_not_step", "verify")
    assert str(err) == "role 'handler' may not 'verify' (allowed: supervisor, unit_head)"
    nested = Message("step.linked_case", trigger="file", case_type="clue", reason=err.message)
    assert str(nested).endswith("opens a linked clue: role 'handler' may not 'verify' (allowed: supervisor, unit_head)")


def test_an_unknown_code_is_a_programming_error():
    with pytest.raises(KeyError, match="no message"):
        Message("no.such.code")


def _raises_by_hand(path: Path, root: Path = REPO) -> list[str]:
    """`raise SomeWorkflowError(...)` whose first argument is text built by hand rather than a code (the
    errors whose constructor takes a name — CaseNotFound(case_id) — or file problems are not meant)."""
    names = {n for n, v in vars(errors).items() if isinstance(v, type) and issubclass(v, WorkflowError)
             and v.__init__ is WorkflowError.__init__}
    names |= {"MemoryBusy", "StoreBusy", "DatabaseNotReady"}
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            func = node.exc.func
            name = getattr(func, "id", getattr(func, "attr", ""))
            args = node.exc.args
            if name in names and args and (isinstance(args[0], ast.JoinedStr) or (
                    isinstance(args[0], ast.Constant) and isinstance(args[0].value, str)
                    and args[0].value not in MESSAGES)):
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def test_no_engine_module_builds_a_message_by_hand():
    modules = [p for p in (REPO / "workflow").rglob("*.py") if "migrations" not in p.parts]
    assert [found for p in modules for found in _raises_by_hand(p)] == []


def test_the_checker_sees_a_message_built_by_hand(tmp_path):
    bad = tmp_path / "probe.py"
    bad.write_text('def f(x):\n    raise InvalidInput(f"bad {x}")\n\n\n'
                   'def g():\n    raise InvalidInput("case.not_assigned")\n')
    assert _raises_by_hand(bad, tmp_path) == ["probe.py:2"]
    assert InvalidInput("case.not_assigned").code == "case.not_assigned"
