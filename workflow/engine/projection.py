"""Replay: a case is a pure fold over its events.

The same fold serves loading, "the case at version N", "the case as of a date" and `audit
verify`. It reads only event data (no clock, no definitions, no guards), so replay is
deterministic and an auditor can trust it against the stored row.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from workflow.events import ADVANCED, ASSIGNED, COMMENTED, FIELDS_CHANGED, OPENED, Event, json_copy


@dataclass
class CaseState:
    """Everything known about a case at one version."""

    id: str
    type: str = ""
    definition_version: int = 0
    definition_hash: str = ""
    title: str = ""
    unit: str = ""
    state: str = ""
    version: int = 0
    fields: dict[str, Any] = field(default_factory=dict)
    assignee: str | None = None
    opened_by: str = ""
    opened_at: str = ""
    updated_at: str = ""
    head_hash: str = ""
    comments: int = 0
    last_actor_by_trigger: dict[str, str] = field(default_factory=dict)
    # Deadline and supervision facts; filled by events of workflow.escalation.ladders.
    deadline: dict[str, Any] | None = None
    ever_overdue: bool = False
    supervision_level: int = 0
    listed: bool = False
    extension_count: int = 0
    links: list[dict[str, str]] = field(default_factory=list)
    flag_level: int = 0  # manual 督办 flag (1-3), see workflow.escalation.folds
    deadline_memory: dict[str, dict[str, Any]] = field(default_factory=dict)  # last deadline per state

    def to_dict(self) -> dict[str, Any]:
        # Field by field with json_copy: the same plain data asdict gives, without its slow generic copy.
        return {name: json_copy(getattr(self, name)) for name in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CaseState:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**json_copy(known))


Handler = Callable[[CaseState, Event], None]
_HANDLERS: dict[str, Handler] = {}


def applies_to(action: str) -> Callable[[Handler], Handler]:
    """Register the fold step for one event action (modules add their own actions this way)."""

    def register(handler: Handler) -> Handler:
        _HANDLERS[action] = handler
        return handler

    return register


def apply(case: CaseState, event: Event) -> CaseState:
    """Fold one event into `case` (in place) and return it."""
    handler = _HANDLERS.get(event.action)
    if handler is None:
        raise ValueError(f"event {event.case_id}@{event.version}: unknown action {event.action!r}")
    handler(case, event)
    case.version = event.version
    case.updated_at = event.at
    case.head_hash = event.hash
    if event.to_state:
        case.state = event.to_state
    return case


def project_case(events: Iterable[Event]) -> CaseState | None:
    """Rebuild a case from its events, in version order; None when there are none."""
    case: CaseState | None = None
    for event in events:
        if case is None:
            case = CaseState(id=event.case_id)
        apply(case, event)
    return case


def _merge_attachments(case: CaseState, event: Event) -> None:
    for item in event.payload.get("attachments") or []:
        case.fields.setdefault(item["field"], [])
        case.fields[item["field"]].append({k: item[k] for k in ("name", "sha256", "size")})


@applies_to(OPENED)
def _opened(case: CaseState, event: Event) -> None:
    p = event.payload
    case.type, case.definition_version = event.definition, event.definition_version
    case.definition_hash, case.title, case.unit = p["definition_hash"], p["title"], p["unit"]
    case.fields = json_copy(dict(p.get("fields") or {}))
    case.assignee = p.get("assignee")
    case.opened_by, case.opened_at = event.actor, event.at
    case.links = [dict(link) for link in p.get("links") or []]
    _merge_attachments(case, event)
    _set_deadline(case, event)
    if p.get("comment"):
        case.comments += 1


@applies_to(ADVANCED)
def _advanced(case: CaseState, event: Event) -> None:
    p = event.payload
    case.fields.update(json_copy(dict(p.get("fields") or {})))
    _merge_attachments(case, event)
    case.last_actor_by_trigger[p["trigger"]] = event.actor
    case.links.extend(dict(link) for link in p.get("links") or [])  # cases this step opened (workflow.cases.linking)
    _set_deadline(case, event)
    if p.get("comment"):
        case.comments += 1


def _set_deadline(case: CaseState, event: Event) -> None:
    if "deadline" not in event.payload:  # absent: unchanged; null: the new state has no deadline
        return
    old = case.deadline
    if old and old.get("state"):
        case.deadline_memory[old["state"]] = old  # a loop-back may resume it (on_reentry: resume)
        if old.get("due_at") and event.at >= old["due_at"]:
            case.ever_overdue = True  # it was red when it was left or replaced
    case.deadline = json_copy(event.payload["deadline"])
    new = case.deadline or {}
    if new.get("extension"):
        case.extension_count = int(new["extension"]["number"])
    fired_levels = [int(f.get("level", 0)) for f in new.get("fired") or []]
    case.supervision_level = max([case.flag_level, *fired_levels])


@applies_to(ASSIGNED)
def _assigned(case: CaseState, event: Event) -> None:
    case.assignee = event.payload.get("assignee")


@applies_to(COMMENTED)
def _commented(case: CaseState, event: Event) -> None:
    case.comments += 1


@applies_to(FIELDS_CHANGED)
def _fields_changed(case: CaseState, event: Event) -> None:
    case.fields.update(json_copy(dict(event.payload.get("fields") or {})))
    _merge_attachments(case, event)
    if event.payload.get("comment"):
        case.comments += 1


# Other modules' actions register their folds on import; every replay needs all of them.
from workflow.escalation import folds as escalation_folds  # noqa: E402,F401  (escalated, flagged, unflagged, deadline_recomputed)
