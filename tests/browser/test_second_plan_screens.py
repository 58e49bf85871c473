"""The second shipped plan (a district procuratorate's, numbered 一、1、(1), with its own parts) on its plan page
beside Xifeng's, as a desk (1440×900) and a phone (390×844) show it: the plan's own parts as headings
(一、总体要求 …), unit names never codes. Screenshots go to test-artifacts/second-plan-<desk|phone>.png (look at
them); a page that makes a phone scroll sideways fails."""
from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pytest
from conftest import PASSWORD, REPO, serve_in_thread

VIEWPORTS = {"desk": (1440, 900), "phone": (390, 844)}
PLANS = REPO / "definitions" / "campaigns"


@pytest.fixture(scope="module")
def two_plans_server(sqlite_template, tmp_path_factory):
    """Its own server (the shared one stays as other tests expect it): both shipped plans loaded."""
    from rectiflow.demo import seed_directory
    from workflow.bootstrap import build
    from workflow.clock import FixedClock
    from workflow.config import Settings

    folder = tmp_path_factory.mktemp("browser-plans")
    shutil.copyfile(sqlite_template, folder / "rectiflow.db")
    settings = Settings(database_url=f"sqlite:///{folder / 'rectiflow.db'}", definitions_dir=REPO / "definitions",
                        instance_dir=folder / "instance")
    rectiflow = build(settings, clock=FixedClock(datetime(2021, 4, 6, 1, 0, tzinfo=UTC)))
    seed_directory(rectiflow)
    rectiflow.campaigns.load(PLANS / "xifeng-2021.yaml")
    rectiflow.campaigns.load(PLANS / "district-procuratorate-2021.yaml")
    rectiflow.directory.add_user("dp_leader", role="leader", unit="dp-jcy", name="区检察院 检察长 吴刚",
                                 password=PASSWORD)
    url, stop = serve_in_thread(rectiflow)
    yield url
    stop()
    rectiflow.close()


def test_the_second_plans_page_shows_its_own_parts_on_a_desk_and_a_phone(browser, two_plans_server, shot):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(two_plans_server + "/login")
    page.fill("#username", "dp_leader")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#who")
    for size, (width, height) in VIEWPORTS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(two_plans_server + "/campaigns/district-procuratorate-2021?show=all")
        page.wait_for_load_state("networkidle")
        headings = page.locator("section.plan-part h2").all_inner_texts()
        assert headings[:3] == ["一、总体要求", "二、整治任务和措施", "三、保障措施"]
        assert page.locator("li.measure").count() == 7
        assert "dp-" not in page.locator("main").inner_text()
        shot(page, f"second-plan-{size}")
        wide = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert wide[0] <= wide[1], f"the second plan on a {size}: scrollWidth {wide[0]} > innerWidth {wide[1]}"
    context.close()
