"""Rounds of work on a case: what was handed in, by whom, and why it came back.

A case's first round begins when it is opened; every step that returns the work (a transition with
`returns:`, workflow.definitions.handoffs) closes the round it judged and begins the next. So the
case page can show the files and results of each round apart — the current round as current, the
earlier ones as history — and a re-report can keep files of an earlier round instead of uploading
them again. Read from the case's events alone, like every other view of the past.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workflow.definitions.model import Definition
from workflow.events import ADVANCED, ASSIGNED, FIELDS_CHANGED, OPENED, Event


@dataclass
class Round:
    number: int
    started_at: str
    files: list[dict[str, Any]] = field(default_factory=list)  # {field, name, sha256, size, by, at}
    values: dict[str, dict[str, Any]] = field(default_factory=dict)  # field -> {value, by, at} (the last one)
    returned: dict[str, Any] | None = None  # {trigger, by, at, reason} of the step that sent the work back

    def files_of(self, name: str) -> list[dict[str, Any]]:
        return [f for f in self.files if f["field"] == name]


def rounds(events: list[Event], defn: Definition) -> list[Round]:
    """The case's rounds in order (at least one once it is opened)."""
    out: list[Round] = []
    for e in events:
        if e.action == OPENED:
            out.append(Round(1, e.at))
        if not out:
            continue
        current = out[-1]
        spec = _returns(defn, e)
        if e.action in (OPENED, ADVANCED, FIELDS_CHANGED) and spec is None:  # a return's reason is `returned`
            for name, value in (e.payload.get("fields") or {}).items():
                current.values[name] = {"value": value, "by": e.actor, "at": e.at}
            current.files += [{**f, "by": e.actor, "at": e.at} for f in e.payload.get("attachments") or []]
        if spec is not None:
            reason = e.payload.get("comment") if spec == "comment" else (e.payload.get("fields") or {}).get(spec)
            current.returned = {"trigger": e.payload["trigger"], "by": e.actor, "at": e.at, "reason": reason}
            out.append(Round(current.number + 1, e.at))
    return out


def _returns(defn: Definition, e: Event) -> str | None:
    """The reason field (or "comment") when `e` returned the work; else None."""
    if e.action != ADVANCED or not e.from_state:
        return None
    t = defn.transition(e.from_state, str(e.payload.get("trigger")))
    return t.handoff.returns.reason if t is not None and t.handoff.returns is not None else None


def standing_returns(events: list[Event], defn: Definition) -> list[dict[str, Any]]:
    """The returns the people now holding the case must answer — shown as banners — newest first.

    A return for rework (退回整改) stands until the work comes back to where it was judged, or the case
    closes; a case given back to the unit queue (退回单位) stands until someone takes it. Each is
    {kind: "rework" | "unit", trigger, by, at, reason}.
    """
    rework: dict[str, Any] | None = None
    unit: dict[str, Any] | None = None
    judged_in: tuple[str, ...] = ()
    for e in events:
        spec = _returns(defn, e)
        if spec is not None:
            reason = e.payload.get("comment") if spec == "comment" else (e.payload.get("fields") or {}).get(spec)
            t = defn.transition(str(e.from_state), str(e.payload["trigger"]))
            judged_in = t.sources if t is not None else ()
            rework = {"kind": "rework", "trigger": e.payload["trigger"], "by": e.actor, "at": e.at, "reason": reason}
        elif rework is not None and e.to_state and (e.to_state in judged_in
                                                    or defn.states[e.to_state].stage == "closed"):
            rework = None
        if e.action == ASSIGNED:
            unit = ({"kind": "unit", "trigger": None, "by": e.actor, "at": e.at, "reason": e.payload.get("reason")}
                    if e.payload.get("returned") else None)
    return sorted((r for r in (rework, unit) if r is not None), key=lambda r: r["at"], reverse=True)


def file_refs(files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The stored-file references a step takes as `kept` (workflow.cases.service.CaseService.advance)."""
    return [{k: f[k] for k in ("field", "name", "sha256", "size")} for f in files]
