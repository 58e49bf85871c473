"""A 30-day drill on the injected clock: report → yellow → red → 督办 → extension → close (销号).

The scheduler is simulated by one sweep every morning; nothing sleeps, the clock is moved.
"""
from __future__ import annotations

from factories import local, open_rect

from workflow.audit.verify import verify
from workflow.cases.validation import Attachment
from workflow.reporting.presenters import deadline_view


def test_thirty_days_from_report_to_close(esc_app, esc, clock) -> None:
    s, sweeper = esc_app.cases, esc.sweeper(fired_by="drill")
    case = open_rect(esc_app)  # Mon 2026-03-02 09:00; 5 working days to verify: end of Mon Mar 9
    s.assign(case.id, actor="handler", assignee="handler")
    fired: list[tuple[str, str, str]] = []
    lights: dict[str, str] = {}

    def morning(day: str) -> None:
        clock.set(local(f"2026-{day}T09:00"))
        fired.extend((day, f.rung, f.deadline_key.split("@")[0]) for f in sweeper.sweep().fired)
        view = deadline_view(s.get(case.id), clock.now(), esc_app.calendar)
        lights[day] = view["light"] if view else "none"

    for day in ("03-03", "03-04", "03-05", "03-06", "03-09", "03-10", "03-11", "03-16", "03-17"):
        morning(day)
    assert fired == [("03-06", "remind", "reported"), ("03-10", "urge", "reported"),
                     ("03-17", "supervise", "reported")]
    assert (lights["03-05"], lights["03-06"], lights["03-10"]) == ("green", "yellow", "red")
    assert s.get(case.id).supervision_level == 2  # 督办, and on the bulletin list
    assert [i["case_id"] for i in esc.bulletin(None)] == [case.id]

    s.advance(case.id, "verify", actor="supervisor")
    morning("03-18")
    s.advance(case.id, "dispatch", actor="supervisor",
              fields={"measure": "逐案补齐并建立复核制度", "owner": "handler", "rectify_by": "2026-03-27"})
    for day in ("03-19", "03-20", "03-23", "03-24", "03-25"):
        morning(day)
    s.advance(case.id, "request_extension", actor="handler",
              fields={"extension_reason": "需调取外省材料", "extension_until": "2026-04-01"})
    morning("03-26")
    extended = s.advance(case.id, "approve_extension", actor="leader", fields={"rectify_by": "2026-04-01"})
    assert extended.extension_count == 1 and extended.supervision_level == 0
    for day in ("03-27", "03-30", "03-31"):
        morning(day)
    evidence = Attachment("evidence", "复核制度.txt", "《外出审批复核制度》".encode())
    s.advance(case.id, "report_rectified", actor="handler", attachments=[evidence],
              fields={"result": "材料补齐，制度印发"})
    s.advance(case.id, "sign_off", actor="unit_head")
    morning("04-01")
    closed = s.advance(case.id, "close_out", actor="supervisor", comment="验收合格，销号")

    assert fired == [("03-06", "remind", "reported"), ("03-10", "urge", "reported"),
                     ("03-17", "supervise", "reported"), ("03-25", "remind", "rectifying"),
                     ("03-30", "remind", "rectifying")]
    assert closed.state == "closed" and closed.deadline is None and closed.ever_overdue
    assert len(esc.firings(case.id)) == 5
    leader_alerts = [a.rung for a in esc.supervision.alerts_of("leader")]
    assert leader_alerts == ["supervise"]
    events, replayed = s.history(case.id)
    assert [e.action for e in events].count("escalated") == 5 and replayed == closed
    with esc_app.store.read() as tx:
        report = verify(tx.iter_events(), tx.case_rows())
    assert report.ok, report.problems
