"""What the inboxes ask the read model (workflow.ports.ReadModel) for, and who sees what there.

The pure rules that decide *what* to ask for — which (case type, state) pairs a role can act on,
which units a user covers, which index seeks answer an inbox tab — so the adapter only decides
*how* to fetch it fast.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal
from weakref import WeakKeyDictionary

from workflow.cases.offers import assignee_only
from workflow.definitions.model import STAGES, Definition
from workflow.definitions.registry import DefinitionRegistry
from workflow.definitions.roles import OWN_TODO, READ_ALL
from workflow.engine.policy import UnitTree, can_see_type
from workflow.read_side import InboxFilter, InboxQuery
from workflow.records import Unit, User

InboxKind = Literal["todo", "queue", "overdue", "all"]
INBOX_KINDS: tuple[InboxKind, ...] = ("todo", "queue", "overdue", "all")
LIGHTS = ("green", "yellow", "red", "none")
OPEN_STAGES = tuple(s for s in STAGES if s != "closed")
PAGE_SIZE = 50


@dataclass(frozen=True)
class Viewer:
    """Who is looking: what the read side needs to know about a user, computed once per request."""

    login: str
    role: str
    units: tuple[str, ...] | None  # None: every unit (a bureau-level user or a `read_all` role)
    types: tuple[str, ...]  # case types this role may see
    own_todo: bool = False  # the to-do lists only the viewer's own cases (the rest is the queue)


def light_of(due_at: str | None, yellow_at: str | None, now: str, *, closed: bool = False) -> str:
    """The traffic light from the stored thresholds (ISO UTC text compares as time); a closed case has none
    (a closed-stage state may still wait for something — a receipt — but the case is not overdue)."""
    if not due_at or closed:
        return "none"
    if due_at <= now:
        return "red"
    return "yellow" if yellow_at and yellow_at <= now else "green"


# ---- who sees what ------------------------------------------------------------------------
def viewer_for(user: User, units: list[Unit], registry: DefinitionRegistry) -> Viewer:
    roles = registry.roles
    covered: tuple[str, ...] | None = None
    if not roles.may(user.role, READ_ALL) and user.unit is not None:
        sub = UnitTree(units).subtree(user.unit)
        covered = None if len(sub) == len(units) else tuple(sorted(sub))
    elif user.unit is None and roles.needs_unit(user.role):
        covered = ()  # a unit-bound role without a unit (an old row) sees no unit's cases, not every unit's
    types = tuple(d.name for d in registry.all_latest() if can_see_type(roles, user.role, d))
    return Viewer(user.login, user.role, covered, types, roles.may(user.role, OWN_TODO))


def actionable_pairs(registry: DefinitionRegistry, role: str, types: tuple[str, ...]) -> set[tuple[str, str]]:
    """(case type, state) pairs from which `role` may fire some trigger, over every version in use."""
    pairs: set[tuple[str, str]] = set()
    for d in _all_versions(registry, types):
        for t in d.transitions:
            if role in t.roles:
                pairs.update((d.name, s) for s in t.sources)
    return pairs


def state_pairs(registry: DefinitionRegistry, types: tuple[str, ...], stages: tuple[str, ...]) -> set[tuple[str, str]]:
    return {(d.name, s.name) for d in _all_versions(registry, types) for s in d.states.values() if s.stage in stages}


def _all_versions(registry: DefinitionRegistry, types: tuple[str, ...]) -> list[Definition]:
    return [d for d in registry.definitions() if d.name in types]


def build_inbox_query(kind: InboxKind, viewer: Viewer, registry: DefinitionRegistry, filt: InboxFilter,
                      now: str, all_units: list[Unit]) -> InboxQuery:
    """Translate an inbox tab plus filters into index seeks.

    Every seek reads rows with one key in deadline order and keeps those of the wanted (type, state)
    pairs, so the cost of a page is bounded by what one key holds, never by the number of pairs:
    a viewer limited to some units seeks per unit (a unit holds a few thousand cases at most); a
    viewer who sees every unit seeks per wanted (type, state) pair — exact, nothing read in vain —
    or walks all cases in deadline order when every pair is wanted. A handler's to-do and the
    province-wide queue seek per stage under a fixed assignee (the login, or none).
    """
    types = tuple(t for t in viewer.types if not filt.types or t in filt.types)
    stages = tuple(s for s in (filt.stages or STAGES) if s in STAGES)
    units = _units_for(viewer, filt.unit, all_units)
    if kind in ("queue", "overdue"):
        stages = tuple(s for s in stages if s in OPEN_STAGES)
    if kind == "overdue":
        filt = replace(filt, light="red")
    wanted = _wanted_pairs(registry, kind, viewer.role, types, stages)
    if kind == "todo" and viewer.own_todo:  # their own cases to do; the rest is the queue
        return InboxQuery("stage", _stage_keys(registry, wanted), filt, now, assignee=viewer.login,
                          pairs=wanted, units=units if filt.unit else None)
    if kind == "todo":  # someone else's declaration form, say, is not the viewer's to do
        query = _tab_query(kind, viewer, registry, filt, now, units, wanted, types, stages)
        own = _assignee_only_pairs(registry, viewer.role, types) & wanted
        return replace(query, own_pairs=own, viewer=viewer.login) if own else query
    return _tab_query(kind, viewer, registry, filt, now, units, wanted, types, stages)


def _tab_query(kind: InboxKind, viewer: Viewer, registry: DefinitionRegistry, filt: InboxFilter, now: str,
               units: tuple[str, ...] | None, wanted: frozenset[tuple[str, str]], types: tuple[str, ...],
               stages: tuple[str, ...]) -> InboxQuery:
    if kind == "queue" and units is None:  # unassigned open cases of every unit, stage by stage
        every_type = set(types) == set(registry.names())  # then the seeks' stages say it all
        return InboxQuery("stage", tuple((s,) for s in stages), filt, now, unassigned=True,
                          pairs=None if every_type else wanted)
    if units is not None:
        return InboxQuery("unit", tuple((u,) for u in units) if wanted else (), filt, now,
                          unassigned=kind == "queue", pairs=wanted)
    if wanted == _wanted_pairs(registry, "all", "", tuple(registry.names()), STAGES):
        return InboxQuery("", ((),), filt, now)
    return InboxQuery("type,state", tuple(sorted(wanted)), filt, now)


# The registry never changes once built (a reload builds a new one), so what follows from it alone
# is worked out once per registry instead of on every page view.
_MEMO: WeakKeyDictionary[DefinitionRegistry, dict[tuple[Any, ...], Any]] = WeakKeyDictionary()


def _memo(registry: DefinitionRegistry) -> dict[tuple[Any, ...], Any]:
    found = _MEMO.get(registry)
    if found is None:
        found = _MEMO[registry] = {}
    return found


def _wanted_pairs(registry: DefinitionRegistry, kind: InboxKind, role: str, types: tuple[str, ...],
                  stages: tuple[str, ...]) -> frozenset[tuple[str, str]]:
    """The (type, state) pairs a tab lists: of these types and stages, and for a to-do, actionable by the role."""
    memo, key = _memo(registry), ("wanted", role if kind == "todo" else None, types, stages)
    if key not in memo:
        wanted = frozenset(state_pairs(registry, types, stages))
        if kind == "todo":
            # Closed cases wait for nobody (a reopen is exceptional), unless their state keeps a deadline.
            wanted &= {p for p in actionable_pairs(registry, role, types) if _awaits_work(registry, *p)}
        memo[key] = wanted
    return memo[key]  # type: ignore[no-any-return]


def _assignee_only_pairs(registry: DefinitionRegistry, role: str, types: tuple[str, ...]
                         ) -> frozenset[tuple[str, str]]:
    """(type, state) pairs where every step `role` may take (in any version) is the assignee's alone."""
    memo, key = _memo(registry), ("own", role, types)
    if key not in memo:
        acting, free = set(), set()
        for d in _all_versions(registry, types):
            for t in d.transitions:
                if role in t.roles:
                    pairs = {(d.name, s) for s in t.sources}
                    acting |= pairs
                    if not assignee_only(t):
                        free |= pairs
        memo[key] = frozenset(acting - free)
    return memo[key]  # type: ignore[no-any-return]


