"""definitions/README.md stays true: its full example loads, and its tables name every key, type, guard,
role and limit the engine knows."""
from __future__ import annotations

import re

import pytest
from factories import REPO, ROLES

from workflow.adapters.files.yaml_files import load_yaml_text
from workflow.definitions.fields import COMMENT_LIMIT, FIELD_TYPES, LONGTEXT_LIMIT, TEXT_LIMIT, TITLE_LIMIT
from workflow.definitions.guards import VOCABULARY
from workflow.definitions.model import TOP_LEVEL_KEYS
from workflow.definitions.parser import parse_definition

README = (REPO / "definitions" / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end if end != -1 else None]


def table_names(text: str) -> set[str]:
    """The `code` in the first column of every table row."""
    return set(re.findall(r"^\| `([^`]+)` \|", text, flags=re.MULTILINE))


def test_the_full_example_is_a_valid_definition():
    block = re.search(r"```yaml\n(.*?)```", section("A full example"), flags=re.DOTALL)
    assert block is not None
    defn = parse_definition(load_yaml_text(block.group(1), "README.md"), source="README.md", roles=ROLES)
    data = load_yaml_text(block.group(1), "README.md")
    assert set(data) == TOP_LEVEL_KEYS  # the example shows every top-level key
    assert {f.type for f in defn.fields.values()} == set(FIELD_TYPES)
    used_guards = {g.kind for t in defn.transitions for g in t.guards}
    assert used_guards >= set(VOCABULARY) - {"after_deadline"}  # before/after exclude each other on one step


@pytest.mark.parametrize("title, names", [
    ("Top-level keys", TOP_LEVEL_KEYS),
    ("Fields", set(FIELD_TYPES)),
    ("Roles", set(ROLES)),
])
def test_every_name_is_documented(title, names):
    assert set(names) <= table_names(section(title))


def test_every_guard_is_documented():
    assert set(VOCABULARY) <= table_names(section("Transitions"))


def test_the_documented_limits_are_the_engine_limits():
    limits = section("Limits")
    assert (TITLE_LIMIT, TEXT_LIMIT, LONGTEXT_LIMIT, COMMENT_LIMIT) == (200, 500, 20_000, 4_000)
    for row in ("| case title | 200 characters", "| `text` field | 500 characters",
                "| `longtext` field | 20 000 characters", "| comment | 4 000 characters"):
        assert row in limits


def test_every_handover_key_notice_kind_and_recipient_is_documented():
    from workflow.definitions.handoffs import ACTOR_OF, DEFAULT_KINDS, RECIPIENTS

    transitions = section("Transitions")
    for name in ("assigns:", "moves_to:", "returns:", "notify:", "notify: false", *DEFAULT_KINDS, *RECIPIENTS,
                 f"{ACTOR_OF}<trigger>"):
        assert f"`{name}`" in transitions, name
