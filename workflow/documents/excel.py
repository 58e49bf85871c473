"""The progress report as an Excel workbook (openpyxl): the figures first, then one sheet per table —
measures by task, what is overdue, categories, units — each with a title row, a bold frozen header and
widths a person can read."""
from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from workflow.documents.progress import ProgressReport
from workflow.documents.word import RATE_HEADER

RED = PatternFill("solid", fgColor="F8CBAD")


def _sheet(ws: Worksheet, caption: str, header: Sequence[str], rows: Sequence[Sequence[object]],
           widths: Sequence[int]) -> None:
    ws.append([caption])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(list(header))
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(list(row))
    ws.freeze_panes = "A3"
    for i, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = width


def progress_xlsx(report: ProgressReport) -> bytes:
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = "总体情况"
    _sheet(summary, f"{report.title}（截至{report.as_of}）", ("项目", "数值"), report.summary, (24, 16))
    measures = wb.create_sheet("措施进展")
    _sheet(measures, f"各项整治任务和措施进展（截至{report.as_of}）",
           ("任务", "措施", "内容", "责任单位", "时限", "进展", "亮灯", "超期工作日", "最新进展"),
           [(f"{t.id} {t.title}", m.id, m.title, m.unit, m.deadline, m.progress, m.light, m.overdue_days, m.latest)
            for t in report.tasks for m in t.measures], (30, 16, 36, 14, 12, 12, 8, 10, 24))
    for row in measures.iter_rows(min_row=3):
        if row[6].value == "超期":
            for cell in row:
                cell.fill = RED
    tasks = wb.create_sheet("任务汇总")
    _sheet(tasks, "各项整治任务汇总", ("任务", "措施（项）", "已完成", "推进中", "超期", "完成率"),
           [(f"{t.id} {t.title}", t.total, t.done, t.in_progress, t.overdue, t.rate) for t in report.tasks],
           (40, 10, 10, 10, 8, 10))
    overdue = wb.create_sheet("超期事项")
    _sheet(overdue, "超期的整治措施", ("措施", "内容", "责任单位", "时限", "超期工作日"),
           [(m.id, m.title, m.unit, m.deadline, m.overdue_days) for m in report.overdue], (16, 36, 14, 12, 10))
    categories = wb.create_sheet("问题类别")
    _sheet(categories, "各类问题整改情况", ("问题类别", "事项数", "在办", "超期在办", "已销号", "销号率"),
           [(c.category, c.total, c.open, c.overdue, c.closed_out, c.close_out_rate) for c in report.categories],
           (24, 10, 10, 10, 10, 10))
    units = wb.create_sheet("各单位")
    _sheet(units, "各单位整改情况", RATE_HEADER,
           [(u.unit, u.total, u.open, u.overdue, u.closed_out, u.on_time_rate, u.close_out_rate) for u in report.units],
           (20, 10, 10, 10, 10, 12, 10))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
