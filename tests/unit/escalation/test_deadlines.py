"""Tests for deadline computation, escalation offsets and the traffic light."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml
from factories import DEFINITIONS
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.definitions.durations import Duration, parse_duration
from workflow.errors import DefinitionError
from workflow.escalation.calendar import WorkingCalendar, parse_calendar
from workflow.escalation.deadlines import DeadlineBasis, add_duration, compute_due, format_utc, traffic_light, yellow_at

CN_YAML = DEFINITIONS / "calendars" / "cn-mainland.yaml"
SHANGHAI = ZoneInfo("Asia/Shanghai")
US = timedelta(microseconds=1)


def _load() -> WorkingCalendar:
    with CN_YAML.open(encoding="utf-8") as fh:
        return parse_calendar(yaml.safe_load(fh))


CAL = _load()


def local(text: str) -> datetime:
    """An aware UTC instant from a Shanghai wall-clock time."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).astimezone(UTC)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- durations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5 working_days", Duration(5, "working_days")),
        ("5 working days", Duration(5, "working_days")),
        ("1 Working_Day", Duration(1, "working_days")),
        ("5wd", Duration(5, "working_days")),
        ("10 calendar_days", Duration(10, "calendar_days")),
        ("10d", Duration(10, "calendar_days")),
        ("48 hours", Duration(48, "hours")),
        (" 48h ", Duration(48, "hours")),
    ],
)
def test_parse_duration(text: str, expected: Duration) -> None:
    assert parse_duration(text) == expected
    assert parse_duration(str(expected)) == expected


@pytest.mark.parametrize("text", ["", "5", "wd", "five wd", "5 weeks", "5 days", "5.5h", "5 wd x"])
def test_parse_duration_rejects_junk(text: str) -> None:
    with pytest.raises(DefinitionError, match="invalid duration"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["0 wd", "-3 hours", "0d"])
def test_parse_duration_rejects_non_positive(text: str) -> None:
    with pytest.raises(DefinitionError, match="must be positive"):
        parse_duration(text)


def test_duration_constructor_validates() -> None:
    with pytest.raises(DefinitionError):
        Duration(0, "hours")
    with pytest.raises(DefinitionError):
        Duration(3, "weeks")  # type: ignore[arg-type]


# --- compute_due -----------------------------------------------------------------------------


def test_working_days_skip_national_day_2026() -> None:
    basis = compute_due(local("2026-09-30T10:00"), parse_duration("2 working_days"), CAL)
    # Oct 1-7 off; Oct 8 and Oct 9 are the two working days; due at the end of Oct 9 local.
    assert basis.due_at == utc("2026-10-09T16:00")
    assert basis.to_dict()["due_at"] == "2026-10-09T16:00:00.000000Z"
    assert basis.skipped == [f"2026-10-0{i}" for i in range(1, 8)]
    assert basis.provisional is False
    assert (basis.calendar, basis.calendar_version) == ("cn-mainland", "2026.1")


def test_worked_saturday_counts() -> None:
    basis = compute_due(local("2026-09-30T10:00"), Duration(3, "working_days"), CAL)
    assert basis.due_at == local("2026-10-11T00:00")  # Saturday Oct 10 was the 3rd


def test_local_date_not_utc_date_is_counted() -> None:
    # 23:59 on Sep 29 local and 00:30 on Sep 30 local are different start days.
    late = compute_due(utc("2026-09-29T15:59"), Duration(2, "working_days"), CAL)
    early = compute_due(utc("2026-09-29T16:30"), Duration(2, "working_days"), CAL)
    assert late.due_at == local("2026-10-09T00:00")
    assert early.due_at == local("2026-10-10T00:00")


def test_spring_festival_2026_deadline() -> None:
    basis = compute_due(local("2026-02-13T09:00"), Duration(5, "working_days"), CAL)
    # Sat 14 (worked), then 24, 25, 26, 27 after the nine-day break.
    assert basis.due_at == local("2026-02-28T00:00")
    assert basis.skipped[0] == "2026-02-15" and basis.skipped[-1] == "2026-02-23"


