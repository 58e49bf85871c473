"""The campaign's periodic progress report (定期发布整治进展) as plain data, as of any instant.

Per task of the plan and per numbered measure (每项整治措施一个 rectification_measure 案件): where its case
stood then, its light, working days overdue and latest step; per task the counts and completion rate;
then the whole campaign from the battle map (every case type: counts, overdue, on-time and 销号 rates,
per category and per unit) and the list of what is overdue. A case's past is replayed from its events.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from workflow.definitions.model import Definition
from workflow.definitions.outcomes import CLOSED_OUT, REFERRED, UNFOUNDED
from workflow.definitions.registry import DefinitionRegistry
from workflow.documents.bulletin import UnitRate, unit_rates
from workflow.documents.formats import NONE, chinese_date, label, local_day, overdue_working_days, percent
from workflow.documents.names import Names
from workflow.escalation.calendar import WorkingCalendar
from workflow.events import ADVANCED, OPENED, Event
from workflow.read_side import DashboardCount
from workflow.records import CaseState
from workflow.reporting.battle_map import Dashboard, summarise
from workflow.reporting.queries import OPEN_STAGES, light_of

LIGHTS = {"red": "超期", "yellow": "临期", "green": "正常", "none": NONE}
NOT_STARTED = "未启动"


@dataclass
class MeasureRow:
    id: str
    title: str
    unit: str
    deadline: str  # the plan's date (or the one an approved extension set)
    progress: str  # the state's label
    light: str
    overdue_days: int
    latest: str  # the latest step and its day
    done: bool


@dataclass
class TaskRow:
    id: str
    title: str
    measures: list[MeasureRow] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.measures)

    @property
    def done(self) -> int:
        return sum(m.done for m in self.measures)

    @property
    def overdue(self) -> int:
        return sum(m.light == LIGHTS["red"] for m in self.measures)

    @property
    def in_progress(self) -> int:
        return self.total - self.done

    @property
    def rate(self) -> str:
        return percent(round(self.done / self.total, 4) if self.total else None)


@dataclass
class CategoryRow:
    category: str
    total: int
    open: int
    overdue: int
    closed_out: int
    close_out_rate: str


@dataclass
class ProgressReport:
    title: str
    plan_title: str
    document: str
    as_of: str
    tasks: list[TaskRow]
    summary: list[tuple[str, str]]  # the campaign's figures: (what, value)
    categories: list[CategoryRow]
    units: list[UnitRate]

    @property
    def overdue(self) -> list[MeasureRow]:
        return [m for t in self.tasks for m in t.measures if m.light == LIGHTS["red"]]

    @property
    def measures(self) -> int:
        return sum(t.total for t in self.tasks)

    @property
    def done(self) -> int:
        return sum(t.done for t in self.tasks)


@dataclass(frozen=True)
class MeasureCase:
    """A measure's case as it was at the report's instant (None: not opened yet) and its events until then."""

    case: CaseState | None
    events: list[Event]


def build_progress(plan: Mapping[str, Any], cases: Mapping[str, MeasureCase], counts: list[DashboardCount], *,
                   names: Names, calendar: WorkingCalendar, registry: DefinitionRegistry, as_of: str,
                   today: date) -> ProgressReport:
    """The report from the stored plan (its items, and task titles when stored), each measure's case then
    (keyed by measure id) and the battle map's counts as of `as_of`."""
    titles = {t["id"]: label(t.get("title"), "zh", t["id"]) for t in plan.get("tasks") or []}
    tasks: dict[str, TaskRow] = {}
    for item in plan.get("items") or []:
        if item.get("kind") != "measure":
            continue
        task = tasks.setdefault(item["task"], TaskRow(item["task"], titles.get(item["task"], "")))
        task.measures.append(_measure(item, cases.get(item["id"]), names, calendar, registry, as_of, today))
    overdue = {c.due_at: overdue_working_days(c.due_at, today, calendar) for c in counts if c.due_at}
    board = summarise(as_of, counts, registry, overdue)
    plan_title = label(plan.get("title"), "zh", str(plan.get("campaign", "")))
    return ProgressReport(f"{plan_title}整治进展情况", plan_title, str(plan.get("document") or ""),
                          chinese_date(today), list(tasks.values()), _summary(board, list(tasks.values())),
                          _categories(board, registry), unit_rates(counts, names, registry, as_of, overdue))


def _measure(item: Mapping[str, Any], then: MeasureCase | None, names: Names, calendar: WorkingCalendar,
             registry: DefinitionRegistry, as_of: str, today: date) -> MeasureRow:
    title, unit = label(item.get("title"), "zh", item["id"]), names.unit(item.get("responsible_unit"))
    deadline = item.get("deadline") or NONE
    case = then.case if then else None
    if case is None or then is None:
        return MeasureRow(item["id"], title, unit, deadline, NOT_STARTED, NONE, 0, NONE, False)
    defn = registry.get(case.type, case.definition_version)
    state = defn.states[case.state]
    closed = state.stage == "closed"
    d = case.deadline or {}
    light = light_of(d.get("due_at"), d.get("yellow_at"), as_of, closed=closed)
    return MeasureRow(item["id"], title, names.unit(case.unit) or unit, str(case.fields.get("due_date") or deadline),
                      label(state.label, "zh"), LIGHTS[light],
                      overdue_working_days(d.get("due_at"), today, calendar) if light == "red" else 0,
                      _latest(then.events, defn, calendar), closed)


def _latest(events: list[Event], defn: Definition, calendar: WorkingCalendar) -> str:
    for e in reversed(events):
        if e.action == OPENED:
            return f"{local_day(e.at, calendar.tzinfo)} 登记"
        if e.action == ADVANCED and e.from_state:
            spec = defn.transition(e.from_state, str(e.payload.get("trigger")))
            return f"{local_day(e.at, calendar.tzinfo)} {label(spec.label, 'zh') if spec else ''}".strip()
    return NONE


def _summary(board: Dashboard, tasks: list[TaskRow]) -> list[tuple[str, str]]:
    measures, done = sum(t.total for t in tasks), sum(t.done for t in tasks)
    return [("整治措施（项）", str(measures)), ("已完成措施（项）", str(done)),
            ("措施完成率", percent(round(done / measures, 4) if measures else None)),
            ("超期措施（项）", str(sum(t.overdue for t in tasks))),
            ("问题事项总数（件）", str(board.total)), ("在办（件）", str(board.open)),
            ("超期在办（件）", str(board.open_red)), ("已销号（件）", str(board.closed_out)),
            ("超期率", percent(board.overdue_rate)), ("按期办结率", percent(board.on_time_rate)),
            ("销号率", percent(board.close_out_rate)),
            ("平均超期工作日", NONE if board.mean_overdue_working_days is None
             else str(board.mean_overdue_working_days))]


def _categories(board: Dashboard, registry: DefinitionRegistry) -> list[CategoryRow]:
    out = []
    for case_type, columns in sorted(board.matrix.items()):
        cells = columns.values()
        total = sum(c.count for c in cells)
        closed_out = columns[CLOSED_OUT].count
        open_cells = [c for k, c in columns.items() if k in OPEN_STAGES]
        title = label(registry.latest(case_type).title, "zh", case_type) if case_type in registry.names() else case_type
        base = total - columns[UNFOUNDED].count - columns[REFERRED].count
        rate = round(closed_out / base, 4) if base and registry.closes_out(case_type) else None
        out.append(CategoryRow(title, total, sum(c.count for c in open_cells), sum(c.red for c in open_cells),
                               closed_out, percent(rate)))
    return out
