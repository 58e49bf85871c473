"""Every count of the demo's battle map, in every row mode, links to the list of exactly the cases it counts.

For each cell the list's length is the count; a row's total lists the union of its cells, a column's total
the union of that column's top-level cells, and the grand total is the battle map's cases one by one as the
problem ledger reads them (`cases_at`) — the same in every row mode, now and as of a past date, for the
whole county and for one unit's head.
"""
from __future__ import annotations

import html as htmllib
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from rectiflow import demo
from workflow.events import format_time

MODES = ("category", "plan", "unit", "type")
CELL = re.compile(r'<a class="cell [^"]*" href="([^"]+)"><b>(\d+)</b>')


@pytest.fixture
def demo_app(app):
    demo.walk_rectification(app, days=demo.WALK_DAYS)
    demo.seed_cases(app)
    return app


def listed(client, href: str) -> list[str]:
    response = client.get(href)
    assert response.status_code == 200, href
    ids = re.findall(r'<tr class="row-[a-z]+" data-case="([^"]+)"', response.get_data(as_text=True))
    assert len(ids) == len(set(ids)), href
    return ids


def cells(page: str) -> list[tuple[str, str, str, int]]:
    """(row key, column, href, count) of every linked count in the matrix (row "" is the totals line)."""
    table = page.split('id="matrix"')[1].split("</table>")[0]
    out = []
    for tr in re.split(r"<tr(?=[ >])", table)[1:]:
        row = re.search(r'data-row="([^"]*)"', tr)
        if row is None:
            continue
        for td in re.findall(r'<td[^>]*data-column="([^"]*)"[^>]*>(.*?)</td>', tr, flags=re.DOTALL):
            found = CELL.search(td[1])
            if found:
                out.append((htmllib.unescape(row.group(1)), td[0], htmllib.unescape(found.group(1)),
                            int(found.group(2))))
    return out


@pytest.mark.parametrize("login", ["leader", "sfs2_head"])
@pytest.mark.parametrize("as_of", ["", "2026-03-01"])
def test_every_cell_lists_exactly_its_cases(demo_app, as_role, login, as_of):
    client = as_role(login)
    grand: set[str] | None = None
    for mode in MODES:
        page = client.get(f"/dashboard?rows={mode}&as_of={as_of}").get_data(as_text=True)
        found = cells(page)
        assert found, mode
        by_cell: dict[tuple[str, str], set[str]] = {}
        for row, column, href, count in found:
            query = parse_qs(urlsplit(href).query)
            assert query["rows"] == [mode] and query["as_of"][0]
            ids = listed(client, href)
            assert len(ids) == count, (mode, row, column)
            by_cell[row, column] = set(ids)
        rows = {r for r, _ in by_cell if r}
        subs = {r for r in rows if r.startswith("measure:")}
        for row in rows:  # a row's total is the union of its cells
            assert by_cell[row, ""] == set().union(*(ids for (r, c), ids in by_cell.items() if r == row and c))
        for (r, c), ids in by_cell.items():
            if not r and c:  # a column's total is the union of its top-level cells
                assert ids == set().union(*(v for (r2, c2), v in by_cell.items() if r2 and r2 not in subs and c2 == c))
        total = by_cell["", ""]
        assert total == set().union(*(by_cell[r, ""] for r in rows - subs))
        assert sum(len(by_cell[r, ""]) for r in rows - subs) == len(total)  # every case in exactly one row
        if mode == "plan" and login == "leader" and not as_of:
            assert subs, "the demo's plan measures show under their tasks"
        grand = total if grand is None else grand
        assert total == grand, mode
    assert grand


def test_the_grand_total_is_the_ledgers_cases(demo_app, as_role):
    client = as_role("leader")
    page = client.get("/dashboard?rows=unit").get_data(as_text=True)
    href = next(h for r, c, h, _ in cells(page) if not r and not c)
    now = demo_app.clock.now()
    expected = demo_app.queries.cases_at(format_time(now), None, tuple(demo_app.registry.names()))
    assert sorted(listed(client, href)) == sorted(expected)


def test_a_unit_head_never_lists_a_case_outside_the_unit(demo_app, as_role):
    client = as_role("sfs2_head")
    ids = listed(client, "/dashboard/cases?rows=unit")
    assert ids and all(demo_app.cases.get(i).unit == "xf-sfs-2" for i in ids)
    assert listed(client, "/dashboard/cases?rows=unit&row=xf-sfs-1") == []


def test_bad_cell_parameters_are_400(as_role):
    client = as_role("leader")
    assert client.get("/dashboard/cases?rows=nonsense").status_code == 400
    assert client.get("/dashboard/cases?column=nonsense").status_code == 400
    assert client.get("/dashboard?rows=nonsense").status_code == 400
    assert client.get("/dashboard/cases?as_of=yesterday").status_code == 400


def test_a_date_as_people_write_it_is_taken(as_role):
    client = as_role("leader")
    html = client.get("/dashboard?as_of=2026年3月1日").get_data(as_text=True)
    assert "截至 2026-03-01 23:59" in html or "2026-03-01" in html.split('id="asof-line"')[1].split("</p>")[0]
    assert client.get("/dashboard?as_of=2026年13月1日").status_code == 400


def test_a_long_list_says_it_is_cut(demo_app, as_role, monkeypatch):
    import web.dashboard

    monkeypatch.setattr(web.dashboard, "LIST_CAP", 3)
    html = as_role("leader").get("/dashboard/cases?rows=unit").get_data(as_text=True)
    assert len(re.findall(r'data-case="', html)) == 3 and 'id="cell-capped"' in html
    assert int(html.split('id="cell-count">')[1].split("<")[0]) > 3
