"""Replay: a case is a pure fold over its events, one fold step per action in the table `FOLDS`.

The same fold serves loading, "the case at version N", "the case as of a date" and `audit
verify`. It reads only event data (no clock, no definitions, no guards), so replay is
deterministic and an auditor can trust it against the stored row. Every action an event may
record has its step in `FOLDS`; an event with any other action cannot be replayed (ValueError).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from workflow.events import (
    ADVANCED,
    ASSIGNED,
    COMMENTED,
    DEADLINE_RECOMPUTED,
    ESCALATED,
    FIELDS_CHANGED,
    FLAGGED,
    MIGRATED,
    OPENED,
    PLAN_REVISED,
    UNFLAGGED,
    Event,
    json_copy,
)
from workflow.records import CaseState

Copy = Callable[[Any], Any]
FoldStep = Callable[[CaseState, Event, Copy], None]


def _owned(value: Any) -> Any:
    return value


def apply(case: CaseState, event: Event, copy: Copy = json_copy) -> CaseState:
    """Fold one event into `case` (in place) and return it.

    Payload data the case keeps is copied with `copy`: by default a deep copy, so the case never shares
    (and a later step never changes) the event's payload. `project_case(..., owned=True)` passes no copy."""
    step = FOLDS.get(event.action)
    if step is None:
        raise ValueError(f"event {event.case_id}@{event.version}: unknown action {event.action!r}")
    step(case, event, copy)
    case.version = event.version
    case.updated_at = event.at
    case.head_hash = event.hash
    if event.to_state:
        case.state = event.to_state
    return case


def project_case(events: Iterable[Event], *, owned: bool = False) -> CaseState | None:
    """Rebuild a case from its events, in version order; None when there are none.

    `owned=True` is for a caller that parsed the payloads itself and never reads them again (`audit
    verify`): the case then takes payload data without copying it, and later steps may change what it
    took (a rung appended to a deadline's `fired`, an attachment to a field's list) — the same case
    as the copying fold, since a parsed payload shares no object with another or with itself."""
    copy = _owned if owned else json_copy
    case: CaseState | None = None
    for event in events:
        if case is None:
            case = CaseState(id=event.case_id)
        apply(case, event, copy)
    return case


def auto_level(deadline: Mapping[str, Any] | None) -> int:
    """The supervision level the fired rungs of this deadline have reached."""
    return max((int(f.get("level", 0)) for f in (deadline or {}).get("fired") or []), default=0)


# ---- the case's own life ------------------------------------------------------------------
def _merge_attachments(case: CaseState, event: Event) -> None:
    for item in event.payload.get("attachments") or []:
        case.fields.setdefault(item["field"], [])
        case.fields[item["field"]].append({k: item[k] for k in ("name", "sha256", "size")})


def _opened(case: CaseState, event: Event, copy: Copy) -> None:
    p = event.payload
    case.type, case.definition_version = event.definition, event.definition_version
    case.definition_hash, case.title, case.unit = p["definition_hash"], p["title"], p["unit"]
    case.fields = copy(dict(p.get("fields") or {}))
    case.assignee = p.get("assignee")
    case.opened_by, case.opened_at = event.actor, event.at
    case.links = [dict(link) for link in p.get("links") or []]
    case.campaign = p.get("campaign")  # in the payload, so a replay or an as-of view knows it
    _merge_attachments(case, event)
    _set_deadline(case, event, copy)
    if p.get("comment"):
        case.comments += 1


def _advanced(case: CaseState, event: Event, copy: Copy) -> None:
    p = event.payload
    for name in p.get("reset") or ():  # values of a round that failed (or a return reason answered)
        case.fields.pop(name, None)
    case.fields.update(copy(dict(p.get("fields") or {})))
    if "assignee" in p:  # the step handed the case to someone (`assigns:`), or it left with the unit
        case.assignee = p["assignee"]
    if "unit" in p:  # the step moved the case to another unit (`moves_to:`)
        case.unit = p["unit"]
    _merge_attachments(case, event)
    case.last_actor_by_trigger[p["trigger"]] = event.actor
    case.links.extend(dict(link) for link in p.get("links") or [])  # cases this step opened
    _set_deadline(case, event, copy)
    if p.get("comment"):
        case.comments += 1


