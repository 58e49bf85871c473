"""Real-browser walk through the UI: every role logs in; a case goes from report to 销号 with a return and
evidence uploads; its history is replayed; the battle map is opened as of a past date; the language switches.
Screenshots go to test-artifacts/.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

PASSWORD = "rectiflow-demo"
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


WHO: dict = {}  # page -> the login it works as


def _login(page_as, login):
    page = page_as(login)
    WHO[page] = login
    return page


def _visit(page, url):
    """Go to `url`; when the session ended meanwhile (the idle limit: the server clock jumps days), log in again
    as people do the next morning."""
    page.goto(url)
    if page.locator("#login-submit").count():
        page.fill("#username", WHO[page])
        page.fill("#password", PASSWORD)
        page.click("#login-submit")
        page.wait_for_selector("#who")
        page.goto(url)


def _open_case(page, server, case_id):
    _visit(page, f"{server}/cases/{case_id}")
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


# Visible text a Chinese page may show in Latin letters: the brand, the language switch, file names.
ALLOWED_LATIN = ("rectiflow", "English")
LOGINS = ("registrar", "handler", "unit_head", "supervisor", "supervisor2", "leader", "auditor")


def _chinese_only(page, where):
    """No run of four or more English words in the page's visible text; no login shown as a name."""
    text = page.evaluate("""() => {  // the lifecycle diagram's source is not text people read: leave it out
        const hidden = [...document.querySelectorAll('pre.mermaid')];
        hidden.forEach(e => e.style.display = 'none');
        const text = document.body.innerText;
        hidden.forEach(e => e.style.display = '');
        return text; }""")
    for allowed in ALLOWED_LATIN:
        text = text.replace(allowed, "")
    run = re.search(r"[A-Za-z]+(?:[ ,.'’:;()/-]+[A-Za-z]+){3,}", text)
    assert run is None, f"{where}: English on a Chinese page: {run.group(0)!r}"
    shown = set(re.findall(r"[A-Za-z_0-9]+", text))
    assert not shown & set(LOGINS), f"{where}: a login shown instead of a name: {shown & set(LOGINS)}"


def _alerts(page, server):
    _visit(page, f"{server}/alerts")
    page.wait_for_selector("#alerts-table")
    _chinese_only(page, "alerts")
    return page.inner_text("#alerts-table")


def _steps(page):
    return {s.get_attribute("id")[5:] for s in page.locator("#actions details.step").all()}


