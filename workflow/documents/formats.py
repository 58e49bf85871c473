"""How documents write times, dates, rates and field values: the calendar's local time, a day-based
deadline as its last day, rates as percentages, choices by label, people and units by name."""
from __future__ import annotations

from datetime import date, timedelta, tzinfo
from typing import Any

from workflow.definitions.model import Definition
from workflow.documents.names import Names
from workflow.escalation.calendar import WorkingCalendar
from workflow.escalation.deadlines import deadline_text, parse_utc
from workflow.events import parse_time

NONE = "—"
_ONE_US = timedelta(microseconds=1)


def local_time(instant: str | None, tz: tzinfo) -> str:
    """`2026-03-02 09:00` in the calendar's zone (Beijing); a dash for none."""
    return parse_time(instant).astimezone(tz).strftime("%Y-%m-%d %H:%M") if instant else NONE


def local_day(instant: str | None, tz: tzinfo) -> str:
    return parse_time(instant).astimezone(tz).date().isoformat() if instant else NONE


def chinese_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def due_text(due_at: str | None, tz: tzinfo) -> str:
    """A deadline as people say it: its last day for a day-based one."""
    return deadline_text(due_at, tz) if due_at else NONE


def percent(rate: float | None) -> str:
    return NONE if rate is None else f"{rate * 100:.1f}%"


def overdue_working_days(due_at: str | None, today: date, calendar: WorkingCalendar) -> int:
    """Working days from a deadline's last day to `today` (0 when not yet due)."""
    if not due_at:
        return 0
    last_day = calendar.local_date(parse_utc(due_at) - _ONE_US)
    return max(0, calendar.working_days_between(last_day, today))


def label(mapping: Any, lang: str, fallback: str = "") -> str:
    if not mapping:
        return fallback
    return str(mapping.get(lang) or mapping.get("zh") or fallback)


def field_value(defn: Definition, name: str, value: Any, names: Names, lang: str = "zh") -> str:
    """A field's value as a document shows it (attachments are listed apart)."""
    spec = defn.fields.get(name)
    if value is None or value == "" or spec is None:
        return NONE if value in (None, "") else str(value)
    if spec.type == "choice":
        return next((label(c.label, lang, str(value)) for c in spec.choices if c.value == value), str(value))
    if spec.type == "person":
        return names.person(str(value))
    if spec.type == "unit":
        return names.unit(str(value))
    if spec.type == "boolean":
        yes = value in (True, "true", "yes", "1", 1)
        return ("是" if yes else "否") if lang == "zh" else ("yes" if yes else "no")
    return str(value)