def test_deadline_crossing_into_2027_is_provisional() -> None:
    basis = compute_due(local("2026-12-28T09:00"), Duration(5, "working_days"), CAL)
    # Dec 29, 30, 31, then 2027 by the weekday rule: Fri Jan 1 and Mon Jan 4.
    assert basis.due_at == local("2027-01-05T00:00")
    assert basis.skipped == ["2027-01-02", "2027-01-03"]
    assert basis.provisional is True


def test_calendar_days_ignore_holidays() -> None:
    basis = compute_due(local("2026-09-30T10:00"), parse_duration("10d"), CAL)
    assert basis.due_at == local("2026-10-11T00:00")
    assert basis.skipped == [] and basis.provisional is False
    across = compute_due(local("2026-12-28T09:00"), Duration(10, "calendar_days"), CAL)
    assert across.due_at == local("2027-01-08T00:00") and across.provisional is False


def test_hours_are_exact() -> None:
    start = utc("2026-10-01T03:15:00.500000")
    basis = compute_due(start, parse_duration("48h"), CAL)
    assert basis.due_at == start + timedelta(hours=48)
    assert basis.skipped == [] and basis.provisional is False


def test_start_is_normalised_to_utc_and_naive_rejected() -> None:
    basis = compute_due(datetime(2026, 9, 30, 10, tzinfo=SHANGHAI), Duration(1, "hours"), CAL)
    assert basis.start.tzinfo == UTC and basis.start == utc("2026-09-30T02:00")
    with pytest.raises(ValueError, match="naive"):
        compute_due(datetime(2026, 9, 30, 10), Duration(1, "hours"), CAL)


def test_basis_roundtrip_is_json_ready() -> None:
    basis = compute_due(local("2026-12-28T09:00:00.123456"), Duration(5, "working_days"), CAL)
    data = json.loads(json.dumps(basis.to_dict()))
    assert data["start"] == "2026-12-28T01:00:00.123456Z"
    assert DeadlineBasis.from_dict(data) == basis
    assert DeadlineBasis.from_dict(data).duration == Duration(5, "working_days")


def test_format_utc() -> None:
    assert format_utc(local("2026-10-10T00:00")) == "2026-10-09T16:00:00.000000Z"


# --- add_duration ----------------------------------------------------------------------------


def test_escalation_after_red_in_working_days() -> None:
    red = local("2026-10-10T00:00")  # the deadline of the National Day example
    # Local date Oct 10 is the start day; Oct 12-16 are the next five working days.
    assert add_duration(red, parse_duration("5 working_days"), CAL) == local("2026-10-17T00:00")


def test_escalation_in_hours_and_calendar_days() -> None:
    red = local("2026-10-10T00:00")
    assert add_duration(red, Duration(24, "hours"), CAL) == red + timedelta(hours=24)
    assert add_duration(red, Duration(1, "calendar_days"), CAL) == local("2026-10-12T00:00")


# --- traffic light ---------------------------------------------------------------------------

START = local("2026-09-28T09:00")
DUE = compute_due(START, Duration(5, "working_days"), CAL).due_at  # end of Sat Oct 10


def light(now: datetime, **rules: object) -> str:
    return traffic_light(now, DUE, start=START, calendar=CAL, **rules)  # type: ignore[arg-type]


def test_example_deadline() -> None:
    assert local("2026-10-11T00:00") == DUE  # Sep 29, 30, Oct 8, 9, 10


def test_warn_before_working_days_transitions() -> None:
    rule = {"warn_before": Duration(2, "working_days")}
    assert light(local("2026-10-05T12:00"), **rule) == "green"  # holiday, 3 working days left
    assert light(local("2026-10-08T23:59:59.999999"), **rule) == "green"
    assert light(local("2026-10-09T00:00"), **rule) == "yellow"  # last two working days
    assert light(DUE - US, **rule) == "yellow"
    assert light(DUE, **rule) == "red"
    assert yellow_at(DUE, start=START, calendar=CAL, **rule) == local("2026-10-09T00:00")  # type: ignore[arg-type]


