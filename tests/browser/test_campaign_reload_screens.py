"""After a reload of an edited plan, as a desk (1440×900) and a phone (390×844) show it, in Chinese: the plan page
with its 已从方案删除 section (the dropped measure, 已撤销) and the history of a measure whose deadline the plan
moved (方案修订, 完成时限 old → new). Screenshots go to test-artifacts/campaign-reload-<page>-<desk|phone>.png;
a page that makes a phone scroll sideways fails."""
from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pytest
from conftest import REPO, serve_in_thread

XIFENG = REPO / "definitions" / "campaigns" / "xifeng-2021.yaml"
VIEWPORTS = {"desk": (1440, 900), "phone": (390, 844)}
DATED, DROPPED = "二(一)措施(1)", "二(六)措施(2)"


@pytest.fixture(scope="module")
def reloaded(sqlite_template, tmp_path_factory):
    """A server whose plan was loaded, one measure started, then reloaded with a later date and one measure less."""
    from rectiflow.demo import seed_directory
    from workflow.bootstrap import build
    from workflow.clock import FixedClock
    from workflow.config import Settings

    folder = tmp_path_factory.mktemp("browser-reload")
    shutil.copyfile(sqlite_template, folder / "rectiflow.db")
    app = build(Settings(database_url=f"sqlite:///{folder / 'rectiflow.db'}", definitions_dir=REPO / "definitions",
                         instance_dir=folder / "instance"), clock=FixedClock(datetime(2021, 5, 10, 1, 0, tzinfo=UTC)))
    seed_directory(app)
    first = app.campaigns.load(XIFENG)
    ids = dict(zip([m["id"] for m in app.campaigns.progress("xifeng-2021")["measures"]], first.cases, strict=True))
    app.cases.advance(ids[DATED], "start", actor="supervisor", fields={"progress_note": "已制定实施细则"})
    text = XIFENG.read_text(encoding="utf-8")
    at = text.index("deadline: 2021-05-31", text.index(f"- id: {DATED}\n"))
    text = text[:at] + "deadline: 2021-07-15" + text[at + len("deadline: 2021-05-31"):]
    text = text[:text.index(f"      - id: {DROPPED}")] + text[text.index("    target: {id: 二(六)目标"):]
    (folder / "xifeng-2021.yaml").write_text(text, encoding="utf-8")
    app.campaigns.load(folder / "xifeng-2021.yaml")
    url, stop = serve_in_thread(app)
    yield url, ids
    stop()
    app.close()


@pytest.mark.parametrize("name", ["plan", "history"])
def test_a_reloaded_plan_fits_a_desk_and_a_phone(page_as, reloaded, shot, name):
    url, ids = reloaded
    path, selector = {"plan": ("/campaigns/xifeng-2021?show=all", "#plan-dropped li.withdrawn"),
                      "history": (f"/cases/{ids[DATED]}/history", ".plan-change")}[name]
    page = page_as("leader", base=url)
    for size, (width, height) in VIEWPORTS.items():
        page.set_viewport_size({"width": width, "height": height})
        response = page.goto(url + path)
        assert response is not None and response.status == 200
        page.wait_for_load_state("networkidle")
        assert page.locator(selector).count() >= 1
        page.locator("#plan-dropped" if name == "plan" else ".plan-change").first.scroll_into_view_if_needed()
        shot(page, f"campaign-reload-{name}-{size}", full=False)
        wide = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert wide[0] <= wide[1], f"{name} on a {size}: scrollWidth {wide[0]} > innerWidth {wide[1]}"
