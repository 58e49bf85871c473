"""The auditor's log as an Excel working paper (/audit/export.xlsx): the same rows as the page for the same
filters, labelled (case title, type, step, states, people by name, Beijing time, hash), a header line that
states the filter, logged in the access log like the JSON Lines export — and a real office suite opens it.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime

import pytest
from office_suite import converted
from webtools import open_item

from workflow.cases.validation import Attachment

FILTERS = ["", "?actor=李强", "?action=报送整改结果", "?type=rectification_item&since=2026-03-03"]


@pytest.fixture
def walked(app, clock):
    s = app.cases
    case = open_item(app, "请假审批材料不全")
    clock.advance(days=1)
    s.advance(case.id, "verify", actor="supervisor")
    s.advance(case.id, "dispatch", actor="supervisor",
              fields={"measure": "补齐材料", "owner": "handler", "rectify_by": "2026-03-20"})
    clock.advance(days=1)
    s.advance(case.id, "report_rectified", actor="handler", fields={"result": "已补齐"},
              attachments=[Attachment("evidence", "e.txt", b"evidence")])
    s.advance(case.id, "sign_off", actor="unit_head")
    s.advance(case.id, "return_for_rework", actor="supervisor", fields={"return_reason": "缺制度文件"})
    s.advance(case.id, "report_rectified", actor="handler", fields={"result": "已补制度"},
              attachments=[Attachment("evidence", "f.txt", b"policy")])
    s.advance(case.id, "sign_off", actor="unit_head")
    s.advance(case.id, "close_out", actor="supervisor2")
    open_item(app, "另一个问题", unit="xf-sfs-2")
    return case


def screen_seqs(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr data-case="[^"]+" data-action="[^"]+"><td data-label="[^"]+">(\d+)</td>',
                                       html)]


def sheet_of(response):
    from openpyxl import load_workbook

    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.get_data())).active


@pytest.mark.parametrize("query", FILTERS)
def test_the_sheet_has_the_rows_of_the_screen(as_role, walked, query):
    client = as_role("auditor")
    shown = screen_seqs(client.get(f"/audit{query}").get_data(as_text=True))
    sheet = sheet_of(client.get(f"/audit/export.xlsx{query}"))
    assert shown and [r[0] for r in sheet.iter_rows(min_row=4, values_only=True)] == shown


def test_the_rows_are_labelled_in_beijing_time(as_role, walked):
    sheet = sheet_of(as_role("auditor").get("/audit/export.xlsx?actor=李强&action=报送整改结果"))
    assert sheet["A1"].value == "审计日志 — 操作人：李强；操作：报送整改结果"
    assert sheet["A2"].value.startswith("截至 2026-03-04 09:00（北京时间）")
    assert [c.value for c in sheet[3]] == ["序号", "时间", "事项", "类型", "事项编号", "版本", "操作人", "内容",
                                           "原状态", "新状态", "哈希"]
    rows = list(sheet.iter_rows(min_row=4))
    assert len(rows) == 2
    _, when, title, kind, case_id, _, who, what, before, after, digest = (c.value for c in rows[0])
    assert when == datetime(2026, 3, 4, 9, 0) and rows[0][1].number_format == "yyyy-mm-dd hh:mm:ss"
    assert (title, kind, case_id) == ("请假审批材料不全", "问题整改", walked.id)
    assert (who, what) == ("承办人 李强", "报送整改结果")
    assert (before, after) == ("整改中", "待单位负责人签字")
    assert re.fullmatch(r"[0-9a-f]{64}", digest)


def test_the_export_is_logged_and_changes_no_case(app, as_role, walked):
    before = app.cases.get(walked.id).version
    as_role("auditor").get("/audit/export.xlsx?actor=李强")
    [entry] = app.queries.access_entries(actor="auditor", case_id=None, before_seq=None, limit=1)
    assert (entry.action, entry.detail["events"], entry.detail["filter"]) == ("export_audit_xlsx", 2, "actor=李强")
    assert app.cases.get(walked.id).version == before
    assert "导出审计日志（Excel）" in as_role("auditor").get("/audit/access").get_data(as_text=True)


def test_only_auditors_export_the_log(as_role):
    assert as_role("supervisor").get("/audit/export.xlsx").status_code == 403


def test_a_real_office_suite_opens_the_working_paper(as_role, walked, tmp_path):
    path = tmp_path / "audit.xlsx"
    path.write_bytes(as_role("auditor").get("/audit/export.xlsx?actor=李强").get_data())
    text = converted(path, "csv", filter_options="csv:Text - txt - csv (StarCalc):44,34,76,1").read_text("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "审计日志 — 操作人：李强" and rows[2][:3] == ["序号", "时间", "事项"]
    assert len(rows) == 3 + 2
    assert rows[3][1] == "2026-03-04 09:00:00" and rows[3][6] == "承办人 李强"
