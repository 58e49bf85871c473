"""Tests for the working-day calendar and the cn-mainland reference data it is built from."""
from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from typing import Any

import chinese_calendar
import pytest
import yaml
from factories import DEFINITIONS
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.errors import DefinitionError
from workflow.escalation.calendar import WorkingCalendar, parse_calendar

CN_YAML = DEFINITIONS / "calendars" / "cn-mainland.yaml"
COVERED = range(2021, 2027)


def load_raw() -> dict[str, Any]:
    with CN_YAML.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return parse_calendar(load_raw())


def d(text: str) -> date:
    return date.fromisoformat(text)


def days(first: str, last: str) -> list[date]:
    a, b = d(first), d(last)
    return [a + timedelta(days=i) for i in range((b - a).days + 1)]


# --- the reference data ----------------------------------------------------------------------


def test_header_fields(cal: WorkingCalendar) -> None:
    assert cal.name == "cn-mainland"
    assert cal.version == "2026.1"
    assert cal.timezone == "Asia/Shanghai"
    assert cal.years == frozenset(COVERED)


@pytest.mark.parametrize("year", COVERED)
def test_every_date_matches_chinese_calendar(cal: WorkingCalendar, year: int) -> None:
    mismatches = [
        day for day in days(f"{year}-01-01", f"{year}-12-31")
        if cal.is_working_day(day) != chinese_calendar.is_workday(day)
    ]
    assert mismatches == []


def test_holiday_names_agree_with_chinese_calendar(cal: WorkingCalendar) -> None:
    # The package splits combined breaks (国庆节、中秋节) into parts; ours names the whole break,
    # so the package's English name must appear within ours.
    for day in days("2021-01-01", "2026-12-31"):
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
        if is_holiday and name is not None:
            ours = cal.holiday_name(day, lang="en")
            assert ours is not None and name in ours, (day, name, ours)


def test_adjusted_workdays_are_weekends_in_yaml() -> None:
    for year, entry in load_raw()["years"].items():
        for day in entry["workdays"]:
            assert day.weekday() >= 5, (year, day)


# --- named scenarios -------------------------------------------------------------------------


def test_spring_festival_2024(cal: WorkingCalendar) -> None:
    assert not any(cal.is_working_day(x) for x in days("2024-02-10", "2024-02-17"))
    # 除夕 (Feb 9) was only "encouraged" off: officially a working day.
    assert cal.is_working_day(d("2024-02-09"))
    assert cal.is_working_day(d("2024-02-04"))  # Sunday worked
    result = cal.add_working_days(d("2024-02-09"), 1)
    assert result.day == d("2024-02-18")  # a Sunday, worked in exchange
    assert result.skipped == days("2024-02-10", "2024-02-17")
    assert result.provisional is False


def test_spring_festival_2025(cal: WorkingCalendar) -> None:
    assert cal.is_working_day(d("2025-01-26"))  # Sunday
    assert cal.add_working_days(d("2025-01-27"), 1).day == d("2025-02-05")
    assert cal.is_working_day(d("2025-02-08"))  # Saturday
    assert cal.holiday_name(d("2025-01-28")) == "春节"


def test_spring_festival_2026_nine_days(cal: WorkingCalendar) -> None:
    stretch = days("2026-02-15", "2026-02-23")
    assert len(stretch) == 9 and not any(cal.is_working_day(x) for x in stretch)
    assert cal.add_working_days(d("2026-02-13"), 1).day == d("2026-02-14")  # Saturday worked
    assert cal.add_working_days(d("2026-02-14"), 1).day == d("2026-02-24")
    # (Feb 13, Feb 28]: 14, 24, 25, 26, 27 and the worked Saturday 28.
    assert cal.working_days_between(d("2026-02-13"), d("2026-02-28")) == 6


