"""The read side's questions and rows: inbox queries and pages, battle-map counts, the audit and access logs.

Plain data passed to and from the read model (workflow.ports.ReadModel); the rules that decide
what to ask are workflow.reporting.queries.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

COUNT_CAP = 1000  # counts above this show as "1000+": counting 300k rows per page view is waste
SEARCH_COUNT_CAP = 100  # the same under a keyword search, where each row counted is also tested for the words


@dataclass(frozen=True)
class InboxFilter:
    types: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    unit: str | None = None  # a unit and its sub-units, within the viewer's scope
    light: str | None = None  # green / yellow / red / none
    source: str | None = None  # the discovery channel field
    text: str | None = None  # keywords in the title and free-text fields (workflow.search_terms)
    campaign: str | None = None  # the cases of one campaign (cases.campaign)


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
    # (type, state) pairs where only the assignee can act: rows in them must be unassigned or the viewer's
    own_pairs: frozenset[tuple[str, str]] | None = None
    viewer: str | None = None


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
class BoardCase:
    """One case on the battle map as of an instant: what a cell counts, and what its rows are keyed by."""

    id: str
    unit: str
    type: str
    definition_version: int
    state: str
    light: str
    ever_late: bool
    due_at: str | None  # only for red cases
    title: str
    category: str | None  # the case's `category` field (问题类别), if its type has one
    campaign: str | None  # the plan and measure the case tracks (a rectification_measure case)
    measure: str | None


@dataclass(frozen=True)
class AuditFilter:
    """Which events the audit log lists: every condition given must hold; a tuple means any of its values."""

    actors: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()  # event actions (opened, assigned, …) …
    steps: tuple[tuple[str, str], ...] = ()  # … or steps fired, as (case type, trigger): an event matching either
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


@dataclass(frozen=True)
class SavedFilter:
    """A user's named inbox query string (workflow.directory.saved_filters)."""

    id: int
    name: str
    query: str
    created_at: str
