"""python-docx basics every Word document of rectiflow shares: an A4 page, Chinese fonts, headings,
plain tables with a bold header row. Used by word.py and by tools/make_templates.py (the bulletin's
template), so a replaced template can start from the same look."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

BODY_FONT = "仿宋"  # Word's names; LibreOffice substitutes an installed CJK font
TITLE_FONT = "黑体"


def _east_asian(run_or_style: Any, font: str) -> None:
    rpr = run_or_style.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), font)


def new_document() -> Any:
    """An empty A4 document (2.5 cm margins) with a Chinese body font."""
    doc = Document()
    for section in doc.sections:
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2.5)
        section.top_margin = section.bottom_margin = Cm(2.5)
    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(12)
    _east_asian(normal, BODY_FONT)
    doc.styles["Table Grid"].font.size = Pt(10.5)  # 五号
    for name in ("Heading 1", "Heading 2", "Title"):
        _east_asian(doc.styles[name], TITLE_FONT)
    return doc


def title(doc: Any, text: str, *, size: int = 20) -> Any:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(text)
    run.bold = True
    run.font.size = Pt(size)
    _east_asian(run, TITLE_FONT)
    return p


def centered(doc: Any, text: str) -> Any:
    p = doc.add_paragraph(text)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return p


def right(doc: Any, text: str) -> Any:
    p = doc.add_paragraph(text)
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return p


def heading(doc: Any, text: str, level: int = 1) -> Any:
    h = doc.add_heading(text, level=level)
    for run in h.runs:
        _east_asian(run, TITLE_FONT)
    return h


def bold_line(doc: Any, text: str) -> Any:
    p = doc.add_paragraph()
    p.add_run(text).bold = True
    return p


def table(doc: Any, header: Sequence[str], rows: Iterable[Sequence[object]], *,
          widths: Sequence[float] | None = None) -> Any:
    """A bordered table: the header row bold (and repeated on every page), then the rows as text."""
    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    for cell, text in zip(t.rows[0].cells, header, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(str(text)).bold = True
    trpr = t.rows[0]._tr.get_or_add_trPr()
    repeat = trpr.makeelement(qn("w:tblHeader"), {})
    trpr.append(repeat)
    for row in rows:
        cells = t.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = str(value)
    if widths:
        set_widths(t, widths)
    return t


def set_widths(t: Any, widths: Sequence[float]) -> None:
    """Column widths in cm: on the grid (what LibreOffice reads) and on every cell (what Word reads)."""
    t.autofit = False
    for column, width in zip(t.columns, widths, strict=False):
        column.width = Cm(width)
    for row in t.rows:
        for cell, width in zip(row.cells, widths, strict=False):
            cell.width = Cm(width)


def spanning_row(t: Any, text: str, *, size: float = 9) -> None:
    """A row merged across the table (e.g. a file's SHA-256 under the file's row)."""
    cells = t.add_row().cells
    merged = cells[0].merge(cells[-1])
    merged.text = ""
    run = merged.paragraphs[0].add_run(text)
    run.font.size = Pt(size)


def key_values(doc: Any, pairs: Iterable[tuple[str, str]], *, widths: tuple[float, float] = (4.0, 12.0)) -> Any:
    """A two-column table of label → value (the label bold)."""
    t = doc.add_table(rows=0, cols=2)
    t.style = "Table Grid"
    for key, value in pairs:
        cells = t.add_row().cells
        cells[0].paragraphs[0].add_run(key).bold = True
        cells[1].text = value
    set_widths(t, widths)
    return t
