"""Which deadline a case gets on entering a state, written into the event that moves it.

The deadline (and how it was derived) is computed once, when the event is made, and stored in
its payload; replay only reads it back. A date field named by `from_field` (e.g. a rectification
deadline the supervisor sets at dispatch) wins over the state's default duration.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Mapping

from workflow.calendar import WorkingCalendar
from workflow.deadlines import compute_due, format_utc, parse_duration, parse_utc, yellow_at
from workflow.definition import Definition
from workflow.projection import CaseState

UNCHANGED = ...


class DeadlinePolicy:
    def __init__(self, calendar: WorkingCalendar) -> None:
        self.calendar = calendar

    def __call__(self, defn: Definition, case: CaseState, dest: str, fields: Mapping[str, Any],
                 now: datetime) -> Any:
        """A deadline dict for `dest`, None when `dest` has none, UNCHANGED when the state stays."""
        if case.state == dest and case.version > 0:
            return UNCHANGED
        spec = defn.states[dest].deadline
        if spec is None:
            return None
        previous = (case.deadline or {}) if (case.deadline or {}).get("state") == dest else {}
        if spec.on_reentry == "resume" and previous.get("first_due_at"):
            basis = dict(previous)  # loop-back: the original deadline keeps running
            basis["resumed"] = True
        else:
            basis = compute_due(now, parse_duration(spec.within), self.calendar).to_dict()
            override = fields.get(spec.from_field) if spec.from_field else None
            if override:
                basis.update(self._until_date(now, date.fromisoformat(str(override))))
            basis["first_due_at"] = basis["due_at"]
        warn_before = parse_duration(spec.warn_before) if spec.warn_before else None
        basis.update(state=dest, warn_before=spec.warn_before, warn_at_percent=spec.warn_at_percent)
        basis["yellow_at"] = format_utc(yellow_at(
            _utc(basis["due_at"]), start=_utc(basis["start"]), warn_before=warn_before,
            warn_at_percent=spec.warn_at_percent, calendar=self.calendar))
        return basis

    def _until_date(self, now: datetime, day: date) -> dict[str, Any]:
        """A deadline given as a date ends at the end (local 24:00) of that date."""
        due = datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.calendar.tzinfo)
        return {"due_at": format_utc(due.astimezone(timezone.utc)), "unit": "date", "amount": 0, "skipped": [],
                "provisional": False, "set_from_field": True}


def _utc(text: str) -> datetime:
    return parse_utc(text)
