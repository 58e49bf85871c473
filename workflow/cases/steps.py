"""The case handlers' use cases as steps: advance, assign or claim, return to the queue, comment, correct fields.

Each is a `Step` (workflow.cases.unit_of_work): it decides, on the locked case, what one event
records — or refuses, and nothing is written. Files were stored before the transaction
(workflow.cases.service); a step only refers to them.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workflow.cases.handover import handover
from workflow.cases.linking import open_linked
from workflow.cases.unit_of_work import NEVER_STALE, Change, StepContext, active_user
from workflow.cases.validation import (
    check_dates,
    check_references,
    comment_text,
    derived_values,
    guard_context,
    parse_fields,
    require,
)
from workflow.definitions.acceptance import judge
from workflow.definitions.model import Definition
from workflow.engine import policy
from workflow.errors import ImmutableField, InvalidInput, TransitionNotAllowed
from workflow.events import ADVANCED, ASSIGNED, COMMENTED, FIELDS_CHANGED, Event
from workflow.messages import Message


def step_fields(ctx: StepContext, trigger: str) -> set[str]:
    """The fields `trigger` takes from the case's state (TransitionNotAllowed when it does not leave it)."""
    t = ctx.work.casework.lifecycles.of(ctx.definition).step(ctx.case.state, trigger)
    return set(t.requires + t.optional)


@dataclass(frozen=True)
class Advance:
    """Fire a trigger: state, role, fields, guards and required input checked; linked cases opened."""

    trigger: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    files: tuple[dict[str, Any], ...] = ()
    comment: str | None = None
    # 评估验收: each criterion's result by its number, {met, note, evidence} (workflow.definitions.acceptance)
    checks: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)

    def unaffected_by(self, event: Event, defn: Definition) -> bool:
        """A comment, a rung, a flag or a correction of fields the step does not read leaves its form valid."""
        if event.action in NEVER_STALE:
            return True
        if event.action != FIELDS_CHANGED:
            return False  # a step moved the case, or someone else took it: the form no longer fits
        touched = set(event.payload.get("fields") or {}) | {a["field"] for a in event.payload.get("attachments") or []}
        steps = [t for t in defn.transitions if t.trigger == self.trigger]
        return bool(steps) and not any(touched & t.reads for t in steps)

    def decide(self, ctx: StepContext) -> Change:
        work, case, defn, user = ctx.work, ctx.case, ctx.definition, ctx.user
        lifecycle = work.casework.lifecycles.of(defn)
        t = lifecycle.step(case.state, self.trigger)  # wrong state or unknown trigger: said first
        values = parse_fields(defn, self.fields, allowed=set(t.requires + t.optional), case=case)
        check_dates(defn, values, ctx.now, work.casework.tz)
        text = comment_text(self.comment, required=t.comment == "required")
        policy.check_step(user, t)
        step = {**values, **derived_values(ctx.tx, defn, case, case.fields, values, None, intake=False,
                                           tz=work.casework.tz, subject_fields=work.registry.subject_fields())}
        files = list(self.files)
        guards = guard_context(case, user, step, files, ctx.now)
        dest = lifecycle.fire(case.state, self.trigger, guards)  # raises when a guard says no
        require(defn, list(t.requires), step, files, case.fields, Message("where.step", trigger=self.trigger))
        check_references(ctx.tx, defn, step)
        names = [f["name"] for f in files] + [f["name"] for v in case.fields.values() if isinstance(v, list)
                                              for f in v if isinstance(f, dict) and "name" in f]
        checklist = judge(defn.acceptance, self.trigger, {**case.fields, **step}, self.checks, names)
        payload: dict[str, Any] = {"trigger": self.trigger, "fields": step, "attachments": files,
                                   **handover(ctx, t, step)}
        if checklist:  # the acceptance check, criterion by criterion, sealed with the step
            payload["checklist"] = checklist
        if text:
            payload["comment"] = text
        deadline = work.casework.deadline(defn, case, dest, {**case.fields, **step}, ctx.now, self.trigger)
        if deadline is not ...:
            payload["deadline"] = deadline
        links = open_linked(ctx, t, guards) if t.opens else []
        if links:  # linked cases, opened in this same unit of work (workflow.cases.linking)
            payload["links"] = links
        return Change(ADVANCED, payload, dest)


@dataclass(frozen=True)
class Assign:
    """Give the case to a handler (or take it back to the queue with assignee=None); 签收 is assigning oneself."""

    assignee: str | None

    def unaffected_by(self, event: Event, defn: Definition) -> bool:
        return event.action in NEVER_STALE or event.action == FIELDS_CHANGED

    def decide(self, ctx: StepContext) -> Change:
        policy.check_assign(ctx.user, ctx.definition, ctx.case, self.assignee)
        if self.assignee is not None:
            target = active_user(ctx.tx, self.assignee)
            assert ctx.scope is not None  # people assign; the engine never does
            ctx.scope.check_act(target, ctx.definition, ctx.case.unit)
        return Change(ASSIGNED, {"assignee": self.assignee})


@dataclass(frozen=True)
class ReturnToQueue:
    """退回: the assignee — or an assigner — gives the case back to the unit queue, with a reason.

    Recorded as an `assigned` event with no assignee plus the reason, so the replay of an
    assignment applies and the audit trail shows who returned it and why.
    """

    reason: str

    def unaffected_by(self, event: Event, defn: Definition) -> bool:
        return event.action in NEVER_STALE or event.action == FIELDS_CHANGED

    def decide(self, ctx: StepContext) -> Change:
        if ctx.case.assignee is None:
            raise InvalidInput("case.not_assigned")
        policy.check_return(ctx.user, ctx.definition, ctx.case)
        return Change(ASSIGNED, {"assignee": None, "returned": True, "reason": self.reason})


@dataclass(frozen=True)
class Comment:
    text: str

    def unaffected_by(self, event: Event, defn: Definition) -> bool:
        return True  # a comment fits any version of the case

    def decide(self, ctx: StepContext) -> Change:
        return Change(COMMENTED, {"comment": self.text})


@dataclass(frozen=True)
class EditFields:
    """Correct field values outside a step (definition `editors` only; never immutable fields)."""

    fields: Mapping[str, Any]
    files: tuple[dict[str, Any], ...] = ()
    comment: str | None = None

    def decide(self, ctx: StepContext) -> Change:
        defn, case = ctx.definition, ctx.case
        values = parse_fields(defn, self.fields, allowed=None, case=case)
        check_dates(defn, values, ctx.now, ctx.work.casework.tz)
        _check_mutable(defn, values)
        policy.check_edit(ctx.user, defn)
        if defn.states[case.state].terminal:
            raise TransitionNotAllowed("case.final_state", case_id=case.id, state=case.state)
        check_references(ctx.tx, defn, values)
        changed = {**values, **derived_values(ctx.tx, defn, case, case.fields, values, None, intake=False,
                                              tz=ctx.work.casework.tz,
                                              subject_fields=ctx.work.registry.subject_fields())}
        payload: dict[str, Any] = {"fields": changed, "attachments": list(self.files)}
        if self.comment:
            payload["comment"] = self.comment
        return Change(FIELDS_CHANGED, payload)


def _check_mutable(defn: Definition, values: Mapping[str, Any]) -> None:
    for name in values:
        if defn.fields[name].immutable:
            raise ImmutableField("field.immutable", field=name, case_type=defn.name)
