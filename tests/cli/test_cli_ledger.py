"""`rectiflow ledger export`: the problem ledger (问题台账) as .xlsx — by type, unit (and the units below it),
campaign plan, a person's scope and as of a past date — opened by a real office suite (LibreOffice)."""
from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from factories import RECT_FIELDS, REPO
from office_suite import converted

from workflow.cases.validation import Attachment

UTF8_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1"
LATER = "2026-03-13T01:00:00Z"  # Fri 09:00 Beijing


@pytest.fixture
def cli_defs(cli_defs):
    """The definitions with the 问题编号 field (`ledger_no`) on rectification_item."""
    path = cli_defs / "rectification_item.yaml"
    text = path.read_text(encoding="utf-8")
    if "\n  ledger_no:" in text:  # the shipped definition has it already
        return cli_defs
    path.write_text(text.replace("fields:\n", "fields:\n  ledger_no:\n    type: text\n"
                                              "    label: {zh: 问题编号, en: Ledger no.}\n", 1), encoding="utf-8")
    return cli_defs


@pytest.fixture
def cases(cli):
    """A case walked to 销号 (ledger_no XF-001) in xf-sfs-1 by Thu 03-05, one reported in xf-sfs-2 then, a clue,
    a plan's measures."""
    from workflow.bootstrap import build
    from workflow.clock import FixedClock
    from workflow.config import Settings

    clock = FixedClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    app = build(Settings.from_env(cli.env), clock=clock)
    try:
        s = app.cases
        walked = s.open_case("rectification_item", actor="registrar", unit="xf-sfs-1", title="外出审批缺意见",
                             fields={**RECT_FIELDS, "ledger_no": "XF-001"})
        s.advance(walked.id, "verify", actor="supervisor")
        s.advance(walked.id, "dispatch", actor="supervisor",
                  fields={"measure": "补齐材料", "owner": "handler", "rectify_by": "2026-03-20"})
        clock.advance(days=2)
        s.advance(walked.id, "report_rectified", actor="handler", fields={"result": "已补齐"},
                  attachments=[Attachment("evidence", "复核记录.txt", b"x")])
        s.advance(walked.id, "sign_off", actor="unit_head")
        clock.advance(days=1)
        s.advance(walked.id, "close_out", actor="supervisor")
        s.open_case("rectification_item", actor="registrar", unit="xf-sfs-2", title="平岗所问题", fields=RECT_FIELDS)
        s.open_case("clue", actor="registrar", unit="xf-sfj", title="线索",
                    fields={"allegation": "某人收受宴请", "subject_name": "某人", "discovery_channel": "mass_report"})
        measures = app.campaigns.load(REPO / "definitions" / "campaigns" / "xifeng-2021.yaml").cases
    finally:
        app.close()
    return walked, len(measures)


def export(cli, tmp_path, *args, name="ledger"):
    path = tmp_path / f"{name}.xlsx"
    cli.ok("ledger", "export", "-o", str(path), *args, RECTIFLOW_NOW=LATER)
    text = converted(path, "csv", filter_options=UTF8_CSV).read_text(encoding="utf-8")
    return list(csv.reader(io.StringIO(text)))


def test_the_whole_ledger_opens_in_an_office_suite(cli, cases, tmp_path):
    _, measures = cases
    rows = export(cli, tmp_path, "--type", "rectification_item")
    assert rows[0][0] == "问题台账（西丰县司法局 · 问题整改）"
    assert rows[1][0] == "截至 2026-03-13 09:00（北京时间）　共 2 件"
    assert rows[2][:3] == ["序号", "问题编号", "来源/发现渠道"] and len(rows) == 3 + 2
    first = rows[3]  # the ledger's order: by 问题编号 first
    assert first[:4] == ["1", "XF-001", "自查", "减假暂/社区矫正"]
    assert first[5:9] == ["城区司法所", "承办人 李强", "补齐材料", "2026-03-20"]
    assert first[10:14] == ["已销号", "1份：复核记录.txt", "2026-03-05", "整治办 赵刚"]
    assert rows[4][1] == "" and rows[4][5] == "平岗司法所"  # no 问题编号: the cell stays empty
    everything = export(cli, tmp_path, name="all")
    assert len(everything) == 3 + 3 + measures


def test_unit_campaign_and_person_scopes(cli, cases, tmp_path):
    _, measures = cases
    unit = export(cli, tmp_path, "--unit", "xf-sfs-2", name="unit")
    assert [r[5] for r in unit[3:]] == ["平岗司法所"] and unit[0][0].startswith("问题台账（平岗司法所")
    plan = export(cli, tmp_path, "--campaign", "xifeng-2021", name="plan")
    assert len(plan) == 3 + measures and all(r[3] == "整治措施落实" for r in plan[3:])
    handler = export(cli, tmp_path, "--as", "handler", name="handler")
    assert {r[5] for r in handler[3:]} <= {"城区司法所"} and "某人收受宴请" not in {r[4] for r in handler[3:]}
    supervisor = export(cli, tmp_path, "--as", "supervisor", "--type", "clue", name="supervisor")
    assert [r[4] for r in supervisor[3:]] == ["某人收受宴请"]


def test_as_of_replays_the_log(cli, cases, tmp_path):
    rows = export(cli, tmp_path, "--as-of", "2026-03-03", "--type", "rectification_item", name="then")
    assert rows[1][0].startswith("截至 2026-03-03 23:59（北京时间）")
    assert len(rows) == 3 + 1  # the other item was opened on 03-05
    walked = next(r for r in rows[3:] if r[1] == "XF-001")
    assert walked[10] == "整改中" and walked[12] == "" and walked[13] == ""  # not yet closed out then


@pytest.mark.parametrize("args, code", [(("--unit", "nowhere"), 1), (("--type", "no_such_type"), 1),
                                        (("--campaign", "no-plan"), 1), (("--as", "nobody"), 1),
                                        (("--as-of", "yesterday"), 1)])
def test_bad_scopes_are_refused(cli, tmp_path, args, code):
    result = cli("ledger", "export", "-o", str(tmp_path / "x.xlsx"), *args)
    assert result.exit_code == code and "Traceback" not in result.output
    assert not (tmp_path / "x.xlsx").exists()
