"""The Word documents: the 通报 from its template (docxtpl: Jinja tags inside a .docx an office can
replace), the progress report and the 销号审批表 (python-docx). Each returns the .docx as bytes."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate

from workflow.documents.bulletin import Bulletin
from workflow.documents.closeout import CloseoutForm
from workflow.documents.docx_style import (
    bold_line,
    centered,
    heading,
    key_values,
    new_document,
    right,
    set_widths,
    spanning_row,
    table,
    title,
)
from workflow.documents.formats import NONE
from workflow.documents.progress import ProgressReport
from workflow.errors import InvalidInput

TEMPLATES = Path(__file__).resolve().parent / "templates"
BULLETIN_TEMPLATE = TEMPLATES / "bulletin.docx"
RATE_HEADER = ("单位", "事项数", "在办", "超期在办", "已销号", "按期办结率", "销号率")


def _bytes(doc: Any) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def bulletin_docx(bulletin: Bulletin, template: Path | None = None) -> bytes:
    """The bulletin filled into `template` (default: the shipped templates/bulletin.docx).

    Raises:
        InvalidInput: the template is missing or is not a Word document docxtpl can fill.
    """
    path = template or BULLETIN_TEMPLATE
    if not path.is_file():
        raise InvalidInput("document.template_missing", path=str(path))
    try:
        doc = DocxTemplate(str(path))
        doc.render(bulletin.context(), autoescape=True)
    except Exception as err:  # docxtpl raises zip, XML and Jinja errors alike
        raise InvalidInput("document.template_broken", path=str(path), reason=f"{type(err).__name__}: {err}") from None
    return _bytes(doc)


def progress_docx(report: ProgressReport) -> bytes:
    doc = new_document()
    title(doc, report.title)
    centered(doc, f"（截至{report.as_of}）")
    doc.add_paragraph(f"根据{report.plan_title}（{report.document}）关于“定期发布整治进展情况”的要求，"
                      f"现将截至{report.as_of}的整治进展情况报告如下。")
    heading(doc, "一、总体情况")
    key_values(doc, report.summary, widths=(6.0, 10.0))
    heading(doc, "二、各项整治任务和措施进展")
    for task in report.tasks:
        bold_line(doc, f"{task.id} {task.title}：措施{task.total}项，已完成{task.done}项，"
                       f"推进中{task.in_progress}项，超期{task.overdue}项，完成率{task.rate}")
        table(doc, ("措施", "内容", "责任单位", "时限", "进展", "亮灯", "最新进展"),
              [(m.id, m.title, m.unit, m.deadline, m.progress, m.light, m.latest) for m in task.measures],
              widths=(3.2, 3.4, 3.0, 2.2, 1.6, 1.2, 1.8))
    heading(doc, "三、超期事项")
    if report.overdue:
        table(doc, ("措施", "内容", "责任单位", "时限", "超期工作日"),
              [(m.id, m.title, m.unit, m.deadline, m.overdue_days) for m in report.overdue],
              widths=(3.2, 5.0, 3.6, 2.4, 1.8))
    else:
        doc.add_paragraph("截至本期，无超期的整治措施。")
    heading(doc, "四、各类问题整改情况")
    table(doc, ("问题类别", "事项数", "在办", "超期在办", "已销号", "销号率"),
          [(c.category, c.total, c.open, c.overdue, c.closed_out, c.close_out_rate) for c in report.categories],
          widths=(5.0, 2.2, 2.2, 2.2, 2.2, 2.2))
    heading(doc, "五、各单位整改情况")
    table(doc, RATE_HEADER, [(u.unit, u.total, u.open, u.overdue, u.closed_out, u.on_time_rate, u.close_out_rate)
                             for u in report.units], widths=(3.8, 1.7, 1.7, 2.0, 1.8, 2.5, 2.5))
    return _bytes(doc)


def closeout_docx(form: CloseoutForm) -> bytes:
    doc = new_document()
    title(doc, "问题整改销号审批表")
    centered(doc, f"编号：{form.case_id}")
    key_values(doc, [("问题", form.title), ("类型", form.case_type), ("责任单位", form.unit),
                     ("当前状态", form.state), ("登记", f"{form.opened_at}　{form.opened_by}"),
                     *([("当前期限", form.deadline)] if form.deadline != NONE else []), *form.fields])
    heading(doc, "佐证材料", 2)
    if form.evidence:
        files = table(doc, ("轮次", "文件", "大小（字节）", "提交人", "提交时间", "现行"), [])
        for e in form.evidence:
            cells = files.add_row().cells
            for cell, value in zip(cells, (f"第{e.round}轮", e.name, e.size, e.by, e.at, "是" if e.current else "否"),
                                   strict=True):
                cell.text = str(value)
            spanning_row(files, f"SHA-256：{e.sha256}")
        set_widths(files, (1.6, 4.6, 2.2, 3.0, 3.2, 1.4))
    else:
        doc.add_paragraph("（无）")
    if form.returns:
        heading(doc, "退回整改", 2)
        table(doc, ("轮次", "退回人", "时间", "理由"), [(f"第{n}轮", by, at, why) for n, by, at, why in form.returns])
    heading(doc, "办理过程", 2)
    table(doc, ("时间", "步骤", "进入状态", "办理人", "意见"),
          [(s.at, s.step, s.state, s.by, s.note) for s in form.steps], widths=(3.2, 3.4, 3.2, 2.8, 3.4))
    if form.checks:
        heading(doc, f"验收条件核验（{form.checked_at}）", 2)
        table(doc, ("序号", "验收条件", "结论", "核验说明", "佐证材料"),
              [(str(c.no), c.criterion, "达到" if c.met else "未达到", c.note, c.evidence) for c in form.checks],
              widths=(1.2, 5.4, 1.8, 4.2, 3.4))
    heading(doc, "整改与验收", 2)
    key_values(doc, [("整改报告人", _signed(form.rectified_by, form.rectified_at)),
                     ("验收销号人", _signed(form.accepted_by, form.accepted_at)),
                     ("办结结果", form.outcome or "待审批"), ("整改轮次", str(form.rounds))])
    heading(doc, "审批意见", 2)
    key_values(doc, [("责任单位负责人意见", "\n\n签字：　　　　　　日期："),
                     ("整治办审核意见", "\n\n签字：　　　　　　日期："),
                     ("分管领导审批意见", "\n\n签字：　　　　　　日期：")])
    heading(doc, "审计链", 2)
    doc.add_paragraph(f"事件版本 {form.version}；链头哈希（SHA-256）：{form.head_hash}；"
                      f"校验结果：{'完整' if form.chain_ok else '不完整，请核查'}")
    right(doc, "本表由 rectiflow 依审计记录生成，可用 rectiflow audit verify 核验。")
    return _bytes(doc)


def _signed(who: str, at: str) -> str:
    return f"{who}　{at}" if who else NONE
