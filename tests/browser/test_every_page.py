"""Every page of the app, for every role that may open it, on two phones (390×844, 360×740) and a desk (1440×900).

A page passes when it never makes the window scroll sideways (wide tables scroll inside their own box). On a
phone the top bar is collapsed behind its menu button (which opens without JavaScript), the inbox is a list
of cards rather than a squeezed table, and the case page's steps are full-width buttons a thumb can hit.
Printing a case page prints the case only: no menu bar, buttons, step forms or comment box.

Screenshots: test-artifacts/every-<page>-<role>-<size>.png (look at them).
"""
from __future__ import annotations

import pytest

VIEWPORTS = {"phone": (390, 844), "small": (360, 740), "desk": (1440, 900)}
PHONES = ("phone", "small")
ROLES = ["registrar", "handler", "unit_head", "supervisor", "leader", "auditor", "admin", "security_admin",
         "audit_admin"]

PAGES = [  # (name, path): every GET page of the app; {case} is a case open in 西峰司法所
    ("home", "/"),
    ("queue", "/?tab=queue"),
    ("all", "/?tab=all"),
    ("case", "/cases/{case}"),
    ("case-print", "/cases/{case}/print"),
    ("case-history", "/cases/{case}/history"),
    ("definition", "/definitions/rectification_item"),
    ("new-case", "/cases/new?type=rectification_item"),
    ("alerts", "/alerts"),
    ("dashboard", "/dashboard"),
    ("reports", "/reports"),
    ("campaigns", "/campaigns"),
    ("campaign-bulletin", "/campaigns/bulletin"),
    ("declarations", "/declarations"),
    ("ledger-import", "/ledger/import"),
    ("audit", "/audit"),
    ("access-log", "/audit/access"),
    ("admin", "/admin/"),
    ("admin-user", "/admin/users/handler"),
    ("password", "/account/password"),
    ("not-found", "/cases/no-such-case"),
]


@pytest.fixture(scope="module")
def open_case(engine):
    """A case dispatched to the handler and returned for rework (a full case page), and one in the unit's queue."""
    from workflow.cases.validation import Attachment

    s = engine.cases
    case = s.open_case("rectification_item", actor="registrar", unit="xf-sfs-1",
                       title="社区矫正对象请假审批未经集体研究，补正材料未归档",
                       fields={"description": "2021年3份请假审批未经集体研究。" * 4, "category": "commutation_parole",
                               "discovery_channel": "org_investigation"})
    s.advance(case.id, "verify", actor="supervisor")
    s.advance(case.id, "dispatch", actor="supervisor",
              fields={"measure": "建立集体研究制度并逐案补正", "owner": "handler", "rectify_by": "2026-04-30"})
    s.advance(case.id, "report_rectified", actor="handler", fields={"result": "已补正"},
              attachments=[Attachment("evidence", "集体研究记录（2021年第3次）.pdf", b"%PDF-1.4\n")])
    s.advance(case.id, "sign_off", actor="unit_head")
    s.advance(case.id, "return_for_rework", actor="supervisor",
              fields={"return_reason": "缺少集体研究制度文件，请补充后重新报送。"})
    queued = s.open_case("rectification_item", actor="registrar", unit="xf-sfs-1", title="安置帮教台账未按月更新",
                         fields={"description": "台账停在2025年10月。", "category": "commutation_parole",
                                 "discovery_channel": "self_report"})
    s.advance(queued.id, "verify", actor="supervisor")
    return case.id


