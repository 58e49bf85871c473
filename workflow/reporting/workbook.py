"""Spreadsheets people open in Excel or WPS: titled, formatted tables (written by a WorkbookWriter —
openpyxl's is workflow/adapters/files/xlsx_workbooks.py — or as CSV here).

A `Table` is what a sheet shows: title lines (the scope, "截至 … （北京时间）"), one bold header row
frozen under them, the rows, and per column a width and a number format — real dates with a date
format, fractions with a percent format — so a spreadsheet can sort, filter and sum what it got.
A row may fill its traffic-light cell (red / yellow) and be bold (a totals row).
"""
from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any, Protocol

DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"
SECONDS = "yyyy-mm-dd hh:mm:ss"
PERCENT = "0.0%"
LIGHT_FILLS = {"red": "FFC7CE", "yellow": "FFEB9C", "green": "C6EFCE"}  # Excel's own "bad / neutral / good"


@dataclass(frozen=True)
class Column:
    title: str
    width: float = 12
    number_format: str | None = None  # DATE, DATETIME, PERCENT … (None: General)
    wrap: bool = False


@dataclass
class Row:
    values: Sequence[Any]
    fills: dict[int, str] = field(default_factory=dict)  # column index -> light (red / yellow / green)
    bold: bool = False  # a totals row
    formats: dict[int, str] = field(default_factory=dict)  # column index -> number format (instead of the column's)


@dataclass
class Table:
    sheet: str  # the sheet's name (at most 31 characters, no []:*?/\)
    titles: Sequence[str]  # lines above the header: what, whose, as of when
    columns: Sequence[Column]
    rows: Iterable[Row | Sequence[Any]]
    header_rows: Sequence[Sequence[str]] = ()  # extra header lines above the column titles (grouped columns)


class WorkbookWriter(Protocol):
    """Writes tables as the sheets of one .xlsx workbook (Application.workbooks)."""

    def write(self, tables: Sequence[Table], out: IO[bytes]) -> None: ...


def write_csv(tables: Sequence[Table], out: IO[str]) -> None:
    """The same tables as CSV, one after the other (a blank line between): dates as ISO dates,
    percent-formatted numbers as "38.5%" — what a spreadsheet shows, as text."""
    writer = csv.writer(out)
    for n, table in enumerate(tables):
        if n:
            writer.writerow([])
        writer.writerows([[t] for t in table.titles])
        writer.writerows([*table.header_rows, [c.title for c in table.columns]])
        for row in table.rows:
            row = row if isinstance(row, Row) else Row(row)
            writer.writerow([_text(v, row.formats.get(i, table.columns[i].number_format if i < len(table.columns)
                                                       else None)) for i, v in enumerate(row.values)])


def _text(value: Any, fmt: str | None) -> Any:
    if value is None:
        return ""
    if fmt == PERCENT and isinstance(value, int | float):
        return f"{value:.1%}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S" if fmt == SECONDS else "%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value


def formattable(value: Any) -> bool:
    """A value a number format applies to (dates and numbers, not yes/no)."""
    return isinstance(value, date | datetime | int | float) and not isinstance(value, bool)
