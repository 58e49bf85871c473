"""Demo data: a county justice bureau's units, one user per role, and cases to look at.

Used by `make run` (only when the database is empty) so a first look shows a working campaign.
Every demo user's password is DEMO_PASSWORD; never use these accounts in production.
"""
from __future__ import annotations

from typing import Any

from rectiflow.demo_cases import seed_campaign_cases
from rectiflow.demo_people import DEMO_PASSWORD, UNITS, USERS
from workflow.bootstrap import Application
from workflow.cases.validation import Attachment
from workflow.records import CaseState
from workflow.reporting.rounds import file_refs, rounds

__all__ = ["DEMO_PASSWORD", "UNITS", "USERS", "is_empty", "run_demo", "seed_cases", "seed_directory"]

def is_empty(app: Application) -> bool:
    return not app.directory.units() and app.cases.count() == 0


def seed_directory(app: Application) -> None:
    for code, name, parent in UNITS:
        app.directory.add_unit(code, name=name, parent=parent)
    for login, role, unit, name in USERS:
        app.directory.add_user(login, role=role, unit=unit, name=name, password=DEMO_PASSWORD)


def walk_rectification(app: Application) -> CaseState:
    """Drive one ledger item through its whole lifecycle, including a failed acceptance."""
    s = app.cases
    case = s.open_case("rectification_item", actor="registrar", unit="xf-sfs-1",
                       title="社区矫正对象请假审批材料不全",
                       fields={"description": "2020年以来3份外出审批缺少司法所意见。", "category": "commutation_parole",
                               "discovery_channel": "self_report"})
    s.advance(case.id, "verify", actor="supervisor")
    s.assign(case.id, actor="handler", assignee="handler")
    s.advance(case.id, "dispatch", actor="supervisor",
              fields={"measure": "逐案补齐审批材料并建立复核制度", "owner": "handler", "rectify_by": "2026-12-31"})
    evidence = Attachment("evidence", "复核记录.txt", "补齐3份审批材料，复核制度已印发。".encode())
    s.advance(case.id, "report_rectified", actor="handler", attachments=[evidence],
              fields={"result": "材料已补齐"})
    s.advance(case.id, "sign_off", actor="unit_head")
    s.advance(case.id, "return_for_rework", actor="supervisor", fields={"return_reason": "缺少复核制度文件"})
    policy = Attachment("evidence", "复核制度.txt", "《外出审批复核制度》".encode())
    first_round = rounds(s.history(case.id)[0], s.definition_of(case))[0]
    s.advance(case.id, "report_rectified", actor="handler", attachments=[policy], fields={"result": "补充制度文件"},
              kept=file_refs(first_round.files_of("evidence")))  # the first round's record stays evidence
    s.advance(case.id, "sign_off", actor="unit_head")
    return s.advance(case.id, "close_out", actor="supervisor", comment="验收合格，销号")


def describe_history(app: Application, case_id: str) -> list[str]:
    events, replayed = app.cases.history(case_id)
    lines = [f"{e.version:>3}  {e.at}  {e.actor:<11} {e.action:<9} {e.from_state or '':>17} → {e.to_state or '':<17}"
             f" {e.hash[:12]}" for e in events]
    assert replayed is not None
    lines.append(f"replayed state: {replayed.state} (version {replayed.version})")
    return lines


def seed_cases(app: Application) -> dict[str, Any]:
    """~60 demo cases of every campaign case type at past instants, and the Xifeng plan's 25 measures.

    Runs once per database (a second call does nothing); see rectiflow/demo_cases.py.
    """
    return seed_campaign_cases(app)


def run_demo(app: Application, *, if_empty: bool) -> dict[str, Any]:
    seeded = False
    if is_empty(app):
        seed_directory(app)
        seeded = True
    elif if_empty:
        return {"seeded": False, "case": None, "history": []}
    case = walk_rectification(app)
    cases = seed_cases(app)["cases"] if seeded else None
    return {"seeded": seeded, "case": case.id, "history": describe_history(app, case.id), "cases": cases}
