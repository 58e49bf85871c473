"""True close-out: 销号 is rectified and accepted. Each closed case counts under its own outcome on the battle
map (已销号, 查否了结, 已移交, 已办结), the 销号率 counts only close-outs, a closed case is never red (inbox, case
page, battle map), and a state's chip shows its stage or outcome only when that says something new."""
from __future__ import annotations

import re

import pytest
from webtools import open_item

from workflow.cases.validation import Attachment

FINDING = {"finding_kind": "illegal_agency", "office_name": "某法律咨询部", "description": "违规代理诉讼",
           "discovery_channel": "inspection"}


@pytest.fixture
def ended(app, clock):
    """closed: rectified and closed out; unfounded: dismissed; referred: a finding transferred to another body,
    whose 30-day wait for feedback has run out; rectifying: still open. Now is 40 days on."""
    s = app.cases
    closed, unfounded, rectifying = open_item(app, "已整改"), open_item(app, "查无实据"), open_item(app, "整改中")
    for case in (closed, rectifying):
        s.advance(case.id, "verify", actor="supervisor")
        s.assign(case.id, actor="handler", assignee="handler")
        s.advance(case.id, "dispatch", actor="supervisor",
                  fields={"measure": "m", "owner": "handler", "rectify_by": "2026-03-20"})
    s.advance(closed.id, "report_rectified", actor="handler", fields={"result": "r"},
              attachments=[Attachment("evidence", "e.txt", b"evidence")])
    s.advance(closed.id, "sign_off", actor="unit_head")
    s.advance(closed.id, "close_out", actor="supervisor")
    s.advance(unfounded.id, "dismiss", actor="supervisor", fields={"unfounded_reason": "查无实据"})
    referred = s.open_case("legal_service_finding", actor="registrar", unit="xf-sfs-1", title="移送公安",
                           fields=FINDING)
    s.advance(referred.id, "verify", actor="supervisor")
    s.advance(referred.id, "transfer", actor="supervisor", fields={"transfer_target": "县公安局"})
    clock.advance(days=40)
    return {"closed": closed, "unfounded": unfounded, "referred": referred, "rectifying": rectifying}


def kpi(html, name):
    return html.split(f'id="kpi-{name}">')[1].split("<")[0]


def cell(html, table, row_label, column):
    """The count and lights of one battle-map cell."""
    body = html.split(f'id="{table}"')[1].split("</table>")[0]
    row = next(r for r in body.split("<tr") if f"<th>{row_label}</th>" in r)
    found = re.search(rf'data-column="{column}"[^>]*>(.*?)</td>', row, flags=re.DOTALL)
    assert found, (row_label, column)
    return found.group(1)


def test_only_close_outs_count_as_销号(as_role, ended):
    html = as_role("leader").get("/dashboard?rows=type").get_data(as_text=True)
    assert kpi(html, "total") == "4" and kpi(html, "open") == "1" and kpi(html, "closed") == "3"
    # 销号率: one close-out among the cases there are to close out — not the dismissed one, nor the referral
    assert kpi(html, "closeout") == "50.0%"
    assert "已销号 1 · 查否了结 1 · 已移交 1" in html
    for column, title in (("closed_out", "问题整改"), ("unfounded", "问题整改"), ("referred", "法律服务执业检查发现")):
        assert "<b>1</b>" in cell(html, "matrix", title, column), column
    assert "<b>" not in cell(html, "matrix", "问题整改", "referred")
    by_unit = as_role("leader").get("/dashboard?rows=unit").get_data(as_text=True)
    assert "<b>1</b>" in cell(by_unit, "matrix", "城区司法所", "unfounded")
    assert ">已销号<" in html and ">查否了结<" in html and ">已移交<" in html and ">已办结<" in html


def test_a_closed_case_is_never_red(as_role, ended):
    """The referral's deadline for feedback ran out 10 days ago; the case is closed, so it shows no light."""
    referred = ended["referred"]
    client = as_role("supervisor")
    board = client.get("/dashboard?rows=type").get_data(as_text=True)
    shown = cell(board, "matrix", "法律服务执业检查发现", "referred")
    assert "<b>1</b>" in shown and "dot red" not in shown and "light-bg-red" not in shown
    assert "light-bg-red" in cell(board, "matrix", "问题整改", "handled")  # the open one ran out: red
    inbox = client.get("/?tab=all").get_data(as_text=True)
    row = inbox.split(f'data-case="{referred.id}"')[0].rsplit("<tr", 1)[1]
    assert 'class="row-none"' in row
    assert referred.id not in client.get("/?tab=all&light=red").get_data(as_text=True)
    assert referred.id in client.get("/?tab=all&light=none").get_data(as_text=True)
    page = client.get(f"/cases/{referred.id}").get_data(as_text=True)
    meta = page.split('class="meta"')[1].split("</p>")[0]
    assert "light-red" not in meta and "超期" not in meta
    assert "light-red" in client.get(f"/cases/{ended['rectifying'].id}").get_data(as_text=True)


def test_the_as_of_battle_map_agrees(as_role, ended):
    html = as_role("leader").get("/dashboard?as_of=2026-03-02&rows=type").get_data(as_text=True)
    assert kpi(html, "closed") == "3" and kpi(html, "closeout") == "50.0%"
    assert "dot red" not in cell(html, "matrix", "法律服务执业检查发现", "referred")


def chips(html):
    meta = html.split('class="meta"')[1].split("</p>")[0]
    return re.findall(r'class="(?:state|stage)"[^>]*>([^<]*)<', meta)


def test_a_chip_shows_the_stage_or_outcome_only_when_it_adds_to_the_state(app, as_role, ended):
    client = as_role("supervisor")
    fresh = open_item(app, "刚登记")
    assert chips(client.get(f"/cases/{fresh.id}").get_data(as_text=True)) == ["已登记"]  # not "已登记 已登记"
    assert chips(client.get(f"/cases/{ended['closed'].id}").get_data(as_text=True)) == ["已销号"]
    assert chips(client.get(f"/cases/{ended['unfounded'].id}").get_data(as_text=True)) == ["查否了结"]
    assert chips(client.get(f"/cases/{ended['rectifying'].id}").get_data(as_text=True)) == ["整改中", "办理中"]
    assert chips(client.get(f"/cases/{ended['referred'].id}").get_data(as_text=True)) == ["已移送待反馈", "已移交"]
    inbox = client.get("/?tab=all").get_data(as_text=True)
    row = inbox.split(f'data-case="{fresh.id}"')[1].split("</tr>")[0]
    assert row.count("已登记") == 1


def test_english_labels_too(client, as_role, ended):
    as_role("leader")
    client.post("/lang", data={"lang": "en", "next": "/dashboard"})
    html = client.get("/dashboard").get_data(as_text=True)
    assert ">Closed out<" in html and ">Unfounded<" in html and ">Referred<" in html and ">Concluded<" in html


def test_the_definition_page_shows_each_closed_states_outcome(as_role):
    html = as_role("supervisor").get("/definitions/clue").get_data(as_text=True)
    row = html.split('data-state="transferred"')[1].split("</tr>")[0]
    assert "已移交待回执" in row and "已移交" in row.split("</td>")[-2]
    row = html.split('data-state="concluded"')[1].split("</tr>")[0]
    assert row.split("</td>")[-2].endswith("已办结")
