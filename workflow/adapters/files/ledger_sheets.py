"""Spreadsheets for the ledger (workflow.ledger.table.Spreadsheets): .xlsx with openpyxl, .csv with the stdlib.

Reading streams the rows (openpyxl's read-only mode), stops past the row limit, and turns every way
a file can be wrong into one InvalidInput with a `ledger.*` message — never a library's traceback.
The template is a workbook people's office software opens: a bold, frozen header row, column
widths, a drop-down list per choice column (the Chinese labels, from a hidden sheet, so long lists
fit), a date hint on date columns, and a 说明 sheet with the instructions and every column.
"""
from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from workflow.errors import InvalidInput
from workflow.ledger.table import MAX_ROWS, Table, TemplateSpec

TEMPLATE_ROWS = 2000  # rows the drop-down lists and date formats cover in the template
_ZIP_MAGIC = b"PK\x03\x04"


class LedgerSheets:
    def read(self, data: bytes, name: str, *, max_rows: int = MAX_ROWS) -> Table:
        if data.startswith(_ZIP_MAGIC):
            return _read_xlsx(data, name, max_rows)
        if name.lower().endswith((".xlsx", ".xlsm", ".xls")) or b"\x00" in data[:4096]:
            raise InvalidInput("ledger.not_a_table", name=name)
        return _read_csv(data, name, max_rows)

    def template(self, spec: TemplateSpec) -> bytes:
        book = Workbook()
        sheet = book.active
        sheet.title = spec.title[:31]
        lists = book.create_sheet("选项")
        lists.sheet_state = "hidden"
        bold, header_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
        for i, column in enumerate(spec.columns, 1):
            cell = sheet.cell(row=1, column=i, value=column.header)
            cell.font, cell.fill = bold, header_fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            letter = get_column_letter(i)
            sheet.column_dimensions[letter].width = column.width
            cells = f"{letter}2:{letter}{TEMPLATE_ROWS + 1}"
            if column.choices:
                for row, label in enumerate(column.choices, 1):
                    lists.cell(row=row, column=i, value=label)
                check = DataValidation(type="list", formula1=f"'选项'!${letter}$1:${letter}${len(column.choices)}",
                                       allow_blank=True, showErrorMessage=True, errorTitle=column.header,
                                       error="请从下拉列表中选择", promptTitle=column.header,
                                       prompt="从下拉列表中选择")
                check.add(cells)
                sheet.add_data_validation(check)
            if column.is_date:  # a hint only (no cells are made: rows added later start right under the header)
                hint = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True,
                                      showErrorMessage=False, promptTitle=column.header, prompt="日期，如 2026-03-31")
                hint.add(cells)
                sheet.add_data_validation(hint)
        sheet.freeze_panes = "A2"
        sheet.row_dimensions[1].height = 24
        _instructions(book.create_sheet("说明"), spec, bold)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


def _instructions(sheet: Any, spec: TemplateSpec, bold: Font) -> None:
    sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width = 18, 90
    sheet.cell(row=1, column=1, value=f"{spec.title}台账导入说明").font = Font(bold=True, size=14)
    row = 3
    for line in spec.instructions:
        sheet.cell(row=row, column=1, value=line)
        row += 1
    row += 1
    sheet.cell(row=row, column=1, value="列名").font = bold
    sheet.cell(row=row, column=2, value="填写说明").font = bold
    for column in spec.columns:
        row += 1
        sheet.cell(row=row, column=1, value=column.header)
        note = column.note + ("；可选：" + "、".join(column.choices) if column.choices else "")
        sheet.cell(row=row, column=2, value=note).alignment = Alignment(wrap_text=True)


def _read_xlsx(data: bytes, name: str, max_rows: int) -> Table:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        raise InvalidInput("ledger.not_a_table", name=name) from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True) if book.worksheets else iter(())
        return _table(name, ((n, tuple(r)) for n, r in enumerate(rows, 1)), max_rows)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError):
        raise InvalidInput("ledger.not_a_table", name=name) from None
    finally:
        book.close()


def _read_csv(data: bytes, name: str, max_rows: int) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("ledger.not_utf8", name=name) from None
    try:
        rows = csv.reader(io.StringIO(text, newline=""))
        return _table(name, ((n, tuple(r)) for n, r in enumerate(rows, 1)), max_rows)
    except csv.Error:
        raise InvalidInput("ledger.not_a_table", name=name) from None


def _table(name: str, rows: Any, max_rows: int) -> Table:
    """The first non-empty row is the header; blank rows are skipped, row numbers kept as shown."""
    headers: tuple[str, ...] | None = None
    body: list[tuple[int, tuple[Any, ...]]] = []
    for number, cells in rows:
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        if headers is None:
            headers = tuple(_header(c) for c in cells)
            while headers and not headers[-1]:
                headers = headers[:-1]
            continue
        if len(body) >= max_rows:
            raise InvalidInput("ledger.too_many_rows", name=name, limit=max_rows)
        body.append((number, tuple(cells[:len(headers)])))
    if headers is None:
        raise InvalidInput("ledger.empty", name=name)
    if not any(headers):
        raise InvalidInput("ledger.no_header", name=name)
    return Table(name, headers, tuple(body))


def _header(cell: Any) -> str:
    text = "" if cell is None else str(cell).strip()
    for mark in ("（必填）", "(必填)", "*", "＊"):
        text = text.removesuffix(mark).strip()
    return text
