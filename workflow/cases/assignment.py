"""Giving a case back (退回): the assignee — or an assigner — returns it to the unit queue with a reason.

Recorded as an `assigned` event with no assignee plus the reason, so the existing replay fold
applies and the audit trail shows who returned it and why.
"""
from __future__ import annotations

from workflow.definitions.model import Definition
from workflow.errors import InvalidInput, RoleNotAllowed
from workflow.events import ASSIGNED
from workflow.engine.fields import COMMENT_LIMIT, clean_text
from workflow.ports import User, WriteTx
from workflow.engine.projection import CaseState
from workflow.cases.service import CaseService


def return_case(service: CaseService, case_id: str, *, actor: str, reason: str,
                expected_version: int | None = None) -> CaseState:
    """Unassign the case with a reason (mandatory).

    Raises:
        InvalidInput: no reason, or the case has no assignee.
        RoleNotAllowed: the actor is neither the assignee nor an assigner (the service checks the unit).
        ConcurrencyConflict: the case moved on since `expected_version`.
    """
    text = clean_text(reason or "", what="reason", limit=COMMENT_LIMIT, multiline=True)
    if not text:
        raise InvalidInput("a return needs a reason")

    def check(tx: WriteTx, case: CaseState, user: User, defn: Definition) -> None:
        if case.assignee is None:
            raise InvalidInput("the case is not assigned to anyone")
        if user.login != case.assignee and user.role not in defn.assigners:
            raise RoleNotAllowed(f"only the assignee or an assigner ({', '.join(defn.assigners)}) may return it")

    return service.record(case_id, actor=actor, action=ASSIGNED,
                          payload={"assignee": None, "returned": True, "reason": text},
                          expected_version=expected_version, check=check)
