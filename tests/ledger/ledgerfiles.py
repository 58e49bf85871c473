"""Ledger files for the import tests: the real template, filled with openpyxl (or written as CSV).

    template(app, path)          the import template the CLI writes, as a workbook path
    filled(app, path, rows)      the template with `rows` (dicts: column header -> cell) under the header
    as_csv(rows, headers, bom)   the same rows as CSV bytes (UTF-8, with or without a BOM)
    event_count(app)             every audit event in the store (nothing written ⇔ unchanged)
"""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

GOOD = {"问题编号": "XF-001", "问题描述": "社区矫正对象请假审批材料不全", "问题类别": "减假暂/社区矫正",
        "发现渠道": "自查", "责任单位": "城区司法所"}


def template(app: Any, path: Path, case_type: str = "rectification_item") -> Path:
    path.write_bytes(app.ledger.template(case_type))
    return path


def filled(app: Any, path: Path, rows: list[dict[str, Any]], case_type: str = "rectification_item",
           drop: tuple[str, ...] = ()) -> Path:
    book = load_workbook(template(app, path, case_type))
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    for i, header in enumerate(headers, 1):
        if header in drop:
            sheet.cell(row=1, column=i).value = None
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    book.save(path)
    return path


def as_csv(rows: list[dict[str, Any]], headers: list[str], *, bom: bool) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h, "") for h in headers])
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


def event_count(app: Any) -> int:
    with app.store.read() as tx:
        return sum(1 for _ in tx.iter_events())


def run(app: Any, path: Path, **kwargs: Any) -> Any:
    return app.ledger.run(path.read_bytes(), path.name, actor=kwargs.pop("actor", "registrar"), **kwargs)