def _stage_keys(registry: DefinitionRegistry, pairs: frozenset[tuple[str, str]]) -> tuple[tuple[str, ...], ...]:
    """The stages the pairs' states belong to, in any version (the seek is on the stored stage)."""
    memo, key = _memo(registry), ("stages", pairs)
    if key not in memo:
        memo[key] = tuple((s,) for s in sorted({d.states[st].stage for t, st in pairs
                                                for d in _all_versions(registry, (t,)) if st in d.states}))
    return memo[key]  # type: ignore[no-any-return]


def _awaits_work(registry: DefinitionRegistry, case_type: str, state: str) -> bool:
    specs = [d.states[state] for d in _all_versions(registry, (case_type,)) if state in d.states]
    return any(s.stage != "closed" or s.deadline is not None for s in specs)


def closed_keys(registry: DefinitionRegistry) -> tuple[str, ...]:
    """"type/state" of every closed-stage state (the battle map checks only these cases for lateness)."""
    return tuple(sorted({f"{d.name}/{s.name}" for d in registry.definitions() for s in d.states.values()
                         if s.stage == "closed"}))


def stage_of_state(registry: DefinitionRegistry, case_type: str, state: str) -> str:
    for d in _all_versions(registry, (case_type,)):
        if state in d.states:
            return d.states[state].stage
    return "reported"


def _units_for(viewer: Viewer, chosen: str | None, all_units: list[Unit]) -> tuple[str, ...] | None:
    """The unit codes to seek (None: no unit condition at all, the cheapest seek)."""
    if not chosen:
        return viewer.units
    sub = UnitTree(all_units).subtree(chosen)
    allowed = sub if viewer.units is None else sub & set(viewer.units)
    return tuple(sorted(allowed)) or ("-",)  # "-" matches nothing: the unit is outside the scope
