"""The campaign pages (web.campaigns) on the demo campaign, as a desk (1440×900) and a phone (390×844) show
them, in Chinese: the plan's checklist, its filter, 集中填报 with the issue and spot-check forms, the
progress report and the 通报. Screenshots go to test-artifacts/campaign-<page>-<desk|phone>.png (look at
them); a page that makes a phone scroll sideways fails.
"""
from __future__ import annotations

import pytest

VIEWPORTS = {"desk": (1440, 900), "phone": (390, 844)}
PAGES = [  # (name, login, path, a selector the page must show)
    ("index", "leader", "/campaigns", ".plan-link"),
    ("plan", "leader", "/campaigns/xifeng-2021", "ul.checklist li.measure"),
    ("plan-all", "supervisor", "/campaigns/xifeng-2021?show=all", "ul.checklist li.measure.done"),
    ("plan-unit", "unit_head", "/campaigns/xifeng-2021?show=all", "#plan-totals"),
    ("report", "leader", "/campaigns/xifeng-2021/report", "#report-summary"),
    ("bulletin", "supervisor", "/campaigns/bulletin", "#bulletin-count"),
    ("declarations", "supervisor", "/declarations?unit=xf-sfs-1", "#spot-check-form"),
    ("declarations-unit-head", "unit_head", "/declarations", "#issue-form"),
]


@pytest.mark.parametrize("name, login, path, selector", PAGES, ids=[p[0] for p in PAGES])
def test_campaign_pages_fit_a_desk_and_a_phone(page_as, demo_server, shot, name, login, path, selector):
    page = page_as(login, base=demo_server)
    for size, (width, height) in VIEWPORTS.items():
        page.set_viewport_size({"width": width, "height": height})
        response = page.goto(demo_server + path)
        assert response is not None and response.status == 200
        page.wait_for_load_state("networkidle")
        assert page.locator(selector).count() >= 1
        shot(page, f"campaign-{name}-{size}")
        wide = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert wide[0] <= wide[1], f"{name} on a {size}: scrollWidth {wide[0]} > innerWidth {wide[1]}"


def test_the_menu_leads_to_the_campaign_and_a_filter_narrows_the_checklist(page_as, demo_server):
    page = page_as("leader", base=demo_server)
    page.click("#nav-campaigns")
    page.click(".plan-link")
    every = page.goto(demo_server + "/campaigns/xifeng-2021?show=all") and page.locator("li.measure").count()
    page.click("#show-overdue")
    page.wait_for_load_state("networkidle")
    overdue = page.locator("li.measure[data-measure]").count()
    assert overdue == page.locator("li.measure .light-red").count() and overdue <= every