def _sideways(page) -> int:
    return page.evaluate("() => document.scrollingElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("role", ROLES)
def test_every_page_fits_phones_and_a_desk(page_as, server, shot, open_case, role):
    page = page_as(role)
    seen, wrong = 0, []
    for name, path in PAGES:
        for size, (width, height) in VIEWPORTS.items():
            page.set_viewport_size({"width": width, "height": height})
            response = page.goto(server + path.format(case=open_case))
            assert response is not None
            not_found = response.status == 404 and name != "not-found"
            if response.status == 403 or not_found or page.url.endswith("/login"):
                break  # not this role's page
            assert response.status in (200, 404), f"{name} as {role}: {response.status}"
            seen += 1
            page.wait_for_load_state("networkidle")
            shot(page, f"every-{name}-{role}-{size}")
            if _sideways(page) > 0:
                wrong.append(f"{name} as {role} on a {size} ({width}px): {_sideways(page)}px sideways")
            if size in PHONES and page.locator("header.top nav").count() and not (
                    page.is_visible("#menu-button") and page.is_hidden("header.top nav")):
                wrong.append(f"{name} as {role} on a {size}: the top bar is not collapsed")
    assert seen and not wrong, "\n".join(wrong)


def test_the_login_page_fits_phones_and_a_desk(page_as, server, shot):
    page = page_as(None)
    for size, (width, height) in VIEWPORTS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(server + "/login")
        shot(page, f"every-login-{size}")
        assert _sideways(page) <= 0, f"login on a {size}"
        if size in PHONES:
            assert page.locator("#username").evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 16
            assert page.locator("#login-submit").bounding_box()["height"] >= 44


@pytest.mark.parametrize("size", PHONES)
def test_the_inbox_is_a_list_of_cards_on_a_phone(page_as, server, shot, open_case, size):
    page = page_as("unit_head")
    page.set_viewport_size(dict(zip(("width", "height"), VIEWPORTS[size])))
    page.goto(server + "/?tab=queue")
    page.wait_for_selector("#inbox-table")
    shot(page, f"every-inbox-cards-{size}")
    assert page.is_hidden("#inbox-table thead")
    card = page.locator("#inbox-table tbody tr").first
    box = card.bounding_box()
    assert box and box["width"] >= VIEWPORTS[size][0] - 40, "a card takes the width of the phone"
    # The title takes the card's width, beside the bulk-selection checkbox when the role has bulk actions.
    pick = card.locator("td.c-pick")
    beside = pick.bounding_box()["width"] if pick.count() and pick.is_visible() else 0
    title = card.locator("td.c-title").bounding_box()
    assert title and title["width"] >= box["width"] - 40 - beside, "the title has the card's width"
    assert "司法所" in card.inner_text()  # the unit's name
    # one primary action per card, large enough for a thumb
    buttons = [b for b in card.locator("td.actions button, td.actions a.button").all() if b.is_visible()]
    assert len(buttons) == 1 and buttons[0].bounding_box()["height"] >= 44
    page.goto(server + "/?tab=all")
    card = page.locator(f"#inbox-table tr[data-case='{open_case}']")
    assert card.locator(".light").is_visible() and card.locator("td.c-state").is_visible()
    assert "期限 2026-04-30" in card.inner_text()  # the deadline as its last day, labelled
    buttons = [b for b in card.locator("td.actions button, td.actions a.button").all() if b.is_visible()]
    assert len(buttons) == 1 and buttons[0].bounding_box()["height"] >= 44
    page.set_viewport_size({"width": 1440, "height": 900})  # at a desk it is the table it always was
    assert page.is_visible("#inbox-table thead") and page.locator("#inbox-table .card-only:visible").count() == 0


def test_the_top_bar_opens_without_javascript(browser, server, page_as, shot):
    page = page_as("supervisor")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server + "/")
    assert page.is_hidden("#nav-dashboard") and page.is_visible("#menu-button")
    assert page.locator("#menu-button").bounding_box()["height"] >= 44
    page.click("#menu-button")
    assert page.is_visible("#nav-dashboard") and page.is_visible("#logout")
    assert page.locator("#nav-dashboard").bounding_box()["height"] >= 44
    shot(page, "every-menu-open-phone", full=False)
    page.set_viewport_size({"width": 1440, "height": 900})
    assert page.is_hidden("#menu-button") and page.is_visible("#nav-dashboard")
    # without JavaScript (a phone browser in a locked-down 政务 app) the menu still opens
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844}, locale="zh-CN")
    try:
        bare = context.new_page()
        bare.goto(server + "/login")
        bare.fill("#username", "supervisor")
        bare.fill("#password", "rectiflow-demo")
        bare.click("#login-submit")
        assert bare.is_hidden("#nav-dashboard")
        bare.click("#menu-button")
        assert bare.is_visible("#nav-dashboard")
    finally:
        context.close()


