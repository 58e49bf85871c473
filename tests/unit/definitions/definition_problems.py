"""Helpers of the definition tests: a small valid definition (MINI), edits of it, and exact-problem checks."""
from __future__ import annotations

from pathlib import Path

import pytest

from workflow.adapters.files.definition_files import load_roles, read_definitions
from workflow.errors import DefinitionError

REPO = Path(__file__).resolve().parents[2]
ROLES = load_roles(REPO / "definitions")
KNOWN_ROLES = ", ".join(sorted(ROLES))
STAGES = "reported, verified, handled, rectified, closed"

MINI = """\
name: mini
version: 1
title: {zh: 小流程, en: Mini flow}
initial: open
roles: [handler, supervisor]
fields:
  note:
    type: text
    label: {zh: 备注, en: Note}
  kind:
    type: choice
    label: {zh: 类别, en: Kind}
    choices:
      - {value: a, label: {zh: 甲, en: A}}
      - {value: b, label: {zh: 乙, en: B}}
  due:
    type: date
    label: {zh: 期限, en: Due}
states:
  open:
    label: {zh: 开, en: Open}
    stage: reported
  working:
    label: {zh: 办理, en: Working}
    stage: handled
  done:
    label: {zh: 完, en: Done}
    stage: closed
    terminal: true
transitions:
  - trigger: start
    label: {zh: 开始, en: Start}
    source: open
    dest: working
    roles: [handler]
  - trigger: finish
    label: {zh: 完成, en: Finish}
    source: working
    dest: done
    roles: [supervisor]
"""

EXTRA_STATE = """\
  {name}:
    label: {{zh: 另, en: Other}}
    stage: handled
"""


def edited(*changes: tuple[str, str], base: str = MINI) -> str:
    """MINI with each (old, new) replaced; `old` must occur exactly once, so an edit never misses."""
    text = base
    for old, new in changes:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        text = text.replace(old, new)
    return text


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the `occurrence`-th line containing `needle`."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) >= occurrence, f"{needle!r} not found {occurrence} time(s)"
    return hits[occurrence - 1]


def problems_of(tmp_path: Path, text: str | bytes, name: str = "mini.yaml") -> tuple[Path, list[str]]:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    with pytest.raises(DefinitionError) as caught:
        read_definitions([path], ROLES)  # on success it would return the loaded files
    assert str(caught.value) == "\n".join(caught.value.problems)
    return path, caught.value.problems


def assert_only(tmp_path: Path, text: str, needle: str, message: str, occurrence: int = 1,
                exact: bool = True) -> None:
    """The file is refused with exactly this one problem, on the line holding `needle`.

    With exact=False the message may go on after `message` (for messages that list alternatives).
    """
    path, problems = problems_of(tmp_path, text)
    expected = f"{path}:{line_of(text, needle, occurrence)}: {message}"
    assert problems == [expected] if exact else (len(problems) == 1 and problems[0].startswith(expected)), problems
