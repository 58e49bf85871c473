"""Definition migration: move the running cases of a type from older versions of its definition to a newer one.

`plan_migration` judges every running (non-terminal) case of the type on an older version, without writing:

* **placed** — its state exists in the new version, or `mapping` (old state → new state) names one that does;
  a case that cannot be placed cannot move;
* **fields** — every value it holds is a field of the new version of the same type (a choice among its
  choices), and every field the new version requires at intake is filled; otherwise it cannot move;
* **deadline** — its pending deadline is planned again under the new version: the same instance (start,
  amount, fired rungs kept) with the new state's warning rule and the new version's escalation ladder; a new
  state without a deadline drops it; a new state with one where the case had none is a problem (the case
  cannot move: nobody can say when that clock started);
* **replay** — its history walked through the new version (states renamed by the mapping): every step the
  new rules have no transition for is reported (a replay regression), but does not stop the move.

`migrate` then moves each movable case in its own transaction: a `migrated` event (from/to version, the
mapping, who, the re-planned deadline) sealed onto the case's hash chain like every event, and the case
row carrying the new version. A case that changed since it was judged (another version than the one
seen) is skipped as stale, not moved on an old judgement.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from workflow.cases.service import CaseService
from workflow.cases.unit_of_work import active_user
from workflow.definitions.model import Definition
from workflow.definitions.roles import ADMINISTER_ACCOUNTS
from workflow.engine.policy import check_capability
from workflow.engine.projection import apply
from workflow.errors import DefinitionRefused, InvalidInput, UnknownCaseType
from workflow.events import ADVANCED, MIGRATED, Event, format_time, parse_time
from workflow.messages import Message
from workflow.records import CaseState

# (new definition, the deadline as it is, the state it is now in) -> the deadline planned again
Replan = Callable[[Definition, Mapping[str, Any]], dict[str, Any]]


class MigrationRequestError(InvalidInput):
    """The request itself is wrong (bad --map, unknown version or state): a usage error, nothing written."""


@dataclass
class CasePlan:
    """What moving one case would do, and why it cannot when it cannot."""

    case_id: str
    title: str
    from_version: int
    state: str
    to_state: str | None
    version: int  # the case version judged: the move insists on it
    problems: list[str] = field(default_factory=list)  # any: the case cannot move
    regressions: list[dict[str, Any]] = field(default_factory=list)  # steps the new rules would refuse
    deadline: dict[str, Any] | None = None
    deadline_change: dict[str, Any] | None = None  # {"before", "after"} due instants, when it has one
    outcome: str = "planned"  # planned | migrated | skipped

    @property
    def movable(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"case": self.case_id, "title": self.title, "from_version": self.from_version, "state": self.state,
                "to_state": self.to_state, "case_version": self.version, "movable": self.movable,
                "problems": list(self.problems), "regressions": list(self.regressions),
                "deadline": self.deadline_change, "outcome": self.outcome}


@dataclass
class MigrationPlan:
    case_type: str
    to_version: int
    mapping: dict[str, str]
    cases: list[CasePlan]

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.case_type, "to_version": self.to_version, "mapping": dict(self.mapping),
                "cases": [c.to_dict() for c in self.cases],
                "movable": sum(c.movable for c in self.cases),
                "skipped": sum(c.outcome == "skipped" for c in self.cases),
                "migrated": sum(c.outcome == "migrated" for c in self.cases)}


def parse_mapping(items: Iterable[str]) -> dict[str, str]:
    """`OLD_STATE=NEW_STATE` items as a dict (MigrationRequestError on a malformed or repeated one)."""
    mapping: dict[str, str] = {}
    for item in items:
        old, sep, new = item.partition("=")
        old, new = old.strip(), new.strip()
        if not sep or not old or not new:
            raise MigrationRequestError("migrate.bad_map", item=item)
        if old in mapping:
            raise MigrationRequestError("migrate.bad_map", item=item)
        mapping[old] = new
    return mapping


def plan_migration(cases: CaseService, case_type: str, to_version: int, mapping: Mapping[str, str], *,
                   actor: str, replan: Replan | None = None) -> MigrationPlan:
    """Judge every running case of `case_type` on a version below `to_version` (nothing is written).

    Raises:
        RoleNotAllowed: `actor` lacks `administer_accounts` (the system administrator manages definitions).
        MigrationRequestError: unknown type or version, a mapped state no version knows or the new lacks.
    """
    registry = cases.registry
    with cases.store.read() as tx:
        check_capability(registry.roles, active_user(tx, actor), ADMINISTER_ACCOUNTS, Message("doing.migrate"))
        rows = [c for c in tx.case_rows() if c.type == case_type and c.definition_version < to_version]
    versions = sorted(d.version for d in registry.definitions() if d.name == case_type)
    if not versions:
        raise MigrationRequestError("case.type_unknown", case_type=case_type,
                                    known=f" (known: {', '.join(registry.names())})")
    try:
        new = registry.get(case_type, to_version)
    except UnknownCaseType:
        raise MigrationRequestError("case.type_unknown", case_type=f"{case_type}@v{to_version}",
                                    known=f" (loaded: {', '.join(f'v{v}' for v in versions)})") from None
    older = [d for d in registry.definitions() if d.name == case_type and d.version < to_version]
    old_states = {s for d in older for s in d.states} | {c.state for c in rows}  # a refused version's too
    for old, target in mapping.items():
        if old not in old_states:
            raise MigrationRequestError("migrate.unknown_state", state=old, case_type=case_type,
                                        version="/".join(str(d.version) for d in sorted(older, key=lambda d: d.version))
                                        or "-", known=sorted(old_states))
        if target not in new.states:
            raise MigrationRequestError("migrate.unknown_state", state=target, case_type=case_type,
                                        version=to_version, known=sorted(new.states))
    plans = []
    for row in sorted(rows, key=lambda c: (c.opened_at or "", c.id)):
        try:
            terminal = registry.get(row.type, row.definition_version).states[row.state].terminal
        except DefinitionRefused:  # a version this rectiflow refuses to read: the new one says whether it is final
            placed = new.states.get(mapping.get(row.state, row.state))
            terminal = bool(placed and placed.terminal)
        if terminal:
            continue  # a closed case keeps the rules it closed under
        with cases.store.read() as tx:
            events = tx.events(row.id)
        plans.append(judge(row, events, new, mapping, replan))
    return MigrationPlan(case_type, to_version, dict(mapping), plans)


def judge(case: CaseState, events: list[Event], new: Definition, mapping: Mapping[str, str],
          replan: Replan | None) -> CasePlan:
    """Whether one case can move from `old` to `new`, and what the move would record."""
    target = mapping.get(case.state, case.state)
    plan = CasePlan(case.id, case.title, case.definition_version, case.state,
                    target if target in new.states else None, case.version)
    if plan.to_state is None:
        plan.problems.append(f"state '{case.state}' does not exist in version {new.version}: "
                             f"give --map {case.state}=NEW_STATE")
    elif new.states[plan.to_state].terminal:
        plan.problems.append(f"state '{case.state}' would become final state '{plan.to_state}'")
    plan.problems.extend(_field_problems(case, new))
    if plan.to_state is not None:
        _plan_deadline(plan, case, new, mapping, replan)
    plan.regressions = _regressions(events, new, mapping)
    return plan


def _field_problems(case: CaseState, new: Definition) -> list[str]:
    problems = []
    for name, value in sorted(case.fields.items()):
        spec = new.fields.get(name)
        if spec is None:
            problems.append(f"field '{name}' is not a field of version {new.version}")
        elif spec.type == "choice" and value not in (None, "") and value not in {c.value for c in spec.choices}:
            problems.append(f"field '{name}': '{value}' is not one of the choices of version {new.version}")
    for name, spec in sorted(new.fields.items()):
        if spec.required and spec.computed is None and case.fields.get(name) in (None, "", []):
            problems.append(f"field '{name}' is required by version {new.version} but the case has no value")
    return problems


def _plan_deadline(plan: CasePlan, case: CaseState, new: Definition, mapping: Mapping[str, str],
                   replan: Replan | None) -> None:
    assert plan.to_state is not None
    spec = new.states[plan.to_state].deadline
    old = case.deadline
    if spec is None or (spec.carry and old is None):
        plan.deadline = None
        if old is not None:
            plan.deadline_change = {"before": old.get("due_at"), "after": None}
        return
    if old is None:
        plan.problems.append(f"state '{plan.to_state}' of version {new.version} has a deadline the case never "
                             "started: it cannot be placed there")
        return
    if spec.carry:  # the new state keeps the deadline the case has (begun in another state): renamed only
        plan.deadline = {**old, "state": mapping.get(old.get("state", ""), old.get("state"))}
    else:
        moved = {**old, "state": plan.to_state, "warn_before": spec.warn_before,
                 "warn_at_percent": spec.warn_at_percent}
        plan.deadline = replan(new, moved) if replan is not None else moved
    plan.deadline_change = {"before": old.get("due_at"), "after": plan.deadline.get("due_at"),
                            "rungs": len(plan.deadline.get("rungs") or [])}


def _regressions(events: list[Event], new: Definition, mapping: Mapping[str, str]) -> list[dict[str, Any]]:
    """The steps of the history that `new` has no transition for (states renamed by `mapping`)."""
    found = []
    for ev in events:
        if ev.action == MIGRATED:
            return []  # an earlier migration: what came before was judged then
        if ev.action != ADVANCED:
            continue
        trigger = ev.payload.get("trigger")
        source, dest = mapping.get(ev.from_state or "", ev.from_state), mapping.get(ev.to_state or "", ev.to_state)
        if not any(t.trigger == trigger and source in t.sources and t.dest == dest for t in new.transitions):
            found.append({"version": ev.version, "trigger": trigger, "from": source, "to": dest,
                          "reason": f"version {new.version} has no transition '{trigger}' from '{source}' to "
                                    f"'{dest}'"})
    return found


def migrate(cases: CaseService, plan: MigrationPlan, *, actor: str) -> MigrationPlan:
    """Move every movable case of `plan`, each in its own transaction; the others are marked skipped."""
    new = cases.registry.get(plan.case_type, plan.to_version)
    for case_plan in plan.cases:
        if not case_plan.movable:
            case_plan.outcome = "skipped"
            continue
        if _move(cases, case_plan, new, plan.mapping, actor):
            case_plan.outcome = "migrated"
        else:
            case_plan.outcome = "skipped"
    return plan


def _move(cases: CaseService, plan: CasePlan, new: Definition, mapping: Mapping[str, str], actor: str) -> bool:
    """One case's move, in its own transaction; False (nothing written) when the case changed since it was judged."""
    assert plan.to_state is not None
    now = cases.clock.now()
    with cases.store.write() as tx:
        user = active_user(tx, actor)
        case = tx.lock_case(plan.case_id)
        if case is None or case.version != plan.version:
            plan.problems.append(f"the case changed since it was judged (version {plan.version}, now "
                                 f"{case.version if case else 'gone'}): run the migration again")
            return False
        at = max(now, parse_time(case.updated_at)) if case.updated_at else now
        payload: dict[str, Any] = {
            "from_version": case.definition_version, "to_version": new.version, "definition_hash": new.content_hash,
            "mapping": dict(mapping), "by": user.login, "deadline": plan.deadline,
        }
        event = Event(case.id, case.version + 1, format_time(at), user.login, MIGRATED, case.state, plan.to_state,
                      payload, case.type, case.definition_version, case.head_hash).sealed()
        locked_version = case.version
        moved = apply(case, tx.append(event))
        tx.update_case(moved, new.states[moved.state].stage, expected_version=locked_version)
    return True
