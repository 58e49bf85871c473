"""The Chinese date picker (macros.html date_input, static/datepicker.js) on case forms, the bulk 交办 deadline and
the report pages, in a Chinese browser, on a desk (1440×900) and a phone (390×844); and the same boxes with
JavaScript off (a locked-down 政务 app), where the text box alone takes the date.

Screenshots: test-artifacts/date-<page>-<desk|phone>.png (look at them).
"""
from __future__ import annotations

import pytest
from conftest import PASSWORD

VIEWPORTS = {"desk": (1440, 900), "phone": (390, 844)}


def _verified(engine, title):
    case = engine.cases.open_case("rectification_item", actor="registrar", unit="xf-sfs-1", title=title,
                                  fields={"description": "社区矫正档案缺少请假审批表。",
                                          "category": "commutation_parole", "discovery_channel": "org_investigation"})
    engine.cases.advance(case.id, "verify", actor="supervisor")
    return case.id


def _settled(calendar) -> None:
    """Wait for the calendar's opening animation to end (a screenshot mid-fade shows the form through it)."""
    calendar.evaluate("e => Promise.all(e.getAnimations().map(a => a.finished))")


def _sideways(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("size", VIEWPORTS)
def test_a_chinese_user_picks_the_deadline_on_a_case_form_and_the_step_succeeds(page_as, server, engine, shot, size):
    case_id = _verified(engine, f"请假审批表缺失（{size}）")
    page = page_as("supervisor")
    width, height = VIEWPORTS[size]
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{server}/cases/{case_id}")
    page.click("#step-dispatch > summary")
    page.fill("#f-dispatch-measure", "建立请假审批集体研究制度")
    page.select_option("#f-dispatch-owner", "handler")
    box = page.locator("#f-dispatch-rectify_by")
    assert box.get_attribute("type") == "text"
    box.click()
    calendar = page.locator(".flatpickr-calendar.open")
    calendar.wait_for()
    _settled(calendar)
    assert "周一" in calendar.inner_text() and "周日" in calendar.inner_text()  # Chinese weekdays
    assert "3月" in page.locator(".flatpickr-current-month").inner_text() or \
        "三月" in page.locator(".flatpickr-current-month").inner_text()  # the server's March 2026
    cal = calendar.bounding_box()
    assert cal["x"] >= 0 and cal["x"] + cal["width"] <= width, "the calendar fits the window"
    assert _sideways(page) <= 0
    shot(page, f"date-case-form-{size}", full=False)
    page.click(".flatpickr-next-month")
    page.locator(".flatpickr-day:not(.prevMonthDay):not(.nextMonthDay)", has_text="15").first.click()
    assert box.input_value() == "2026-04-15"
    page.click("#fire-dispatch")
    page.wait_for_load_state("networkidle")
    case = engine.cases.get(case_id)
    assert case.state == "rectifying" and case.fields["rectify_by"] == "2026-04-15"
    assert "2026-04-15" in page.locator("main").inner_text()


def test_without_javascript_the_date_box_takes_the_date_as_people_write_it(browser, server, engine):
    case_id = _verified(engine, "安置帮教台账未更新（无脚本）")
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844}, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(server + "/login")
        page.fill("#username", "supervisor")
        page.fill("#password", PASSWORD)
        page.click("#login-submit")
        page.goto(f"{server}/cases/{case_id}")
        page.click("#step-dispatch > summary")  # <details> opens without JavaScript
        page.fill("#f-dispatch-measure", "逐月更新台账")
        page.select_option("#f-dispatch-owner", "handler")
        assert page.locator("#f-dispatch-rectify_by").get_attribute("placeholder") == "年-月-日"
        page.fill("#f-dispatch-rectify_by", "2026年4月20日")
        page.click("#fire-dispatch")
        case = engine.cases.get(case_id)
        assert case.state == "rectifying" and case.fields["rectify_by"] == "2026-04-20"
    finally:
        context.close()


