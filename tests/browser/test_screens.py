"""Every page the front-line work changed, as a desk (1440×900) and a phone (390×844) show it, in Chinese.

Screenshots go to test-artifacts/screen-<page>-<desk|phone>.png (look at them); a page that makes a phone
scroll sideways fails.
"""
from __future__ import annotations

import pytest

VIEWPORTS = {"desk": (1440, 900), "phone": (390, 844)}


@pytest.fixture(scope="module")
def returned_case(engine):
    """A case dispatched, reported with evidence, signed, and returned for rework: the handler's page."""
    from workflow.cases.validation import Attachment

    s = engine.cases
    case = s.open_case("rectification_item", actor="registrar", unit="xf-sfs-1", title="矫正对象请假审批未经集体研究",
                       fields={"description": "2021年3份请假审批未经集体研究。", "category": "commutation_parole",
                               "discovery_channel": "org_investigation"})
    s.advance(case.id, "verify", actor="supervisor")
    s.advance(case.id, "dispatch", actor="supervisor",
              fields={"measure": "建立集体研究制度并逐案补正", "owner": "handler", "rectify_by": "2026-04-30"})
    s.advance(case.id, "report_rectified", actor="handler", fields={"result": "已补正"},
              attachments=[Attachment("evidence", "集体研究记录（2021年第3次）.pdf", b"%PDF-1.4\n")])
    s.advance(case.id, "sign_off", actor="unit_head")
    s.advance(case.id, "return_for_rework", actor="supervisor",
              fields={"return_reason": "缺少集体研究制度文件，请补充后重新报送。"})
    return case.id


PAGES = [  # (name, login, path)
    ("case-returned", "handler", "/cases/{case}"),
    ("case-supervisor", "supervisor", "/cases/{case}"),
    ("alerts", "handler", "/alerts"),
    ("new-case", "unit_head", "/cases/new?type=rectification_item"),
    ("audit", "auditor", "/audit?case={case}"),  # with its Excel export beside the JSON Lines one
    ("inbox", "supervisor", "/?tab=all"),  # the ledger download (问题台账 Excel) with the filters
    ("inbox-search", "supervisor", "/?tab=all&q=请假审批"),  # the search box keeps the words
    ("inbox-search-none", "supervisor", "/?tab=all&q=考核"),  # 未找到…
    ("dashboard", "leader", "/dashboard"),  # CSV, Excel and the ledger
    ("admin", "admin", "/admin/"),
    ("admin-user", "admin", "/admin/users/handler"),
    ("security-admin", "security_admin", "/admin/"),  # 三员分立: the roles page, no account forms
    ("security-admin-user", "security_admin", "/admin/users/handler"),  # the role select is here only
    ("audit-admin-access", "audit_admin", "/audit/access"),  # logs without case titles
    ("audit-admin-audit", "audit_admin", "/audit"),
    ("password", "handler", "/account/password"),
]


@pytest.mark.parametrize("name, login, path", PAGES, ids=[p[0] for p in PAGES])
def test_changed_pages_fit_a_desk_and_a_phone(page_as, server, shot, returned_case, name, login, path):
    page = page_as(login)
    for size, (width, height) in VIEWPORTS.items():
        page.set_viewport_size({"width": width, "height": height})
        response = page.goto(server + path.format(case=returned_case))
        assert response is not None and response.status == 200
        page.wait_for_load_state("networkidle")
        shot(page, f"screen-{name}-{size}")
        sideways = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert sideways <= 1, f"{name} on a {size}: {sideways}px of sideways scrolling"
