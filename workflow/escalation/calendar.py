"""Working-day calendars: which local dates count as working days for deadline arithmetic.

A calendar is plain reference data (statutory holiday breaks plus the weekend days that are
officially worked in exchange, 调休) parsed from an already-loaded mapping; reading the YAML
file is the loader's job, so this module stays stdlib-only. Years the data does not cover fall
back to the Monday-Friday rule, and results that depended on such a year say so
(``provisional``) so a deadline can be recomputed once the year's notice is published.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from workflow.errors import DefinitionError
from workflow.escalation.calendar_lines import locate

_ONE_DAY = timedelta(days=1)
_MISSING = object()
_MEMO_LIMIT = 20_000  # entries per calendar, a few hundred bytes each; cleared when full
_SATURDAY = 5  # date.weekday(): Monday == 0 ... Saturday == 5, Sunday == 6


@dataclass(frozen=True)
class HolidayBreak:
    """One named break from the notice, both ends inclusive."""

    zh: str
    en: str
    first: date
    last: date
    where: str = field(default="", compare=False, repr=False)  # e.g. "years.2026.holidays[0]", for messages

    def __contains__(self, d: object) -> bool:
        return isinstance(d, date) and self.first <= d <= self.last


@dataclass(frozen=True)
class WorkingDayResult:
    """Outcome of stepping over working days."""

    day: date
    skipped: list[date] = field(default_factory=list)  # non-working dates stepped over
    provisional: bool = False  # some examined date lies in a year the calendar does not cover


@dataclass(frozen=True)
class WorkingCalendar:
    """One jurisdiction's working days; build it with ``parse_calendar``."""

    name: str
    version: str
    timezone: str
    breaks: tuple[HolidayBreak, ...]
    workdays: frozenset[date]  # adjusted working days (weekend days that are worked)
    years: frozenset[int]
    holidays: frozenset[date] = field(init=False, repr=False)
    # Day arithmetic per (what, start day, amount): a calendar is immutable (a new version is a new object).
    _memo: dict[tuple[Any, ...], Any] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        # Derived once so is_working_day is a set lookup rather than a scan of the breaks.
        days = frozenset(d for b in self.breaks for d in _date_range(b.first, b.last))
        object.__setattr__(self, "holidays", days)

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def remembered(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """`compute()`'s result, once per `key` for this calendar (immutable, or copied before it is handed out)."""
        found = self._memo.get(key, _MISSING)
        if found is _MISSING:
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            found = self._memo[key] = compute()
        return found

    def local_date(self, instant: datetime) -> date:
        """The calendar-local date of an aware instant."""
        if instant.tzinfo is None:
            raise ValueError(f"naive datetime {instant!r}: instants must be timezone-aware")
        return instant.astimezone(self.tzinfo).date()

    def covers(self, d: date) -> bool:
        return d.year in self.years

    def is_working_day(self, d: date) -> bool:
        # Explicit data wins even outside covered years: a December break listed under the
        # next notice year is still a holiday.
        if d in self.workdays:
            return True
        if d in self.holidays:
            return False
        return d.weekday() < _SATURDAY

    def holiday_name(self, d: date, lang: Literal["zh", "en"] = "zh") -> str | None:
        for b in self.breaks:
            if d in b:
                return b.zh if lang == "zh" else b.en
        return None

    def add_working_days(self, start: date, n: int) -> WorkingDayResult:
        """The n-th working day strictly after ``start`` (strictly before it if n < 0).

        ``n == 0`` returns ``start`` itself, whether or not it is a working day.
        """
        day, skipped, provisional = self.remembered(("working_days", start, n), lambda: self._step_over(start, n))
        return WorkingDayResult(day=day, skipped=list(skipped), provisional=provisional)

    def _step_over(self, start: date, n: int) -> tuple[date, tuple[date, ...], bool]:
        step, remaining, day, skipped, provisional = (_ONE_DAY if n >= 0 else -_ONE_DAY), abs(n), start, [], False
        while remaining:
            day += step
            provisional = provisional or not self.covers(day)
            if self.is_working_day(day):
                remaining -= 1
            else:
                skipped.append(day)
        return day, tuple(skipped), provisional

    def working_days_between(self, a: date, b: date) -> int:
        """Number of working days in (a, b]; negated (counting (b, a]) when b < a."""
        if b < a:
            return -self.working_days_between(b, a)
        return sum(1 for d in _date_range(a + _ONE_DAY, b) if self.is_working_day(d))

    def last_working_day_on_or_before(self, d: date) -> date:
        return d if self.is_working_day(d) else self.add_working_days(d, -1).day


def _date_range(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# --- parsing -------------------------------------------------------------------------------


def parse_calendar(data: Mapping[str, Any], source: str | None = None) -> WorkingCalendar:
    """Build a calendar from loaded YAML data, reporting every problem at once.

    With `source` (the file's path) every problem reads ``source:LINE: …``, the line found from the
    line numbers the YAML loader keeps on mappings (workflow.adapters.files.yaml_files.LineDict).
    """
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise DefinitionError(f"calendar: expected a mapping, got {type(data).__name__}")
    name = _required_str(data, "name", "calendar", problems)
    where = f"calendar {name or '?'}"
    version = _required_str(data, "version", where, problems)
    timezone = _required_str(data, "timezone", where, problems)
    if timezone and not _valid_timezone(timezone):
        problems.append(f"{where}: unknown timezone {timezone!r}")
    breaks: list[HolidayBreak] = []
    workdays: list[tuple[date, str]] = []
    years: set[int] = set()
    raw_years = data.get("years")
    if not isinstance(raw_years, Mapping) or not raw_years:
        problems.append(f"{where}: 'years' must be a non-empty mapping of year -> entry")
        raw_years = {}
    for raw_year, entry in raw_years.items():
        year = _parse_year(raw_year, where, problems)
        if year is None:
            continue
        years.add(year)
        ywhere = f"{where}: years.{year}"
        if not isinstance(entry, Mapping):
            problems.append(f"{ywhere}: expected a mapping with 'holidays' and 'workdays'")
            continue
        breaks += _parse_breaks(entry.get("holidays", []), year, ywhere, problems)
        workdays += _parse_workdays(entry.get("workdays", []), year, ywhere, problems)
    _check_consistency(breaks, workdays, where, problems)
    if problems:
        if source is not None:
            problems = locate(problems, data, source)
        raise DefinitionError(problems)
    return WorkingCalendar(
        name=name,
        version=version,
        timezone=timezone,
        breaks=tuple(sorted(breaks, key=lambda b: b.first)),
        workdays=frozenset(d for d, _ in workdays),
        years=frozenset(years),
    )


def _required_str(data: Mapping[str, Any], key: str, where: str, problems: list[str]) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        # A bare YAML number (version: 2026.1) would silently lose trailing zeros; insist on text.
        problems.append(f"{where}: '{key}' is required and must be a non-empty string")
        return ""
    return value


def _valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _parse_year(raw: object, where: str, problems: list[str]) -> int | None:
    if isinstance(raw, int) and not isinstance(raw, bool) and 1900 <= raw <= 9999:
        return raw
    if isinstance(raw, str) and raw.isdigit() and len(raw) == 4:
        return int(raw)
    problems.append(f"{where}: year key {raw!r} is not a four-digit year")
    return None


def _parse_date(raw: object, where: str, problems: list[str]) -> date | None:
    # datetime is a subclass of date: a timestamp here is a data error, not a date.
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            pass
    problems.append(f"{where}: {raw!r} is not a date (expected YYYY-MM-DD)")
    return None


def _in_notice_year(d: date, year: int) -> bool:
    # A notice for year Y may start a break (or move a working day) in December of Y-1.
    return d.year == year or (d.year == year - 1 and d.month == 12)


def _parse_breaks(raw: object, year: int, where: str, problems: list[str]) -> list[HolidayBreak]:
    if not isinstance(raw, list):
        problems.append(f"{where}.holidays: expected a list")
        return []
    out: list[HolidayBreak] = []
    for i, item in enumerate(raw):
        bwhere = f"{where}.holidays[{i}]"
        if not isinstance(item, Mapping):
            problems.append(f"{bwhere}: expected a mapping with zh, en, from, to")
            continue
        missing = [k for k in ("zh", "en", "from", "to") if item.get(k) in (None, "")]
        if missing:
            problems.append(f"{bwhere}: missing {', '.join(missing)}")
            continue
        first = _parse_date(item["from"], f"{bwhere}.from", problems)
        last = _parse_date(item["to"], f"{bwhere}.to", problems)
        if first is None or last is None:
            continue
        bwhere = f"{bwhere} ({item['zh']})"
        if first > last:
            problems.append(f"{bwhere}: 'from' {first} is after 'to' {last}")
        elif not (_in_notice_year(first, year) and _in_notice_year(last, year)):
            problems.append(f"{bwhere}: {first}..{last} lies outside the year {year}")
        else:
            path = f"{where.split(': ', 1)[-1]}.holidays[{i}]"  # without the "calendar NAME: " prefix
            out.append(HolidayBreak(str(item["zh"]), str(item["en"]), first, last, path))
    return out


def _parse_workdays(raw: object, year: int, where: str, problems: list[str]) -> list[tuple[date, str]]:
    if not isinstance(raw, list):
        problems.append(f"{where}.workdays: expected a list of dates")
        return []
    out: list[tuple[date, str]] = []
    for i, item in enumerate(raw):
        wwhere = f"{where}.workdays[{i}]"
        d = _parse_date(item, wwhere, problems)
        if d is None:
            continue
        if d.weekday() < _SATURDAY:
            # Listing a Monday-Friday here is always a typo: it is a working day anyway.
            problems.append(f"{wwhere}: {d} is a {d:%A}, not a weekend day")
        elif not _in_notice_year(d, year):
            problems.append(f"{wwhere}: {d} lies outside the year {year}")
        else:
            out.append((d, wwhere.split(": ", 1)[-1]))  # without the "calendar NAME: " prefix
    return out


def _check_consistency(
    breaks: list[HolidayBreak], workdays: list[tuple[date, str]], where: str, problems: list[str]
) -> None:
    ordered = sorted(breaks, key=lambda b: b.first)
    for prev, cur in itertools.pairwise(ordered):
        if cur.first <= prev.last:
            problems.append(f"{where}: {cur.where}: holidays {prev.zh} and {cur.zh} overlap on {cur.first}")
    seen: set[date] = set()
    for d, wwhere in workdays:
        if d in seen:
            problems.append(f"{where}: {wwhere}: workday {d} is listed twice")
        seen.add(d)
        for b in breaks:
            if d in b:
                problems.append(f"{where}: {wwhere}: {d} is both a workday and inside holiday {b.zh}")

