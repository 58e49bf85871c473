"""Spreadsheets people open in Excel or WPS, written with openpyxl (the tables: workflow/reporting/workbook.py).

Bold frozen header, widths, borders, red/yellow fills for lights, real dates and percent formats. It
streams the sheets (openpyxl's write-only mode: a long audit log never sits in memory as cells).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from workflow.reporting.workbook import LIGHT_FILLS, Column, Row, Table, formattable

_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_THIN = Side(style="thin", color="A6A6A6")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")


class XlsxWorkbooks:
    """workflow.reporting.workbook.WorkbookWriter on openpyxl."""

    def write(self, tables: Sequence[Table], out: IO[bytes]) -> None:
        write_workbook(tables, out)


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
        out.append(_cell(ws, value, number_format=fmt if formattable(value) else None,
                         font=Font(bold=True) if row.bold else None, border=_BOX,
                         fill=PatternFill("solid", fgColor=LIGHT_FILLS[light]) if light in LIGHT_FILLS else None,
                         alignment=_WRAP if col.wrap else Alignment(vertical="top")))
    return out


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
