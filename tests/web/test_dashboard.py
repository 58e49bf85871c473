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
    assert rows[0] == ["挂图作战（西丰县司法局）"] and rows[1] == ["截至 2026-03-10 23:59（北京时间）"]
    assert ["超期率", "50.0%", "1 / 2"] in rows  # b was red that day
    head = rows.index(["类别", "已登记", "已核实", "办理中", "已整改", "已销号", "查否了结", "已移交", "已办结",
                       "已撤销", "合计", "其中红灯", "其中黄灯"])
    assert rows[head + 1] == ["问题整改", "1", "0", "0", "1", "0", "0", "0", "0", "0", "2", "1", "0"]  # the matrix row
    assert rows[head + 2][0] == "合计" and rows[head + 2][-3] == "2"


def test_excel_export_shows_the_tables_as_on_the_page(as_role, campaign):
    from openpyxl import load_workbook

    response = as_role("leader").get("/dashboard/export.xlsx")
    book = load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == ["汇总", "类别", "单位"]
    summary = book["汇总"]
    assert summary["A1"].value == "挂图作战（西丰县司法局）"
    assert summary["A2"].value == "截至 2026-03-11 09:00（北京时间）"
    figures = {r[0].value: r[1] for r in summary.iter_rows(min_row=4)}
    assert figures["件数"].value == 3 and figures["已销号"].value == 1 and figures["查否了结"].value == 1
    assert figures["销号率"].value == pytest.approx(0.5) and figures["销号率"].number_format == "0.0%"
    assert figures["按期办结率"].number_format == "0.0%" and figures["超期率"].value == 0
    assert all(c.font.b for c in summary[3]) and summary.freeze_panes == "A4"
    units = book["单位"]
    assert units["B3"].value == "在办（按阶段）" and units["F3"].value == "已结（按结果）".replace("已结", "已完结")
    assert [c.value for c in units[4]][:2] == ["单位", "已登记"] and units.freeze_panes == "A5"
    body = {r[0]: r for r in units.iter_rows(min_row=5, values_only=True)}
    assert body["城区司法所"][1:11] == (1, 0, 0, 0, 1, 0, 0, 0, 0, 2)  # c open, a closed out; total 2
    assert body["平岗司法所"][6] == 1  # b: 查否了结
    assert body["合计"][10] == 3 and units.cell(row=units.max_row, column=1).font.b


def test_a_real_office_suite_opens_the_battle_map(as_role, campaign, tmp_path):
    from office_suite import converted

    path = tmp_path / "dashboard.xlsx"
    path.write_bytes(as_role("leader").get("/dashboard/export.xlsx?as_of=2026-03-10").get_data())
    text = converted(path, "csv", filter_options="csv:Text - txt - csv (StarCalc):44,34,76,1").read_text("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "挂图作战（西丰县司法局）" and rows[1][0] == "截至 2026-03-10 23:59（北京时间）"
    figures = {r[0]: r[1] for r in rows[3:]}
    assert figures["超期率"] == "50.0%" and figures["件数"] == "2"  # as Calc shows the percent format


def test_a_bad_date_is_a_400(as_role):
    assert as_role("leader").get("/dashboard?as_of=yesterday").status_code == 400