def test_national_day_2026_and_worked_saturday(cal: WorkingCalendar) -> None:
    assert d("2026-10-10").weekday() == 5
    assert cal.is_working_day(d("2026-10-10"))
    assert not cal.is_working_day(d("2026-10-11"))  # the Sunday after is an ordinary weekend
    result = cal.add_working_days(d("2026-09-30"), 3)
    assert result.day == d("2026-10-10")
    assert result.skipped == days("2026-10-01", "2026-10-07")
    assert cal.holiday_name(d("2026-10-03"), lang="en") == "National Day"


def test_adjusted_working_sunday(cal: WorkingCalendar) -> None:
    assert d("2026-01-04").weekday() == 6
    assert cal.is_working_day(d("2026-01-04"))
    assert cal.add_working_days(d("2025-12-31"), 1).day == d("2026-01-04")


def test_break_starting_in_previous_december(cal: WorkingCalendar) -> None:
    assert cal.holiday_name(d("2022-12-31")) == "元旦"
    assert cal.holiday_name(d("2023-12-30"), lang="en") == "New Year's Day"


def test_combined_break_name(cal: WorkingCalendar) -> None:
    assert cal.holiday_name(d("2025-10-06")) == "国庆节、中秋节"
    assert cal.holiday_name(d("2025-10-09")) is None


def test_crossing_into_uncovered_year_is_provisional(cal: WorkingCalendar) -> None:
    assert not cal.covers(d("2027-01-01"))
    result = cal.add_working_days(d("2026-12-30"), 3)
    # 2027 has no data yet: Friday 2027-01-01 counts as an ordinary weekday.
    assert result.day == d("2027-01-04")
    assert result.skipped == [d("2027-01-02"), d("2027-01-03")]
    assert result.provisional is True


def test_covered_year_is_not_provisional(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(d("2026-12-28"), 3).provisional is False
    assert cal.add_working_days(d("2021-01-04"), -1).provisional is True  # reaches 2020


def test_uncovered_year_uses_monday_to_friday(cal: WorkingCalendar) -> None:
    assert cal.is_working_day(d("2030-01-01"))  # a Tuesday, holiday or not
    assert not cal.is_working_day(d("2030-01-05"))


def test_add_working_days_zero_and_negative(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(d("2026-10-03"), 0).day == d("2026-10-03")
    assert cal.add_working_days(d("2026-10-08"), -1).day == d("2026-09-30")


def test_working_days_between(cal: WorkingCalendar) -> None:
    assert cal.working_days_between(d("2026-09-30"), d("2026-10-10")) == 3
    assert cal.working_days_between(d("2026-10-10"), d("2026-09-30")) == -3
    assert cal.working_days_between(d("2026-10-02"), d("2026-10-02")) == 0


@settings(max_examples=200, deadline=None)
@given(
    start=st.dates(min_value=date(2020, 6, 1), max_value=date(2027, 6, 1)),
    n=st.integers(min_value=-40, max_value=40),
)
def test_add_and_count_are_inverse(start: date, n: int) -> None:
    cal = parse_calendar(load_raw())
    result = cal.add_working_days(start, n)
    if n >= 0:  # forward: the working days in (start, result]
        assert cal.working_days_between(start, result.day) == n
    else:  # backward: the working days in [result, start)
        one = timedelta(days=1)
        assert cal.working_days_between(result.day - one, start - one) == -n
    if n:
        assert cal.is_working_day(result.day)
        assert all(not cal.is_working_day(x) for x in result.skipped)
        assert len(result.skipped) + abs(n) == abs((result.day - start).days)


# --- parsing ---------------------------------------------------------------------------------


def test_accepts_iso_strings_as_well_as_dates(cal: WorkingCalendar) -> None:
    raw = load_raw()
    for entry in raw["years"].values():
        for h in entry["holidays"]:
            h["from"], h["to"] = h["from"].isoformat(), h["to"].isoformat()
        entry["workdays"] = [w.isoformat() for w in entry["workdays"]]
    raw["years"] = {str(y): e for y, e in raw["years"].items()}
    assert parse_calendar(raw) == cal


def _minimal() -> dict[str, Any]:
    return {
        "name": "t", "version": "1", "timezone": "Asia/Shanghai",
        "years": {2026: {
            "holidays": [{"zh": "国庆节", "en": "National Day",
                          "from": date(2026, 10, 1), "to": date(2026, 10, 7)}],
            "workdays": [date(2026, 10, 10)],
        }},
    }


def _set(path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(_minimal())
    *parents, leaf = path.split("/")
    node: Any = data
    for key in parents:
        node = node[int(key) if key.isdigit() else key]
    if value is _DELETE:
        del node[leaf]
    else:
        node[int(leaf) if leaf.isdigit() else leaf] = value
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_set("name", _DELETE), "'name' is required"),
        (_set("timezone", "Asia/Beijing"), "unknown timezone 'Asia/Beijing'"),
        (_set("years", _DELETE), "'years' must be a non-empty mapping"),
        (_set("years/2026/workdays", [date(2026, 10, 9)]), "2026-10-09 is a Friday, not a weekend"),
        (_set("years/2026/workdays", [date(2026, 10, 4)]),
         "2026-10-04 is both a workday and inside holiday 国庆节"),
        (_set("years/2026/holidays/0/to", date(2026, 9, 30)), "'from' 2026-10-01 is after 'to' 2026-09-30"),
        (_set("years/2026/holidays/0/from", "2026-13-01"), "'2026-13-01' is not a date"),
        (_set("years/2026/holidays/0/from", datetime(2026, 10, 1)), "is not a date"),
        (_set("years/2026/holidays/0/en", _DELETE), "years.2026.holidays[0]: missing en"),
        (_set("years/2026/holidays/0/from", date(2025, 10, 1)), "lies outside the year 2026"),
        (_set("years/2026/workdays", [date(2026, 10, 10), date(2026, 10, 10)]), "listed twice"),
        (_set("years/2026/holidays", [
            {"zh": "甲", "en": "A", "from": "2026-10-01", "to": "2026-10-03"},
            {"zh": "乙", "en": "B", "from": "2026-10-03", "to": "2026-10-04"},
        ]), "holidays 甲 and 乙 overlap on 2026-10-03"),
    ],
)
def test_malformed_data_raises_definition_error(data: dict[str, Any], message: str) -> None:
    with pytest.raises(DefinitionError) as excinfo:
        parse_calendar(data)
    assert message in str(excinfo.value)


