"""Campaigns as entities on the pages: the intake form's campaign choice (a clear refusal when several are under
way), the case page naming its campaign by title, and the campaign filters of the inbox, the battle map and the
bulletin — Chinese labels (campaign titles, never keys)."""
from __future__ import annotations

import re

import pytest
from document_cases import LISTED_TITLE, listed_overdue
from factories import REPO, local
from webtools import csrf_token_from

XIFENG = REPO / "definitions" / "campaigns" / "xifeng-2021.yaml"
BIS_TITLE = "西丰县司法行政系统顽瘴痼疾专项整治（第二轮，测试）"


@pytest.fixture
def two(app, clock, tmp_path):
    """Xifeng's plan and a second campaign over the same units and dates (xifeng-bis), in July 2021."""
    clock.set(local("2021-06-01T09:00"))
    copy = tmp_path / "xifeng-bis.yaml"
    text = XIFENG.read_text(encoding="utf-8").replace("campaign: xifeng-2021", "campaign: xifeng-bis")
    copy.write_text(re.sub(r"^title: \{zh: [^,]+,", f"title: {{zh: {BIS_TITLE},", text, count=1, flags=re.M),
                    encoding="utf-8")
    app.campaigns.load(XIFENG)
    app.campaigns.load(copy)
    clock.set(local("2021-07-15T09:00"))
    return app


def register(client, **form):
    html = client.get("/cases/new?type=clue").get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(html), "type": "clue", "title": "王五的问题", "unit": "xf-sfj",
            "allegation": "收受礼金", "subject_name": "王五", "discovery_channel": "self_report", **form}
    return client.post("/cases/new", data=data)


def test_the_intake_form_offers_the_campaigns_and_refuses_an_ambiguous_intake_clearly(app, as_role, two):
    client = as_role("registrar")
    html = client.get("/cases/new?type=clue").get_data(as_text=True)
    assert 'id="n-case-campaign"' in html and BIS_TITLE in html and "按单位当前开展的专项整治" in html
    refused = register(client)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "同时开展多个专项整治" in text and "请选择本案件所属的专项整治" in text
    assert "xifeng-bis" not in re.sub(r'value="[^"]*"', "", text[text.index("<main"):])  # titles, never keys
    done = register(client, case_campaign="xifeng-bis")
    assert done.status_code == 302
    case_id = done.headers["Location"].rsplit("/", 1)[-1]
    assert app.cases.get(case_id).campaign == "xifeng-bis"
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    shown = page[page.index('id="case-campaign"'):]
    assert shown[:shown.index("</td>")].endswith(BIS_TITLE)
    assert register(client, case_campaign="nope").status_code == 400


def test_the_inbox_filters_by_campaign(app, as_role, two):
    mine = app.cases.open_case("clue", actor="registrar", unit="xf-sfj", title="第二轮线索", campaign="xifeng-bis",
                               fields={"allegation": "x", "subject_name": "赵六", "discovery_channel": "inspection"})
    client = as_role("supervisor")
    html = client.get("/?tab=all&campaign=xifeng-bis").get_data(as_text=True)
    assert 'id="filter-campaign"' in html and f'<option value="xifeng-bis" selected>{BIS_TITLE}</option>' in html
    assert f'data-case="{mine.id}"' in html
    other = client.get("/?tab=all&campaign=xifeng-2021").get_data(as_text=True)
    assert f'data-case="{mine.id}"' not in other and "data-case=" in other  # Xifeng's own measure cases
    everything = client.get("/?tab=all").get_data(as_text=True)
    assert (all_count(everything), all_count(html), all_count(other)) == (51, 26, 25)


def all_count(html: str) -> int:
    return int(re.search(r'id="tab-all"[^>]*>[^<]*<span class="count">(\d+)', html).group(1))


def kpi_total(html: str) -> int:
    return int(re.search(r'id="kpi-total">(\d+)<', html).group(1))


