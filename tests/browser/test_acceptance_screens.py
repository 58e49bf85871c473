"""评估验收 as a desk (1440×900) and a phone (390×844) show it: the acceptance form's checklist on a measure,
the case page and the timeline with the recorded results, the campaign's assessment page and the plan page's
totals. Screenshots go to test-artifacts/screen-acceptance-<page>-<desk|phone>.png (look at them); a page
that scrolls sideways fails, and no internal name may show.
"""
from __future__ import annotations

import pytest
from factories import REPO, attachment

from workflow.campaigns.assessment import Assessments

VIEWPORTS = {"desk": (1440, 900), "phone": (390, 844)}
XIFENG = REPO / "definitions" / "campaigns" / "xifeng-2021.yaml"
ALL_MET = {1: {"met": True, "evidence": "学习记录.pdf"}, 2: {"met": True, "note": "报告与记录一致"},
           3: {"met": True, "note": "已印发《干预过问登记制度》"}}


@pytest.fixture(scope="module")
def cases(engine):
    s = engine.cases
    ids = engine.campaigns.load(XIFENG).cases
    done, accepted = ids[2], ids[3]
    for case_id in (done, accepted):
        s.advance(case_id, "start", actor="supervisor")
        s.advance(case_id, "complete", actor="supervisor", fields={"completion_report": "已组织学习并建立登记制度"},
                  attachments=[attachment("evidence", "学习记录.pdf")])
    s.advance(accepted, "return_for_rework", actor="leader", fields={"return_reason": "长效机制未建立"},
              checks={**ALL_MET, 3: {"met": False, "note": "登记制度尚未印发"}})
    s.advance(accepted, "complete", actor="supervisor", fields={"completion_report": "制度已印发"},
              attachments=[attachment("evidence", "学习记录.pdf")])
    s.advance(accepted, "accept", actor="leader", checks=ALL_MET)
    a = Assessments(s)
    for unit, scores in (("xf-lsk", (26, 35, 22)), ("xf-zzb", (30, 38, 27)), ("xf-sfj", (24, 0, 0))):
        for indicator, score in zip(("ledger", "measures", "mechanism"), scores, strict=True):
            if score:
                a.assess("xifeng-2021", unit=unit, indicator=indicator, score=score, note="按评估标准逐项打分",
                         actor="leader")
    return {"done": done, "accepted": accepted}


PAGES = [  # (name, login, path (with {done}/{accepted}), step form to open, what the page must show)
    ("accept-form", "leader", "/cases/{done}", "评估验收通过",
     ["验收条件", "措施内容全部落实到位", "未达到", "核验说明"]),
    ("accepted", "leader", "/cases/{accepted}", None, ["验收核验", "✔ 达到", "已印发《干预过问登记制度》"]),
    ("timeline", "leader", "/cases/{accepted}/history", None, ["验收核验", "✘ 未达到", "登记制度尚未印发"]),
    ("assessment", "leader", "/campaigns/xifeng-2021/assessment", None, ["评估验收", "满分 100", "保存评分"]),
    ("plan", "leader", "/campaigns/xifeng-2021?show=all", None, ["评估验收", "问题台账建立与销号"]),
]


@pytest.mark.parametrize("name, login, path, open_step, says", PAGES, ids=[p[0] for p in PAGES])
def test_acceptance_pages_fit_a_desk_and_a_phone(page_as, server, shot, cases, name, login, path, open_step, says):
    page = page_as(login)
    for size, (width, height) in VIEWPORTS.items():
        page.set_viewport_size({"width": width, "height": height})
        response = page.goto(server + path.format(**cases))
        assert response is not None and response.status == 200
        page.wait_for_load_state("networkidle")
        if open_step:
            for summary in page.locator("details > summary").all():
                if summary.inner_text().startswith(open_step) and summary.is_visible():
                    summary.click()
        body = page.inner_text("body")
        for text in says:
            assert text in body, f"{name}: {text!r} missing"
        for internal in ("acceptance_criteria", "record_score", "xf-lsk", "ledger", "unmet"):
            assert internal not in body, f"{name}: {internal!r} shown"
        shot(page, f"screen-acceptance-{name}-{size}")
        sideways = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert sideways <= 1, f"{name} on a {size}: {sideways}px of sideways scrolling"
