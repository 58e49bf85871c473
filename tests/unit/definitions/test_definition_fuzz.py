"""Whatever a definition file holds, loading it either succeeds or raises DefinitionError — never a crash.

Hypothesis replaces random parts of the shipped definitions (and of MINI) with junk of every YAML
shape; the parser must answer every such file with PATH:LINE problems, not a Python exception.
"""
from __future__ import annotations

import copy
from typing import Any

from factories import MINI, REPO, ROLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import yaml_junk

from workflow.adapters.files.yaml_files import load_yaml_text
from workflow.definitions.parser import parse_definition
from workflow.errors import DefinitionError

SOURCES = [load_yaml_text(MINI, "mini.yaml")] + [
    load_yaml_text(path.read_text(encoding="utf-8"), str(path))
    for path in (REPO / "definitions" / "rectification_item.yaml", REPO / "definitions" / "clue.yaml")
]


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths(value, prefix + (index,))
    return found


def replaced(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    out = copy.deepcopy(data)  # keeps the line numbers the loader attached
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_junk_anywhere_is_refused_cleanly(data):
    doc = data.draw(st.sampled_from(SOURCES), label="definition")
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        path = data.draw(st.sampled_from(paths(doc)), label="path")
        doc = replaced(doc, path, data.draw(yaml_junk, label="value"))
    try:
        parse_definition(doc, source="fuzz.yaml", roles=ROLES)
    except DefinitionError as err:
        assert err.problems and all(p.startswith("fuzz.yaml:") for p in err.problems)
