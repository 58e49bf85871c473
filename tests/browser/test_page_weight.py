"""The case page's weight budget (issue 16): a cold first load transfers at most 300 KB, the mermaid library
is fetched only when someone opens the lifecycle diagram, and the diagram is then drawn with its Chinese
labels at a size a phone can read (the frame scrolls; the drawing is not shrunk to the screen).

Screenshots: test-artifacts/weight-<case|clue|definition>-<closed|open>-<desk|phone>.png. Timing is measured in
bench/page_load.py, not here.
"""
from __future__ import annotations

import pytest

BUDGET = 300 * 1024  # bytes on the wire: headers and (encoded) bodies of every response of the first load
VIEWPORTS = {"desk": (1440, 900), "phone": (390, 844)}


@pytest.fixture(scope="module")
def cases(engine):
    """A rectification item in progress and a clue (the largest lifecycle of the shipped definitions)."""
    s = engine.cases
    item = s.open_case("rectification_item", actor="registrar", unit="xf-sfs-1", title="社区矫正对象档案缺失",
                       fields={"description": "3名社区矫正对象档案缺失谈话记录。", "category": "commutation_parole",
                               "discovery_channel": "org_investigation"})
    s.advance(item.id, "verify", actor="supervisor")
    clue = s.open_case("clue", actor="registrar", unit="xf-sfs-1", title="反映某所长违规插手案件",
                       fields={"allegation": "反映某所长违规插手矫正对象请假审批。", "subject_name": "王某",
                               "discovery_channel": "mass_report"})
    return {"case": (item.id, "rectification_item"), "clue": (clue.id, "clue")}


@pytest.fixture
def cold_page(browser, page_as):
    """cold_page(login, size) -> (page, requests): a new browser context (empty cache) holding the session of a
    login made elsewhere; `requests` collects every finished request of the page."""
    contexts = []

    def _open(login: str, size: str = "desk"):
        session = page_as(login).context.storage_state()
        width, height = VIEWPORTS[size]
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                      storage_state=session)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20000)
        requests: list = []
        page.on("requestfinished", lambda request: requests.append(request))  # noqa: PLW0108 (Playwright cannot wrap a builtin)
        return page, requests

    yield _open
    for context in contexts:
        context.close()


def transferred(requests) -> int:
    total = 0
    for r in requests:
        sizes = r.sizes()
        total += sizes["responseHeadersSize"] + max(sizes["responseBodySize"], 0)
    return total


def labels(engine, name: str) -> list[str]:
    return [s.label["zh"] for s in engine.registry.latest(name).states.values()]


def diagram_texts(page) -> list[str]:
    return page.evaluate("""() => [...document.querySelectorAll('#diagram svg .nodeLabel, #diagram svg .edgeLabel')]
                                    .map(e => e.textContent.trim()).filter(Boolean)""")


@pytest.mark.parametrize("which", ["case", "clue"])
def test_a_cold_case_page_stays_under_budget_and_draws_the_diagram_only_when_opened(
        engine, server, cold_page, shot, cases, which):
    case_id, name = cases[which]
    page, requests = cold_page("supervisor")
    response = page.goto(f"{server}/cases/{case_id}")
    assert response is not None and response.status == 200
    page.wait_for_load_state("networkidle")

    weight = transferred(requests)
    assert weight <= BUDGET, f"{weight} bytes transferred: " + ", ".join(
        f"{r.url} {r.sizes()['responseBodySize']}" for r in requests)
    assert not [r.url for r in requests if "mermaid" in r.url]
    assert page.locator("#diagram-box").get_attribute("open") is None
    assert page.locator("#diagram svg").count() == 0

    page.click("#diagram-toggle")
    page.wait_for_selector("body[data-diagrams='drawn']")
    assert [r.url for r in requests if "/vendor/mermaid/mermaid.esm.min.mjs?v=" in r.url]  # now, by its hashed URL
    assert page.locator("#diagram svg").count() == 1
    texts = diagram_texts(page)
    for label in labels(engine, name):  # every state by its Chinese label, no state name
        assert label in texts
    defn = engine.registry.latest(name)
    assert not set(texts) & set(defn.states), "a state name is shown instead of its label"
    assert page.locator("#diagram-box .diagram-failed").is_hidden()


def test_the_diagram_is_readable_on_a_phone(server, cold_page, cases):
    """At 390 px the drawing keeps its natural size in a scrolling frame: labels at a readable size, the page
    itself never scrolls sideways; 缩小/放大/原始大小 zoom the drawing."""
    case_id, _name = cases["clue"]
    page, _requests = cold_page("supervisor", "phone")
    page.goto(f"{server}/cases/{case_id}")
    page.click("#diagram-toggle")
    page.wait_for_selector("body[data-diagrams='drawn']")
    fit = page.evaluate("""() => {
        const svg = document.querySelector('#diagram svg'), frame = document.querySelector('.diagram-frame');
        const label = svg.querySelector('.nodeLabel');
        return { scale: svg.getBoundingClientRect().width / svg.viewBox.baseVal.width,
                 font: parseFloat(getComputedStyle(label).fontSize),
                 frameScrolls: frame.scrollWidth > frame.clientWidth,
                 sideways: document.documentElement.scrollWidth - document.documentElement.clientWidth }; }""")
    assert fit["scale"] >= 0.99, f"the diagram is shrunk to {fit['scale']:.2f} of its size"
    assert fit["font"] >= 14
    assert fit["frameScrolls"]  # the clue's lifecycle is wider than a phone: its frame scrolls
    assert fit["sideways"] <= 1, "the page scrolls sideways"

    width = "() => document.querySelector('#diagram svg').getBoundingClientRect().width"
    natural = page.evaluate(width)
    page.click("#diagram-zoom-out")
    page.click("#diagram-zoom-out")
    assert page.evaluate(width) == pytest.approx(natural * 0.64, rel=0.02)  # an overview of the whole
    page.click("#diagram-zoom-reset")
    assert page.evaluate(width) == pytest.approx(natural, rel=0.01)


def test_the_definition_page_loads_the_library_only_for_the_diagram(engine, server, cold_page):
    page, requests = cold_page("supervisor")
    page.goto(f"{server}/definitions/clue")
    page.wait_for_load_state("networkidle")
    assert transferred(requests) <= BUDGET
    assert not [r.url for r in requests if "mermaid" in r.url]
    page.click("#diagram-toggle")
    page.wait_for_selector("body[data-diagrams='drawn']")
    assert set(labels(engine, "clue")) <= set(diagram_texts(page))


@pytest.mark.parametrize("size", VIEWPORTS)
@pytest.mark.parametrize("which", ["case", "clue", "definition"])
def test_screens_with_the_diagram_closed_and_open(server, cold_page, shot, cases, which, size):
    page, _requests = cold_page("supervisor", size)
    page.goto(f"{server}/definitions/clue" if which == "definition" else f"{server}/cases/{cases[which][0]}")
    page.wait_for_load_state("networkidle")
    shot(page, f"weight-{which}-closed-{size}")
    page.click("#diagram-toggle")
    page.wait_for_selector("body[data-diagrams='drawn']")
    page.locator("#diagram-box").scroll_into_view_if_needed()
    shot(page, f"weight-{which}-open-{size}")
    sideways = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert sideways <= 1, f"{which} on a {size}: {sideways}px of sideways scrolling"