def test_all_problems_are_reported_together() -> None:
    data = _set("years/2026/workdays", [date(2026, 10, 9), "not-a-date"])
    data["timezone"] = "Nowhere/Nothing"
    with pytest.raises(DefinitionError) as excinfo:
        parse_calendar(data)
    assert len(excinfo.value.problems) == 3


def test_minimal_calendar_parses() -> None:
    cal = parse_calendar(_minimal())
    assert cal.years == frozenset({2026})
    assert cal.holiday_name(date(2026, 10, 1), lang="en") == "National Day"


def test_remembered_day_arithmetic_is_per_calendar_and_cannot_be_changed_by_callers() -> None:
    """Due days are computed once per calendar: a calendar with other holidays under the same name and
    version still gets its own answers, and a caller editing a result does not change the next one."""
    from workflow.definitions.durations import Duration
    from workflow.escalation.deadlines import compute_due

    with_break = parse_calendar(_minimal())
    data = _minimal()
    data["years"][2026]["holidays"] = []
    data["years"][2026]["workdays"] = []
    without_break = parse_calendar(data)
    start = datetime.fromisoformat("2026-09-30T10:00:00+08:00")
    first = with_break.add_working_days(date(2026, 9, 30), 2)
    first.skipped.clear()
    again = with_break.add_working_days(date(2026, 9, 30), 2)
    assert (again.day, again.skipped, again.provisional) == (date(2026, 10, 9), days("2026-10-01", "2026-10-07"), False)
    assert without_break.add_working_days(date(2026, 9, 30), 2).day == date(2026, 10, 2)
    basis = compute_due(start, Duration(2, "working_days"), with_break)
    basis.skipped.clear()
    assert compute_due(start, Duration(2, "working_days"), with_break).skipped[0] == "2026-10-01"
    assert compute_due(start, Duration(2, "working_days"), without_break).skipped == []
