"""Plain-data views of cases and definitions, shared by the CLI's --json output and the web UI."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from workflow.definitions.durations import parse_duration
from workflow.definitions.model import Definition, TransitionSpec
from workflow.definitions.outcomes import Outcome
from workflow.escalation.calendar import WorkingCalendar
from workflow.escalation.deadlines import deadline_text, parse_utc, traffic_light
from workflow.events import Event
from workflow.records import CaseState


def definition_summary(d: Definition) -> dict[str, Any]:
    return {
        "name": d.name, "version": d.version, "title": dict(d.title), "initial": d.initial,
        "roles": list(d.roles),
        "states": [{"name": s.name, "stage": s.stage, "terminal": s.terminal, "label": dict(s.label)}
                   for s in d.states.values()],
    }


def transition_summary(d: Definition, t: TransitionSpec) -> dict[str, Any]:
    requires = []
    for name in t.requires:
        spec = d.fields[name]
        item: dict[str, Any] = {"name": name, "type": spec.type}
        if spec.choices:
            item["choices"] = list(spec.choice_values)
        requires.append(item)
    return {"trigger": t.trigger, "dest": t.dest, "roles": list(t.roles), "requires": requires,
            "label": dict(t.label)}


def deadline_view(case: CaseState, now: datetime, calendar: WorkingCalendar, *,
                  closed: bool = False) -> dict[str, Any] | None:
    """The case's deadline with its traffic light; a closed case (`closed`) has none, whatever it waits for."""
    d = case.deadline
    if not d:
        return None
    due = parse_utc(d["due_at"])
    light = "none" if closed else traffic_light(
        now, due, start=parse_utc(d["start"]), warn_before=parse_duration(d["warn_before"]) if d.get("warn_before")
        else None, warn_at_percent=d.get("warn_at_percent"), calendar=calendar)
    basis = {k: d[k] for k in ("start", "amount", "unit", "calendar", "calendar_version", "skipped", "until",
                               "from_field") if k in d}
    fired = {f["rung"]: f["at"] for f in d.get("fired") or []}
    return {"due_at": d["due_at"], "due_text": deadline_text(d["due_at"], calendar.tzinfo), "basis": basis,
            "light": light,
            "ever_overdue": case.ever_overdue or light == "red", "provisional": bool(d.get("provisional")),
            "yellow_at": d.get("yellow_at"), "first_due_at": d.get("first_due_at"), "key": d.get("key"),
            "extension_count": case.extension_count,
            "rungs": [{"name": r["name"], "level": r["level"], "due_at": r["due_at"], "fired_at": fired.get(r["name"])}
                      for r in d.get("rungs") or []]}


def case_summary(case: CaseState, d: Definition, now: datetime, calendar: WorkingCalendar,
                 available: list[TransitionSpec] | None = None) -> dict[str, Any]:
    """The case as plain data; `available` are the steps offered (default: every step out of its state)."""
    steps = d.transitions_from(case.state) if available is None else available
    return {
        "id": case.id, "type": case.type, "definition_version": case.definition_version, "title": case.title,
        "unit": case.unit, "state": case.state, "stage": d.states[case.state].stage, "version": case.version,
        "assignee": case.assignee, "fields": case.fields, "opened_at": case.opened_at,
        "updated_at": case.updated_at, "supervision_level": case.supervision_level, "listed": case.listed,
        "links": case.links, "campaign": case.campaign,
        "deadline": deadline_view(case, now, calendar, closed=d.states[case.state].stage == "closed"),
        "available": [transition_summary(d, t) for t in steps],
    }


def history_summary(case_id: str, events: list[Event], replayed: CaseState | None) -> dict[str, Any]:
    return {"id": case_id, "events": [e.to_dict() for e in events],
            "state": replayed.to_dict() if replayed else None}


def closing_event(events: list[Event], case: CaseState, outcome: Outcome | None) -> dict[str, Any] | None:
    """How a closed case ended (its `outcome`, None while open), when and by whom — for 销号, the date
    and who accepted it."""
    if outcome is None:
        return None
    entered = next((e for e in reversed(events) if e.to_state == case.state), None)
    return None if entered is None else {"at": entered.at, "by": entered.actor, "outcome": outcome,
                                          "trigger": entered.payload.get("trigger")}
