"""Which deadline a case gets on entering a state, written into the event that moves it.

The deadline — how it was derived (start, amount, unit, calendar version, days skipped), its
warning rule, the instance key and the due instant of every escalation rung — is computed once,
when the event is made, and stored in its payload; replay only reads it back. Per state the
definition says (``deadline:``):

* ``within`` — the default duration, counted from entering the state;
* ``from_field`` — a date field that, when filled, sets the deadline instead (end of that day);
* ``on_reentry: restart | resume`` — on a loop-back (returned → handled) start a new deadline, or
  carry on with the one the case had the last time it was in this state (same instance, so rungs
  already fired stay fired), unless a new date was given in ``from_field``;
* ``extended_by: [trigger]`` — entering through one of these triggers is an approved extension
  (延期): a new deadline instance from ``from_field``, later than the old one, counted;
* ``carry: true`` — the state keeps whatever deadline the case had (an extension request does
  not stop the clock).
"""
from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from workflow.definitions.durations import UNITS, Duration, parse_duration
from workflow.definitions.model import DeadlineSpec, Definition
from workflow.errors import InvalidInput, MissingField
from workflow.escalation import ladders as escalation
from workflow.escalation.calendar import WorkingCalendar
from workflow.escalation.deadlines import compute_due, deadline_text, format_utc, parse_utc, yellow_at
from workflow.records import CaseState

UNCHANGED = ...


