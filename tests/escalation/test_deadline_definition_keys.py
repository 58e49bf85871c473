"""The `deadline:` keys this feature adds (carry, extended_by) are validated; shipped types use them."""
from __future__ import annotations

import copy

import pytest
from factories import REPO

from workflow.adapters.files.definition_files import load_roles
from workflow.adapters.files.yaml_files import load_yaml_text
from workflow.definitions.parser import parse_definition
from workflow.errors import DefinitionError

ROLES = load_roles(REPO / "definitions")  # the shipped role book
# read as rectiflow reads definitions (YAML 1.2: `on:` of `acceptance:` is a key, not the boolean True)
RECT = load_yaml_text((REPO / "definitions" / "rectification_item.yaml").read_text("utf-8"), "rect.yaml")


def parse(data):
    return parse_definition(data, source="rect.yaml", roles=ROLES)


def test_shipped_rectification_item_extends_and_carries() -> None:
    d = parse(RECT)
    assert d.states["rectifying"].deadline.extended_by == ("approve_extension",)
    assert d.states["extension_pending"].deadline.carry is True
    assert [r.when for r in d.escalation] == ["yellow", "red", "red + 5 working_days"]


@pytest.mark.parametrize(("state", "deadline", "message"), [
    ("extension_pending", {"carry": True, "within": "3 working_days"}, "write `carry: true` alone"),
    ("extension_pending", {"carry": "yes"}, "write `carry: true` alone"),
    ("rectifying", {"within": "20 working_days", "extended_by": ["approve_extension"]}, "extended_by needs from_field"),
    ("rectifying", {"within": "20 working_days", "from_field": "rectify_by", "extended_by": ["verify"]},
     "extended_by 'verify' is not a transition into 'rectifying'"),
    ("verified", {"whithin": "3 working_days"}, "needs `within"),
])
def test_bad_deadline_keys_are_refused(state, deadline, message) -> None:
    data = copy.deepcopy(RECT)
    data["states"][state]["deadline"] = deadline
    with pytest.raises(DefinitionError) as err:
        parse(data)
    assert message in str(err.value)
