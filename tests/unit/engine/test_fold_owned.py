"""The replay `audit verify` runs (project_case owned=True: parsed payloads taken without copying) is the
same case as the copying replay every other reader runs, through every fold step that keeps payload data
and every step that later changes what an earlier one kept (rungs appended to a deadline's `fired`,
attachments appended to a field's list, deadlines remembered, renamed by a migration, replaced)."""
from __future__ import annotations

import json
from dataclasses import replace

from workflow.engine.projection import project_case
from workflow.events import GENESIS_HASH, Event


def _deadline(key: str, state: str, due: str, **more: object) -> dict[str, object]:
    return {"key": key, "state": state, "due_at": due, "yellow_at": due, **more}


PAYLOADS: list[tuple[str, str | None, dict[str, object]]] = [
    ("opened", "new", {"definition_hash": "h1", "title": "t", "unit": "u1", "campaign": None,
                       "fields": {"evidence": [{"name": "a", "sha256": "x", "size": 1}], "nested": {"k": [1, 2]}},
                       "attachments": [{"field": "evidence", "name": "b", "sha256": "y", "size": 2}],
                       "links": [{"case": "c2", "kind": "child"}], "comment": "c",
                       "deadline": _deadline("k1", "new", "2026-01-02T00:00:00.000000Z", fired=[])}),
    ("escalated", None, {"deadline_key": "k1", "rung": "r1", "level": 1, "when": "red+1d"}),
    ("advanced", "doing", {"trigger": "start", "fields": {"evidence": [{"name": "c", "sha256": "z", "size": 3}]},
                           "attachments": [{"field": "evidence", "name": "d", "sha256": "w", "size": 4}],
                           "links": [{"case": "c3"}], "assignee": "bob", "unit": "u2",
                           "deadline": _deadline("k2", "doing", "2026-01-05T00:00:00.000000Z")}),
    ("escalated", None, {"deadline_key": "k2", "rung": "r1", "level": 1, "when": "yellow"}),
    ("escalated", None, {"deadline_key": "k2", "rung": "r2", "level": 2, "when": "red"}),
    ("deadline_recomputed", None, {"deadline": _deadline("k2", "doing", "2026-01-06T00:00:00.000000Z",
                                                         fired=[{"rung": "r1", "level": 1, "at": "x"}])}),
    ("escalated", None, {"deadline_key": "k2", "rung": "r2", "level": 2, "when": "red"}),
    ("flagged", None, {"level": 3}),
    ("migrated", "doing2", {"to_version": 2, "definition_hash": "h2", "mapping": {"new": "new2", "doing": "doing2"},
                            "deadline": _deadline("k3", "doing2", "2026-01-09T00:00:00.000000Z", fired=[])}),
    ("escalated", None, {"deadline_key": "k3", "rung": "r1", "level": 1, "when": "red"}),
    ("advanced", "new2", {"trigger": "back", "reset": ["nested"],
                          "deadline": _deadline("k1", "new2", "2026-01-02T00:00:00.000000Z", resumed=True)}),
    ("unflagged", None, {}),
    ("plan_revised", None, {"fields": {"evidence": [{"name": "e", "sha256": "v", "size": 5}]}, "title": "t2",
                            "unit": "u3", "assignee": None,
                            "deadline": _deadline("k4", "new2", "2026-02-01T00:00:00.000000Z")}),
    ("fields_changed", None, {"fields": {"note": {"deep": [{"a": 1}]}}, "comment": "c",
                              "attachments": [{"field": "evidence", "name": "f", "sha256": "u", "size": 6}]}),
    ("escalated", None, {"deadline_key": "k4", "rung": "r1", "level": 2, "when": "red"}),
    ("assigned", None, {"assignee": "carol"}),
    ("commented", None, {"comment": "c"}),
]


def _events() -> list[Event]:
    events, state = [], None
    for n, (action, to_state, payload) in enumerate(PAYLOADS, start=1):
        events.append(Event("case-1", n, f"2026-01-{n:02d}T00:00:00.000000Z", "actor", action, state, to_state,
                            payload, "def", 1, GENESIS_HASH))
        state = to_state or state
    return events


def _parsed(events: list[Event]) -> list[Event]:
    """Each payload freshly parsed, as `audit verify` holds them."""
    return [replace(e, payload=json.loads(json.dumps(e.payload))) for e in events]


def test_the_owned_replay_is_the_copying_replay_at_every_version() -> None:
    events = _events()
    for n in range(1, len(events) + 1):
        assert project_case(_parsed(events[:n]), owned=True) == project_case(events[:n]), n


def test_the_copying_replay_leaves_the_payloads_as_they_were() -> None:
    events = _events()
    before = json.dumps([e.payload for e in events], sort_keys=True)
    project_case(events)
    assert json.dumps([e.payload for e in events], sort_keys=True) == before
