"""Reloading an edited plan: what changed for each measure case, and the audited changes that follow.

`diff` compares the plan file with what the measure cases carry — not with the stored plan, so a plan
loaded by an older rectiflow (which updated the stored plan but not the cases) is put right too. What a
case carries "from the plan" is read from its own events: the values it was opened with, overridden by
each `plan_revised` event since. (A date moved by an approved extension is the case's own business; it
is not a plan change, and it is replaced only when the plan's date itself changes.)

Per measure of the file with a case: its unit (`responsible_unit`), deadline (`due_date`), text
(`measure_text`) and title; a measure of the file without a case is *added*; a case whose measure is no
longer in the file is *dropped*; a withdrawn case whose measure is back is *reinstated*.

`apply` records each change on its case, in the load's unit of work (one transaction with the plan):

* **changed** — one `plan_revised` event: the new field values (and title, unit); the assignee goes
  back to the unit's queue when the unit changes and they do not work there; a changed date re-plans the
  running deadline when it comes from `due_date` (a new deadline instance from the new date, with the
  type's ladder: the policy's rule for a loop-back with a new date), else the next one counts from it;
* **dropped** — the `withdraw` step (→ 已撤销, reason "方案修订删除该措施", `plan_status: dropped`);
  a case still on an older version without that state is first moved to the newest one by a `migrated`
  event (same state, no mapping) in the same transaction;
* **reinstated** — the `reinstate` step (已撤销 → 已部署, a fresh deadline), after its `plan_revised`
  event if the plan changed it meanwhile.

Progress — state, progress notes, reports, evidence, the history — is never touched. Both steps are
recorded by the system actor `system:campaign`; their guard reads `plan_status`, which no person can set,
so nobody withdraws or reinstates a measure by hand.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workflow.campaigns.plans import Plan, PlanItem
from workflow.cases.migration import judge
from workflow.cases.unit_of_work import Change, StepContext, UnitOfWork
from workflow.definitions.model import Definition
from workflow.engine.policy import Scope
from workflow.errors import DefinitionError
from workflow.events import ADVANCED, MIGRATED, OPENED, PLAN_REVISED, Event
from workflow.ports import ReadTx

MEASURE_TYPE = "rectification_measure"
SYSTEM_ACTOR = "system:campaign"
WITHDRAWN, WITHDRAW, REINSTATE = "withdrawn", "withdraw", "reinstate"
IN_PLAN, DROPPED = "in_plan", "dropped"
WITHDRAW_REASON = "方案修订删除该措施"
REINSTATE_REASON = "方案修订重新列入该措施"
# What the plan gives a measure case, in the order a diff lists them.
PLAN_FIELDS = ("responsible_unit", "due_date", "measure_text")


@dataclass
class Diff:
    """What loading the file would change: per measure, with the case it concerns."""

    added: list[dict[str, Any]] = field(default_factory=list)  # {"measure", "title", "unit", "deadline"}
    changed: list[dict[str, Any]] = field(default_factory=list)  # {"measure", "case", "changes": {name: {from, to}}}
    dropped: list[dict[str, Any]] = field(default_factory=list)  # {"measure", "case", "state"}
    reinstated: list[dict[str, Any]] = field(default_factory=list)  # {"measure", "case"}
    unchanged: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"added": self.added, "changed": self.changed, "dropped": self.dropped,
                "reinstated": self.reinstated, "unchanged": self.unchanged}


def wanted(measure: PlanItem) -> dict[str, Any]:
    """What the plan item `measure` gives its case: the plan fields and the title."""
    return {"responsible_unit": measure.responsible_unit, "due_date": measure.deadline,
            "measure_text": measure.text or measure.title.get("zh", ""),
            "title": f"{measure.id} {measure.title.get('zh', '')}".strip()}


def recorded(events: list[Event]) -> dict[str, Any]:
    """What the plan last gave the case, from its events (its opening, then each plan revision)."""
    out: dict[str, Any] = {}
    for ev in events:
        if ev.action == OPENED:
            fields = ev.payload.get("fields") or {}
            out = {name: fields.get(name) for name in PLAN_FIELDS}
            out["title"] = ev.payload.get("title")
        elif ev.action == PLAN_REVISED:
            out.update({k: v for k, v in (ev.payload.get("fields") or {}).items() if k in PLAN_FIELDS})
            if "title" in ev.payload:
                out["title"] = ev.payload["title"]
    return out


def diff(tx: ReadTx, plan: Plan) -> Diff:
    """Compare the plan file with the measure cases of its campaign (read only)."""
    mapping = tx.measure_cases(plan.key)
    out = Diff()
    in_file = set()
    for measure in plan.measures:
        in_file.add(measure.id)
        case_id = mapping.get(measure.id)
        want = wanted(measure)
        if case_id is None:
            out.added.append({"measure": measure.id, "title": want["title"], "unit": measure.responsible_unit,
                              "deadline": measure.deadline})
            continue
        case = tx.get_case(case_id)
        have = recorded(tx.events(case_id))
        changes = {k: {"from": have.get(k), "to": v} for k, v in want.items() if have.get(k) != v}
        if changes:
            out.changed.append({"measure": measure.id, "case": case_id, "changes": changes})
        if case is not None and case.state == WITHDRAWN:
            out.reinstated.append({"measure": measure.id, "case": case_id})
        elif not changes:
            out.unchanged += 1
    for measure_id, case_id in mapping.items():
        if measure_id in in_file:
            continue
        case = tx.get_case(case_id)
        if case is not None and case.state != WITHDRAWN:
            out.dropped.append({"measure": measure_id, "case": case_id, "state": case.state})
    return out


def apply(work: UnitOfWork, plan: Plan, found: Diff, *, requested_by: str | None) -> None:
    """Record every change of `found` on its case, in `work` (the load's transaction)."""
    by_id = {m.id: m for m in plan.measures}
    for item in found.changed:
        work.change(item["case"], SYSTEM_ACTOR, Revise(item["measure"], item["changes"],
                                                       wanted(by_id[item["measure"]]), requested_by),
                    system_actor=True)
    for item in found.reinstated:
        work.change(item["case"], SYSTEM_ACTOR, PlanStep(REINSTATE, IN_PLAN, "reinstate_reason", REINSTATE_REASON,
                                                         requested_by), system_actor=True)
    newest = work.registry.latest(MEASURE_TYPE)
    for item in found.dropped:
        case = work.tx.get_case(item["case"])
        if case is not None and WITHDRAWN not in work.registry.get(case.type, case.definition_version).states:
            work.change(item["case"], SYSTEM_ACTOR, MoveToNewest(newest, item["measure"]), system_actor=True)
        work.change(item["case"], SYSTEM_ACTOR, PlanStep(WITHDRAW, DROPPED, "withdraw_reason", WITHDRAW_REASON,
                                                         requested_by), system_actor=True)


@dataclass(frozen=True)
class Revise:
    """One `plan_revised` event: the plan's new values for the case, its unit and its deadline."""

    measure_id: str
    changes: Mapping[str, Any]
    values: Mapping[str, Any]
    requested_by: str | None

    def decide(self, ctx: StepContext) -> Change:
        case, defn = ctx.case, ctx.definition
        fields = {k: self.values[k] for k in PLAN_FIELDS if k in self.changes and k in defn.fields}
        payload: dict[str, Any] = {"measure_id": self.measure_id, "changes": dict(self.changes), "fields": fields,
                                   "requested_by": self.requested_by}
        if "title" in self.changes:
            payload["title"] = self.values["title"]
        unit = fields.get("responsible_unit")
        if unit and unit != case.unit:
            payload["unit"] = unit
            if case.assignee and not _works_in(ctx, case.assignee, unit):
                payload["assignee"] = None  # back to the new unit's queue
        if "due_date" in fields:
            deadline = _replanned(ctx, {**case.fields, **fields})
            if deadline is not ...:
                payload["deadline"] = deadline
        return Change(PLAN_REVISED, payload)


def _works_in(ctx: StepContext, login: str, unit: str) -> bool:
    user = ctx.tx.get_user(login)
    return user is not None and Scope(ctx.tx.unit_chain(unit), ctx.work.registry.roles).covers(user, unit)


def _replanned(ctx: StepContext, fields: Mapping[str, Any]) -> Any:
    """The running deadline planned again with the new date, or ... (it stays).

    The policy is asked what entering the state again would give: a deadline taken from `due_date`
    (`on_reentry: resume` with a new date) starts anew from the new date; any other keeps running."""
    case = ctx.case
    if case.deadline is None:
        return ...
    again = dataclasses.replace(case, state="")  # "entering" its state again; its deadline is the one to resume
    new = ctx.work.casework.deadline(ctx.definition, again, case.state, fields, ctx.now)
    if not isinstance(new, dict) or new.get("due_at") == case.deadline.get("due_at"):
        return ...
    return new


@dataclass(frozen=True)
class PlanStep:
    """The `withdraw` or `reinstate` step, taken for the plan: it sets `plan_status` (which its guard reads)."""

    trigger: str
    status: str
    reason_field: str
    reason: str
    requested_by: str | None

    def decide(self, ctx: StepContext) -> Change:
        case, defn = ctx.case, ctx.definition
        t = ctx.work.casework.lifecycles.of(defn).step(case.state, self.trigger)
        fields = {"plan_status": self.status, self.reason_field: self.reason}
        payload: dict[str, Any] = {"trigger": self.trigger, "fields": fields, "attachments": [],
                                   "requested_by": self.requested_by}
        deadline = ctx.work.casework.deadline(defn, case, t.dest, {**case.fields, **fields}, ctx.now, self.trigger)
        if deadline is not ...:
            payload["deadline"] = deadline
        return Change(ADVANCED, payload, to_state=t.dest)


@dataclass(frozen=True)
class MoveToNewest:
    """A `migrated` event to the newest version (same state): a case to withdraw whose version has no 已撤销."""

    to: Definition
    measure_id: str

    def decide(self, ctx: StepContext) -> Change:
        case = ctx.case
        judged = judge(case, ctx.tx.events(case.id), self.to, {}, None)
        if not judged.movable:
            raise DefinitionError([f"measure {self.measure_id}: case {case.id} cannot be withdrawn: it cannot move "
                                   f"to {self.to.name} v{self.to.version}: {'; '.join(judged.problems)}"])
        payload = {"from_version": case.definition_version, "to_version": self.to.version,
                   "definition_hash": self.to.content_hash, "mapping": {}, "by": SYSTEM_ACTOR,
                   "deadline": judged.deadline}
        return Change(MIGRATED, payload, to_state=case.state)

