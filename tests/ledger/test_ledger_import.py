"""`ledger import`: every row checked like the web form, every error at once, nothing written unless all are valid;
the corrected file imports, a second import changes nothing, a changed row is reported, rows with a state arrive
walked through the engine with their audit events, CSV with or without BOM, bad files refused with a message."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from ledgerfiles import GOOD, as_csv, event_count, filled, run

from workflow.errors import InvalidInput

OWNED = {**GOOD, "问题编号": "XF-002", "责任人": "承办人 李强", "整改措施": "补登记", "整改时限": date(2026, 4, 30),
         "状态": "整改中"}
CLOSED = {**GOOD, "问题编号": "XF-003", "问题描述": "鉴定收费不规范", "责任人": "handler", "整改措施": "退费",
          "整改时限": "2026-02-01", "整改结果": "已退费", "状态": "已销号", "整改完成日期": "2026/1/20",
          "销号日期": datetime(2026, 2, 10)}


def bad_rows() -> list[dict]:
    return [
        GOOD,                                                       # row 2: good
        {**GOOD, "问题编号": "XF-010", "责任单位": "无此单位"},       # row 3: unknown unit
        {**GOOD, "问题编号": "XF-011", "责任人": "查无此人"},         # row 4: unknown person
        {**GOOD, "问题编号": "XF-012", "整改时限": "2026-02-30"},     # row 5: no such date
        {**GOOD, "问题编号": "XF-013", "问题类别": "违章建筑"},       # row 6: unknown choice
        {**GOOD, "问题描述": "重复的编号"},                          # row 7: duplicate 问题编号 (row 2's)
        {**GOOD, "问题编号": "XF-014", "整改时限": "2026-01-05"},     # row 8: a deadline already past
        {**GOOD, "问题编号": "XF-015", "状态": "已销号"},             # row 9: 已销号 without what it needs
        {**GOOD, "问题编号": "XF-016", "状态": "想当然"},             # row 10: unknown state
        {**GOOD, "问题编号": "XF-017", "问题描述": None},             # row 11: a required cell empty
    ]


def test_every_error_at_once_and_nothing_written(app, tmp_path):
    before, cases = event_count(app), app.cases.count()
    report = run(app, filled(app, tmp_path / "bad.xlsx", bad_rows()))
    got = sorted((e.row, e.column, e.message.code) for e in report.errors)
    assert got == sorted([
        (3, "责任单位", "ledger.unknown_unit"), (4, "责任人", "ledger.unknown_person"), (5, "整改时限", "value.date"),
        (6, "问题类别", "value.choice"), (7, "问题编号", "ledger.duplicate_no"), (8, "整改时限", "value.date_past"),
        (9, "整改措施", "ledger.required_for_state"), (9, "责任人", "ledger.required_for_state"),
        (9, "整改时限", "ledger.required_for_state"), (9, "整改结果", "ledger.required_for_state"),
        (9, "整改完成日期", "ledger.required_for_state"), (9, "销号日期", "ledger.required_for_state"),
        (10, "状态", "ledger.unknown_state"), (11, "问题描述", "ledger.required"),
    ])
    assert not report.ok and report.imported == []
    assert event_count(app) == before and app.cases.count() == cases


def test_text_where_a_number_belongs_and_bounds(counted_app, tmp_path):
    rows = [{"问题编号": "A1", "问题描述": "x", "发现渠道": "自查", "涉及案件数": "三件"},
            {"问题编号": "A2", "问题描述": "x", "发现渠道": "自查", "涉及案件数": 20000},
            {"问题编号": "A3", "问题描述": "x", "发现渠道": "自查", "涉及案件数": 3.0}]
    report = run(counted_app, filled(counted_app, tmp_path / "n.xlsx", rows, "counted_finding"),
                 case_type="counted_finding")
    assert [(e.row, e.column, e.message.code) for e in report.errors] == [
        (2, "涉及案件数", "value.integer_got"), (3, "涉及案件数", "value.integer_between")]
    assert event_count(counted_app) == 0


def test_a_missing_required_column_is_a_file_error(app, tmp_path):
    report = run(app, filled(app, tmp_path / "cols.xlsx", [GOOD], drop=("发现渠道",)))
    assert [(e.row, e.column, e.message.code) for e in report.errors] == [(None, None, "ledger.missing_columns")]
    assert report.errors[0].message.params["columns"] == ["发现渠道"]
    assert event_count(app) == 0


def test_corrected_file_imports_and_a_second_import_changes_nothing(app, tmp_path):
    rows = [GOOD, OWNED, CLOSED]
    report = run(app, filled(app, tmp_path / "good.xlsx", rows))
    assert report.ok and [r["row"] for r in report.imported] == [2, 3, 4]
    assert [r["state"] for r in report.imported] == ["reported", "rectifying", "closed"]
    owned = app.cases.get(report.imported[1]["case"])
    assert owned.fields["ledger_no"] == "XF-002" and owned.assignee == "handler" and owned.unit == "xf-sfs-1"
    events = event_count(app)
    again = run(app, filled(app, tmp_path / "good.xlsx", rows))
    assert again.ok and again.imported == [] and len(again.unchanged) == 3 and again.changed == []
    assert event_count(app) == events


def test_a_changed_row_is_reported_not_overwritten(app, tmp_path):
    first = run(app, filled(app, tmp_path / "v1.xlsx", [GOOD, OWNED]))
    events = event_count(app)
    changed = run(app, filled(app, tmp_path / "v2.xlsx", [{**GOOD, "问题描述": "改过的描述"}, OWNED,
                                                           {**GOOD, "问题编号": "XF-020"}]))
    assert changed.ok and [c["columns"] for c in changed.changed] == [["问题描述"]]
    assert changed.changed[0]["case"] == first.imported[0]["case"]
    assert [r["ledger_no"] for r in changed.imported] == ["XF-020"]  # the new row only
    assert app.cases.get(first.imported[0]["case"]).fields["description"] == GOOD["问题描述"]
    assert event_count(app) == events + 1


def test_rows_with_a_state_are_walked_through_the_engine_with_provenance(app, tmp_path):
    path = filled(app, tmp_path / "closed.xlsx", [CLOSED, {**CLOSED, "问题编号": "XF-004", "状态": "已整改",
                                                            "销号日期": None}])
    report = run(app, path)
    assert report.ok, report.errors
    closed_id, rectified_id = (r["case"] for r in report.imported)
    assert app.cases.get(closed_id).state == "closed" and app.cases.get(rectified_id).state == "rectified"
    events, _ = app.cases.history(closed_id)
    assert [(e.action, e.payload.get("trigger"), e.to_state) for e in events] == [
        ("opened", None, "reported"), ("advanced", "verify", "verified"), ("advanced", "dispatch", "rectifying"),
        ("advanced", "report_rectified", "signoff_pending"), ("advanced", "sign_off", "rectified"),
        ("advanced", "close_out", "closed")]
    assert {e.actor for e in events} == {"registrar"}
    assert all(e.payload["ledger"]["sha256"] == report.sha256 and e.payload["ledger"]["row"] == 2 for e in events)
    assert events[3].payload["ledger"]["on"] == "2026-01-20" and events[5].payload["ledger"]["on"] == "2026-02-10"
    assert app.audit.verify(jobs=1).ok


def test_dry_run_writes_nothing(app, tmp_path):
    report = run(app, filled(app, tmp_path / "dry.xlsx", [GOOD, CLOSED]), dry_run=True)
    assert report.ok and len(report.imported) == 2 and event_count(app) == 0


@pytest.mark.parametrize("bom", [True, False], ids=["bom", "no-bom"])
def test_csv_in_utf8_with_or_without_bom(app, bom):
    headers = [c.header for c in app.ledger.layout().columns]
    data = as_csv([GOOD, {**OWNED, "整改时限": "2026年4月30日"}], headers, bom=bom)
    report = app.ledger.run(data, "台账.csv", actor="registrar")
    assert report.ok, report.errors
    assert [app.cases.get(r["case"]).fields.get("rectify_by") for r in report.imported] == [None, "2026-04-30"]


@pytest.mark.parametrize(("data", "name", "code"), [
    (b"PK\x03\x04 not really a workbook", "bad.xlsx", "ledger.not_a_table"),
    (b"\x00\x01binary", "bad.xlsx", "ledger.not_a_table"),
    (b"", "empty.csv", "ledger.empty"),
    ("问题编号,问题描述\n".encode(), "header-only.csv", "ledger.empty"),
    ("问题编号\nXF-1\n".encode("gbk"), "gbk.csv", "ledger.not_utf8"),
], ids=["zip-not-xlsx", "binary", "empty", "header-only", "not-utf8"])
def test_bad_files_are_refused_with_a_message(app, data, name, code):
    with pytest.raises(InvalidInput) as caught:
        app.ledger.run(data, name, actor="registrar")
    assert caught.value.code == code


def test_huge_files_are_refused(app):
    from workflow.adapters.files.ledger_sheets import LedgerSheets

    with pytest.raises(InvalidInput) as caught:
        LedgerSheets().read("问题编号\n1\n2\n3\n4\n".encode(), "big.csv", max_rows=3)
    assert caught.value.code == "ledger.too_many_rows"
    with pytest.raises(InvalidInput) as caught:
        app.ledger.run(b"x" * (16 * 1024 * 1024 + 1), "huge.csv", actor="registrar")
    assert caught.value.code == "ledger.too_large"


def test_only_importers_may_import(app, tmp_path):
    from workflow.errors import RoleNotAllowed

    with pytest.raises(RoleNotAllowed):
        run(app, filled(app, tmp_path / "h.xlsx", [GOOD]), actor="handler")


def test_a_ledger_number_names_one_case_of_its_type(app):
    fields = {"ledger_no": "XF-100", "description": "x", "category": "other", "discovery_channel": "self_report"}
    first = app.cases.open_case("rectification_item", actor="registrar", unit="xf-sfs-1", title="一", fields=fields)
    with app.store.read() as tx:
        assert tx.ledger_cases("rectification_item", ["XF-100", "XF-999"]) == {"XF-100": first.id}
    with pytest.raises(InvalidInput) as caught:
        app.cases.open_case("rectification_item", actor="registrar", unit="xf-sfs-1", title="二", fields=fields)
    assert caught.value.code == "ledger.no_taken"
