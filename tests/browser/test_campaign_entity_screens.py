"""Pages the campaign entity changed (issue 15 item 1), on the demo campaign, as a desk (1440×900) and a phone
(390×844) show them, in Chinese: the inbox, battle map and bulletin filtered by a campaign (its title in the
select), the intake form's campaign choice and a case page naming its campaign. Screenshots go to
test-artifacts/entity-<page>-<desk|phone>.png (look at them); a page that makes a phone scroll sideways fails.
"""
from __future__ import annotations

import pytest

VIEWPORTS = {"desk": (1440, 900), "phone": (390, 844)}
DEMO = "demo-self-report-window"
PAGES = [  # (name, login, path, a selector the page must show)
    ("inbox", "supervisor", f"/?tab=all&campaign={DEMO}", "#filter-campaign"),
    ("dashboard", "leader", f"/dashboard?campaign={DEMO}", "#dash-campaign"),
    ("bulletin", "supervisor", f"/campaigns/bulletin?campaign={DEMO}", "#bulletin-campaign"),
    ("new-case", "registrar", "/cases/new?type=clue", "#n-case-campaign"),
]


def _fits(page, name: str, size: str) -> None:
    wide = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert wide[0] <= wide[1], f"{name} on a {size}: scrollWidth {wide[0]} > innerWidth {wide[1]}"


@pytest.mark.parametrize("name, login, path, selector", PAGES, ids=[p[0] for p in PAGES])
def test_campaign_filters_and_choice_fit_a_desk_and_a_phone(page_as, demo_server, shot, name, login, path, selector):
    page = page_as(login, base=demo_server)
    for size, (width, height) in VIEWPORTS.items():
        page.set_viewport_size({"width": width, "height": height})
        response = page.goto(demo_server + path)
        assert response is not None and response.status == 200
        page.wait_for_load_state("networkidle")
        assert page.locator(selector).count() == 1
        assert DEMO not in page.locator(selector).inner_text()  # the campaign's title, never its key
        shot(page, f"entity-{name}-{size}")
        _fits(page, name, size)


def test_a_case_page_names_its_campaign(page_as, demo_server, shot):
    page = page_as("supervisor", base=demo_server)
    page.goto(demo_server + f"/?tab=all&campaign={DEMO}")
    href = page.locator("#inbox-table td.c-title a").first.get_attribute("href")
    for size, (width, height) in VIEWPORTS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(demo_server + href)
        page.wait_for_load_state("networkidle")
        assert page.locator("#case-campaign").inner_text() == "演示：自查补报期"
        shot(page, f"entity-case-{size}")
        _fits(page, "case", size)
