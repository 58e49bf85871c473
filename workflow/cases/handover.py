"""What a step hands over: the case to a person (`assigns:`), to a unit (`moves_to:`), back for rework (`returns:`).

The keys are declared per transition (workflow.definitions.handoffs); here they become the event's
payload — `assignee`, `unit`, `reset` — which the replay folds (workflow.engine.projection), so a
handover is part of the step's one event and cannot happen without it.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from workflow.definitions.model import Definition, TransitionSpec
from workflow.definitions.roles import BE_ASSIGNED
from workflow.engine.policy import Scope
from workflow.errors import InvalidInput, RoleNotAllowed

if TYPE_CHECKING:
    from workflow.cases.unit_of_work import StepContext


def handover(ctx: StepContext, t: TransitionSpec, values: Mapping[str, Any]) -> dict[str, Any]:
    """The payload keys of step `t`'s handover, given the step's parsed `values`; raises to refuse it."""
    case, h = ctx.case, t.handoff
    out: dict[str, Any] = {}
    unit, chain = case.unit, None
    new_unit = values.get(h.moves_to) if h.moves_to else None
    if new_unit and new_unit != case.unit:
        chain = ctx.tx.unit_chain(new_unit)
        if not Scope(chain, ctx.work.registry.roles).covers(ctx.user, new_unit):  # only to units the dispatcher covers
            raise RoleNotAllowed("access.not_covered", user=ctx.user.login, user_unit=str(ctx.user.unit),
                                 unit=new_unit)
        out["unit"] = unit = new_unit
    person = values.get(h.assigns) if h.assigns else None
    if person:
        _check_assignable(ctx, person, str(h.assigns), unit, chain)
        if person != case.assignee:
            out["assignee"] = person
    elif "unit" in out and case.assignee:
        # The assignee goes with the case only if they work in its new unit; else it waits in that unit's queue.
        current = ctx.tx.get_user(case.assignee)
        if current is None or not Scope(chain or (), ctx.work.registry.roles).covers(current, unit):
            out["assignee"] = None
    reset = list(h.returns.reset) if h.returns else answered_reasons(ctx.definition, t, case.fields, values)
    if reset:
        out["reset"] = reset
    return out


def _check_assignable(ctx: StepContext, login: str, field: str, unit: str, chain: Any) -> None:
    roles = ctx.work.registry.roles
    target = ctx.tx.get_user(login)
    if target is None or not target.active or not roles.may(target.role, BE_ASSIGNED):
        raise InvalidInput("handover.not_assignable", field=field, user=login)
    Scope(chain if chain is not None else ctx.tx.unit_chain(unit), roles).check_act(target, ctx.definition, unit)


def answered_reasons(defn: Definition, t: TransitionSpec, fields: Mapping[str, Any],
                     values: Mapping[str, Any]) -> list[str]:
    """Return reasons this step answers: a return's reason stays current until the case comes back to
    where it was returned from (the work is handed in again) or closes."""
    closing = defn.states[t.dest].stage == "closed"
    out = []
    for other in defn.transitions:
        spec = other.handoff.returns
        if spec is None or spec.reason == "comment" or spec.reason not in fields or spec.reason in values:
            continue
        if (closing or t.dest in other.sources) and spec.reason not in out:
            out.append(spec.reason)
    return out
