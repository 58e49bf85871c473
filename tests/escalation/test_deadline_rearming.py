"""Deadline instances: loop-backs restart or resume, extensions re-arm the ladder, waiting carries it."""
from __future__ import annotations

from factories import local, open_rect, utc_text

from workflow.cases.validation import Attachment
from workflow.reporting.presenters import deadline_view


def sweep(esc):
    return [(f.rung, f.deadline_key) for f in esc.sweeper(fired_by="test").sweep().fired]


def to_rectifying(app, rectify_by: str):
    s = app.cases
    case = open_rect(app)
    s.advance(case.id, "verify", actor="supervisor")
    s.assign(case.id, actor="handler", assignee="handler")
    return s.advance(case.id, "dispatch", actor="supervisor",
                     fields={"measure": "补齐材料", "owner": "handler", "rectify_by": rectify_by})


def test_a_loop_back_that_restarts_re_arms_the_ladder(esc_app, esc, clock) -> None:
    s = esc_app.cases
    case = s.open_case("loop_restart", actor="registrar", unit="xf-sfs-1", title="循环")  # due end of Thu Mar 5
    clock.set(local("2026-03-06T08:00"))
    assert sweep(esc) == [("remind", "handling@v1"), ("urge", "handling@v1")]
    s.advance(case.id, "submit", actor="handler")
    back = s.advance(case.id, "send_back", actor="supervisor")  # a new handling deadline: end of Wed Mar 11
    assert back.deadline["key"] == "handling@v5" and back.deadline["due_at"] == utc_text(local("2026-03-12T00:00"))
    assert (back.supervision_level, back.ever_overdue) == (0, True)
    assert sweep(esc) == []
    clock.set(local("2026-03-12T00:00"))
    assert sweep(esc) == [("remind", "handling@v5"), ("urge", "handling@v5")]
    assert sorted((f["deadline_key"], f["rung"]) for f in esc.firings(case.id)) == [
        ("handling@v1", "remind"), ("handling@v1", "urge"), ("handling@v5", "remind"), ("handling@v5", "urge")]


def test_a_loop_back_that_resumes_keeps_the_deadline_and_what_already_fired(esc_app, esc, clock) -> None:
    s = esc_app.cases
    case = to_rectifying(esc_app, "2026-03-20")
    key = case.deadline["key"]
    clock.set(local("2026-03-21T10:00"))
    assert sweep(esc) == [("remind", key), ("urge", key)]
    evidence = Attachment("evidence", "记录.txt", "材料".encode())
    s.advance(case.id, "report_rectified", actor="handler", attachments=[evidence],
              fields={"result": "已补齐"})
    s.advance(case.id, "sign_off", actor="unit_head")
    back = s.advance(case.id, "return_for_rework", actor="supervisor", fields={"return_reason": "缺制度文件"})
    assert back.deadline["key"] == key and back.deadline["due_at"] == utc_text(local("2026-03-21T00:00"))
    assert back.supervision_level == 1
    assert sweep(esc) == []  # remind and urge fired for this deadline already
    clock.set(local("2026-03-28T00:00"))  # red + 5 working days: Mar 23-27
    assert sweep(esc) == [("supervise", key)]


def test_an_approved_extension_is_a_new_deadline_that_re_arms_the_ladder(esc_app, esc, clock) -> None:
    s = esc_app.cases
    case = to_rectifying(esc_app, "2026-03-20")
    first_key = case.deadline["key"]
    clock.set(local("2026-03-18T09:00"))
    assert sweep(esc) == [("remind", first_key)]
    s.advance(case.id, "request_extension", actor="handler",
              fields={"extension_reason": "需外调材料", "extension_until": "2026-04-10"})
    approved = s.advance(case.id, "approve_extension", actor="leader", fields={"rectify_by": "2026-04-10"})
    d = approved.deadline
    assert approved.extension_count == 1 and d["key"] != first_key
    assert d["due_at"] == utc_text(local("2026-04-11T00:00"))
    assert d["first_due_at"] == utc_text(local("2026-03-21T00:00"))
    assert d["extension"]["previous_due_at"] == utc_text(local("2026-03-21T00:00"))
    clock.set(local("2026-03-25T09:00"))
    assert sweep(esc) == []  # the old deadline's rungs are gone with it
    clock.set(local("2026-04-11T00:00"))
    assert sweep(esc) == [("remind", d["key"]), ("urge", d["key"])]


def test_the_clock_keeps_running_while_an_extension_waits_and_a_rejection_resumes_it(esc_app, esc, clock) -> None:
    s = esc_app.cases
    case = to_rectifying(esc_app, "2026-03-20")
    key = case.deadline["key"]
    clock.set(local("2026-03-19T09:00"))
    s.advance(case.id, "request_extension", actor="handler",
              fields={"extension_reason": "需外调材料", "extension_until": "2026-04-10"})
    clock.set(local("2026-03-23T09:00"))  # nobody decided; the deadline (end of Mar 20) passed meanwhile
    assert sweep(esc) == [("remind", key), ("urge", key)]
    rejected = s.advance(case.id, "reject_extension", actor="supervisor", comment="理由不充分")
    assert rejected.deadline["key"] == key and rejected.extension_count == 0
    assert sweep(esc) == []


def test_ever_overdue_survives_catching_up(esc_app, esc, clock) -> None:
    s = esc_app.cases
    case = to_rectifying(esc_app, "2026-03-20")
    clock.set(local("2026-03-20T09:00"))
    s.advance(case.id, "request_extension", actor="handler",
              fields={"extension_reason": "需外调材料", "extension_until": "2026-05-29"})
    clock.set(local("2026-03-23T09:00"))
    sweep(esc)  # red while the request waited
    approved = s.advance(case.id, "approve_extension", actor="leader", fields={"rectify_by": "2026-05-29"})
    view = deadline_view(approved, clock.now(), esc_app.calendar)
    assert view["light"] == "green" and view["ever_overdue"] is True
    assert approved.supervision_level == 0 and view["extension_count"] == 1