def test_warn_before_skips_holidays_backwards() -> None:
    # Three working days before the deadline reach back over the holiday to Oct 8 only.
    rule = {"warn_before": Duration(3, "working_days")}
    assert light(local("2026-10-07T23:00"), **rule) == "green"
    assert light(local("2026-10-08T00:00"), **rule) == "yellow"


def test_warn_before_hours_and_calendar_days() -> None:
    assert light(DUE - timedelta(hours=6) - US, warn_before=Duration(6, "hours")) == "green"
    assert light(DUE - timedelta(hours=6), warn_before=Duration(6, "hours")) == "yellow"
    assert light(local("2026-10-08T23:00"), warn_before=Duration(2, "calendar_days")) == "green"
    assert light(local("2026-10-09T00:00"), warn_before=Duration(2, "calendar_days")) == "yellow"


def test_warn_at_percent_transitions() -> None:
    start, due = utc("2026-03-02T00:00"), utc("2026-03-06T04:00")  # 100 hours
    def at(hours: float) -> str:
        now = start + timedelta(hours=hours)
        return traffic_light(now, due, start=start, warn_at_percent=80, calendar=CAL)
    assert at(79.99) == "green"
    assert at(80) == "yellow"
    assert at(100) == "red"
    assert yellow_at(due, start=start, warn_at_percent=80, calendar=CAL) == start + timedelta(hours=80)


def test_both_rules_take_the_earlier() -> None:
    rules = {"warn_before": Duration(1, "working_days"), "warn_at_percent": 50}
    first = yellow_at(DUE, start=START, calendar=CAL, **rules)  # type: ignore[arg-type]
    assert first == START + (DUE - START) / 2
    assert light(first - US, **rules) == "green" and light(first, **rules) == "yellow"


def test_no_rules_goes_straight_to_red() -> None:
    assert yellow_at(DUE, start=START, calendar=CAL) == DUE
    assert light(DUE - US) == "green" and light(DUE) == "red"


def test_invalid_percent_rejected() -> None:
    with pytest.raises(ValueError, match="warn_at_percent"):
        light(START, warn_at_percent=150)


_instants = st.datetimes(
    min_value=datetime(2020, 11, 1), max_value=datetime(2027, 3, 1), timezones=st.just(UTC)
)
_durations = st.builds(
    Duration,
    amount=st.integers(min_value=1, max_value=25),
    unit=st.sampled_from(["working_days", "calendar_days", "hours"]),
)


@settings(max_examples=300, deadline=None)
@given(
    start=_instants,
    duration=_durations,
    warn_before=st.none() | _durations,
    warn_at_percent=st.none() | st.integers(min_value=0, max_value=100),
    offset=st.integers(min_value=-5 * 86_400_000_000, max_value=60 * 86_400_000_000),
    jitter=st.integers(min_value=-3, max_value=3),
    near_threshold=st.booleans(),
)
def test_yellow_at_is_consistent_with_traffic_light(
    start: datetime,
    duration: Duration,
    warn_before: Duration | None,
    warn_at_percent: int | None,
    offset: int,
    jitter: int,
    near_threshold: bool,
) -> None:
    due = compute_due(start, duration, CAL).due_at
    rules = {"start": start, "warn_before": warn_before, "warn_at_percent": warn_at_percent,
             "calendar": CAL}
    first = yellow_at(due, **rules)  # type: ignore[arg-type]
    assert first <= due
    # The light is green right up to yellow_at and never green from it on.
    assert traffic_light(first - US, due, **rules) == "green"  # type: ignore[arg-type]
    assert traffic_light(first, due, **rules) != "green"  # type: ignore[arg-type]
    now = first + jitter * US if near_threshold else start + timedelta(microseconds=offset)
    expected = "red" if now >= due else "yellow" if now >= first else "green"
    assert traffic_light(now, due, **rules) == expected  # type: ignore[arg-type]
