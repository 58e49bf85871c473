"""The 通报 (bulletin) as plain data: the cases an escalation ladder listed for it, grouped by unit, each
with its overdue working days and supervision level, and every unit's on-time and 销号 rates.

The listed cases come from the escalation firings marked `bulletin` (`rectiflow bulletin`); the rates
from the battle map's counts as of now (workflow.reporting.battle_map.summarise, one unit at a time).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from workflow.definitions.registry import DefinitionRegistry
from workflow.documents.formats import NONE, chinese_date, due_text, local_day, overdue_working_days, percent
from workflow.documents.names import Names
from workflow.escalation.calendar import WorkingCalendar
from workflow.escalation.ladders import LEVEL_NAMES
from workflow.read_side import DashboardCount
from workflow.records import CaseState
from workflow.reporting.battle_map import summarise

TITLE = "关于顽瘴痼疾专项整治超期未整改问题的通报"
DOC_NUMBER = "××〔{year}〕×号"  # a placeholder the office replaces with its own document number


@dataclass
class ListedCase:
    number: int
    case_id: str
    title: str
    state: str
    deadline: str
    overdue_days: int
    level: str
    listed_on: str


@dataclass
class UnitGroup:
    unit: str
    cases: list[ListedCase] = field(default_factory=list)


@dataclass
class UnitRate:
    unit: str
    total: int
    open: int
    overdue: int
    closed_out: int
    on_time_rate: str
    close_out_rate: str


@dataclass
class Bulletin:
    title: str
    doc_number: str
    issuer: str
    period: str
    issued_on: str
    count: int
    groups: list[UnitGroup]
    rates: list[UnitRate]

    def context(self) -> dict[str, Any]:
        """What the Word template's Jinja tags see (templates/bulletin.docx)."""
        return {"title": self.title, "doc_number": self.doc_number, "issuer": self.issuer, "period": self.period,
                "issued_on": self.issued_on, "count": self.count, "unit_count": len(self.groups),
                "groups": self.groups, "rates": self.rates}


@dataclass(frozen=True)
class Listing:
    """One case on the list: the case now, its state's label, and the rung that listed it."""

    case: CaseState
    state_label: str
    firing: Mapping[str, Any]


def build_bulletin(listings: Iterable[Listing], counts: list[DashboardCount], *, names: Names,
                   calendar: WorkingCalendar, registry: DefinitionRegistry, today: date, since: date | None,
                   as_of: str) -> Bulletin:
    """The bulletin as of `today`: `listings` (one per listed case, oldest listing first) grouped by unit
    in the directory's order, and the rates of every unit `counts` holds."""
    tz = calendar.tzinfo
    groups: dict[str, UnitGroup] = {}
    for n, item in enumerate(sorted(listings, key=lambda i: (_unit_order(names, i.case.unit), i.firing["fired_at"])),
                             start=1):
        c = item.case
        due = (c.deadline or {}).get("due_at")
        groups.setdefault(c.unit, UnitGroup(names.unit(c.unit))).cases.append(ListedCase(
            n, c.id, c.title, item.state_label, due_text(due or item.firing.get("due_at"), tz),
            overdue_working_days(due, today, calendar),
            LEVEL_NAMES.get(max(c.supervision_level, int(item.firing.get("level") or 0)), NONE),
            local_day(item.firing["fired_at"], tz)))
    period = (f"{chinese_date(since)}至{chinese_date(today)}" if since else f"截至{chinese_date(today)}")
    return Bulletin(TITLE, DOC_NUMBER.format(year=today.year), names.root_unit, period, chinese_date(today),
                    sum(len(g.cases) for g in groups.values()), list(groups.values()),
                    unit_rates(counts, names, registry, as_of))


def unit_rates(counts: list[DashboardCount], names: Names, registry: DefinitionRegistry, as_of: str,
               overdue: Mapping[str, int] | None = None) -> list[UnitRate]:
    """Each unit's cases, open, overdue and closed-out counts with its on-time and 销号 rates."""
    by_unit: dict[str, list[DashboardCount]] = {}
    for c in counts:
        by_unit.setdefault(c.unit, []).append(c)
    out = []
    for unit in sorted(by_unit, key=lambda u: _unit_order(names, u)):
        board = summarise(as_of, by_unit[unit], registry, overdue or {})
        out.append(UnitRate(names.unit(unit), board.total, board.open, board.open_red, board.closed_out,
                            percent(board.on_time_rate), percent(board.close_out_rate)))
    return out


def _unit_order(names: Names, code: str) -> int:
    order = list(names.units)
    return order.index(code) if code in order else len(order)
