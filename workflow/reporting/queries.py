"""Read-model queries for inboxes, the battle map (挂图作战), the audit log and the access log.

This is the ports-level API: plain dataclasses, a `ReadModel` Protocol (implemented by
`workflow.adapters.sql.sqlqueries.SqlQueries`) and the pure rules that decide *what* to ask for —
which (case type, state) pairs a role can act on, which units a user covers, how the raw
counts become rates. The adapter only decides *how* to fetch it fast.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterator, Literal, Protocol, Sequence
from weakref import WeakKeyDictionary

from workflow.definitions.model import STAGES, Definition
from workflow.events import Event
from workflow.engine.policy import Scope
from workflow.ports import Unit, User
from workflow.definitions.registry import DefinitionRegistry

InboxKind = Literal["todo", "queue", "overdue", "all"]
INBOX_KINDS: tuple[InboxKind, ...] = ("todo", "queue", "overdue", "all")
LIGHTS = ("green", "yellow", "red", "none")
OPEN_STAGES = tuple(s for s in STAGES if s != "closed")
PAGE_SIZE = 50
COUNT_CAP = 1000  # counts above this show as "1000+": counting 300k rows per page view is waste


@dataclass(frozen=True)
class Viewer:
    """Who is looking: what the read side needs to know about a user, computed once per request."""

    login: str
    role: str
    units: tuple[str, ...] | None  # None: every unit (a bureau-level user or an auditor)
    types: tuple[str, ...]  # case types this role may see


@dataclass(frozen=True)
class InboxFilter:
    types: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    unit: str | None = None  # a unit and its sub-units, within the viewer's scope
    light: str | None = None  # green / yellow / red / none
    source: str | None = None  # the discovery channel field


SeekColumns = Literal["", "unit", "type,state", "stage"]


@dataclass(frozen=True)
class InboxQuery:
    """An inbox tab as index seeks: each walks the rows with one key in deadline order (see the adapter).

    `seek_by` names the leading index columns every seek fixes ("unit", "type,state", "stage" under a
    fixed assignee, or "" for a single walk of every case); `keys` holds one value tuple per seek.
    The conditions after that are applied to the few rows each seek reads, from the index alone
    except the yellow/green light and the source, which are in the snapshot.
    """

    seek_by: SeekColumns
    keys: tuple[tuple[str, ...], ...]  # empty: nothing can match
    filt: InboxFilter
    now: str  # ISO UTC text: red means due_at <= now
    assignee: str | None = None  # every row is assigned to this login (a handler's own cases)
    unassigned: bool = False  # every row is unassigned (the unit queue)
    pairs: frozenset[tuple[str, str]] | None = None  # (type, state) the rows must be in; None: any
    units: tuple[str, ...] | None = None  # units the rows must be in; None: any


@dataclass
class CaseRow:
    id: str
    type: str
    definition_version: int
    title: str
    unit: str
    state: str
    stage: str
    version: int
    assignee: str | None
    due_at: str | None
    yellow_at: str | None
    updated_at: str
    supervision_level: int = 0
    ever_overdue: bool = False
    light: str = "none"


@dataclass
class InboxPage:
    rows: list[CaseRow]
    next_cursor: str | None


@dataclass(frozen=True)
class DashboardCount:
    """Cases of one unit, type, state and light as of an instant (from the event log)."""

    unit: str
    type: str
    definition_version: int
    state: str
    light: str
    ever_late: bool
    count: int
    due_at: str | None = None  # only for red cases, to count working days overdue


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None
    case_id: str | None = None
    type: str | None = None
    since: str | None = None
    until: str | None = None


@dataclass(frozen=True)
class AccessEntry:
    seq: int
    at: str
    actor: str
    action: str
    case_id: str | None
    outcome: str
    ip: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AlertRow:
    """One in-app alert (written by escalations and supervision flags) with its case's title."""

    id: int
    case_id: str
    kind: str
    rung: str | None
    level: int
    at: str
    due_at: str | None
    late: bool
    read: bool
    title: str
    type: str


class ReadModel(Protocol):
    def inbox(self, query: InboxQuery, *, after: str | None, limit: int) -> InboxPage: ...
    def count(self, query: InboxQuery, *, cap: int = COUNT_CAP) -> int: ...
    def counts(self, queries: Sequence[InboxQuery], *, cap: int = COUNT_CAP) -> list[int]: ...
    def inbox_with_counts(self, query: InboxQuery, counted: Sequence[InboxQuery], *, after: str | None, limit: int,
                          cap: int = COUNT_CAP) -> tuple[InboxPage, list[int]]: ...
    def dashboard(self, as_of: str, units: tuple[str, ...] | None, types: tuple[str, ...],
                  closed: tuple[str, ...]) -> list[DashboardCount]: ...
    def audit_events(self, filt: AuditFilter, *, before_seq: int | None, limit: int) -> list[Event]: ...
    def iter_audit_events(self, filt: AuditFilter) -> Iterator[Event]: ...
    def record_access(self, entry: AccessEntry) -> None: ...
    def failures_since(self, *, actor: str, ip: str, since: str) -> tuple[int, int]: ...
    def access_entries(self, *, actor: str | None, case_id: str | None, before_seq: int | None,
                       limit: int) -> list[AccessEntry]: ...
    def alerts(self, login: str, *, unread_only: bool, before_id: int | None, limit: int) -> list[AlertRow]: ...
    def unread_alerts(self, login: str, *, cap: int = COUNT_CAP) -> int: ...
    def mark_alerts_read(self, login: str, ids: list[int] | None, at: str) -> int: ...


def light_of(due_at: str | None, yellow_at: str | None, now: str) -> str:
    """The traffic light from the stored thresholds (ISO UTC text compares as time)."""
    if not due_at:
        return "none"
    if due_at <= now:
        return "red"
    return "yellow" if yellow_at and yellow_at <= now else "green"


# ---- who sees what ------------------------------------------------------------------------
def viewer_for(user: User, units: list[Unit], registry: DefinitionRegistry) -> Viewer:
    scope = Scope(units)
    covered: tuple[str, ...] | None = None
    if user.role != "auditor" and user.unit is not None:
        sub = scope.subtree(user.unit)
        covered = None if len(sub) == len(units) else tuple(sorted(sub))
    types = tuple(d.name for d in registry.all_latest() if can_see_type(user.role, d))
    return Viewer(user.login, user.role, covered, types)


def can_see_type(role: str, d: Definition) -> bool:
    if role == "auditor":
        return True
    if role == "admin":
        return False
    return not d.visible_to or role in d.visible_to


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
    if kind == "todo" and viewer.role == "handler":  # their own cases to do; the rest is the queue
        return InboxQuery("stage", _stage_keys(registry, wanted), filt, now, assignee=viewer.login,
                          pairs=wanted, units=units if filt.unit else None)
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
    sub = Scope(all_units).subtree(chosen)
    allowed = sub if viewer.units is None else sub & set(viewer.units)
    return tuple(sorted(allowed)) or ("-",)  # "-" matches nothing: the unit is outside the scope
