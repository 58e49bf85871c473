"""Bulk actions on many cases at once: assign, dispatch (交办), flag (催办/督办), mark one's alerts read.

A bulk action is a loop over the single-case operations — never a batch bypass: every case is its own
unit of work with the same checks as one at a time (role, unit scope, the step's state and guards, the
version the person saw) and its own audit event. A case that is refused (out of scope, wrong state,
changed meanwhile) is reported with the engine's message and does not stop the others. Marking alerts
read is not a case change: it writes no event.

It lives in the escalation layer because flagging is supervision's (workflow.escalation.supervision);
the web inbox and the CLI (`rectiflow case bulk …`) share it.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from workflow.cases.service import CaseService
from workflow.errors import CaseNotFound, InvalidInput, WorkflowError
from workflow.escalation.supervision import Supervision
from workflow.messages import Message
from workflow.records import CaseState

MAX_CASES = 200  # per request: a page of the inbox is 50 rows, select-all over four pages stays under it
ACTIONS = ("assign", "dispatch", "flag", "read")
DISPATCH = "dispatch"  # the 交办 step's trigger in every definition that has one


@dataclass(frozen=True)
class Target:
    """A case to act on, with the version the person saw (None: as it is when locked)."""

    case_id: str
    version: int | None = None


@dataclass(frozen=True)
class Outcome:
    """What happened to one case: done (with its new state) or refused (with the engine's message)."""

    case_id: str
    done: bool
    message: Message | None = None  # why it was refused
    case: CaseState | None = None  # the case after the action (done), or as last read (refused), if it exists
    error: str = ""  # the refusal's class name (NotAllowed, ConcurrencyConflict...), for the CLI's JSON


@dataclass(frozen=True)
class Report:
    action: str
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def done(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.done]

    @property
    def refused(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.done]


def check_targets(targets: Sequence[Target], *, limit: int = MAX_CASES) -> None:
    """The request as a whole: at least one case, at most `limit`.

    Raises:
        InvalidInput: nothing was done for any case.
    """
    if not targets:
        raise InvalidInput("bulk.no_cases")
    if len(targets) > limit:
        raise InvalidInput("bulk.too_many", count=len(targets), limit=limit)


def unique(targets: Sequence[Target]) -> list[Target]:
    """Each case once (a case ticked twice — on two pages, say — is acted on once, as first named)."""
    seen: dict[str, Target] = {}
    for t in targets:
        seen.setdefault(t.case_id, t)
    return list(seen.values())


class BulkActions:
    def __init__(self, cases: CaseService, supervision: Supervision) -> None:
        self.cases, self.supervision = cases, supervision

    def assign(self, targets: Sequence[Target], *, actor: str, assignee: str | None) -> Report:
        """Give every case to `assignee` (责任人), each as `CaseService.assign` would."""
        return self._each("assign", targets, lambda t: self.cases.assign(
            t.case_id, actor=actor, assignee=assignee, expected_version=t.version))

    def dispatch(self, targets: Sequence[Target], *, actor: str, measure: str, deadline: str,
                 owner: str | None = None) -> Report:
        """交办: fire each case's `dispatch` step with one measure text and one deadline (YYYY-MM-DD) for
        all; `owner` fills the step's owner field where the step has one (the step checks every field).

        Raises:
            InvalidInput: no measure, a deadline that is no date, no/too many cases — nothing written.
        """
        if not measure.strip():
            raise InvalidInput("text.empty", what="measure")
        try:
            deadline = date.fromisoformat(deadline.strip()).isoformat()
        except ValueError:
            raise InvalidInput("value.date", what="deadline", value=deadline[:40]) from None
        check_targets(targets)
        return self._each("dispatch", targets, lambda t: self.cases.advance(
            t.case_id, DISPATCH, actor=actor, expected_version=t.version,
            fields=self._dispatch_fields(t.case_id, measure.strip(), deadline, owner)))

    def flag(self, targets: Sequence[Target], *, actor: str, level: int, reason: str | None = None) -> Report:
        """Flag every case 催办 (1) or 督办 (2) — or 挂牌督办 (3) — as `Supervision.flag` would."""
        if level not in (1, 2, 3):
            raise InvalidInput("supervision.level", level=repr(level))
        check_targets(targets)
        return self._each("flag", targets, lambda t: self.supervision.flag(
            t.case_id, actor=actor, level=level, reason=reason, expected_version=t.version))

    def mark_read(self, targets: Sequence[Target], *, login: str) -> Report:
        """Mark `login`'s unread alerts about each case read (no case changes, no event)."""
        check_targets(targets)
        unread = self.supervision.alerts_of(login, unread_only=True)
        outcomes = []
        for t in unique(targets):
            ids = [a.id for a in unread if a.case == t.case_id]
            case = self._peek(t.case_id)
            if case is None:
                outcomes.append(Outcome(t.case_id, False, Message("case.not_found", case_id=t.case_id),
                                        error="CaseNotFound"))
            elif not ids:
                outcomes.append(Outcome(t.case_id, False, Message("bulk.no_unread"), case, error="Nothing"))
            else:
                self.supervision.mark_read(login, ids)
                outcomes.append(Outcome(t.case_id, True, case=case))
        return Report("read", outcomes)

    # ---- internals ----------------------------------------------------------------------
    def _dispatch_fields(self, case_id: str, measure: str, deadline: str, owner: str | None) -> dict[str, Any]:
        fields: dict[str, Any] = {"measure": measure, "rectify_by": deadline}
        case = self._peek(case_id)
        if case is not None and owner:
            defn = self.cases.definition_of(case)
            step = next((s for s in defn.transitions_from(case.state) if s.trigger == DISPATCH), None)
            if step is not None and "owner" in (*step.requires, *step.optional):
                fields["owner"] = owner
        return fields

    def _peek(self, case_id: str) -> CaseState | None:
        try:
            return self.cases.get(case_id)
        except CaseNotFound:
            return None

    def _each(self, action: str, targets: Sequence[Target], act: Callable[[Target], CaseState]) -> Report:
        check_targets(targets)
        outcomes = []
        for t in unique(targets):  # one unit of work per case: a refusal rolls back that case alone
            try:
                outcomes.append(Outcome(t.case_id, True, case=act(t)))
            except WorkflowError as err:
                outcomes.append(Outcome(t.case_id, False, err.message, self._peek(t.case_id),
                                        error=type(err).__name__))
        return Report(action, outcomes)
