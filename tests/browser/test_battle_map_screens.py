"""The battle map (挂图作战) on the demo campaign in Chromium: row modes, clickable counts, ECharts charts drawn
offline, the large screen at 1920×1080, the Chinese date picker in an English browser, and printing.

Screenshots: test-artifacts/map-<mode>-<desk|phone>.png, map-charts.png, map-screen.png, map-datepicker.png,
map-print.png — look at them.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, PASSWORD

VIEWPORTS = {"desk": (1440, 900), "phone": (390, 844)}
MODES = ("category", "plan", "unit", "type")


def same_origin_only(page, base: str) -> list[str]:
    """Record every request the page makes; the list of those leaving the local server."""
    outside: list[str] = []
    host = urlsplit(base).netloc
    page.on("request", lambda r: outside.append(r.url) if urlsplit(r.url).netloc not in (host, "") and
            not r.url.startswith(("data:", "blob:")) else None)
    return outside


@pytest.mark.parametrize("mode", MODES)
def test_each_row_mode_fits_a_desk_and_a_phone(page_as, demo_server, shot, mode):
    page = page_as("leader", base=demo_server)
    for size, (width, height) in VIEWPORTS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{demo_server}/dashboard?rows={mode}")
        page.wait_for_selector("#charts[data-drawn=true]")
        assert page.locator(f"#rows-{mode}.active").count() == 1
        assert page.locator("#matrix tfoot a.cell").count() >= 2  # totals, each a link
        shot(page, f"map-{mode}-{size}")
        sideways = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert sideways <= 0, f"{mode} at {size} scrolls sideways by {sideways}px"


def test_clicking_a_count_lists_those_cases(page_as, demo_server):
    page = page_as("leader", base=demo_server)
    page.goto(f"{demo_server}/dashboard?rows=plan")
    link = page.locator("#matrix tbody tr.sub-row a.cell").first
    count = int(link.locator("b").inner_text())
    link.click()
    page.wait_for_selector("#cell-count")
    assert int(page.locator("#cell-count").inner_text()) == count == page.locator("#cell-cases tbody tr").count()


def test_charts_are_drawn_offline_with_chinese_labels(page_as, demo_server, shot):
    page = page_as("leader", base=demo_server)
    outside = same_origin_only(page, demo_server)
    page.goto(f"{demo_server}/dashboard")
    page.wait_for_selector("#charts[data-drawn=true]")
    for chart in ("stages", "trend", "units"):
        assert page.locator(f"#chart-{chart} svg").count() == 1, chart
    words = page.locator("#charts").inner_text() + page.eval_on_selector_all(
        "#charts svg text", "els => els.map(e => e.textContent).join(' ')")
    for label in ("各环节与办结结果事项数", "逐周超期在办事项", "各单位按期办结率与销号率", "超期", "销号率", "已销号"):
        assert label in words, label
    assert not outside, outside
    page.locator("#charts").scroll_into_view_if_needed()
    shot(page, "map-charts", full=False)


def test_charts_load_on_the_battle_map_only(page_as, demo_server):
    page = page_as("leader", base=demo_server)
    scripts: list[str] = []
    page.on("request", lambda r: scripts.append(r.url) if "echarts" in r.url else None)
    page.goto(f"{demo_server}/")
    page.wait_for_load_state("networkidle")
    assert not scripts
    page.goto(f"{demo_server}/dashboard")
    page.wait_for_load_state("networkidle")
    assert scripts


def test_the_large_screen_fits_1920_by_1080(page_as, demo_server, shot):
    page = page_as("leader", base=demo_server)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{demo_server}/dashboard?screen=1")
    page.wait_for_selector("#charts[data-drawn=true]")
    overflow = page.evaluate("""() => [document.documentElement.scrollWidth - window.innerWidth,
                                       document.documentElement.scrollHeight - window.innerHeight]""")
    assert overflow[0] <= 0 and overflow[1] <= 0, overflow
    assert page.locator("header.top").is_hidden() and page.locator("#dashboard-form").is_hidden()
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(11, 26, 48)"  # dark
    assert page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('#kpi-total')).fontSize)") >= 40
    shot(page, "map-screen", full=False)


def test_the_date_picker_is_chinese_in_an_english_browser(browser, demo_server, shot):
    english = browser.browser_type.launch(executable_path=str(CHROMIUM), headless=True,
                                          args=CHROMIUM_ARGS + ["--lang=en-US"])
    context = english.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
    page = context.new_page()
    page.goto(demo_server + "/login")
    page.fill("#username", "leader")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.goto(f"{demo_server}/dashboard?as_of=2026-04-01")
    assert page.evaluate("() => navigator.language") == "en-US"
    box = page.locator("#as_of")
    assert box.input_value() == "2026-04-01"
    box.click()
    calendar = page.locator(".flatpickr-calendar.open")
    calendar.wait_for()
    text = calendar.inner_text()
    assert "周一" in text and "周日" in text  # Chinese weekdays
    assert "年" in page.locator(".flatpickr-current-month").inner_text() or \
        "月" in page.locator(".flatpickr-current-month").inner_text()
    shot(page, "map-datepicker", full=False)
    page.locator(".flatpickr-day:not(.prevMonthDay):not(.nextMonthDay)", has_text="10").first.click()
    assert box.input_value() == "2026-04-10"
    box.fill("2026年4月3日")
    page.keyboard.press("Escape")
    page.click("#dash-apply")
    page.wait_for_selector("#asof-line")
    assert "2026-04-03" in page.locator("#asof-line").inner_text()
    context.close()
    english.close()


def test_print_shows_the_header_and_no_navigation(page_as, demo_server, shot):
    page = page_as("leader", base=demo_server)
    page.goto(f"{demo_server}/dashboard/cases?rows=plan&row=other")
    case_page = page.locator("#cell-cases tbody tr a").first.get_attribute("href")
    for path in ("/dashboard", "/?tab=all", "/dashboard/cases?rows=unit", case_page):
        page.goto(demo_server + path)
        header = page.locator("#print-header")
        assert header.is_hidden(), path
        page.emulate_media(media="print")
        assert header.is_visible(), path
        text = header.inner_text()
        assert "打印时间" in text and "北京时间" in text and "2026-04-15" in text
        assert page.locator("header.top").is_hidden() and page.locator("form").first.is_hidden()
        if path == "/dashboard":
            assert "西丰" in text or "整治" in text
            shot(page, "map-print")
        page.emulate_media(media="screen")