def test_the_battle_map_filters_by_campaign(app, as_role, two):
    app.cases.open_case("clue", actor="registrar", unit="xf-sfj", title="第二轮线索", campaign="xifeng-bis",
                        fields={"allegation": "x", "subject_name": "赵六", "discovery_channel": "inspection"})
    client = as_role("supervisor")
    everything = client.get("/dashboard").get_data(as_text=True)
    bis = client.get("/dashboard?campaign=xifeng-bis").get_data(as_text=True)
    xifeng = client.get("/dashboard?campaign=xifeng-2021").get_data(as_text=True)
    assert (kpi_total(everything), kpi_total(bis), kpi_total(xifeng)) == (51, 26, 25)
    assert 'id="dash-campaign"' in bis and f'<option value="xifeng-bis" selected>{BIS_TITLE}</option>' in bis
    cells = client.get("/dashboard/cases?campaign=xifeng-bis&rows=type&row=type:clue").get_data(as_text=True)
    assert "第二轮线索" in cells
    assert client.get("/dashboard?campaign=nope").status_code == 404


def test_the_bulletin_filters_by_campaign(app, as_role, clock):
    clock.set(local("2026-03-01T09:00"))
    window = [{"from": "2026-03-01", "until": "2026-03-31", "label": {"zh": "演练", "en": "Drill"}}]
    app.campaigns.register_windows("drill-2", "二所演练", window, units=["xf-sfs-2"])
    app.campaigns.register_windows("drill-1", "一所演练", window, units=["xf-sfs-1"])
    listed = listed_overdue(app, clock)
    assert app.cases.get(listed.id).campaign == "drill-2"
    assert app.documents.bulletin(campaign="drill-2").count == 1
    assert app.documents.bulletin(campaign="drill-1").count == 0
    client = as_role("leader")
    page = client.get("/campaigns/bulletin?campaign=drill-1").get_data(as_text=True)
    assert LISTED_TITLE not in page and '<option value="drill-1" selected>一所演练</option>' in page
    assert LISTED_TITLE in client.get("/campaigns/bulletin?campaign=drill-2").get_data(as_text=True)
    assert client.get("/campaigns/bulletin?campaign=nope").status_code == 404


LEDGER_ROW = {"问题编号": "XF-101", "问题描述": "社区矫正对象请假审批材料不全", "问题类别": "减假暂/社区矫正",
              "发现渠道": "自查", "责任单位": "xf-sfs-1", "责任人": "handler", "整改措施": "补齐材料",
              "整改时限": "2021-09-30", "状态": "整改中"}


def ledger_upload(app, client, **form):
    import io

    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(app.ledger.template()))
    sheet = book.worksheets[0]
    sheet.append([LEDGER_ROW.get(c.value) for c in sheet[1]])
    out = io.BytesIO()
    book.save(out)
    html = client.get("/ledger/import").get_data(as_text=True)
    return client.post("/ledger/import", data={"csrf_token": csrf_token_from(html),
                                               "file": (io.BytesIO(out.getvalue()), "台账.xlsx"), **form},
                       content_type="multipart/form-data")


def test_a_ledger_import_chooses_its_campaign_where_several_are_under_way(app, as_role, two):
    client = as_role("supervisor")
    form = client.get("/ledger/import").get_data(as_text=True)
    assert 'id="ledger-campaign"' in form and BIS_TITLE in form
    ambiguous = ledger_upload(app, client)
    assert ambiguous.status_code == 422 and "同时开展多个专项整治" in ambiguous.get_data(as_text=True)
    assert ledger_upload(app, client, campaign="nope").status_code == 400
    preview = ledger_upload(app, client, campaign="xifeng-bis")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and BIS_TITLE in html[html.index('id="ledger-preview"'):]
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    done = client.post("/ledger/import/confirm", data={"csrf_token": csrf_token_from(html), "token": token})
    assert done.status_code == 302
    with app.store.read() as tx:
        imported = tx.ledger_cases("rectification_item", ["XF-101"])
    assert app.cases.get(imported["XF-101"]).campaign == "xifeng-bis"
