"""Pure ladder planning: rung due instants in working days, which rungs are due, in which order."""
from __future__ import annotations

from datetime import timedelta

import yaml
from factories import REPO, local, utc_text
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.definitions.durations import Duration
from workflow.definitions.model import EscalationRung
from workflow.engine.projection import auto_level
from workflow.escalation.calendar import parse_calendar
from workflow.escalation.deadlines import compute_due
from workflow.escalation.ladders import (
    after_deadline,
    due_rungs,
    escalation_payload,
    is_late,
    next_escalation_at,
    schedule,
)

CAL = parse_calendar(yaml.safe_load((REPO / "definitions" / "calendars" / "cn-mainland.yaml").read_text("utf-8")))
LADDER = (
    EscalationRung("remind", "yellow", ("assignee",), 0),
    EscalationRung("urge", "red", ("unit_head",), 1),
    EscalationRung("supervise", "red + 5 working_days", ("leader",), 2, bulletin=True),
)


def deadline_for(due_text: str, yellow_text: str, fired: tuple[str, ...] = ()) -> dict:
    rungs, _ = schedule(LADDER, due_at=local(due_text), yellow_at=local(yellow_text), calendar=CAL)
    return {"key": "s@v1", "state": "s", "due_at": utc_text(local(due_text)), "rungs": rungs,
            "fired": [{"rung": n, "level": next(r.level for r in LADDER if r.name == n)} for n in fired]}


def test_red_plus_working_days_skips_national_day_and_counts_the_worked_saturday() -> None:
    # Deadline: end of Wed 2026-09-30. Oct 1-7 are off; Sat Oct 10 is worked.
    at, provisional = after_deadline(local("2026-10-01T00:00"), Duration(5, "working_days"), CAL)
    assert at == local("2026-10-14T00:00")  # Oct 8, 9, 10 (Sat), 12, 13 → end of Oct 13
    assert provisional is False


def test_red_plus_working_days_across_spring_festival_2026() -> None:
    # Deadline: end of Fri 2026-02-13. Sat Feb 14 is worked, Feb 15-23 is the nine-day break.
    at, _ = after_deadline(local("2026-02-14T00:00"), Duration(3, "working_days"), CAL)
    assert at == local("2026-02-26T00:00")  # Feb 14 (Sat), 24, 25 → end of Feb 25


def test_red_plus_into_an_uncovered_year_is_provisional() -> None:
    at, provisional = after_deadline(local("2026-12-31T00:00"), Duration(5, "working_days"), CAL)
    assert provisional is True
    # Last day Dec 30; then Dec 31 and, by the weekday rule for 2027, Jan 1, 4, 5, 6.
    assert at == local("2027-01-07T00:00")


def test_red_plus_hours_and_calendar_days() -> None:
    due = local("2026-10-01T00:00")
    assert after_deadline(due, Duration(48, "hours"), CAL) == (due + timedelta(hours=48), False)
    assert after_deadline(due, Duration(2, "calendar_days"), CAL) == (local("2026-10-03T00:00"), False)


def test_schedule_puts_each_rung_at_its_instant() -> None:
    basis = compute_due(local("2026-09-28T09:00"), Duration(5, "working_days"), CAL)  # end of Sat Oct 10
    rungs, provisional = schedule(LADDER, due_at=basis.due_at, yellow_at=local("2026-10-09T00:00"), calendar=CAL)
    assert [(r["name"], r["due_at"]) for r in rungs] == [
        ("remind", utc_text(local("2026-10-09T00:00"))),
        ("urge", utc_text(local("2026-10-11T00:00"))),
        ("supervise", utc_text(local("2026-10-17T00:00"))),  # Oct 12-16
    ]
    assert rungs[2]["bulletin"] is True and rungs[2]["notify"] == ["leader"]
    assert provisional is False


def test_due_rungs_in_order_and_never_the_fired_ones() -> None:
    d = deadline_for("2026-03-10T00:00", "2026-03-06T00:00")
    assert due_rungs(d, local("2026-03-05T23:59")) == []
    assert [r["name"] for r in due_rungs(d, local("2026-03-06T00:00"))] == ["remind"]
    assert [r["name"] for r in due_rungs(d, local("2026-04-01T00:00"))] == ["remind", "urge", "supervise"]
    d_fired = deadline_for("2026-03-10T00:00", "2026-03-06T00:00", fired=("remind", "urge"))
    assert [r["name"] for r in due_rungs(d_fired, local("2026-04-01T00:00"))] == ["supervise"]
    assert auto_level(d_fired) == 1


def test_yellow_equal_to_red_fires_first() -> None:
    d = deadline_for("2026-03-10T00:00", "2026-03-10T00:00")
    assert [r["name"] for r in due_rungs(d, local("2026-03-10T00:00"))] == ["remind", "urge"]


def test_next_escalation_at_is_the_earliest_unfired_rung() -> None:
    d = deadline_for("2026-03-10T00:00", "2026-03-06T00:00", fired=("remind",))
    assert next_escalation_at(d) == utc_text(local("2026-03-10T00:00"))
    done = deadline_for("2026-03-10T00:00", "2026-03-06T00:00", fired=("remind", "urge", "supervise"))
    assert next_escalation_at(done) is None
    assert next_escalation_at(None) is None and next_escalation_at({"due_at": "x"}) is None


def test_payload_marks_late_firings_and_keeps_the_due_time() -> None:
    d = deadline_for("2026-03-10T00:00", "2026-03-06T00:00")
    rung = d["rungs"][1]
    now = local("2026-03-12T00:00")
    p = escalation_payload(d, rung, now=now, late_after=timedelta(minutes=5), targets=["b", "a"])
    assert p["due_at"] == rung["due_at"] and p["fired_at"] == utc_text(now)
    assert p["late"] is True and p["targets"] == ["a", "b"] and p["deadline_key"] == "s@v1"
    assert not is_late(rung["due_at"], local("2026-03-10T00:04"), timedelta(minutes=5))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=40 * 24), min_size=1, max_size=12))
def test_any_sequence_of_sweeps_fires_every_due_rung_once_in_order(hours: list[int]) -> None:
    d = deadline_for("2026-03-10T00:00", "2026-03-06T00:00")
    start = local("2026-03-02T09:00")
    fired: list[str] = []
    for h in sorted(hours):
        for rung in due_rungs(d, start + timedelta(hours=h)):  # what one sweep at that instant fires
            d["fired"].append({"rung": rung["name"], "level": rung["level"]})
            fired.append(rung["name"])
    last = start + timedelta(hours=max(hours))
    expected = [r["name"] for r in d["rungs"] if r["due_at"] <= utc_text(last)]
    assert fired == expected
