"""A plan measure that a revised plan dropped (已撤销) has its own battle-map column and counts in no rate:
not as 已办结, not in the closed cases or the on-time rate, not in the 销号率's base — a leader reading the map
must never see a dropped measure as work done. SQLite and PostgreSQL."""
from __future__ import annotations

import re

from factories import REPO

from workflow.events import format_time
from workflow.reporting.battle_map import summarise
from workflow.reporting.board_charts import as_counts
from workflow.reporting.queries import closed_keys

XIFENG = REPO / "definitions" / "campaigns" / "xifeng-2021.yaml"


def without_a_measure(tmp_path):
    """The plan with 二(六)措施(2) dropped."""
    text = XIFENG.read_text(encoding="utf-8")
    start, end = text.index("      - id: 二(六)措施(2)"), text.index("    target: {id: 二(六)目标")
    path = tmp_path / "xifeng-2021.yaml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    return path


def test_a_dropped_measure_is_in_its_own_column_and_in_no_rate(app, as_role, tmp_path):
    first = app.campaigns.load(XIFENG)
    client = as_role("leader")
    before = client.get("/dashboard?rows=type").get_data(as_text=True)
    app.campaigns.load(without_a_measure(tmp_path))
    dropped = first.cases[-1]
    assert app.cases.get(dropped).state == "withdrawn"

    html = client.get("/dashboard?rows=type").get_data(as_text=True)
    kpi = {k: re.search(rf'id="kpi-{k}">([^<]*)<', html).group(1) for k in ("total", "closed", "closeout")}
    old = {k: re.search(rf'id="kpi-{k}">([^<]*)<', before).group(1) for k in ("total", "closed", "closeout")}
    assert kpi["total"] == old["total"] and kpi["closed"] == old["closed"] == "0"  # still a case, not a closed one
    assert "另有已撤销 1 件，不计入各项比率" in html
    # its cell is in the 已撤销 column and lists exactly the dropped measure; the 已办结 column has none of it
    cell = re.search(r'<td[^>]*data-column="withdrawn"[^>]*>\s*<a class="cell [^"]*" href="([^"]+)"><b>1</b>', html)
    assert cell, "no 已撤销 cell counting the dropped measure"
    listed = client.get(cell.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert re.findall(r'data-case="([^"]+)"', listed) == [dropped]
    assert not re.search(r'data-column="concluded"[^>]*>\s*<a class="cell [^"]*" href="[^"]+"><b>', html)
    assert "已撤销" in html.split('id="matrix"')[1].split("</thead>")[0]  # the column's heading


def test_the_rates_leave_a_withdrawn_measure_out(app, tmp_path):
    first = app.campaigns.load(XIFENG)
    app.campaigns.load(without_a_measure(tmp_path))
    registry, now = app.registry, format_time(app.clock.now())
    counts = as_counts(app.queries.board_cases(now, None, tuple(registry.names()), closed_keys(registry)))
    board = summarise(now, counts, registry, {})
    assert board.outcomes["withdrawn"] == 1 and board.outcomes["concluded"] == 0
    assert board.closed == 0 and board.on_time_rate is None
    assert board.to_close_out == len(first.cases) - 1
