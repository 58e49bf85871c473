"""Real-browser walk through the UI: every role logs in; a case goes from report to 销号 with a return and
evidence uploads; its history is replayed; the battle map is opened as of a past date; the language switches.
Screenshots go to test-artifacts/.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

ROLES = ["registrar", "handler", "unit_head", "supervisor", "leader", "auditor", "admin"]


@pytest.mark.parametrize("login", ROLES)
def test_each_role_logs_in_and_sees_its_home(page_as, shot, login):
    page = page_as(login)
    assert page.url.endswith("/")
    if login == "admin":
        assert page.locator("#nav-admin").is_visible() and page.locator("#nav-dashboard").count() == 0
    else:
        assert page.locator("#nav-dashboard").is_visible()
    assert (page.locator("#nav-audit").count() == 1) == (login == "auditor")
    shot(page, f"home-{login}")
    page.click("#logout")
    page.wait_for_selector("#login-submit")


def _open_case(page, server, case_id):
    page.goto(f"{server}/cases/{case_id}")
    page.wait_for_selector("#case-title")


def _fire(page, trigger, fill=None):
    if page.locator(f"#step-{trigger}").get_attribute("open") is None:
        page.click(f"#step-{trigger} summary")
    for selector, value in (fill or {}).items():
        if selector.startswith("select:"):
            page.select_option(selector[7:], value)
        elif selector.startswith("check:"):
            page.check(selector[6:])
        elif selector.startswith("file:"):
            page.set_input_files(selector[5:], value)
        else:
            page.fill(selector, value)
    page.click(f"#fire-{trigger}")
    page.wait_for_selector(".flash.success")


def test_a_case_from_report_to_close_out(page_as, server, server_clock, shot, tmp_path, engine):
    # The registrar registers a problem for the 城区司法所.
    page = page_as("registrar")
    page.click("#nav-new")
    page.click("#new-rectification_item")
    page.fill("#n-title", "社区矫正对象外出审批材料不全")
    page.select_option("#n-unit", "xf-sfs-1")
    page.fill("#n-description", "2020年以来3份外出审批缺少司法所意见。")
    page.select_option("#n-category", "commutation_parole")
    page.select_option("#n-discovery_channel", "self_report")
    page.click("#register")
    page.wait_for_selector("#case-title")
    case_id = page.url.rsplit("/", 1)[-1]
    assert page.locator("#case-state").get_attribute("data-state") == "reported"

    # The supervisor verifies it the next day; the handler claims it from the unit queue.
    server_clock.advance(days=1)
    sup = page_as("supervisor")
    _open_case(sup, server, case_id)
    _fire(sup, "verify")
    handler = page_as("handler")
    handler.click("#tab-queue")
    handler.click(f"tr[data-case='{case_id}'] button.claim")
    handler.wait_for_selector(".flash.success")
    shot(handler, "inbox-handler-queue")

    # Dispatch with a measure, an owner and a deadline.
    server_clock.advance(days=1)
    _open_case(sup, server, case_id)
    _fire(sup, "dispatch", {"#f-dispatch-measure": "逐案补齐审批材料并建立复核制度",
                            "select:#f-dispatch-owner": "handler", "#f-dispatch-rectify_by": "2026-04-30"})

    # The handler reports it rectified, uploading evidence; an empty form first shows inline errors.
    server_clock.advance(days=2)
    _open_case(handler, server, case_id)
    handler.click("#step-report_rectified summary")
    handler.click("#fire-report_rectified")
    handler.wait_for_selector("#f-report_rectified-result-error")
    evidence = tmp_path / "复核记录.txt"
    evidence.write_text("补齐3份审批材料。", encoding="utf-8")
    _fire(handler, "report_rectified", {"#f-report_rectified-result": "材料已补齐",
                                        "check:#f-report_rectified-unit_head_signoff": "",
                                        "file:#f-report_rectified-evidence": str(evidence)})

    # Acceptance fails: the supervisor returns it; the handler adds the missing document.
    server_clock.advance(days=1)
    _open_case(sup, server, case_id)
    _fire(sup, "return_for_rework", {"#f-return_for_rework-return_reason": "缺少复核制度文件"})
    server_clock.advance(days=1)
    policy = tmp_path / "复核制度.pdf"
    policy.write_bytes(b"%PDF-1.4 rectiflow test\n")
    _open_case(handler, server, case_id)
    _fire(handler, "report_rectified", {"#f-report_rectified-result": "补充制度文件",
                                        "check:#f-report_rectified-unit_head_signoff": "",
                                        "file:#f-report_rectified-evidence": str(policy)})

    # 销号: the supervisor accepts and closes it out.
    server_clock.advance(days=1)
    _open_case(sup, server, case_id)
    _fire(sup, "close_out", {"#f-close_out-comment": "验收合格，销号"})
    assert sup.locator("#case-state").get_attribute("data-state") == "closed"
    sup.wait_for_selector("body[data-diagrams='drawn']")
    assert sup.locator("#diagram svg").count() == 1
    assert sup.locator("text=复核制度.pdf").count() == 1
    shot(sup, "case-closed")

    # Replay: step through the history; the chain is verified.
    sup.click("#history-link")
    assert "verify ok" in sup.locator("#chain-status").get_attribute("class")
    sup.click("#step-first")
    assert sup.locator("#replayed-state").get_attribute("data-state") == "reported"
    states = []
    while sup.locator("#step-next").count():
        sup.click("#step-next")
        states.append(sup.locator("#replayed-state").get_attribute("data-state"))
    assert states == ["verified", "verified", "rectifying", "rectified", "rectifying", "rectified", "closed"]
    sup.fill("#at", "2026-03-05T12:00")
    sup.click("#replay-at")
    assert sup.locator("#replayed-state").get_attribute("data-state") == "rectifying"
    shot(sup, "history-replay")
    _ = engine.store  # the engine stays open for the next tests


def test_dashboard_as_of_a_past_date(page_as, shot):
    page = page_as("leader")
    page.click("#nav-dashboard")
    page.wait_for_selector("#matrix")
    now_total = int(page.locator("#kpi-total").inner_text())
    assert now_total >= 1
    shot(page, "dashboard-now")
    page.fill("#as_of", "2026-03-01")
    page.click("#dash-apply")
    page.wait_for_selector("#asof-line")
    assert "2026-03-01" in page.locator("#asof-line").inner_text()
    assert page.locator("#kpi-total").inner_text() == "0"  # before the campaign's first case
    page.fill("#as_of", "2026-03-04")
    page.click("#dash-apply")
    assert int(page.locator("#kpi-total").inner_text()) >= 1
    shot(page, "dashboard-as-of-2026-03-04")


def test_switch_language(page_as, shot):
    page = page_as("supervisor")
    assert page.locator("#nav-inbox").inner_text() == "待办"
    page.click("#lang-en")
    page.wait_for_selector("#nav-inbox")
    assert page.locator("#nav-inbox").inner_text() == "Inbox"
    shot(page, "inbox-supervisor-en")
    page.click("#lang-zh_CN")
    assert page.locator("#nav-inbox").inner_text() == "待办"


def test_screenshots_were_saved():
    names = {p.name for p in ARTIFACTS.glob("*.png")}
    assert {"case-closed.png", "history-replay.png", "dashboard-as-of-2026-03-04.png"} <= names
    assert all(re.match(r"^[\w.-]+\.png$", n) for n in names)
