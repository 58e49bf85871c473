"""自查从宽、被查从严 on the case page, as a desk (1440×900) and a phone (390×844) show it: the leader's
exception form on an organisation-found clue, the clue after the exception (its reason on the case),
and the 三个规定 screening form of an interference record. Screenshots go to
test-artifacts/screen-leniency-<page>-<desk|phone>.png; a page that scrolls sideways fails.
"""
from __future__ import annotations

import pytest

VIEWPORTS = {"desk": (1440, 900), "phone": (390, 844)}
REASON = "被反映人在组织谈话前已主动退还礼金并如实说明，经党组研究同意例外从宽"


@pytest.fixture(scope="module")
def cases(engine):
    s = engine.cases
    found = s.open_case("clue", actor="registrar", unit="xf-sfj", title="群众举报收受礼金",
                        fields={"allegation": "收受当事人礼金", "subject_name": "干部丁",
                                "discovery_channel": "mass_report"})
    s.advance(found.id, "propose", actor="registrar",
              fields={"disposition_method": "prelim_verification", "disposition_basis": "可查"})
    s.advance(found.id, "approve_verification", actor="leader")
    excepted = s.open_case("clue", actor="registrar", unit="xf-sfj", title="巡察发现收受购物卡",
                           fields={"allegation": "收受购物卡", "subject_name": "干部戊",
                                   "discovery_channel": "inspection"})
    s.advance(excepted.id, "propose", actor="registrar",
              fields={"disposition_method": "prelim_verification", "disposition_basis": "可查"})
    s.advance(excepted.id, "approve_verification", actor="leader")
    s.advance(excepted.id, "grant_leniency_exception", actor="leader",
              fields={"leniency_exception": "yes", "leniency_exception_reason": REASON})
    record = s.open_case("interference_record", actor="handler", unit="xf-sfs-1", title="某领导电话过问",
                         fields={"record_kind": "leader_inquiry", "content": "询问能否准假", "recorded_by": "handler",
                                 "inquirer_name": "周某", "discovery_channel": "look_back"})
    return {"clue-found": found.id, "clue-excepted": excepted.id, "interference": record.id}


PAGES = [  # (name, login, case, step form to open, what the page must show)
    ("clue-found", "leader", "clue-found", "批准例外从宽", ["批准例外从宽", "例外从宽理由", "组织发现（从严）"]),
    ("clue-excepted", "supervisor", "clue-excepted", "提出处置结果（自查从宽）",
     ["例外从宽理由", REASON, "提出处置结果（自查从宽）"]),
    ("interference", "supervisor", "interference", "甄别为违规干预",
     ["对相关人员的处理（三个规定）", "未记录且未依法办案，从严从重处理",
                                                    "未严格依法办案"]),
]


@pytest.mark.parametrize("name, login, key, open_step, says", PAGES, ids=[p[0] for p in PAGES])
def test_the_leniency_forms_fit_a_desk_and_a_phone(page_as, server, shot, cases, name, login, key, open_step, says):
    page = page_as(login)
    for size, (width, height) in VIEWPORTS.items():
        page.set_viewport_size({"width": width, "height": height})
        response = page.goto(f"{server}/cases/{cases[key]}")
        assert response is not None and response.status == 200
        page.wait_for_load_state("networkidle")
        for summary in page.locator("details > summary").all():
            if open_step in summary.inner_text() and summary.is_visible():
                summary.click()  # open the step form the screenshot is about
        html = page.content()
        for text in says:
            assert text in html, f"{name}: {text!r} missing"
        assert "leniency_exception" not in page.inner_text("body")  # no internal names on a Chinese page
        assert "officer_treatment" not in page.inner_text("body")
        shot(page, f"screen-leniency-{name}-{size}")
        sideways = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert sideways <= 1, f"{name} on a {size}: {sideways}px of sideways scrolling"