def _set_deadline(case: CaseState, event: Event, copy: Copy) -> None:
    if "deadline" not in event.payload:  # absent: unchanged; null: the new state has no deadline
        return
    old = case.deadline
    if old and old.get("state"):
        case.deadline_memory[old["state"]] = old  # a loop-back may resume it (on_reentry: resume)
        if old.get("due_at") and event.at >= old["due_at"]:
            case.ever_overdue = True  # it was red when it was left or replaced
    case.deadline = copy(event.payload["deadline"])
    new = case.deadline or {}
    if new.get("extension"):
        case.extension_count = int(new["extension"]["number"])
    fired_levels = [int(f.get("level", 0)) for f in new.get("fired") or []]
    case.supervision_level = max([case.flag_level, *fired_levels])


def _assigned(case: CaseState, event: Event, copy: Copy) -> None:
    case.assignee = event.payload.get("assignee")


def _commented(case: CaseState, event: Event, copy: Copy) -> None:
    case.comments += 1


def _fields_changed(case: CaseState, event: Event, copy: Copy) -> None:
    case.fields.update(copy(dict(event.payload.get("fields") or {})))
    _merge_attachments(case, event)
    if event.payload.get("comment"):
        case.comments += 1


# ---- supervision: rungs fired, manual flags, recomputed deadlines ---------------------------------
# The supervision level of a case is the higher of its manual flag (催办 1 / 督办 2 / 挂牌督办 3)
# and the level the fired rungs of its current deadline reached.
def _settle_level(case: CaseState) -> None:
    case.supervision_level = max(case.flag_level, auto_level(case.deadline))


def _escalated(case: CaseState, event: Event, copy: Copy) -> None:
    p = event.payload
    if case.deadline is not None and case.deadline.get("key") == p["deadline_key"]:
        case.deadline.setdefault("fired", []).append({"rung": p["rung"], "level": p["level"], "at": event.at})
    if str(p.get("when", "")).startswith("red"):
        case.ever_overdue = True  # kept for good, even after the case catches up
    _settle_level(case)


def _flagged(case: CaseState, event: Event, copy: Copy) -> None:
    case.flag_level = int(event.payload["level"])
    case.listed = case.flag_level == 3
    _settle_level(case)


def _unflagged(case: CaseState, event: Event, copy: Copy) -> None:
    case.flag_level = 0
    case.listed = False
    _settle_level(case)


def _deadline_recomputed(case: CaseState, event: Event, copy: Copy) -> None:
    # Same deadline instance, new dates: replace it in place (the memory of other states stays).
    case.deadline = copy(event.payload["deadline"])
    _settle_level(case)


# ---- a move to another version of the definition (`definitions migrate`) ---------------------------
def _migrated(case: CaseState, event: Event, copy: Copy) -> None:
    # The state moves by the event's to_state (in `apply`); the version, its hash and the re-planned deadline
    # come from the payload; deadlines remembered for a loop-back follow their states' new names.
    p = event.payload
    case.definition_version, case.definition_hash = int(p["to_version"]), p["definition_hash"]
    mapping = dict(p.get("mapping") or {})
    case.deadline_memory = {mapping.get(state, state): {**old, "state": mapping.get(state, state)}
                            for state, old in case.deadline_memory.items()}
    if "deadline" in p:
        case.deadline = copy(p["deadline"])
        _settle_level(case)


# ---- a revised campaign plan (`campaign load`, workflow.campaigns.reconcile) ----------------------------
def _plan_revised(case: CaseState, event: Event, copy: Copy) -> None:
    # What the plan now says the measure is: its fields and title, its unit (and who holds it), its deadline.
    p = event.payload
    case.fields.update(copy(dict(p.get("fields") or {})))
    if "title" in p:
        case.title = p["title"]
    if "unit" in p:
        case.unit = p["unit"]
    if "assignee" in p:
        case.assignee = p["assignee"]
    _set_deadline(case, event, copy)


FOLDS: Mapping[str, FoldStep] = {
    OPENED: _opened,
    ADVANCED: _advanced,
    ASSIGNED: _assigned,  # also a return to the queue (退回): no assignee, with a reason
    COMMENTED: _commented,
    FIELDS_CHANGED: _fields_changed,
    ESCALATED: _escalated,
    FLAGGED: _flagged,
    UNFLAGGED: _unflagged,
    DEADLINE_RECOMPUTED: _deadline_recomputed,
    MIGRATED: _migrated,
    PLAN_REVISED: _plan_revised,
}
