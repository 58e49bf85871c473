"""The ledger import preview with row errors, as a desk (1440×900) and a phone (390×844) show it, in Chinese.

Screenshots go to test-artifacts/screen-ledger-import-<desk|phone>.png (the desk one is docs/web-ledger-import.png
in the README); the phone must not scroll sideways — the preview table scrolls inside its box.
"""
from __future__ import annotations

import io

from openpyxl import load_workbook

VIEWPORTS = {"desk": (1440, 900), "phone": (390, 844)}
ROWS = [
    {"问题编号": "XF-2026-001", "问题描述": "社区矫正对象请假审批材料不全", "问题类别": "减假暂/社区矫正",
     "发现渠道": "自查", "责任单位": "城区司法所", "责任人": "handler", "整改措施": "逐案补齐审批材料",
     "整改时限": "2026-04-30", "状态": "整改中"},
    {"问题编号": "XF-2026-002", "问题描述": "律师会见登记缺失", "问题类别": "与律师不正当接触/司法掮客",
     "发现渠道": "明察暗访/督导", "责任单位": "城关司法所", "责任人": "承办人 李强", "整改措施": "补登记",
     "整改时限": "2026-02-30"},
    {"问题编号": "XF-2026-003", "问题描述": "鉴定收费不规范", "问题类别": "司法鉴定", "发现渠道": "群众举报",
     "责任单位": "某司法鉴定所", "状态": "已销号"},
]


def _ledger(engine, path):
    book = load_workbook(io.BytesIO(engine.ledger.template()))
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    for row in ROWS:
        sheet.append([row.get(h) for h in headers])
    book.save(path)
    return path


def test_ledger_preview_fits_a_desk_and_a_phone(page_as, server, shot, engine, tmp_path):
    path = _ledger(engine, tmp_path / "西丰县问题台账.xlsx")
    page = page_as("registrar")
    for size, (width, height) in VIEWPORTS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(server + "/ledger/import")
        page.set_input_files("#ledger-file", str(path))
        page.click("#ledger-check")
        page.wait_for_selector("#ledger-preview")
        text = page.inner_text("main") if page.query_selector("main") else page.inner_text("body")
        assert "没有名称或代码为“城关司法所”的单位" in text and "第 3 行" in text and "handler" not in text
        shot(page, f"screen-ledger-import-{size}")
        sideways = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert sideways <= 1, f"ledger import on a {size}: {sideways}px of sideways scrolling"
