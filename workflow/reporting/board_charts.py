"""The battle map's charts as data: where the cases stand, how many open cases were overdue week by week,
and each unit's on-time and close-out (销号) rates.

Pure folds over what the read side already answers — the battle map's cases one by one (`BoardCase`) and
its counts as of past instants (`DashboardCount`, from the event log) — so a chart and the matrix agree.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from workflow.definitions.registry import DefinitionRegistry
from workflow.read_side import BoardCase, DashboardCount
from workflow.reporting.battle_map import COLUMNS, summarise
from workflow.reporting.board_rows import column_of

TREND_WEEKS = 12  # the overdue trend: this many week ends, the last one the battle map's date


@dataclass(frozen=True)
class UnitRates:
    unit: str
    cases: int
    closed: int
    closed_on_time: int
    on_time_rate: float | None
    closed_out: int
    to_close_out: int
    close_out_rate: float | None


def stage_counts(cases: Iterable[BoardCase], registry: DefinitionRegistry) -> dict[str, int]:
    """Cases per battle-map column (open stages, then outcomes), every column present."""
    out = dict.fromkeys(COLUMNS, 0)
    for c in cases:
        out[column_of(registry, c)[0]] += 1
    return out


def as_counts(cases: Iterable[BoardCase]) -> list[DashboardCount]:
    return [DashboardCount(c.unit, c.type, c.definition_version, c.state, c.light, c.ever_late, 1, c.due_at)
            for c in cases]


def unit_rates(cases: Iterable[BoardCase], registry: DefinitionRegistry, as_of: str) -> list[UnitRates]:
    """Per unit (sorted by code): the on-time rate (closed cases that never ran out of time) and the 销号率, with
    the battle map's definitions of both (workflow.reporting.battle_map.Dashboard)."""
    by_unit: dict[str, list[BoardCase]] = {}
    for c in cases:
        by_unit.setdefault(c.unit, []).append(c)
    out = []
    for unit in sorted(by_unit):
        b = summarise(as_of, as_counts(by_unit[unit]), registry, {})
        out.append(UnitRates(unit, b.total, b.closed, b.closed_on_time, b.on_time_rate, b.closed_out, b.to_close_out,
                             b.close_out_rate))
    return out


def week_ends(last: date, weeks: int = TREND_WEEKS) -> list[date]:
    """`weeks` dates a week apart, the last one `last` (oldest first)."""
    return [last - timedelta(days=7 * i) for i in reversed(range(weeks))]


def overdue_trend(days: Iterable[date], counts_at: Callable[[date], tuple[datetime, list[DashboardCount]]],
                  registry: DefinitionRegistry, fmt: Callable[[datetime], str]) -> list[dict[str, object]]:
    """For each day: the open cases then and how many of them were overdue (red) at that day's end."""
    out = []
    for day in days:
        at, counts = counts_at(day)
        b = summarise(fmt(at), counts, registry, {})
        out.append({"date": day.isoformat(), "open": b.open, "overdue": b.open_red})
    return out
