"""Which steps a person can take on a case now: what the case page, the to-do list and `case show --as` offer.

A step is offered when the case's state has it, the person's role may fire it, the person may act
on cases of that type and unit, and every guard that does not read the step's own input already
agrees — who is assigned, the four-eyes rule, the deadline, fields already on the case. Guards
about what the step will bring (a file, a value chosen in its form) are judged when it is fired.
"""
from __future__ import annotations

from datetime import datetime

from workflow.cases.validation import guard_context
from workflow.definitions.guards import Guard, evaluate, fields_named
from workflow.definitions.model import Definition, TransitionSpec
from workflow.engine.policy import Scope
from workflow.errors import NotAllowed
from workflow.records import CaseState, User

ASSIGNEE_ONLY = "actor_is_assignee"


def offered(defn: Definition, case: CaseState, user: User, scope: Scope, now: datetime) -> list[TransitionSpec]:
    """The steps out of the case's state that `user` can fire now (see the module docstring)."""
    try:
        scope.check_act(user, defn, case.unit)
    except NotAllowed:
        return []
    ctx = guard_context(case, user, {}, [], now)
    return [t for t in defn.transitions_from(case.state)
            if user.role in t.roles and evaluate(standing_guards(t), ctx) is None]


def standing_guards(t: TransitionSpec) -> tuple[Guard, ...]:
    """The guards of `t` that do not read the step's own input: they can be judged before the form is filled."""
    inputs = set(t.requires + t.optional)
    return tuple(g for g in t.guards if not set(fields_named(g)) & inputs)


def assignee_only(t: TransitionSpec) -> bool:
    """Whether only the case's assignee may take the step (when it has one)."""
    return any(g.kind == ASSIGNEE_ONLY for g in t.guards)
