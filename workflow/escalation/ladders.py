"""Escalation ladders, planned: when each rung of a case's ladder falls due and which are due now.

Pure planning, no I/O. A ladder is declared once per definition (`escalation:` rungs such as
"at yellow remind the assignee", "at red alert the unit head (催办)", "red + 5 working_days →
督办"). When a case gets a deadline, `workflow.escalation.deadline_policy` turns the rungs into a schedule
of due instants and stores it inside the deadline dict of the audit event; from then on
everything here reads only that dict: which rungs are due at an instant, the next due instant
(the indexed `cases.next_escalation_at` column the sweep reads) and the supervision level the
fired rungs have reached. Fired rungs are recorded in the same dict by the `escalated` fold.

A deadline instance is named by its key (``<state>@v<version of the event that set it>``); a
rung fires at most once per case and key, which the database enforces with a unique key.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from workflow.definitions.durations import Duration, parse_duration
from workflow.definitions.model import EscalationRung
from workflow.escalation.calendar import WorkingCalendar
from workflow.escalation.deadlines import compute_due, format_utc, parse_utc

LEVEL_NAMES = {0: "提醒", 1: "催办", 2: "督办", 3: "挂牌督办"}
_ONE_US = timedelta(microseconds=1)


def deadline_key(state: str, event_version: int) -> str:
    """The name of one deadline instance: the state and the version of the event that set it."""
    return f"{state}@v{event_version}"


def offset_of(when: str) -> Duration | None:
    """The duration after red of a `red + <duration>` rung; None for `yellow` and `red`."""
    _head, plus, rest = when.partition("+")
    return parse_duration(rest.strip()) if plus else None


def after_deadline(due_at: datetime, offset: Duration, calendar: WorkingCalendar) -> tuple[datetime, bool]:
    """``offset`` counted from the end of the deadline's last day, and whether that was provisional.

    "red + 5 working_days" is the end of the fifth working day after the deadline's last day:
    a deadline ending Friday 24:00 escalates at the end of the next Friday, and a worked
    Saturday right after it counts as the first of the five.
    """
    if offset.unit == "hours":
        return due_at + timedelta(hours=offset.amount), False
    basis = compute_due(due_at - _ONE_US, offset, calendar)  # start on the last day itself
    return basis.due_at, basis.provisional


def schedule(rungs: Iterable[EscalationRung], *, due_at: datetime, yellow_at: datetime,
             calendar: WorkingCalendar) -> tuple[list[dict[str, Any]], bool]:
    """The due instant of every rung for one deadline, plus whether any of them is provisional."""
    out: list[dict[str, Any]] = []
    provisional = False
    for rung in rungs:
        offset = offset_of(rung.when)
        if rung.when == "yellow":
            at = yellow_at
        elif offset is None:
            at = due_at
        else:
            at, uncertain = after_deadline(due_at, offset, calendar)
            provisional = provisional or uncertain
        out.append({"name": rung.name, "when": rung.when, "level": rung.level, "notify": list(rung.notify),
                    "bulletin": rung.bulletin, "due_at": format_utc(at)})
    return out, provisional


def fired_names(deadline: Mapping[str, Any] | None) -> set[str]:
    return {f["rung"] for f in (deadline or {}).get("fired") or []}


def pending(deadline: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Rungs of this deadline not fired yet, earliest first (ties keep the ladder's order)."""
    if not deadline:
        return []
    done = fired_names(deadline)
    rungs = [(r["due_at"], i, r) for i, r in enumerate(deadline.get("rungs") or []) if r["name"] not in done]
    return [r for _, _, r in sorted(rungs, key=lambda x: (x[0], x[1]))]


def due_rungs(deadline: Mapping[str, Any] | None, now: datetime) -> list[dict[str, Any]]:
    """Rungs that have fallen due at ``now`` and not fired yet, in the order they must fire."""
    cutoff = format_utc(now)
    return [r for r in pending(deadline) if r["due_at"] <= cutoff]


def next_escalation_at(deadline: Mapping[str, Any] | None) -> str | None:
    """When the sweep must next look at this case (None: nothing left to fire)."""
    left = pending(deadline)
    return left[0]["due_at"] if left else None


def is_late(due_at: str, now: datetime, late_after: timedelta) -> bool:
    """A firing is late when it happens more than ``late_after`` after its due time (downtime)."""
    return now - parse_utc(due_at) > late_after


def escalation_payload(deadline: Mapping[str, Any], rung: Mapping[str, Any], *, now: datetime,
                       late_after: timedelta, targets: list[str]) -> dict[str, Any]:
    """The audit payload of one firing: which rung, of which deadline, due when, fired when, to whom."""
    return {
        "rung": rung["name"], "when": rung["when"], "level": int(rung["level"]),
        "bulletin": bool(rung.get("bulletin")), "deadline_key": deadline["key"], "state": deadline.get("state"),
        "deadline_due_at": deadline["due_at"], "due_at": rung["due_at"], "fired_at": format_utc(now),
        "late": is_late(rung["due_at"], now, late_after), "targets": sorted(targets),
    }
