"""The battle map (挂图作战) as data: raw counts from the event log folded into matrices and rates.

`summarise` turns `DashboardCount`s (one per unit, type, state and light, as of an instant) into
the category × column matrix, the unit × column table and the overdue, on-time and close-out rates.
The columns are the open stages, then one per outcome of the closed cases (workflow.definitions.outcomes):
only a close-out (rectified and accepted) counts as 销号, and a closed case shows no light.

`timeline_step` is the fold behind "as of a past date": what a case shows on the battle map after
each event (type, state, unit, deadline, whether an earlier deadline of it already ran out). The
store keeps one row per such change, valid until the next, so "as of T" is one range read instead
of a replay of the whole log (workflow.adapters.sql.timeline).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from workflow.definitions.outcomes import CLOSED_OUT, CONCLUDED, OUTCOME_KINDS, REFERRED, UNFOUNDED, WITHDRAWN
from workflow.definitions.registry import DefinitionRegistry
from workflow.errors import WorkflowError
from workflow.events import MIGRATED, OPENED, Event
from workflow.read_side import DashboardCount
from workflow.reporting.queries import OPEN_STAGES, stage_of_state

# The battle map's columns: where open cases stand, then how closed cases ended.
COLUMNS = OPEN_STAGES + OUTCOME_KINDS


@dataclass(frozen=True)
class TimelineRow:
    """What the battle map shows of one case from event `version` (at `valid_from`) until its next row."""

    case_id: str
    version: int
    valid_from: str
    type: str
    definition_version: int
    state: str
    unit: str
    due_at: str | None
    yellow_at: str | None
    late: bool  # an earlier deadline of the case ran out before the event that replaced it


def changes_timeline(ev: Event) -> bool:
    """Whether the event moves the case on the battle map: a new state, or a deadline set or cleared."""
    return ev.to_state is not None or "deadline" in ev.payload or (ev.action != OPENED and "unit" in ev.payload)


def timeline_step(prev: TimelineRow | None, ev: Event) -> TimelineRow | None:
    """The case's row after `ev`, or None when the event changes nothing the battle map shows.

    A deadline lasts until the next event that sets one (or clears it: ``"deadline": null``); it
    made the case late if it ran out at or before that event — the on-time rate's definition.
    """
    if prev is None:
        if ev.action != OPENED or ev.to_state is None:
            raise ValueError(f"event {ev.case_id}@{ev.version}: a case's timeline starts with its opening")
        deadline = ev.payload.get("deadline") or {}
        return TimelineRow(ev.case_id, ev.version, ev.at, ev.definition, ev.definition_version, ev.to_state,
                           str(ev.payload["unit"]), deadline.get("due_at"), deadline.get("yellow_at"), False)
    if not changes_timeline(ev):
        return None
    due, yellow, late = prev.due_at, prev.yellow_at, prev.late
    if "deadline" in ev.payload:
        late = late or (due is not None and due <= ev.at)
        deadline = ev.payload["deadline"] or {}
        due, yellow = deadline.get("due_at"), deadline.get("yellow_at")
    # A migration is recorded under the old version but enters a state of the new one (`definitions migrate`).
    version = int(ev.payload["to_version"]) if ev.action == MIGRATED else ev.definition_version
    return TimelineRow(ev.case_id, ev.version, ev.at, ev.definition, version,
                       ev.to_state or prev.state, str(ev.payload.get("unit") or prev.unit), due, yellow, late)


def case_timeline(events: Iterable[Event]) -> list[TimelineRow]:
    """Every row of one case's timeline, from its events in version order."""
    rows: list[TimelineRow] = []
    for ev in events:
        row = timeline_step(rows[-1] if rows else None, ev)
        if row is not None:
            rows.append(row)
    return rows


@dataclass
class Cell:
    count: int = 0
    green: int = 0
    yellow: int = 0
    red: int = 0

    def add(self, light: str, n: int) -> None:
        self.count += n
        if light in ("green", "yellow", "red"):
            setattr(self, light, getattr(self, light) + n)

    @property
    def light(self) -> str:
        return "red" if self.red else "yellow" if self.yellow else "green" if self.green else "none"


@dataclass
class Dashboard:
    as_of: str
    matrix: dict[str, dict[str, Cell]]  # type -> column (open stage or outcome) -> cell
    by_unit: dict[str, dict[str, Cell]]  # unit -> column -> cell
    total: int = 0
    closed: int = 0  # every outcome but withdrawn (a measure taken off the plan is not work done)
    closed_on_time: int = 0
    open: int = 0
    open_red: int = 0
    overdue_working_days: int = 0  # summed over the open red cases
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOME_KINDS, 0))
    to_close_out: int = 0  # the 销号率's base: cases of types that close out, less the unfounded, referred, withdrawn

    @property
    def closed_out(self) -> int:
        return self.outcomes[CLOSED_OUT]

    @property
    def overdue_rate(self) -> float | None:
        return _ratio(self.open_red, self.open)

    @property
    def on_time_rate(self) -> float | None:
        return _ratio(self.closed_on_time, self.closed)

    @property
    def close_out_rate(self) -> float | None:
        """销号率: close-outs (rectified and accepted) among the cases that are there to be closed out."""
        return _ratio(self.closed_out, self.to_close_out)

    @property
    def mean_overdue_working_days(self) -> float | None:
        return round(self.overdue_working_days / self.open_red, 1) if self.open_red else None


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def summarise(as_of: str, counts: list[DashboardCount], registry: DefinitionRegistry,
              overdue_days: Mapping[str, int]) -> Dashboard:
    """Fold raw counts into the type × column matrix, the unit × column table and the rates.

    `overdue_days` maps each red case's due_at to working days overdue as of `as_of`.
    """
    board = Dashboard(as_of, {}, {})
    for c in counts:
        column, light = _stage_of(registry, c), c.light
        board.total += c.count
        if column == "closed":
            column, light = registry.outcome_kind(c.type, c.definition_version, c.state) or CONCLUDED, "none"
            board.outcomes[column] += c.count
            if column != WITHDRAWN:  # in its own column, counted in no rate
                board.closed += c.count
                board.closed_on_time += 0 if c.ever_late else c.count
        else:
            board.open += c.count
            if c.light == "red":
                board.open_red += c.count
                board.overdue_working_days += overdue_days.get(c.due_at or "", 0) * c.count
        if column not in (UNFOUNDED, REFERRED, WITHDRAWN) and registry.closes_out(c.type):
            board.to_close_out += c.count
        board.matrix.setdefault(c.type, {k: Cell() for k in COLUMNS})[column].add(light, c.count)
        board.by_unit.setdefault(c.unit, {k: Cell() for k in COLUMNS})[column].add(light, c.count)
    return board


def _stage_of(registry: DefinitionRegistry, c: DashboardCount) -> str:
    try:
        return registry.get(c.type, c.definition_version).states[c.state].stage
    except (KeyError, WorkflowError):  # a version no longer loaded: fall back to any version's stage
        return stage_of_state(registry, c.type, c.state)
