"""Write the shipped Word template of the 通报 (workflow/documents/templates/bulletin.docx).

    .venv/bin/python tools/make_templates.py            # regenerate it after changing this script
    .venv/bin/python tools/make_templates.py -o my.docx # a copy to edit in Word, then point
                                                        # RECTIFLOW_BULLETIN_TEMPLATE at it

The template is an ordinary .docx holding Jinja tags (docxtpl): `{{ title }}`, `{{ doc_number }}`,
`{{ period }}`, `{{ count }}`, `{{ unit_count }}`, `{{ issuer }}`, `{{ issued_on }}`; a paragraph loop
`{%p for g in groups %}` over the units (`g.unit`, `g.cases`: `number, title, state, deadline,
overdue_days, level, listed_on`) and a table-row loop `{%tr for r in rates %}` over every unit's figures
(`unit, total, open, overdue, closed_out, on_time_rate, close_out_rate`). Keep each tag inside one run
(type it in one go, do not format half of it) when editing the template in Word.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from workflow.documents.docx_style import centered, heading, new_document, right, set_widths, title  # noqa: E402
from workflow.documents.word import BULLETIN_TEMPLATE  # noqa: E402

CASE_COLUMNS = ("序号", "问题", "当前状态", "整改期限", "超期工作日", "督办级别", "列入通报日期")
CASE_FIELDS = ("number", "title", "state", "deadline", "overdue_days", "level", "listed_on")
RATE_COLUMNS = ("单位", "事项数", "在办", "超期在办", "已销号", "按期办结率", "销号率")
RATE_FIELDS = ("unit", "total", "open", "overdue", "closed_out", "on_time_rate", "close_out_rate")


def _loop_table(doc, header, var: str, items: str, fields, widths) -> None:
    """A table whose middle row repeats once per item (docxtpl's {%tr %} rows)."""
    table = doc.add_table(rows=4, cols=len(header))
    table.style = "Table Grid"
    set_widths(table, widths)
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.paragraphs[0].add_run(text).bold = True
    table.rows[1].cells[0].text = f"{{%tr for {var} in {items} %}}"
    for cell, name in zip(table.rows[2].cells, fields, strict=True):
        cell.text = f"{{{{ {var}.{name} }}}}"
    table.rows[3].cells[0].text = "{%tr endfor %}"


def build(target: Path) -> None:
    doc = new_document()
    title(doc, "{{ title }}", size=18)
    centered(doc, "{{ doc_number }}")
    doc.add_paragraph("各有关单位：")
    doc.add_paragraph("按照专项整治实施方案“对开展不力、敷衍应付的，及时进行通报，督促整改”的要求，现将"
                      "{{ period }}超期经督办仍未整改到位、列入通报的问题"
                      "（共{{ count }}件，涉及{{ unit_count }}个单位）通报如下。")
    heading(doc, "一、通报事项", 2)
    doc.add_paragraph("{%p for g in groups %}")
    doc.add_paragraph("（{{ loop.index }}）{{ g.unit }}（{{ g.cases|length }}件）")
    _loop_table(doc, CASE_COLUMNS, "c", "g.cases", CASE_FIELDS, (1.0, 4.9, 1.8, 2.6, 1.5, 1.6, 2.6))
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p if not groups %}")
    doc.add_paragraph("本期无列入通报的事项。")
    doc.add_paragraph("{%p endif %}")
    heading(doc, "二、各单位整改情况", 2)
    _loop_table(doc, RATE_COLUMNS, "r", "rates", RATE_FIELDS, (3.8, 1.7, 1.7, 2.0, 1.8, 2.5, 2.5))
    heading(doc, "三、工作要求", 2)
    doc.add_paragraph("请被通报单位对照通报事项，逐项落实整改责任和措施，于收到通报后5个工作日内将整改情况书面报送整治办；"
                      "逾期仍未整改到位的，将按规定约谈、追究责任。")
    right(doc, "{{ issuer }}")
    right(doc, "{{ issued_on }}")
    target.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(target))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--output", type=Path, default=BULLETIN_TEMPLATE, help="where to write the template")
    build(parser.parse_args().output)


if __name__ == "__main__":
    main()
