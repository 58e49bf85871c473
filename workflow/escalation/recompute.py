"""`deadlines recompute`: fix provisional deadlines once the calendar covers their year.

A deadline that ran into a year the working-day calendar did not cover was computed on the
Monday–Friday rule and flagged provisional. After an administrator adds the year (and bumps the
calendar version), each such deadline is computed again from its stored basis — same start,
amount, unit and instance, fired rungs kept — and, where anything changed, the change is
recorded as a `deadline_recomputed` event naming who asked for it and what it was before.
"""
from __future__ import annotations

from typing import Any, Iterable

from workflow.escalation.deadline_policy import DeadlinePolicy
from workflow.definitions.model import Definition
from workflow.errors import ConcurrencyConflict, RoleNotAllowed, UnknownUser
from workflow.escalation.ladders import DEADLINE_RECOMPUTED
from workflow.ports import User, WriteTx
from workflow.engine.projection import CaseState
from workflow.cases.service import CaseService

RECOMPUTE_ACTOR = "system:calendar"
RECOMPUTE_ROLES = ("admin", "supervisor")
_COMPARED = ("due_at", "yellow_at", "rungs", "provisional", "skipped", "first_due_at")


class _Unchanged(Exception):
    """Raised inside the transaction to roll it back: the deadline is already right."""


def recompute_deadlines(service: CaseService, policy: DeadlinePolicy, cases: Iterable[CaseState], *,
                        requested_by: str, other_versions: bool = False) -> list[dict[str, Any]]:
    """Recompute the deadlines that need it; one audited event per case that changed.

    Args:
        cases: candidates (cases with a current deadline); those that need nothing are skipped.
        requested_by: login of the administrator or supervisor asking (recorded in each event).
        other_versions: also recompute deadlines made under another calendar version, not only
            provisional ones (after a correction of an already covered year).
    """
    _check_requester(service, requested_by)
    changed = []
    for case in cases:
        defn = service.definition_of(case)
        if _wanted(policy, defn, case.deadline, other_versions):
            outcome = _recompute_one(service, policy, case.id, requested_by, other_versions)
            if outcome is not None:
                changed.append(outcome)
    return changed


def _wanted(policy: DeadlinePolicy, defn: Definition, deadline: dict[str, Any] | None, other_versions: bool) -> bool:
    if not policy.needs_recompute(defn, deadline):
        return False
    assert deadline is not None
    return other_versions or bool(deadline.get("provisional")) or "rungs" not in deadline


def _recompute_one(service: CaseService, policy: DeadlinePolicy, case_id: str, requested_by: str,
                   other_versions: bool) -> dict[str, Any] | None:
    payload: dict[str, Any] = {"requested_by": requested_by}

    def check(tx: WriteTx, case: CaseState, user: User, defn: Definition) -> None:
        old = case.deadline
        if old is None or not _wanted(policy, defn, old, other_versions):
            raise _Unchanged
        new = policy.recompute(defn, old)
        if all(new.get(k) == old.get(k) for k in _COMPARED):
            raise _Unchanged
        payload.update(deadline=new, previous={k: old.get(k) for k in ("due_at", "provisional", "calendar_version")})

    try:
        service.record(case_id, actor=RECOMPUTE_ACTOR, action=DEADLINE_RECOMPUTED, payload=payload, check=check)
    except (_Unchanged, ConcurrencyConflict):  # changed meanwhile: the next run looks again
        return None
    prev, new = payload["previous"], payload["deadline"]
    return {"case": case_id, "due_at_before": prev["due_at"], "due_at": new["due_at"],
            "provisional_before": bool(prev["provisional"]), "provisional": bool(new["provisional"]),
            "calendar_version": new["calendar_version"]}


def _check_requester(service: CaseService, login: str) -> None:
    with service.store.read() as tx:
        user = tx.get_user(login)
    if user is None or not user.active:
        raise UnknownUser(login)
    if user.role not in RECOMPUTE_ROLES:
        raise RoleNotAllowed(f"role {user.role!r} may not recompute deadlines (allowed: {', '.join(RECOMPUTE_ROLES)})")
