"""The battle map (挂图作战) as sheets, the way the page shows it: the figures, then the category ×
column matrix and the unit × column matrix — open stages, then the outcomes of the closed cases —
each with a total per row and per column and the red and yellow cases, cells filled with their light.

Rates are fractions with a percent format (0.3846 shows as 38.5%), so a spreadsheet can still compute
with them; the title names the scope and the instant ("截至 … （北京时间）"). Pure: a
workflow.reporting.battle_map.Dashboard and the names go in, workflow.reporting.workbook Tables come out
(to .xlsx or .csv).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo

from workflow.definitions.model import STAGE_LABELS
from workflow.definitions.outcomes import OUTCOME_KINDS, OUTCOME_LABELS
from workflow.reporting.battle_map import COLUMNS, Cell, Dashboard
from workflow.reporting.ledger import text_of
from workflow.reporting.ledger_export import as_of_line
from workflow.reporting.queries import OPEN_STAGES
from workflow.reporting.workbook import PERCENT, Column, Row, Table

Label = Mapping[str, str]
WORDS: Mapping[str, Label] = {
    "title": {"zh": "挂图作战", "en": "Battle map"},
    "summary": {"zh": "汇总", "en": "Summary"}, "categories": {"zh": "类别", "en": "Categories"},
    "units": {"zh": "单位", "en": "Units"}, "figure": {"zh": "指标", "en": "Figure"},
    "value": {"zh": "数值", "en": "Value"}, "basis": {"zh": "计算", "en": "Basis"},
    "category": {"zh": "类别", "en": "Category"}, "unit": {"zh": "单位", "en": "Unit"},
    "open": {"zh": "在办（按阶段）", "en": "Open, by stage"},
    "closed_by": {"zh": "已完结（按结果）", "en": "Closed, by outcome"},
    "total": {"zh": "合计", "en": "Total"}, "red": {"zh": "其中红灯", "en": "of which red"},
    "yellow": {"zh": "其中黄灯", "en": "of which yellow"},
    "cases": {"zh": "件数", "en": "Cases"}, "open_cases": {"zh": "在办", "en": "Open"},
    "closed": {"zh": "已完结", "en": "Closed"}, "overdue_rate": {"zh": "超期率", "en": "Overdue rate"},
    "on_time_rate": {"zh": "按期办结率", "en": "On-time rate"},
    "close_out_rate": {"zh": "销号率", "en": "Close-out rate"},
    "mean_overdue": {"zh": "平均超期工作日", "en": "Mean working days overdue"},
}


def word(key: str, lang: str) -> str:
    return text_of(WORDS[key], lang, key)


def column_title(column: str, lang: str) -> str:
    return text_of(STAGE_LABELS.get(column) or OUTCOME_LABELS.get(column), lang, column)


def battle_map_tables(board: Dashboard, *, scope: str, at: datetime, tz: tzinfo, type_title: Callable[[str], str],
                      unit_name: Callable[[str], str], lang: str = "zh") -> list[Table]:
    """The summary, the category matrix and the unit matrix as tables."""
    sep = "（" if lang == "zh" else " ("
    end = "）" if lang == "zh" else ")"
    titles = [f"{word('title', lang)}{sep}{scope}{end}", as_of_line(at, tz, lang)]
    return [_summary(board, titles, lang),
            _matrix(board.matrix, word("categories", lang), word("category", lang), type_title, titles, lang),
            _matrix(board.by_unit, word("units", lang), word("unit", lang), unit_name, titles, lang)]


def _summary(board: Dashboard, titles: list[str], lang: str) -> Table:
    rows: list[Row] = [Row([word("cases", lang), board.total, ""]), Row([word("open_cases", lang), board.open, ""]),
                       Row([word("closed", lang), board.closed, ""])]
    rows += [Row([text_of(OUTCOME_LABELS[k], lang, k), board.outcomes[k], ""]) for k in OUTCOME_KINDS]
    for key, rate, basis in (("overdue_rate", board.overdue_rate, (board.open_red, board.open)),
                             ("on_time_rate", board.on_time_rate, (board.closed_on_time, board.closed)),
                             ("close_out_rate", board.close_out_rate, (board.closed_out, board.to_close_out))):
        rows.append(Row([word(key, lang), rate, f"{basis[0]} / {basis[1]}"], formats={1: PERCENT}))
    rows.append(Row([word("mean_overdue", lang), board.mean_overdue_working_days, ""], formats={1: "0.0"}))
    columns = [Column(word("figure", lang), 22), Column(word("value", lang), 12), Column(word("basis", lang), 14)]
    return Table(word("summary", lang), titles, columns, rows)


def _matrix(cells: Mapping[str, Mapping[str, Cell]], sheet: str, first: str, name: Callable[[str], str],
            titles: list[str], lang: str) -> Table:
    """One row per category (or unit) and one column per stage and outcome, as on the page, with totals."""
    extra = [word("total", lang), word("red", lang), word("yellow", lang)]
    columns = [Column(first, 24), *[Column(column_title(c, lang), 10) for c in COLUMNS],
               *[Column(t, 10) for t in extra]]
    group = [""] * len(columns)
    group[1], group[1 + len(OPEN_STAGES)] = word("open", lang), word("closed_by", lang)
    rows = sorted(((name(key), by_column) for key, by_column in cells.items()), key=lambda r: r[0])
    body = [_matrix_row(label, by_column) for label, by_column in rows]
    sums = {c: Cell() for c in COLUMNS}
    for _, by_column in rows:
        for c in COLUMNS:
            for light in ("green", "yellow", "red"):
                sums[c].add(light, getattr(by_column[c], light))
            sums[c].count += by_column[c].count - by_column[c].green - by_column[c].yellow - by_column[c].red
    total = _matrix_row(word("total", lang), sums)
    total.bold, total.fills = True, {}
    return Table(sheet, titles, columns, [*body, total], header_rows=[group])


def _matrix_row(label: str, by_column: Mapping[str, Cell]) -> Row:
    values: list[object] = [label, *[by_column[c].count for c in COLUMNS]]
    values += [sum(by_column[c].count for c in COLUMNS), sum(by_column[c].red for c in COLUMNS),
               sum(by_column[c].yellow for c in COLUMNS)]
    fills = {1 + i: by_column[c].light for i, c in enumerate(COLUMNS) if by_column[c].light in ("red", "yellow")}
    return Row(values, fills=fills)
