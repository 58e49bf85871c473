"""The battle map's chart data (/dashboard/charts.json) against the demo: it agrees with the page's own figures."""
from __future__ import annotations

import pytest
from test_dashboard_cells import cells

from rectiflow import demo


@pytest.fixture
def demo_app(app):
    demo.walk_rectification(app, days=demo.WALK_DAYS)
    demo.seed_cases(app)
    return app


def kpi(html, name):
    return html.split(f'id="kpi-{name}">')[1].split("<")[0]


def rate(value):
    return "—" if value is None else f"{value * 100:.1f}%"


@pytest.mark.parametrize("as_of", ["", "2026-03-01"])
def test_chart_data_agrees_with_the_battle_map(demo_app, as_role, as_of):
    client = as_role("leader")
    data = client.get(f"/dashboard/charts.json?as_of={as_of}").get_json()
    page = client.get(f"/dashboard?rows=unit&as_of={as_of}").get_data(as_text=True)
    totals = {c: n for r, c, _, n in cells(page) if not r and c}
    # stages: the matrix's column totals, every column named in Chinese
    assert {s["key"]: s["count"] for s in data["stages"] if s["count"]} == totals
    assert all(s["label"] and not s["label"].isascii() for s in data["stages"])
    assert sum(s["count"] for s in data["stages"]) == int(kpi(page, "total"))
    # the trend: 12 week ends a week apart, the last the page's date, its overdue count the page's red open cases
    assert len(data["trend"]) == 12 and data["trend"][-1]["date"] == data["as_of"]
    open_red = page.split('id="kpi-overdue"')[1].split("<small>")[1].split("<")[0]
    assert f'{data["trend"][-1]["overdue"]} / {data["trend"][-1]["open"]}' == open_red.strip()
    # per unit: the battle map of that unit alone (the demo's units with cases have no sub-units holding cases)
    assert data["units"] and all(not u["name"].isascii() for u in data["units"])
    for u in data["units"]:
        one = client.get(f"/dashboard?unit={u['unit']}&as_of={as_of}").get_data(as_text=True)
        if int(kpi(one, "total")) != u["cases"]:
            continue  # a unit whose sub-units also hold cases: its map counts them too
        assert kpi(one, "ontime") == rate(u["on_time_rate"]), u
        assert kpi(one, "closeout") == rate(u["close_out_rate"]), u
    labels = data["labels"]
    assert labels["trend"] and not labels["trend"].isascii()


def test_a_unit_head_charts_only_the_unit(demo_app, as_role):
    data = \
        as_role("sfs2_head").get("/dashboard/charts.json").get_json()
    assert [u["unit"] for u in data["units"]] == ["xf-sfs-2"]
