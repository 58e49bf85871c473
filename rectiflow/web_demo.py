"""The demo behind `make run` / `rectiflow serve --demo`: units, one user per role and ~60 cases.

Cases come from `rectiflow.demo.seed_cases` when the campaign feature provides it; otherwise a
built-in spread of problem-ledger items and clues is registered at past instants (the service's
clock is set back while seeding), so the inboxes and the battle map show green, yellow and red
lights, closed cases and a returned one.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any, Callable

from rectiflow import demo
from workflow.bootstrap import Rectiflow
from workflow.clock import FixedClock
from workflow.errors import WorkflowError
from workflow.service import Attachment

CASE_UNITS = ["xf-sfs-1", "xf-sfs-1", "xf-sfs-2", "xf-jcj", "xf-lsk", "xf-ls-1", "xf-jd-1"]
CATEGORIES = ["three_regulations", "commutation_parole", "business_lending", "lawyer_contact", "appraisal",
              "legal_service"]
CHANNELS = ["self_report", "org_investigation", "mass_report", "inspection", "supplementary_self_report"]
TITLES = ["审批材料不全", "违规接受律师宴请", "亲属参股未报告", "外出请假审批不规范", "鉴定意见书超期出具",
          "未登记过问案件情况", "法律服务收费不规范", "社区矫正对象脱管", "执业档案缺失", "违规出具证明"]


def seed_demo(app: Rectiflow) -> dict[str, Any]:
    """Seed everything when the database is empty; report what was done."""
    if not demo.is_empty(app):
        return {"seeded": False, "cases": 0}
    demo.seed_directory(app)
    demo.walk_rectification(app)
    seed_cases: Callable[[Rectiflow], Any] | None = getattr(demo, "seed_cases", None)
    if seed_cases is not None:
        seed_cases(app)
    else:
        builtin_cases(app)
    with app.store.read() as tx:
        return {"seeded": True, "cases": tx.count_cases()}


def builtin_cases(app: Rectiflow, count: int = 60, seed: int = 7) -> int:
    """Register `count` cases at past instants, each driven to a random point of its lifecycle."""
    rng = random.Random(seed)
    real_clock, now = app.service.clock, app.clock.now()
    made = 0
    try:
        for i in range(count):
            start = now - timedelta(days=rng.randint(0, 45), hours=rng.randint(0, 8))
            clock = FixedClock(start)
            app.service.clock = clock
            clock.limit = now  # type: ignore[attr-defined]
            try:
                (_clue if i % 6 == 5 else _ledger_item)(app, clock, rng, i)
            except _Present:
                pass  # the case has caught up with the present: it stays where it is
            except WorkflowError:
                continue  # a definition changed shape: the demo skips what no longer fits
            made += 1
    finally:
        app.service.clock = real_clock
    return made


def _ledger_item(app: Rectiflow, clock: FixedClock, rng: random.Random, i: int) -> None:
    s = app.service
    unit = CASE_UNITS[i % len(CASE_UNITS)]
    case = s.open_case("rectification_item", actor="registrar", unit=unit, title=f"{TITLES[i % len(TITLES)]}（{i + 1}）",
                       fields={"description": "专项整治自查发现的问题。", "category": CATEGORIES[i % len(CATEGORIES)],
                               "discovery_channel": CHANNELS[i % len(CHANNELS)]})
    target = rng.choice(["reported", "verified", "rectifying", "rectifying", "rectified", "closed"])
    if target == "reported":
        return
    _later(clock, rng)
    s.advance(case.id, "verify", actor="supervisor")
    if target == "verified":
        return
    _later(clock, rng)
    assigned = unit == "xf-sfs-1" and rng.random() < 0.7
    if assigned:
        s.assign(case.id, actor="unit_head", assignee="handler")
    due = (clock.now() + timedelta(days=rng.choice([5, 12, 20, 40]))).date().isoformat()
    s.advance(case.id, "dispatch", actor="supervisor",
              fields={"measure": "限期整改并建立长效机制", "owner": "handler", "rectify_by": due})
    if target == "rectifying" or unit != "xf-sfs-1":
        return
    _later(clock, rng)
    who = "handler" if assigned else "unit_head"
    proof = Attachment("evidence", "整改报告.txt", f"整改报告 {case.id}".encode())
    s.advance(case.id, "report_rectified", actor=who, attachments=[proof],
              fields={"result": "已完成整改", "unit_head_signoff": "true"})
    if target == "rectified":
        return
    _later(clock, rng)
    s.advance(case.id, "close_out", actor="supervisor", comment="验收合格，予以销号")


def _clue(app: Rectiflow, clock: FixedClock, rng: random.Random, i: int) -> None:
    s = app.service
    case = s.open_case("clue", actor="registrar", unit="xf-sfj", title=f"问题线索（{i + 1}）",
                       fields={"allegation": "反映某干部违规过问案件。", "subject_name": "某干部",
                               "discovery_channel": rng.choice(["mass_report", "inspection"])})
    if rng.random() < 0.3:
        return
    _later(clock, rng)
    s.advance(case.id, "propose", actor="registrar",
              fields={"disposition_method": "talk_inquiry", "disposition_basis": "情节较轻，先行谈话函询"})
    if rng.random() < 0.4:
        return
    _later(clock, rng)
    s.advance(case.id, "approve_talk", actor="leader")


class _Present(Exception):
    """The next step would happen in the future."""


def _later(clock: FixedClock, rng: random.Random) -> datetime:
    step = timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 5))
    if clock.now() + step > clock.limit:  # type: ignore[attr-defined]
        raise _Present
    return clock.advance(seconds=step.total_seconds())


def demo_logins() -> list[tuple[str, str, str]]:
    """(login, role, name) of the demo users; all share `demo.DEMO_PASSWORD`."""
    return [(login, role, name) for login, role, _unit, name in demo.USERS]
