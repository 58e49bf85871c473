"""The problem ledger (问题台账) as Excel from the inbox and the battle map: the cells of a walked case (names,
dates as dates, the deadline's last day, evidence, 销号时间 and 验收人, light fills), who gets which cases
(unit scope, confidential types), as of a past date — and a real office suite (LibreOffice) opens the file.
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from office_suite import converted
from webtools import open_item

from workflow.cases.validation import Attachment

UTF8_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1"
HEADER = ["序号", "问题编号", "来源/发现渠道", "类别", "问题描述", "责任单位", "责任领导/责任人", "整改措施",
          "整改时限", "整改进展", "完成情况", "佐证材料", "销号时间", "验收人", "亮灯", "备注"]


@pytest.fixture
def walked(app, clock):
    """A case walked to 销号 with a return for rework, a red one, a yellow one, one of another unit and a
    confidential clue; now is Mon 2026-03-23."""
    s = app.cases
    case = open_item(app, "外出审批缺意见")
    clock.advance(days=1)
    s.advance(case.id, "verify", actor="supervisor")
    s.advance(case.id, "dispatch", actor="supervisor",
              fields={"measure": "补齐审批材料", "owner": "handler", "rectify_by": "2026-03-20"})
    clock.advance(days=1)
    s.advance(case.id, "report_rectified", actor="handler", fields={"result": "第一次整改"},
              attachments=[Attachment("evidence", "初稿.txt", b"first")])
    s.advance(case.id, "sign_off", actor="unit_head")
    clock.advance(days=1)  # Thu 03-05
    s.advance(case.id, "return_for_rework", actor="supervisor", fields={"return_reason": "材料不全"})
    clock.advance(days=4)  # Mon 03-09
    s.advance(case.id, "report_rectified", actor="handler", fields={"result": "已补齐3份审批材料"},
              attachments=[Attachment("evidence", "审批表.txt", b"a"), Attachment("evidence", "说明.txt", b"b")])
    s.advance(case.id, "sign_off", actor="unit_head")
    clock.advance(days=2)  # Wed 03-11
    s.advance(case.id, "close_out", actor="supervisor", comment="验收合格")
    red = open_item(app, "逾期未核实")  # Wed 03-11: 5 working days to verify, to the end of Wed 03-18
    other = open_item(app, "平岗所的问题", unit="xf-sfs-2")
    clue = app.cases.open_case("clue", actor="registrar", unit="xf-sfj", title="线索",
                               fields={"allegation": "a", "subject_name": "某人", "discovery_channel": "mass_report"})
    clock.advance(days=6)  # Tue 03-17: red (5 working days to verify have run out)
    yellow = open_item(app, "临期的问题")
    clock.advance(days=6)  # Mon 03-23: yellow's 5 working days end with Tue 03-24, warned 2 before: yellow
    return {"case": case, "red": red, "other": other, "clue": clue, "yellow": yellow}


def office_rows(path):
    """The first sheet as LibreOffice Calc reads it, saved as UTF-8 CSV."""
    text = converted(path, "csv", filter_options=UTF8_CSV).read_text(encoding="utf-8")
    return list(csv.reader(io.StringIO(text)))


def workbook(response):
    from openpyxl import load_workbook

    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.get_data()))


def test_the_ledger_row_of_a_walked_case(app, as_role, walked):
    book = workbook(as_role("supervisor").get("/dashboard/ledger.xlsx"))
    sheet = book.active
    assert sheet["A1"].value == "问题台账（西丰县司法局）"
    assert sheet["A2"].value.startswith("截至 2026-03-23 09:00（北京时间）")
    assert [c.value for c in sheet[3]] == HEADER and all(c.font.b for c in sheet[3])
    assert sheet.freeze_panes == "A4"
    assert sheet.column_dimensions["E"].width >= 30
    closed = next(r for r in sheet.iter_rows(min_row=4) if r[10].value == "已销号")
    cells = [c.value for c in closed]
    assert cells[1] is None  # no 问题编号 (ledger_no) on this case
    assert cells[2:8] == ["自查", "减假暂/社区矫正", "外出审批缺少司法所意见。", "城区司法所", "承办人 李强",
                          "补齐审批材料"]
    assert cells[8] == datetime(2026, 3, 20) and closed[8].number_format == "yyyy-mm-dd"
    assert cells[9] == "2026-03-11 验收销号：验收合格"  # the latest progress: the close-out's comment
    assert cells[11] == "2份：审批表.txt、说明.txt"  # this round's evidence; the returned round's was reset
    assert cells[12] == datetime(2026, 3, 11) and closed[12].number_format == "yyyy-mm-dd"
    assert cells[13] == "整治办 赵刚" and cells[14] in (None, "")
    assert "退回整改1次" in cells[15]


def test_lights_are_filled_and_a_deadline_is_its_last_day(app, as_role, walked):
    sheet = workbook(as_role("supervisor").get("/dashboard/ledger.xlsx")).active
    by_status = {(r[10].value, r[14].value): r for r in sheet.iter_rows(min_row=4)}
    red = by_status[("已登记", "红灯（超期）")]
    assert red[14].fill.fgColor.rgb.endswith("FFC7CE")
    assert red[8].value == datetime(2026, 3, 18)  # opened Wed 03-11: 5 working days end at 24:00 of Wed 03-18
    assert "曾超期" not in (red[15].value or "")
    yellow = by_status[("已登记", "黄灯（临期）")]
    assert yellow[14].fill.fgColor.rgb.endswith("FFEB9C")
    assert yellow[8].value == datetime(2026, 3, 24)


def test_a_real_office_suite_opens_the_ledger(as_role, walked, tmp_path):
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(as_role("supervisor").get("/dashboard/ledger.xlsx").get_data())
    rows = office_rows(path)
    assert rows[0][0] == "问题台账（西丰县司法局）"
    assert rows[1][0].startswith("截至 2026-03-23 09:00（北京时间）") and rows[1][0].endswith("共 5 件")
    assert rows[2] == HEADER
    assert len(rows) == 3 + 5  # title, 截至, header and the five cases the supervisor sees (the clue too)
    closed = next(r for r in rows if r[10] == "已销号")
    assert closed[6] == "承办人 李强" and closed[8] == "2026-03-20" and closed[12] == "2026-03-11"


def test_a_handler_gets_only_the_cases_of_their_unit_and_no_confidential_ones(app, as_role, walked):
    for url in ("/dashboard/ledger.xlsx", "/inbox/ledger.xlsx?tab=all"):
        rows = list(workbook(as_role("handler").get(url)).active.iter_rows(min_row=4, values_only=True))
        assert [r[5] for r in rows] == ["城区司法所"] * 3  # not the 平岗司法所 case, not the bureau's clue
    supervisor = list(workbook(as_role("supervisor").get("/dashboard/ledger.xlsx")).active
                      .iter_rows(min_row=4, values_only=True))
    assert sorted(r[5] for r in supervisor) == ["城区司法所"] * 3 + ["平岗司法所", "西丰县司法局"]
    # the clue: confidential, but the supervisor's to see
    assert ("群众举报（12388/信箱）", "问题线索", "a") in [r[2:5] for r in supervisor]
    leader = workbook(as_role("leader").get("/inbox/ledger.xlsx?tab=all")).active
    assert leader.max_row - 3 == 5  # the leader may see the clue (visible_to) and every unit
    unit_head = list(workbook(as_role("unit_head").get("/inbox/ledger.xlsx?tab=all")).active
                     .iter_rows(min_row=4, values_only=True))
    assert len(unit_head) == 3


def test_the_inbox_ledger_keeps_the_tab_and_filters(app, as_role, walked):
    sheet = workbook(as_role("supervisor").get("/inbox/ledger.xlsx?tab=all&light=red")).active
    assert [r[14].value for r in sheet.iter_rows(min_row=4)] == ["红灯（超期）"] * (sheet.max_row - 3)
    assert sheet.max_row - 3 >= 2  # the red ledger item and the other unit's, both past verification
    assert "全部事项" in sheet["A1"].value
    unit = workbook(as_role("supervisor").get("/inbox/ledger.xlsx?tab=all&unit=xf-sfs-2")).active
    assert [r[4].value for r in unit.iter_rows(min_row=4)] == ["外出审批缺少司法所意见。"]
    assert "平岗司法所" in unit["A1"].value


def test_the_ledger_as_of_a_past_date_replays_the_log(app, as_role, walked):
    sheet = workbook(as_role("supervisor").get("/dashboard/ledger.xlsx?as_of=2026-03-06")).active
    assert sheet["A2"].value.startswith("截至 2026-03-06 23:59（北京时间）")
    rows = list(sheet.iter_rows(min_row=4))
    assert len(rows) == 1  # the others were opened later
    cells = [c.value for c in rows[0]]
    assert cells[10] == "整改中" and cells[11] in (None, "")  # returned on 03-05: the evidence was reset
    assert cells[9] == "2026-03-05 退回整改：材料不全"
    assert cells[12] is None and cells[13] in (None, "")


def test_exports_are_logged_and_change_nothing(app, as_role, walked):
    before = app.cases.get(walked["case"].id).version
    as_role("supervisor").get("/dashboard/ledger.xlsx?as_of=2026-03-06")
    entries = app.queries.access_entries(actor="supervisor", case_id=None, before_seq=None, limit=5)
    assert entries[0].action == "export_ledger" and entries[0].detail["cases"] == 1
    assert entries[0].detail["filter"] == "as_of=2026-03-06"
    assert app.cases.get(walked["case"].id).version == before
    page = as_role("auditor").get("/audit/access").get_data(as_text=True)
    assert "导出问题台账" in page


def test_an_unknown_unit_is_a_404_and_admins_have_no_ledger(as_role):
    assert as_role("supervisor").get("/dashboard/ledger.xlsx?unit=nowhere").status_code == 404
    assert as_role("admin").get("/inbox/ledger.xlsx").status_code == 403


def test_the_ledger_in_english_keeps_dates_as_dates(app, client, as_role, walked):
    c = as_role("supervisor")
    c.post("/lang", data={"lang": "en"})
    sheet = workbook(c.get("/dashboard/ledger.xlsx")).active
    assert sheet["A3"].value == "No." and sheet["A1"].value.startswith("Problem ledger")
    assert any(isinstance(r[8].value, datetime) for r in sheet.iter_rows(min_row=4))
    assert date(2026, 3, 20) in {r[8].value.date() for r in sheet.iter_rows(min_row=4) if r[8].value}
