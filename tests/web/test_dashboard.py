"""The battle map now and as of past dates, computed from the event log; rates in working days; exports."""
from __future__ import annotations

import csv
import io

import pytest
from webtools import open_item

from workflow.cases.validation import Attachment


@pytest.fixture
def campaign(app, clock):
    """a: closed on time; b: left red, then dismissed late; c: opened last. Now is Wed 2026-03-11."""
    s = app.cases
    a, b = open_item(app, "a"), open_item(app, "b", unit="xf-sfs-2")
    clock.advance(days=1)
    s.advance(a.id, "verify", actor="supervisor")
    clock.advance(days=1)
    s.assign(a.id, actor="unit_head", assignee="handler")
    s.advance(a.id, "dispatch", actor="supervisor",
              fields={"measure": "m", "owner": "handler", "rectify_by": "2026-03-20"})
    clock.advance(days=2)
    s.advance(a.id, "report_rectified", actor="handler", fields={"result": "r"},
              attachments=[Attachment("evidence", "e.txt", b"evidence")])
    s.advance(a.id, "sign_off", actor="unit_head")
    clock.advance(days=5)
    s.advance(a.id, "close_out", actor="supervisor")
    s.advance(b.id, "dismiss", actor="supervisor", fields={"unfounded_reason": "查无实据"})
    c = open_item(app, "c")
    return a, b, c


def board(client, query=""):
    html = client.get(f"/dashboard{query}").get_data(as_text=True)
    return html


def kpi(html, name):
    return html.split(f'id="kpi-{name}">')[1].split("<")[0]


def test_dashboard_now(as_role, campaign):
    html = board(as_role("leader"))
    assert kpi(html, "total") == "3" and kpi(html, "open") == "1"
    assert kpi(html, "overdue") == "0.0%"
    assert kpi(html, "ontime") == "50.0%"  # a on time, b dismissed after its deadline
    assert kpi(html, "closeout") == "50.0%"  # a closed out of a and c; b was unfounded: not one to close out
    assert kpi(html, "closed") == "2"


def test_dashboard_as_of_a_past_date_replays_the_log(as_role, campaign):
    html = board(as_role("leader"), "?as_of=2026-03-10")
    assert kpi(html, "total") == "2" and kpi(html, "open") == "2"  # c did not exist yet
    assert kpi(html, "overdue") == "50.0%"  # b was red that day
    assert kpi(html, "closeout") == "0.0%"
    html = board(as_role("leader"), "?as_of=2026-03-01")
    assert kpi(html, "total") == "0"


def test_matrix_cells_by_type_stage_and_unit(app, campaign):
    from workflow.reporting.battle_map import summarise
    from workflow.reporting.queries import closed_keys

    counts = app.queries.dashboard("2026-03-10T15:59:59.999999Z", None, ("rectification_item",),
                                                closed_keys(app.registry))
    result = summarise("x", counts, app.registry, {c.due_at: 1 for c in counts if c.due_at})
    row = result.matrix["rectification_item"]
    assert (row["reported"].count, row["reported"].red) == (1, 1)
    assert (row["rectified"].count, row["rectified"].green) == (1, 1)
    assert result.by_unit["xf-sfs-2"]["reported"].red == 1
    assert result.mean_overdue_working_days == 1.0


def test_units_limit_what_a_unit_head_sees(as_role, campaign):
    html = board(as_role("unit_head"), "?as_of=2026-03-10")
    assert kpi(html, "total") == "1"  # only xf-sfs-1's case a


def test_mean_overdue_is_counted_in_working_days(as_role, campaign):
    html = board(as_role("leader"), "?as_of=2026-03-10")
    assert ">1.0<" in html  # b's last day was Mon 03-09; by Tue 03-10 it is 1 working day overdue


def test_csv_export(as_role, campaign):
    response = as_role("leader").get("/dashboard/export.csv?as_of=2026-03-10")
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert ["截至", "2026-03-10T15:59:59.999999Z"] in rows
    assert any(r[:3] == ["问题整改", "已登记", "1"] and r[5] == "1" for r in rows)


def test_excel_export(as_role, campaign):
    from openpyxl import load_workbook

    response = as_role("leader").get("/dashboard/export.xlsx")
    book = load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == ["汇总", "类别", "单位"]
    summary = {r[0]: r[1] for r in book["汇总"].iter_rows(values_only=True)}
    assert summary["件数"] == 3 and summary["销号率"] == pytest.approx(0.5)
    assert summary["已销号"] == 1 and summary["查否了结"] == 1 and summary["已完结"] == 2 and summary["已办结"] == 0


def test_a_bad_date_is_a_400(as_role):
    assert as_role("leader").get("/dashboard?as_of=yesterday").status_code == 400
