"""Helpers of the service tests: counting events, opening a ledger item, walking it to a state."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from workflow.adapters.sql import schema
from workflow.cases.validation import Attachment

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
REPO = HERE.parents[1]

INTAKE = {"description": "三份审批材料缺少司法所意见", "channel": "self_report"}
EVIDENCE = Attachment("evidence", "复核记录.txt", "补齐3份审批材料".encode())


def seed_directory(app: Any) -> None:
    """The demo units and users (rectiflow/demo.py), without passwords: hashing them only costs time here."""
    from rectiflow.demo import UNITS, USERS

    for code, name, parent in UNITS:
        app.directory.add_unit(code, name=name, parent=parent)
    for login, role, unit, name in USERS:
        app.directory.add_user(login, role=role, unit=unit, name=name)


def event_count(app: Any) -> int:
    with app.store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(schema.case_events)).scalar_one())


def open_ledger(app: Any, *, actor: str = "registrar", unit: str = "xf-sfs-1", title: str = "审批材料不全",
                **fields: Any) -> Any:
    return app.cases.open_case("ledger_item", actor=actor, title=title, unit=unit, fields={**INTAKE, **fields})


def walk(app: Any, case_id: str, to: str, *, reporter: str = "handler") -> Any:
    """Drive a ledger item from `reported` to `to` (verified, handling or checking)."""
    s = app.cases
    case = s.advance(case_id, "verify", actor="supervisor")
    if to == "verified":
        return case
    case = s.advance(case_id, "dispatch", actor="supervisor", fields={"owner": "handler", "due": "2026-04-30"})
    if to == "handling":
        return case
    return s.advance(case_id, "report", actor=reporter, fields={"verdict": "fixed"}, attachments=[EVIDENCE])
