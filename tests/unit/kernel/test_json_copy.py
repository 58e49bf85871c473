"""json_copy and CaseState's dict round trip give equal data that shares nothing mutable."""
from __future__ import annotations

from workflow.events import json_copy
from workflow.records import CaseState


def test_json_copy_is_equal_and_independent():
    original = {"a": [1, {"b": ["x"]}], "c": None, "d": (1, [2])}
    copied = json_copy(original)
    assert copied == original
    copied["a"][1]["b"].append("y")
    copied["d"][1].append(3)
    assert original == {"a": [1, {"b": ["x"]}], "c": None, "d": (1, [2])}


def test_case_state_round_trip_shares_nothing():
    case = CaseState(id="c1", fields={"evidence": [{"name": "f"}]}, deadline={"due_at": "x", "skipped": ["d"]})
    data = case.to_dict()
    again = CaseState.from_dict(data)
    assert again == case
    data["fields"]["evidence"].append({"name": "g"})
    again.deadline["skipped"].append("e")
    assert case.fields == {"evidence": [{"name": "f"}]} and case.deadline == {"due_at": "x", "skipped": ["d"]}
