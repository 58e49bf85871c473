"""Exact-problem checks of the definition tests: a definition text must be refused with these
``PATH:LINE: message`` problems (the texts themselves, MINI and its edits, are in tests/factories.py)."""
from __future__ import annotations

from pathlib import Path

import pytest
from factories import ROLES

from workflow.adapters.files.definition_files import read_definitions
from workflow.errors import DefinitionError


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