class DeadlinePolicy:
    """The service's deadline hook, plus `recompute` for deadlines made under an older calendar."""

    def __init__(self, calendar: WorkingCalendar) -> None:
        self.calendar = calendar

    def __call__(self, defn: Definition, case: CaseState, dest: str, fields: Mapping[str, Any],
                 now: datetime, trigger: str | None = None) -> Any:
        """A deadline dict for `dest`, None when `dest` has none, UNCHANGED when the deadline stays."""
        if case.state == dest and case.version > 0:
            return UNCHANGED
        spec = defn.states[dest].deadline
        if spec is None:
            return None
        if spec.carry:
            return UNCHANGED if case.deadline else None
        key = escalation.deadline_key(dest, case.version + 1)
        previous = _previous(case, dest)
        if trigger is not None and trigger in spec.extended_by:
            return self._extension(defn, spec, case, previous, fields, now, key, dest)
        if previous and spec.on_reentry == "resume" and not _new_date(spec, previous, fields):
            return self._resume(defn, previous)
        return self._fresh(defn, spec, dest, fields, now, key)

    def recompute(self, defn: Definition, deadline: Mapping[str, Any]) -> dict[str, Any]:
        """The same deadline instance computed again with the current calendar (fired rungs kept)."""
        d = copy.deepcopy(dict(deadline))
        if d.get("unit") in UNITS:
            fresh = compute_due(parse_utc(d["start"]), Duration(int(d["amount"]), d["unit"]), self.calendar)
            if d.get("first_due_at") == d["due_at"]:
                d["first_due_at"] = format_utc(fresh.due_at)
            d.update({k: v for k, v in fresh.to_dict().items() if k != "start"})
        else:
            d.update(calendar=self.calendar.name, calendar_version=self.calendar.version, provisional=False)
        return self._finish(defn, d, state=d["state"], key=d["key"], warn_before=d.get("warn_before"),
                            warn_at_percent=d.get("warn_at_percent"))

    def needs_recompute(self, defn: Definition, deadline: Mapping[str, Any] | None) -> bool:
        """Provisional, computed under another calendar version, or made before ladders were planned."""
        if not deadline or "key" not in deadline:
            return False
        return (bool(deadline.get("provisional")) or deadline.get("calendar_version") != self.calendar.version
                or ("rungs" not in deadline and bool(defn.escalation)))

    # ---- the three ways a deadline starts ---------------------------------------------------
    def _fresh(self, defn: Definition, spec: DeadlineSpec, dest: str, fields: Mapping[str, Any],
               now: datetime, key: str) -> dict[str, Any]:
        basis = compute_due(now, parse_duration(spec.within), self.calendar).to_dict()
        value = fields.get(spec.from_field) if spec.from_field else None
        if value:
            basis.update(self._until(spec.from_field or "", str(value)))
        basis["first_due_at"] = basis["due_at"]
        return self._finish(defn, basis, state=dest, key=key, warn_before=spec.warn_before,
                            warn_at_percent=spec.warn_at_percent)

    def _extension(self, defn: Definition, spec: DeadlineSpec, case: CaseState, previous: dict[str, Any] | None,
                   fields: Mapping[str, Any], now: datetime, key: str, dest: str) -> dict[str, Any]:
        value = fields.get(spec.from_field) if spec.from_field else None
        if not value:
            raise MissingField("deadline.extension_needs_date", field=str(spec.from_field), case_type=defn.name)
        basis: dict[str, Any] = {"start": format_utc(now), "skipped": [], "provisional": False,
                                 **self._until(spec.from_field or "", str(value))}
        old_due = previous["due_at"] if previous else None
        if old_due and basis["due_at"] <= old_due:
            # the old deadline as people say it (its last day, Beijing time), not the stored UTC instant
            raise InvalidInput("deadline.extension_not_later", due=deadline_text(old_due, self.calendar.tzinfo),
                               value=value)
        basis["extension"] = {"number": case.extension_count + 1, "previous_due_at": old_due,
                              "previous_key": previous.get("key") if previous else None}
        basis["first_due_at"] = (previous or {}).get("first_due_at") or old_due or basis["due_at"]
        return self._finish(defn, basis, state=dest, key=key,
                            warn_before=spec.warn_before, warn_at_percent=spec.warn_at_percent)

    def _resume(self, defn: Definition, previous: dict[str, Any]) -> dict[str, Any]:
        # The original deadline keeps running: same instance, same fired rungs.
        if self.needs_recompute(defn, previous):
            return self.recompute(defn, previous)
        return copy.deepcopy(previous)

    # ---- helpers --------------------------------------------------------------------------------
    def _until(self, field: str, value: str) -> dict[str, Any]:
        """A deadline given as a date ends at the end (local 24:00) of that date."""
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise InvalidInput("deadline.date", field=field, value=value) from None
        due = datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.calendar.tzinfo)
        return {"due_at": format_utc(due.astimezone(UTC)), "unit": "date", "amount": 0, "skipped": [],
                "until": day.isoformat(), "from_field": field, "from_value": value,
                "calendar": self.calendar.name, "calendar_version": self.calendar.version, "provisional": False}

    def _finish(self, defn: Definition, basis: dict[str, Any], *, state: str, key: str,
                warn_before: str | None, warn_at_percent: int | None) -> dict[str, Any]:
        """Add the warning rule, the yellow instant and the rung schedule; settle `provisional`."""
        warn = parse_duration(warn_before) if warn_before else None
        due, start = parse_utc(basis["due_at"]), parse_utc(basis["start"])
        yellow = yellow_at(due, start=start, warn_before=warn, warn_at_percent=warn_at_percent,
                           calendar=self.calendar)
        rungs, rungs_provisional = escalation.schedule(defn.escalation, due_at=due, yellow_at=yellow,
                                                       calendar=self.calendar)
        warn_provisional = warn is not None and warn.unit == "working_days" and self._uncovered(yellow, due)
        basis.update(state=state, key=key, warn_before=warn_before, warn_at_percent=warn_at_percent,
                     yellow_at=format_utc(yellow), rungs=rungs,
                     provisional=bool(basis.get("provisional")) or rungs_provisional or warn_provisional)
        return basis

    def _uncovered(self, first: datetime, last: datetime) -> bool:
        years = range(self.calendar.local_date(first).year, self.calendar.local_date(last).year + 1)
        return any(y not in self.calendar.years for y in years)


def _previous(case: CaseState, dest: str) -> dict[str, Any] | None:
    """The deadline the case had the last time it was in `dest` (its current one if carried)."""
    if (case.deadline or {}).get("state") == dest:
        return case.deadline
    return case.deadline_memory.get(dest)


def _new_date(spec: DeadlineSpec, previous: Mapping[str, Any], fields: Mapping[str, Any]) -> bool:
    """A re-entry that brings a new date in `from_field` starts a new deadline even under `resume`."""
    if not spec.from_field or not fields.get(spec.from_field):
        return False
    return str(fields[spec.from_field]) != previous.get("from_value")
