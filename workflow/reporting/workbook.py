"""Spreadsheets people open in Excel or WPS: titled, formatted tables written with openpyxl.

A `Table` is what a sheet shows: title lines (the scope, "截至 … （北京时间）"), one bold header row
frozen under them, the rows, and per column a width and a number format — real dates with a date
format, fractions with a percent format — so a spreadsheet can sort, filter and sum what it got.
A row may fill its traffic-light cell (red / yellow) and be bold (a totals row). `write_workbook`
streams the sheets (openpyxl's write-only mode: a long audit log never sits in memory as cells).
"""
from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"
SECONDS = "yyyy-mm-dd hh:mm:ss"
PERCENT = "0.0%"
LIGHT_FILLS = {"red": "FFC7CE", "yellow": "FFEB9C", "green": "C6EFCE"}  # Excel's own "bad / neutral / good"
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_THIN = Side(style="thin", color="A6A6A6")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")


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


def write_workbook(tables: Sequence[Table], out: IO[bytes]) -> None:
    """Write the tables as the sheets of one .xlsx workbook to `out`."""
    wb = Workbook(write_only=True)
    for table in tables:
        _write_sheet(wb, table)
    wb.save(out)


def _write_sheet(wb: Workbook, table: Table) -> None:
    ws = wb.create_sheet(table.sheet[:31])
    for i, col in enumerate(table.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = col.width
    header_at = len(table.titles) + len(table.header_rows) + 1
    ws.freeze_panes = f"A{header_at + 1}"  # the titles and the header stay in view
    for n, title in enumerate(table.titles):
        ws.append([_cell(ws, title, font=Font(bold=True, size=14 if n == 0 else 11))])
    for line in (*table.header_rows, [c.title for c in table.columns]):
        ws.append([_cell(ws, text, font=Font(bold=True), fill=_HEADER_FILL, border=_BOX,
                         alignment=Alignment(wrap_text=True, vertical="center", horizontal="center"))
                   for text in line])
    for row in table.rows:
        ws.append(_cells(ws, table.columns, row if isinstance(row, Row) else Row(row)))


def _cells(ws: Any, columns: Sequence[Column], row: Row) -> list[WriteOnlyCell]:
    out = []
    for i, value in enumerate(row.values):
        col = columns[i] if i < len(columns) else Column("")
        light = row.fills.get(i)
        fmt = row.formats.get(i, col.number_format)
        out.append(_cell(ws, value, number_format=fmt if _formattable(value) else None,
                         font=Font(bold=True) if row.bold else None, border=_BOX,
                         fill=PatternFill("solid", fgColor=LIGHT_FILLS[light]) if light in LIGHT_FILLS else None,
                         alignment=_WRAP if col.wrap else Alignment(vertical="top")))
    return out


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


def _formattable(value: Any) -> bool:
    return isinstance(value, date | datetime | int | float) and not isinstance(value, bool)


def _cell(ws: Any, value: Any, *, number_format: str | None = None, font: Font | None = None,
          fill: PatternFill | None = None, border: Border | None = None,
          alignment: Alignment | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    if number_format:
        cell.number_format = number_format
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if border is not None:
        cell.border = border
    if alignment is not None:
        cell.alignment = alignment
    return cell
