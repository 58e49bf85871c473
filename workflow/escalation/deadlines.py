"""Deadline arithmetic: due instants, escalation offsets and the green/yellow/red light.

Day-based durations are counted on calendar-local dates and end at local 24:00 (returned as
the UTC instant of the next local midnight), because a rule such as "5 working days" means
"by the end of the fifth working day" to the people held to it. Hour durations are exact.
Everything is pure: the current time is always passed in, never read from the clock.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Literal

from workflow.definitions.durations import Duration, Unit
from workflow.escalation.calendar import WorkingCalendar

Light = Literal["green", "yellow", "red"]

_ONE_DAY = timedelta(days=1)
_UTC_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

# --- instants --------------------------------------------------------------------------------


def format_utc(instant: datetime) -> str:
    """Canonical stored form of an instant: UTC with microseconds, e.g. 2026-10-09T16:00:00.000000Z."""
    return _as_utc(instant).strftime(_UTC_FORMAT)


def parse_utc(text: str) -> datetime:
    instant = datetime.fromisoformat(text)
    if instant.tzinfo is None:
        raise ValueError(f"instant {text!r} has no UTC offset")
    return instant.astimezone(UTC)


def _as_utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError(f"naive datetime {instant!r}: instants must be timezone-aware")
    return instant.astimezone(UTC)


def _local_midnight(day: date, calendar: WorkingCalendar) -> datetime:
    """00:00 local on ``day``, as a UTC instant (i.e. the end of the previous local day)."""
    return datetime.combine(day, time(0), tzinfo=calendar.tzinfo).astimezone(UTC)


def _last_local_date(due_at: datetime, calendar: WorkingCalendar) -> date:
    """The local date of the last instant before ``due_at`` (the deadline's final day)."""
    return calendar.local_date(due_at - timedelta(microseconds=1))


# --- due dates -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineBasis:
    """A computed deadline plus everything needed to explain or audit it later."""

    start: datetime
    amount: int
    unit: Unit
    due_at: datetime
    calendar: str
    calendar_version: str
    skipped: list[str] = field(default_factory=list)  # ISO dates of non-working days skipped
    provisional: bool = False  # depended on a year the calendar does not cover yet

    @property
    def duration(self) -> Duration:
        return Duration(self.amount, self.unit)

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": format_utc(self.start),
            "amount": self.amount,
            "unit": self.unit,
            "due_at": format_utc(self.due_at),
            "calendar": self.calendar,
            "calendar_version": self.calendar_version,
            "skipped": list(self.skipped),
            "provisional": self.provisional,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DeadlineBasis:
        duration = Duration(int(data["amount"]), data["unit"])
        return cls(
            start=parse_utc(data["start"]),
            amount=duration.amount,
            unit=duration.unit,
            due_at=parse_utc(data["due_at"]),
            calendar=str(data["calendar"]),
            calendar_version=str(data["calendar_version"]),
            skipped=[str(d) for d in data.get("skipped", [])],
            provisional=bool(data.get("provisional", False)),
        )


def compute_due(start: datetime, duration: Duration, calendar: WorkingCalendar) -> DeadlineBasis:
    """When a duration that begins at ``start`` runs out, with the basis of the computation."""
    start = _as_utc(start)
    due_at, skipped, provisional = _advance(start, duration, calendar)
    return DeadlineBasis(
        start=start,
        amount=duration.amount,
        unit=duration.unit,
        due_at=due_at,
        calendar=calendar.name,
        calendar_version=calendar.version,
        skipped=[d.isoformat() for d in skipped],
        provisional=provisional,
    )


def add_duration(instant: datetime, duration: Duration, calendar: WorkingCalendar) -> datetime:
    """``instant + duration`` with deadline semantics (e.g. an escalation 'red + 5 working_days')."""
    return _advance(_as_utc(instant), duration, calendar)[0]


def _advance(
    start: datetime, duration: Duration, calendar: WorkingCalendar
) -> tuple[datetime, list[date], bool]:
    if duration.unit == "hours":
        return start + timedelta(hours=duration.amount), [], False
    # A day-based result depends only on the local start day: computed once per (calendar, day, duration).
    local_start = calendar.local_date(start)
    due, skipped, provisional = calendar.remembered(
        ("due", local_start, duration.amount, duration.unit), lambda: _advance_days(local_start, duration, calendar))
    return due, list(skipped), provisional


def _advance_days(local_start: date, duration: Duration, calendar: WorkingCalendar
                  ) -> tuple[datetime, tuple[date, ...], bool]:
    if duration.unit == "calendar_days":
        last_day = local_start + timedelta(days=duration.amount)
        return _local_midnight(last_day + _ONE_DAY, calendar), (), False
    result = calendar.add_working_days(local_start, duration.amount)
    return _local_midnight(result.day + _ONE_DAY, calendar), tuple(result.skipped), result.provisional


# --- traffic light ---------------------------------------------------------------------------


def traffic_light(
    now: datetime,
    due_at: datetime,
    *,
    start: datetime,
    warn_before: Duration | None = None,
    warn_at_percent: int | None = None,
    calendar: WorkingCalendar,
) -> Light:
    """Red once the deadline has passed; yellow when either warning rule fires; else green."""
    _check_percent(warn_at_percent)
    now, due_at, start = _as_utc(now), _as_utc(due_at), _as_utc(start)
    if now >= due_at:
        return "red"
    if warn_before is not None and _within_warn_before(now, due_at, warn_before, calendar):
        return "yellow"
    if warn_at_percent is not None and _elapsed_reached(now, start, due_at, warn_at_percent):
        return "yellow"
    return "green"


def yellow_at(
    due_at: datetime,
    *,
    start: datetime,
    warn_before: Duration | None = None,
    warn_at_percent: int | None = None,
    calendar: WorkingCalendar,
) -> datetime:
    """The first instant at which ``traffic_light`` is no longer green.

    Equals ``due_at`` when no rule fires earlier (the light goes straight to red), and may lie
    before ``start`` when a warning window is longer than the deadline itself.
    """
    _check_percent(warn_at_percent)
    due_at, start = _as_utc(due_at), _as_utc(start)
    candidates = [due_at]
    if warn_before is not None:
        candidates.append(_warn_before_threshold(due_at, warn_before, calendar))
    if warn_at_percent is not None:
        candidates.append(start + _ceil_fraction(due_at - start, warn_at_percent))
    return min(candidates)


def _check_percent(percent: int | None) -> None:
    if percent is not None and not (0 <= percent <= 100):
        raise ValueError(f"warn_at_percent must be between 0 and 100, got {percent!r}")


def _within_warn_before(
    now: datetime, due_at: datetime, warn: Duration, calendar: WorkingCalendar
) -> bool:
    if warn.unit == "hours":
        return now >= due_at - timedelta(hours=warn.amount)
    today = calendar.local_date(now)
    last_day = _last_local_date(due_at, calendar)
    if warn.unit == "calendar_days":
        return (last_day - today).days < warn.amount
    last_working = calendar.last_working_day_on_or_before(last_day)
    return calendar.working_days_between(today, last_working) < warn.amount


def _warn_before_threshold(due_at: datetime, warn: Duration, calendar: WorkingCalendar) -> datetime:
    # Inverse of _within_warn_before: the warning window opens at local midnight of the N-th
    # last day (counting the deadline's final day as the first).
    if warn.unit == "hours":
        return due_at - timedelta(hours=warn.amount)
    last_day = _last_local_date(due_at, calendar)
    if warn.unit == "calendar_days":
        return _local_midnight(last_day - timedelta(days=warn.amount - 1), calendar)
    last_working = calendar.last_working_day_on_or_before(last_day)
    first_warn_day = calendar.add_working_days(last_working, -(warn.amount - 1)).day
    return _local_midnight(first_warn_day, calendar)


def _elapsed_reached(now: datetime, start: datetime, due_at: datetime, percent: int) -> bool:
    # Integer microseconds so the rule and its inverse (_ceil_fraction) agree exactly.
    return _micros(now - start) * 100 >= _micros(due_at - start) * percent


def _ceil_fraction(total: timedelta, percent: int) -> timedelta:
    """Smallest whole-microsecond span s with s * 100 >= total * percent."""
    return timedelta(microseconds=-((-_micros(total) * percent) // 100))


def _micros(span: timedelta) -> int:
    return (span.days * 86_400 + span.seconds) * 1_000_000 + span.microseconds


def deadline_text(due_at: str, tz: tzinfo) -> str:
    """A due instant as people say it: the last day ("2026-12-18") when it ends at local midnight — a
    day-based deadline ends at 24:00 of its last day, never "the next day 00:00" — else day and time."""
    local = parse_utc(due_at).astimezone(tz)
    if local.time() == time(0):
        return (local.date() - _ONE_DAY).isoformat()
    return local.strftime("%Y-%m-%d %H:%M")