@pytest.mark.parametrize("size", PHONES)
def test_the_case_page_is_one_column_with_big_steps_on_a_phone(page_as, server, shot, open_case, size):
    page = page_as("handler")
    width, height = VIEWPORTS[size]
    page.set_viewport_size({"width": width, "height": height})
    page.goto(server + f"/cases/{open_case}")
    steps = page.locator("#actions details.step > summary").all()
    assert steps, "the handler has steps on this case"
    for step in steps:
        box = step.bounding_box()
        assert box["height"] >= 44 and box["width"] >= width - 40, f"step button {box}"
    steps[0].click()
    form = page.locator("#actions details.step[open] form")
    fire = form.locator("button[type=submit]")
    assert fire.bounding_box()["height"] >= 44 and fire.bounding_box()["width"] >= width - 60
    for field in form.locator("input:not([type=hidden]):not([type=checkbox]), select, textarea").all():
        assert field.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 16, "iOS zooms into smaller inputs"
        assert field.bounding_box()["height"] >= 44
    facts, actions = page.locator(".columns > section").first.bounding_box(), page.locator("#actions").bounding_box()
    assert facts["width"] >= width - 40 and actions["width"] >= width - 40, "one column"
    assert _sideways(page) <= 0
    shot(page, f"every-case-steps-{size}")


def test_printing_a_case_prints_the_case_only(page_as, server, open_case):
    from pathlib import Path

    page = page_as("supervisor")
    page.goto(server + f"/cases/{open_case}")
    assert page.is_visible("header.top") and page.is_visible("#actions")
    page.emulate_media(media="print")
    for hidden in ("header.top", "#actions", "#assignment", "#supervision-box", "#comments form", "#print-link",
                   "#diagram", "#diagram-box"):
        if page.locator(hidden).count():
            assert page.is_hidden(hidden), f"{hidden} is printed"
    assert page.locator("button:visible, form:visible, textarea:visible, select:visible").count() == 0
    assert page.is_visible("#case-title") and page.is_visible("#comments") and page.is_visible("table.kv")
    out = Path(__file__).resolve().parents[2] / "test-artifacts" / "case-print.pdf"
    out.parent.mkdir(exist_ok=True)
    assert page.pdf(path=str(out), format="A4", prefer_css_page_size=True)[:4] == b"%PDF"


def test_printing_the_close_out_form_prints_the_form_only(page_as, server, open_case):
    page = page_as("supervisor")
    page.goto(server + f"/cases/{open_case}/print")
    page.emulate_media(media="print")
    assert page.locator("button:visible, form:visible, nav:visible, a:visible").count() == 0
    assert page.is_visible(".sheet")


@pytest.mark.parametrize("size", PHONES)
def test_a_step_is_fired_from_a_phone(page_as, server, engine, size):
    case = engine.cases.open_case("rectification_item", actor="registrar", unit="xf-sfs-1", title="社区矫正档案缺页",
                                  fields={"description": "3份档案缺少谈话记录。", "category": "commutation_parole",
                                          "discovery_channel": "self_report"})
    page = page_as("supervisor")
    page.set_viewport_size(dict(zip(("width", "height"), VIEWPORTS[size])))
    page.goto(server + f"/cases/{case.id}")
    page.click("#step-verify > summary")
    page.fill("#f-verify-comment", "已核实，情况属实。")
    page.click("#fire-verify")
    page.wait_for_selector("#case-state[data-state='verified']")
    assert _sideways(page) <= 0