def test_a_case_from_report_to_close_out(page_as, server, server_clock, shot, tmp_path, engine):
    # The registrar registers a problem for the 城区司法所.
    page = _login(page_as, "registrar")
    page.click("#nav-new")
    page.click("#new-rectification_item")
    assert page.locator("#n-unit").input_value() == "xf-sfj"  # the registrar's own unit, not the list's first
    page.fill("#n-title", "社区矫正对象外出审批材料不全")
    page.select_option("#n-unit", "xf-sfs-1")
    page.fill("#n-description", "2020年以来3份外出审批缺少司法所意见。")
    page.select_option("#n-category", "commutation_parole")
    page.select_option("#n-discovery_channel", "self_report")
    page.click("#register")
    page.wait_for_selector("#case-title")
    case_id = page.url.rsplit("/", 1)[-1]
    assert page.locator("#case-state").get_attribute("data-state") == "reported"
    _chinese_only(page, "case page (registrar)")

    # The supervisor verifies it the next day and dispatches it: 交办 hands it to the 责任人 by name.
    server_clock.advance(days=1)
    sup = _login(page_as, "supervisor")
    _open_case(sup, server, case_id)
    _chinese_only(sup, "case page (supervisor)")
    _fire(sup, "verify")
    server_clock.advance(days=1)
    _open_case(sup, server, case_id)
    sup.click("#step-dispatch summary")
    owners = sup.locator("#f-dispatch-owner option").all_inner_texts()
    assert "承办人 李强 · 城区司法所" in owners and not any("周明" in o for o in owners)  # not the leader
    _fire(sup, "dispatch", {"#f-dispatch-measure": "逐案补齐审批材料并建立复核制度",
                            "select:#f-dispatch-owner": "handler", "#f-dispatch-rectify_by": "2026-04-30"})
    assert "承办人 李强" in sup.inner_text("#assignee")
    assert "2026-04-30" in sup.inner_text(".meta") and "2026-05-01" not in sup.inner_text(".meta")  # the last day

    # The handler is told, sees the deadline as its last day, and only the steps he can take.
    server_clock.advance(days=2)
    handler = _login(page_as, "handler")
    assert handler.locator("#unread-badge").count() == 1
    assert "交办" in _alerts(handler, server)
    _visit(handler, f"{server}/")
    handler.wait_for_selector("#inbox-table")
    row = handler.locator(f"tr[data-case='{case_id}']").inner_text()
    assert "2026-04-30" in row and "2026-05-01" not in row
    _chinese_only(handler, "inbox (handler)")
    _open_case(handler, server, case_id)
    assert _steps(handler) == {"report_rectified", "request_extension"}
    handler.click("#step-report_rectified summary")
    handler.click("#fire-report_rectified")
    handler.wait_for_selector("#f-report_rectified-result-error")
    _chinese_only(handler, "inline errors")
    evidence = tmp_path / "复核记录.txt"
    evidence.write_text("补齐3份审批材料。", encoding="utf-8")
    _fire(handler, "report_rectified", {"#f-report_rectified-result": "材料已补齐",
                                        "file:#f-report_rectified-evidence": str(evidence)})
    assert _steps(handler) == set()  # the unit head signs, not the handler

    # The unit head signs off: their own act.
    head = _login(page_as, "unit_head")
    _open_case(head, server, case_id)
    assert "sign_off" in _steps(head)
    _fire(head, "sign_off")

    # Acceptance fails: the supervisor returns it for rework (退回整改) with a reason.
    server_clock.advance(days=1)
    _open_case(sup, server, case_id)
    assert "退回整改" in sup.inner_text("#step-return_for_rework summary")
    _fire(sup, "return_for_rework", {"#f-return_for_rework-return_reason": "缺少复核制度文件"})

    # The handler is told, sees the reason as a banner, keeps the first evidence and adds the document.
    server_clock.advance(days=1)
    assert "退回整改" in _alerts(handler, server)
    _open_case(handler, server, case_id)
    banner = handler.inner_text("#return-rework")
    assert "缺少复核制度文件" in banner and "整治办 赵刚" in banner
    shot(handler, "case-returned-handler")
    policy = tmp_path / "复核制度.pdf"
    policy.write_bytes(b"%PDF-1.4 rectiflow test\n")
    handler.click("#step-report_rectified summary")
    assert handler.locator("#step-report_rectified input[name=keep_file]").is_checked()
    _fire(handler, "report_rectified", {"#f-report_rectified-result": "补充制度文件",
                                        "file:#f-report_rectified-evidence": str(policy)})
    _open_case(head, server, case_id)
    _fire(head, "sign_off")

    # 销号: the supervisor accepts and closes it out; the page says when and by whom.
    server_clock.advance(days=1)
    _open_case(sup, server, case_id)
    _fire(sup, "close_out", {"#f-close_out-comment": "验收合格，销号"})
    assert sup.locator("#case-state").get_attribute("data-state") == "closed"
    closing = sup.inner_text("#closing")
    assert "已销号" in closing and "2026-03-09" in closing and "整治办 赵刚" in closing
    assert sup.locator("#return-rework").count() == 0
    assert "缺少复核制度文件" in sup.inner_text("#round-1")
    sup.click("#diagram-toggle")  # the diagram is drawn when opened
    sup.wait_for_selector("body[data-diagrams='drawn']")
    assert sup.locator("#diagram svg").count() == 1
    assert sup.locator("text=复核制度.pdf").count() == 1
    _chinese_only(sup, "closed case")
    shot(sup, "case-closed")

    # Replay: step through the history; the chain is verified.
    sup.click("#history-link")
    assert "verify ok" in sup.locator("#chain-status").get_attribute("class")
    _chinese_only(sup, "history")
    sup.click("#step-first")
    assert sup.locator("#replayed-state").get_attribute("data-state") == "reported"
    states = []
    while sup.locator("#step-next").count():
        sup.click("#step-next")
        states.append(sup.locator("#replayed-state").get_attribute("data-state"))
    assert states == ["verified", "rectifying", "signoff_pending", "rectified", "rectifying", "signoff_pending",
                      "rectified", "closed"]
    sup.fill("#at", "2026-03-05T12:00")
    sup.click("#replay-at")
    assert sup.locator("#replayed-state").get_attribute("data-state") == "rectifying"
    shot(sup, "history-replay")

    # The auditor's log: titles, names and labels, no logins or internal names.
    auditor = _login(page_as, "auditor")
    _visit(auditor, f"{server}/audit?case={case_id}")
    auditor.wait_for_selector("#audit-table")
    log = auditor.inner_text("#audit-table")
    assert "社区矫正对象外出审批材料不全" in log and "承办人 李强" in log and "验收销号" in log
    _chinese_only(auditor, "audit log")
    for login in ("leader", "registrar"):
        home = _login(page_as, login)
        _chinese_only(home, f"home ({login})")
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
