"""Deadlines cases get on entering a state: working days over holidays, dates, provisional years, basis."""
from __future__ import annotations

import pytest
from factories import local, open_rect, utc_text

from workflow.errors import GuardRejected, InvalidInput


def test_spring_festival_stretch_is_skipped(sqlite_esc_app, clock) -> None:
    clock.set(local("2026-02-13T09:00"))  # Friday before the 2026 nine-day break
    case = open_rect(sqlite_esc_app)
    d = case.deadline
    # 5 working days: Sat Feb 14 (worked), then Feb 24, 25, 26, 27 after the break.
    assert d["due_at"] == utc_text(local("2026-02-28T00:00"))
    assert d["skipped"][:9] == [f"2026-02-{day}" for day in range(15, 24)]
    assert (d["amount"], d["unit"], d["calendar"], d["calendar_version"]) == (5, "working_days", "cn-mainland",
                                                                           "2026.1")
    assert d["provisional"] is False


def test_national_day_stretch_and_the_worked_saturday(sqlite_esc_app, clock) -> None:
    clock.set(local("2026-09-30T10:00"))
    d = open_rect(sqlite_esc_app).deadline
    # Oct 1-7 off, Oct 8, 9, 10 (Saturday, worked), 12, 13.
    assert d["due_at"] == utc_text(local("2026-10-14T00:00"))
    assert d["skipped"] == [f"2026-10-0{i}" for i in range(1, 8)] + ["2026-10-11"]
    # Yellow (2 working days before): the last two working days are Oct 12 and 13.
    assert d["yellow_at"] == utc_text(local("2026-10-12T00:00"))
    supervise = next(r for r in d["rungs"] if r["name"] == "supervise")
    assert supervise["due_at"] == utc_text(local("2026-10-21T00:00"))  # Oct 14-20 less the weekend


def test_the_audit_event_records_how_the_deadline_was_derived(sqlite_esc_app) -> None:
    case = open_rect(sqlite_esc_app)
    events, _ = sqlite_esc_app.cases.history(case.id)
    basis = events[0].payload["deadline"]
    assert {"start", "amount", "unit", "calendar_version", "skipped", "due_at", "key", "rungs"} <= set(basis)
    assert basis["start"] == events[0].at and basis["key"] == "reported@v1"


def test_deadline_crossing_into_an_uncovered_year_is_provisional(sqlite_esc_app, clock) -> None:
    clock.set(local("2026-12-28T09:00"))
    d = open_rect(sqlite_esc_app).deadline
    assert d["due_at"] == utc_text(local("2027-01-05T00:00"))  # Dec 29-31, Jan 1 and Jan 4 by the weekday rule
    assert d["provisional"] is True


def test_ladder_reaching_into_an_uncovered_year_makes_the_deadline_provisional(sqlite_esc_app, clock) -> None:
    clock.set(local("2026-12-21T09:00"))  # due end of Mon Dec 28: inside 2026, but red + 5 runs into 2027
    d = open_rect(sqlite_esc_app).deadline
    assert d["due_at"] == utc_text(local("2026-12-29T00:00"))
    assert d["provisional"] is True


def _to_rectifying(app, case_id: str, rectify_by: str):
    s = app.cases
    s.advance(case_id, "verify", actor="supervisor")
    s.assign(case_id, actor="handler", assignee="handler")
    return s.advance(case_id, "dispatch", actor="supervisor",
                     fields={"measure": "补齐材料", "owner": "handler", "rectify_by": rectify_by})


def test_a_date_field_sets_the_rectification_deadline(sqlite_esc_app) -> None:
    case = _to_rectifying(sqlite_esc_app, open_rect(sqlite_esc_app).id, "2026-04-30")
    d = case.deadline
    assert d["due_at"] == utc_text(local("2026-05-01T00:00")) and d["unit"] == "date"
    assert (d["from_field"], d["until"]) == ("rectify_by", "2026-04-30")
    assert d["state"] == "rectifying" and d["key"] == f"rectifying@v{case.version}"


def test_extension_must_be_requested_before_the_deadline(sqlite_esc_app, clock) -> None:
    case = _to_rectifying(sqlite_esc_app, open_rect(sqlite_esc_app).id, "2026-03-20")
    clock.set(local("2026-03-21T08:00"))
    with pytest.raises(GuardRejected, match="before the deadline"):
        sqlite_esc_app.cases.advance(case.id, "request_extension", actor="handler",
                                       fields={"extension_reason": "材料未到", "extension_until": "2026-04-10"})


def test_an_extension_must_move_the_deadline_later(sqlite_esc_app) -> None:
    s = sqlite_esc_app.cases
    case = _to_rectifying(sqlite_esc_app, open_rect(sqlite_esc_app).id, "2026-03-20")
    s.advance(case.id, "request_extension", actor="handler",
              fields={"extension_reason": "材料未到", "extension_until": "2026-03-19"})
    with pytest.raises(InvalidInput, match="later than 2026-03-20 "):
        s.advance(case.id, "approve_extension", actor="leader", fields={"rectify_by": "2026-03-19"})
    assert s.get(case.id).state == "extension_pending"  # nothing was written
