"""The 销号审批表's print page and the reports page as a desk (1440×900) and a phone (390×844) show them, in
Chinese, and the print page printed to A4 by Chromium. Screenshots: test-artifacts/screen-<page>-<size>.png and
test-artifacts/closeout-print.pdf (look at them); a page that makes a phone scroll sideways fails."""
from __future__ import annotations

import pytest
from document_cases import WALKED_TITLE, walk_to_close_out
from office_suite import pdf_text

VIEWPORTS = {"desk": (1440, 900), "phone": (390, 844)}


@pytest.fixture(scope="module")
def closed_case(engine, server_clock):
    start = server_clock.now()
    try:
        return walk_to_close_out(engine, server_clock).id
    finally:
        server_clock.set(start)  # the other browser tests keep their Monday morning


PAGES = [("closeout-print", "supervisor", "/cases/{case}/print"), ("reports", "leader", "/reports")]


@pytest.mark.parametrize("name, login, path", PAGES, ids=[p[0] for p in PAGES])
def test_the_pages_fit_a_desk_and_a_phone(page_as, server, shot, closed_case, name, login, path):
    page = page_as(login)
    for size, (width, height) in VIEWPORTS.items():
        page.set_viewport_size({"width": width, "height": height})
        response = page.goto(server + path.format(case=closed_case))
        assert response is not None and response.status == 200
        page.wait_for_load_state("networkidle")
        shot(page, f"screen-{name}-{size}")
        sideways = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert sideways <= 1, f"{name} on a {size}: {sideways}px of sideways scrolling"


def test_the_print_page_prints_on_a4_without_the_screen_hint(page_as, server, closed_case):
    from pathlib import Path

    page = page_as("supervisor")
    page.goto(server + f"/cases/{closed_case}/print")
    page.emulate_media(media="print")
    assert page.is_hidden("#print-hint") and page.is_visible("#form-evidence")
    out = Path(__file__).resolve().parents[2] / "test-artifacts" / "closeout-print.pdf"
    out.parent.mkdir(exist_ok=True)
    page.pdf(path=str(out), format="A4", prefer_css_page_size=True)
    text = "".join(pdf_text(out).split())
    assert "问题整改销号审批表" in text and WALKED_TITLE in text and "返回事项" not in text
