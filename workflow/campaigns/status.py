"""A campaign's status as of any moment, from the event log: each measure's case, state, light and whether
it is overdue, with counts per task.

Every measure case is replayed from its own events up to the moment (workflow.engine.projection), so an
earlier date shows the earlier picture — the state, deadline and light the case had then, whatever
happened since. A measure whose case was not yet opened then is listed with no state; one a revised plan
dropped is listed after the plan's own (``in_plan`` false, withdrawn), outside the counts.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from workflow.campaigns.reconcile import WITHDRAWN
from workflow.definitions.durations import parse_duration
from workflow.engine.projection import project_case
from workflow.errors import NotFound
from workflow.escalation.calendar import WorkingCalendar
from workflow.escalation.deadlines import parse_utc, traffic_light
from workflow.events import format_time
from workflow.ports import Store
from workflow.records import CaseState


def campaign_status(store: Store, key: str, *, at: datetime, calendar: WorkingCalendar,
                    stage_of: Callable[[CaseState], str | None]) -> dict[str, Any]:
    """The plan `key`'s measures as they stood at `at` (`stage_of` names a replayed case's stage).

    Raises:
        NotFound: no plan `key` is loaded.
    """
    with store.read() as tx:
        stored = tx.get_campaign(key)
        if stored is None:
            raise NotFound("campaign.not_loaded", campaign=key, known=tx.campaign_keys())
        mapping = tx.measure_cases(key)
        replayed = {cid: project_case(tx.events(cid, as_of=format_time(at))) for cid in mapping.values()}
    rows: list[dict[str, Any]] = []
    tasks: dict[str, dict[str, int]] = {}
    for item in stored.plan.get("items") or []:
        if item.get("kind") != "measure" or item["id"] not in mapping:
            continue
        case_id = mapping[item["id"]]
        case = replayed[case_id]
        stage = stage_of(case) if case else None
        light = _light(case, at, calendar, closed=stage == "closed") if case else None
        rows.append({"id": item["id"], "task": item["task"], "title": item["title"],
                     "unit": case.unit if case else item.get("responsible_unit"),
                     "deadline": (case.fields.get("due_date") if case else None) or item.get("deadline"),
                     "case": case_id, "state": case.state if case else None, "stage": stage,
                     "due_at": (case.deadline or {}).get("due_at") if case else None,
                     "light": light, "overdue": light == "red", "in_plan": True})
        counts = tasks.setdefault(item["task"], {"measures": 0, "accepted": 0, "overdue": 0})
        counts["measures"] += 1
        counts["accepted"] += int(stage == "closed" and case is not None and case.state != WITHDRAWN)
        counts["overdue"] += int(light == "red")
    # dropped by a revised plan: listed, withdrawn, outside the counts
    rows += [{**row, "light": "none", "overdue": False}
             for row in dropped_rows(stored.plan, mapping, replayed, stage_of)]
    lights: dict[str, int] = {}
    for row in rows:
        lights[row["light"] or "not_opened"] = lights.get(row["light"] or "not_opened", 0) + 1
    return {"campaign": key, "title": {"zh": stored.title}, "as_of": format_time(at), "measures": rows,
            "tasks": tasks, "lights": lights, "overdue": sum(int(r["overdue"]) for r in rows),
            "windows": stored.windows, "entity": dict(stored.plan.get("entity") or {}),
            "loaded_at": stored.loaded_at}


def dropped_rows(plan: Mapping[str, Any], mapping: Mapping[str, str], cases: Mapping[str, CaseState | None],
                 stage_of: Callable[[CaseState], str | None]) -> list[dict[str, Any]]:
    """The measures a revised plan dropped (in `mapping`, no longer in `plan`): still listed, withdrawn, with
    their case — in the order their cases were opened, their values the case's own. Both the live progress
    (workflow.campaigns.loader) and the replayed status use it."""
    listed = {item["id"] for item in plan.get("items") or [] if item.get("kind") == "measure"}
    found = [(measure_id, case_id, case) for measure_id, case_id in mapping.items()
             if measure_id not in listed and (case := cases.get(case_id)) is not None]
    return [{"id": measure_id, "task": case.fields.get("task"),
             "title": {"zh": case.title.removeprefix(measure_id).strip()}, "unit": case.unit,
             "deadline": case.fields.get("due_date"), "case": case_id, "state": case.state, "stage": stage_of(case),
             "due_at": (case.deadline or {}).get("due_at"), "in_plan": False}
            for measure_id, case_id, case in sorted(found, key=lambda f: f[2].opened_at or "")]


def _light(case: CaseState, at: datetime, calendar: WorkingCalendar, *, closed: bool) -> str:
    """green / yellow / red at `at`; "none" for a closed case or one without a deadline."""
    d: Mapping[str, Any] | None = case.deadline
    if closed or not d:
        return "none"
    return traffic_light(at, parse_utc(d["due_at"]), start=parse_utc(d["start"]),
                         warn_before=parse_duration(d["warn_before"]) if d.get("warn_before") else None,
                         warn_at_percent=d.get("warn_at_percent"), calendar=calendar)
