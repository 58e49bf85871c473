"""The battle map's switchable rows: by problem category, by the plan's tasks and measures, or by unit.

One fold for the matrix and for the list behind each of its counts: `board_table` counts the
cases (`BoardCase`, one per case as of an instant) into rows × columns with row and column totals,
and `cell_cases` picks out exactly the cases one count stands for — both through `row_keys` and
`column_of`, so a cell and its list cannot disagree.

Row keys (what a cell link carries in ``?row=``):
- category mode: ``category:<value>`` — the case's 问题类别 field — or ``type:<name>`` for a case whose type
  has no such field (a plan measure, a declaration…);
- plan mode: ``task:<campaign>/<task id>`` with a sub-row ``measure:<campaign>/<measure id>`` per measure, and
  ``other`` for cases that track no measure of a loaded plan;
- unit mode: the unit's code;
- type mode: ``type:<name>`` (the case type, the battle map's rows before).
Every case has exactly one top-level row (level 0); sub-rows (level 1) are not added into the totals.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from workflow.definitions.outcomes import CONCLUDED
from workflow.definitions.registry import DefinitionRegistry
from workflow.errors import WorkflowError
from workflow.read_side import BoardCase
from workflow.reporting.battle_map import COLUMNS, Cell
from workflow.reporting.queries import stage_of_state

MODES = ("category", "plan", "unit", "type")
OTHER = "other"  # plan mode: cases that track no measure of a loaded plan
TaskOf = Callable[[str, str], "str | None"]  # (campaign, measure id) -> its task id


@dataclass
class BoardRow:
    key: str
    level: int  # 0: counted in the totals; 1: a plan measure under its task
    cells: dict[str, Cell] = field(default_factory=lambda: {k: Cell() for k in COLUMNS})
    total: Cell = field(default_factory=Cell)


@dataclass
class BoardTable:
    mode: str
    rows: list[BoardRow]
    totals: dict[str, Cell]  # column -> the top-level rows' sum
    total: Cell


def column_of(registry: DefinitionRegistry, c: BoardCase) -> tuple[str, str]:
    """The case's column (open stage, or outcome when closed) and the light it shows there."""
    try:
        stage = registry.get(c.type, c.definition_version).states[c.state].stage
    except (KeyError, WorkflowError):  # a version no longer loaded: any version's stage
        stage = stage_of_state(registry, c.type, c.state)
    if stage == "closed":
        return registry.outcome_kind(c.type, c.definition_version, c.state) or CONCLUDED, "none"
    return stage, c.light


def row_keys(mode: str, c: BoardCase, task_of: TaskOf) -> list[tuple[str, int]]:
    """The rows the case counts in: its top-level row, then (plan mode) its measure's sub-row."""
    if mode == "category":
        return [(f"category:{c.category}" if c.category else f"type:{c.type}", 0)]
    if mode == "unit":
        return [(c.unit, 0)]
    if mode == "type":
        return [(f"type:{c.type}", 0)]
    if mode == "plan":
        task = task_of(c.campaign, c.measure) if c.campaign and c.measure else None
        if task is None:
            return [(OTHER, 0)]
        return [(f"task:{c.campaign}/{task}", 0), (f"measure:{c.campaign}/{c.measure}", 1)]
    raise ValueError(f"unknown row mode {mode!r}")


def board_table(cases: Iterable[BoardCase], registry: DefinitionRegistry, mode: str, task_of: TaskOf,
                sort_key: Callable[[str], Any] = str) -> BoardTable:
    """The rows × columns counts with totals; rows ordered by `sort_key` of their key (sub-rows under their
    top-level row, in the order of their own sort keys)."""
    rows: dict[str, BoardRow] = {}
    children: dict[str, set[str]] = {}
    totals = {k: Cell() for k in COLUMNS}
    total = Cell()
    for c in cases:
        column, light = column_of(registry, c)
        keys = row_keys(mode, c, task_of)
        for key, level in keys:
            row = rows.setdefault(key, BoardRow(key, level))
            row.cells[column].add(light, 1)
            row.total.add(light, 1)
            if level:
                children.setdefault(keys[0][0], set()).add(key)
        totals[column].add(light, 1)
        total.add(light, 1)
    ordered: list[BoardRow] = []
    for key in sorted((k for k, r in rows.items() if r.level == 0), key=sort_key):
        ordered.append(rows[key])
        ordered.extend(rows[k] for k in sorted(children.get(key, ()), key=sort_key))
    return BoardTable(mode, ordered, totals, total)


def cell_cases(cases: Iterable[BoardCase], registry: DefinitionRegistry, mode: str, task_of: TaskOf, *,
               row: str | None, column: str | None) -> list[BoardCase]:
    """The cases one count of `board_table` stands for: in row `row` (None: every row — a column total) and
    column `column` (None: every column — a row total); both None: the grand total."""
    return [c for c in cases
            if (column is None or column_of(registry, c)[0] == column)
            and (row is None or any(key == row for key, _ in row_keys(mode, c, task_of)))]
