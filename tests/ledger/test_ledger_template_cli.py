"""The import template (opened by LibreOffice, not only by openpyxl) and `rectiflow ledger template/import` on the
command line: --json's one object with Chinese row errors, exit codes, --dry-run, a clean refusal of a bad file."""
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest
from ledgerfiles import GOOD, event_count, filled
from office_suite import converted
from openpyxl import load_workbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from cli_runner import NOW, Cli, clean_failure, one_json

HEADER = ["问题编号", "标题", "问题描述", "问题类别", "发现渠道", "责任单位", "责任人", "整改措施", "整改时限"]


def test_the_template_opens_in_libreoffice(sqlite_app, tmp_path):
    path = tmp_path / "template.xlsx"
    path.write_bytes(sqlite_app.ledger.template())
    utf8 = "csv:Text - txt - csv (StarCalc):44,34,76,1"  # comma, quote, UTF-8, from row 1
    with converted(path, "csv", filter_options=utf8).open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:len(HEADER)] == HEADER and rows[0][-3:] == ["状态", "整改完成日期", "销号日期"]
    book = load_workbook(path)
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "A2" and all(c.font.b for c in sheet[1])
    assert [s.title for s in book.worksheets] == ["问题整改", "选项", "说明"]
    lists = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in sheet.data_validations.dataValidation
             if dv.type == "list"}
    assert set(lists) == {"D2", "E2", "L2", "P2"}  # 问题类别, 发现渠道, 整改类型, 状态 (after 整改标准（验收条件）, v5)
    assert "自查" in [c.value for c in book["选项"]["E"]]
    assert sheet.column_dimensions["C"].width == 40


@pytest.fixture
def cli(sqlite_url, tmp_path):
    from factories import seed_directory

    from workflow.bootstrap import build
    from workflow.config import Settings

    run = Cli({"RECTIFLOW_DATABASE_URL": sqlite_url, "RECTIFLOW_DEFINITIONS": str(Path(__file__).parents[2] /
                                                                                  "definitions"),
               "RECTIFLOW_INSTANCE": str(tmp_path / "instance"), "RECTIFLOW_NOW": NOW})
    app = build(Settings.from_env(run.env))
    seed_directory(app)
    run.app = app  # type: ignore[attr-defined]
    yield run
    app.close()


def test_cli_round_trip(cli, tmp_path):
    out = tmp_path / "模板.xlsx"
    data = one_json(cli.ok("ledger", "template", "-o", str(out), "--json"))
    assert data["columns"][:3] == ["问题编号", "标题", "问题描述"] and out.exists()
    bad = filled(cli.app, tmp_path / "bad.xlsx", [GOOD, {**GOOD, "问题编号": "XF-2", "整改时限": "2026-02-30"}])
    result = cli("ledger", "import", str(bad), "--as", "registrar", "--json")
    clean_failure(result, 1)
    assert json.loads(result.stdout) | {"sha256": "", "file": ""} == {
        "ok": False, "imported": 0, "rows": 2, "type": "rectification_item", "dry_run": False, "cases": [],
        "unchanged": 0, "changed": [], "ignored_columns": [], "sha256": "", "file": "",
        "errors": [{"row": 3, "column": "整改时限", "code": "value.date",
                    "message": "整改时限：请填写日期，例如 2026-03-31（填写的是“2026-02-30”）"}]}
    good = filled(cli.app, tmp_path / "good.xlsx", [GOOD, {**GOOD, "问题编号": "XF-2"}])
    assert one_json(cli.ok("ledger", "import", str(good), "--as", "registrar", "--json", "--dry-run"))["ok"]
    assert event_count(cli.app) == 0
    assert cli.json("ledger", "import", str(good), "--as", "registrar")["imported"] == 2
    again = cli.ok("ledger", "import", str(good), "--as", "registrar")
    assert "已导入 0 行，未变化 2 行" in again.stdout
    assert cli.json("audit", "verify")["ok"]


def test_cli_refuses_a_bad_file_cleanly(cli, tmp_path):
    path = tmp_path / "not.xlsx"
    path.write_bytes(b"PK\x03\x04garbage")
    result = cli("--lang", "zh", "ledger", "import", str(path), "--as", "registrar", "--json")
    clean_failure(result, 1)
    assert "无法读取" in one_json(result)["message"]
    clean_failure(cli("ledger", "import", str(tmp_path / "missing.xlsx"), "--as", "registrar"), 1)
