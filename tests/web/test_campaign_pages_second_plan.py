"""The second shipped plan (a district procuratorate's, numbered 一、1、(1), with declared units) on the campaign
pages beside Xifeng's: its own measures with unit names, never its unit codes; each plan's page lists only
its own measures; a measure's case page shows its supporting units, leader and phases in Chinese."""
from __future__ import annotations

import re

from factories import REPO

CAMPAIGNS = REPO / "definitions" / "campaigns"
DP_CODES = ("dp-jcy", "dp-zzb", "dp-zzc", "dp-xsjc", "dp-zxjc", "dp-kgss", "dp-jjz", "rectification_measure",
            "planned")


def text_of(html: str) -> str:
    body = html[html.index("<main"):]
    return re.sub(r"<[^>]+>", " ", body)


def test_both_plans_have_their_own_page_and_the_second_shows_names_not_codes(app, as_role):
    xifeng = app.campaigns.load(CAMPAIGNS / "xifeng-2021.yaml")
    district = app.campaigns.load(CAMPAIGNS / "district-procuratorate-2021.yaml")
    app.directory.add_user("dp_leader", role="leader", unit="dp-jcy", name="区检察院 检察长 吴刚")
    client = as_role("dp_leader")
    html = client.get("/campaigns/district-procuratorate-2021?show=all").get_data(as_text=True)
    shown = re.findall(r'data-measure="([^"]+)"', html)
    assert shown == ["二、1、(2)", "二、1、(3)", "二、2、(2)", "二、2、(3)", "二、3、(1)①", "二、3、(2)①", "二、4、(2)"]
    headings = re.findall(r"<h2>([^<]+)</h2>", html[html.index('id="plan-filter"'):])
    assert headings[:3] == ["一、总体要求", "二、整治任务和措施", "三、保障措施"]  # the plan's own parts, as printed
    assert "主要任务" not in html  # not Xifeng's three sections
    assert all(f'/cases/{case}"' in html for case in district.cases)
    assert not any(f'/cases/{case}"' in html for case in xifeng.cases)
    text = text_of(html)
    assert "区检察院教育整顿办公室" in text and "逐人填报、倒查三年" in text
    assert [c for c in DP_CODES if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", text)] == []

    case_html = client.get(f"/cases/{district.cases[0]}").get_data(as_text=True)
    case_text = text_of(case_html)
    assert "区检察院政治部、区检察院派驻纪检监察组" in case_text and "分管政治部的副检察长" in case_text
    assert "自查填报：2021年3月15日至2021年4月30日" in case_text
    assert "配合单位" in case_text and "责任领导" in case_text
    assert [c for c in DP_CODES if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", case_text)] == []
