"""`deadlines recompute`: fix provisional deadlines once the calendar covers their year.

A deadline that ran into a year the working-day calendar did not cover was computed on the
Monday–Friday rule and flagged provisional. After an administrator adds the year (and bumps the
calendar version), each such deadline is computed again from its stored basis — same start,
amount, unit and instance, fired rungs kept — and, where anything changed, the change is
recorded as a `deadline_recomputed` event naming who asked for it and what it was before.
"""
from __future__ import annotations

from typing import Any

from workflow.cases.service import CaseService
from workflow.cases.unit_of_work import Change, StepContext, active_user
from workflow.definitions.model import Definition
from workflow.definitions.roles import RECOMPUTE_DEADLINES
from workflow.engine.policy import check_capability
from workflow.errors import ConcurrencyConflict
from workflow.escalation.deadline_policy import DeadlinePolicy
from workflow.events import DEADLINE_RECOMPUTED
from workflow.messages import Message

RECOMPUTE_ACTOR = "system:calendar"
_COMPARED = ("due_at", "yellow_at", "rungs", "provisional", "skipped", "first_due_at")


class _Unchanged(Exception):
    """Raised inside the transaction to roll it back: the deadline is already right."""


class RecomputeDeadline:
    """Compute a case's deadline again from its stored basis; refuse (roll back) when nothing changes.

    One per case: after the change, `payload` holds what was recorded.
    """

    def __init__(self, policy: DeadlinePolicy, requested_by: str, other_versions: bool) -> None:
        self.policy, self.other_versions = policy, other_versions
        self.payload: dict[str, Any] = {"requested_by": requested_by}

    def decide(self, ctx: StepContext) -> Change:
        old = ctx.case.deadline
        if old is None or not _wanted(self.policy, ctx.definition, old, self.other_versions):
            raise _Unchanged
        new = self.policy.recompute(ctx.definition, old)
        if all(new.get(k) == old.get(k) for k in _COMPARED):
            raise _Unchanged
        self.payload.update(deadline=new,
                            previous={k: old.get(k) for k in ("due_at", "provisional", "calendar_version")})
        return Change(DEADLINE_RECOMPUTED, self.payload)


def recompute_deadlines(cases: CaseService, policy: DeadlinePolicy, *, requested_by: str,
                        other_versions: bool = False) -> list[dict[str, Any]]:
    """Recompute the deadlines that need it; one audited event per case that changed.

    Args:
        requested_by: login of the user asking (a role with `recompute_deadlines`; recorded in each event).
        other_versions: also recompute deadlines made under another calendar version, not only
            provisional ones (after a correction of an already covered year).
    """
    with cases.store.read() as tx:
        check_capability(cases.registry.roles, active_user(tx, requested_by), RECOMPUTE_DEADLINES,
                         Message("doing.recompute"))
        candidates = list(tx.cases_with_deadlines())
    changed = []
    for case in candidates:
        if _wanted(policy, cases.definition_of(case), case.deadline, other_versions):
            outcome = _recompute_one(cases, policy, case.id, requested_by, other_versions)
            if outcome is not None:
                changed.append(outcome)
    return changed


def _wanted(policy: DeadlinePolicy, defn: Definition, deadline: dict[str, Any] | None, other_versions: bool) -> bool:
    if not policy.needs_recompute(defn, deadline):
        return False
    assert deadline is not None
    return other_versions or bool(deadline.get("provisional")) or "rungs" not in deadline


def _recompute_one(cases: CaseService, policy: DeadlinePolicy, case_id: str, requested_by: str,
                   other_versions: bool) -> dict[str, Any] | None:
    step = RecomputeDeadline(policy, requested_by, other_versions)
    try:
        cases.change(case_id, step, actor=RECOMPUTE_ACTOR)
    except (_Unchanged, ConcurrencyConflict):  # changed meanwhile: the next run looks again
        return None
    prev, new = step.payload["previous"], step.payload["deadline"]
    return {"case": case_id, "due_at_before": prev["due_at"], "due_at": new["due_at"],
            "provisional_before": bool(prev["provisional"]), "provisional": bool(new["provisional"]),
            "calendar_version": new["calendar_version"]}