def test_the_bulk_dispatch_deadline_has_the_chinese_calendar(page_as, server, engine, shot):
    ids = [_verified(engine, f"批量交办案件{i}") for i in range(2)]
    page = page_as("supervisor")
    for size, (width, height) in VIEWPORTS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(server + "/?tab=all")
        page.click("details.bulk-dispatch > summary")
        page.click("#bulk-deadline")
        page.locator(".flatpickr-calendar.open").wait_for()
        _settled(page.locator(".flatpickr-calendar.open"))
        assert "周一" in page.locator(".flatpickr-calendar.open").inner_text()
        page.click(".flatpickr-next-month")
        page.locator(".flatpickr-day:not(.prevMonthDay):not(.nextMonthDay)", has_text="28").first.click()
        assert page.locator("#bulk-deadline").input_value() == "2026-04-28"
        assert _sideways(page) <= 0, size
        shot(page, f"date-bulk-{size}", full=False)
    for case_id in ids:
        page.check(f"#inbox-table tr[data-case='{case_id}'] input[name=case]")
    page.fill("details.bulk-dispatch textarea[name=measure]", "统一整改")
    page.select_option("details.bulk-dispatch select[name=owner]", "handler")
    page.click("#bulk-dispatch")
    page.wait_for_load_state("networkidle")
    assert [engine.cases.get(i).fields.get("rectify_by") for i in ids] == ["2026-04-28", "2026-04-28"]


PAGES = [  # (name, login, path, the date box's selector)
    ("reports", "supervisor", "/reports", "#bulletin-since"),
    ("campaign-report", "leader", "/campaigns/xifeng-2021/report", "#report-as-of"),
    ("campaign-bulletin", "supervisor", "/campaigns/bulletin", "#bulletin-since"),
    ("new-case", "registrar", "/cases/new?type=departed_staff", "input.date-input"),
]


@pytest.mark.parametrize("name, login, path, box", PAGES, ids=[p[0] for p in PAGES])
def test_report_pages_and_the_new_case_form_have_the_chinese_calendar(page_as, demo_server, shot, name, login, path,
                                                                       box):
    page = page_as(login, base=demo_server)
    for size, (width, height) in VIEWPORTS.items():
        page.set_viewport_size({"width": width, "height": height})
        response = page.goto(demo_server + path)
        assert response is not None and response.status == 200
        page.wait_for_load_state("networkidle")
        assert page.locator("input[type=date]").count() == 0
        shot(page, f"date-{name}-{size}")
        page.locator(box).first.click()
        calendar = page.locator(".flatpickr-calendar.open")
        calendar.wait_for()
        _settled(calendar)
        assert "周一" in calendar.inner_text()
        cal = calendar.bounding_box()
        assert cal["x"] >= 0 and cal["x"] + cal["width"] <= width, f"{name}: the calendar fits a {size}"
        assert _sideways(page) <= 0, f"{name} on a {size}"
        shot(page, f"date-{name}-open-{size}", full=False)
        page.keyboard.press("Escape")


def test_a_required_yes_no_is_answered_no_on_a_desk_and_a_phone(page_as, server, engine, shot):
    """A firm that employs no departed staff answers 否 (an unticked box could not say no)."""
    ids = [engine.cases.open_case("law_firm_self_check", actor="supervisor", unit="xf-ls-1", title=f"某所自查（{s}）",
                                  fields={"firm_name": "西丰某律师事务所"}).id for s in VIEWPORTS]
    page = page_as("supervisor")
    for case_id, (size, (width, height)) in zip(ids, VIEWPORTS.items()):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{server}/cases/{case_id}")
        page.click("#step-submit > summary")
        page.select_option("#f-submit-employs_departed", "false")
        page.select_option("#f-submit-dossier_built", "true")
        page.set_input_files("#f-submit-self_check_report", files=[
            {"name": "自查报告.txt", "mimeType": "text/plain", "buffer": "本所未聘用离任人员".encode()}])
        assert _sideways(page) <= 0
        shot(page, f"date-yes-no-{size}")
        page.click("#fire-submit")
        page.wait_for_load_state("networkidle")
        case = engine.cases.get(case_id)
        assert case.state == "submitted" and case.fields["employs_departed"] is False
