"""`rectiflow bulletin --docx`, `rectiflow campaign report`, `rectiflow case form`: the files are written where
-o says, LibreOffice opens them and shows their content, the JSON says what was written, and the bulletin's
listing without --docx keeps working (dates accepted for --since)."""
from __future__ import annotations

import pytest
from cli_runner import one_json
from document_cases import LISTED_TITLE, WALKED_TITLE, listed_overdue, load_plan, walk_to_close_out
from factories import START, local, utc_text
from office_suite import converted, pdf_text

FRIDAY = "2026-03-20T09:00:00+08:00"


@pytest.fixture
def engine(cli):
    """The CLI's database, with a walked case, a listed overdue case and the Xifeng plan (clock ends 03-20)."""
    from workflow.bootstrap import build
    from workflow.clock import FixedClock
    from workflow.config import Settings

    clock = FixedClock(START)
    app = build(Settings.from_env(cli.env), clock=clock)
    walked = walk_to_close_out(app, clock)
    listed = listed_overdue(app, clock)
    load_plan(app, clock)
    yield app, walked, listed
    app.close()


def text_of(path) -> str:
    return "".join(pdf_text(converted(path, "pdf")).split())


def test_bulletin_docx_writes_the_word_bulletin_and_the_listing_still_works(cli, engine, tmp_path):
    _app, _walked, listed = engine
    target = tmp_path / "通报.docx"
    out = cli.json("bulletin", "--docx", "-o", str(target), RECTIFLOW_NOW=FRIDAY)
    assert out == {"output": str(target), "count": 1, "units": 1}
    text = text_of(target)
    assert "关于顽瘴痼疾专项整治超期未整改问题的通报" in text and "（1）平岗司法所（1件）" in text
    assert LISTED_TITLE in text
    listing = cli.json("bulletin", RECTIFLOW_NOW=FRIDAY)
    assert listing["count"] == 1 and listing["items"][0]["case"] == listed.id
    assert listing["items"][0]["listed_at"] == utc_text(local("2026-03-20T09:00"))
    assert cli.json("bulletin", "--since", "2026-03-21", RECTIFLOW_NOW=FRIDAY)["count"] == 0
    assert cli.json("bulletin", "--since", "2026-03-20", RECTIFLOW_NOW=FRIDAY)["count"] == 1
    assert cli("bulletin", "--docx").exit_code == 2  # --docx needs -o


def test_a_replaced_bulletin_template_is_used(cli, engine, tmp_path):
    from docx import Document

    mine = Document()
    mine.add_paragraph("我局通报 {{ period }} 共{{ count }}件")
    mine.save(tmp_path / "mine.docx")
    target = tmp_path / "mine-out.docx"
    cli.ok("bulletin", "--docx", "-o", str(target), RECTIFLOW_NOW=FRIDAY,
           RECTIFLOW_BULLETIN_TEMPLATE=str(tmp_path / "mine.docx"))
    assert [p.text for p in Document(str(target)).paragraphs] == ["我局通报 截至2026年3月20日 共1件"]
    result = cli("bulletin", "--docx", "-o", str(target), "--json", RECTIFLOW_NOW=FRIDAY,
                 RECTIFLOW_BULLETIN_TEMPLATE=str(tmp_path / "missing.docx"))
    assert result.exit_code == 1 and "no such file" in one_json(result)["message"]


def test_campaign_report_writes_word_or_excel_as_of_a_date(cli, engine, tmp_path):
    book = tmp_path / "progress.xlsx"
    out = cli.json("campaign", "report", "xifeng-2021", "--xlsx", "-o", str(book), "--as-of", "2026-03-03",
                   RECTIFLOW_NOW=FRIDAY)
    assert (out["as_of"], out["measures"], out["done"]) == ("2026年3月3日", 25, 0)
    csv = converted(book, "csv", filter_options="csv:Text - txt - csv (StarCalc):44,34,76,1").read_text("utf-8")
    assert "整治进展情况（截至2026年3月3日）" in csv and '"措施完成率","0.0%"' in csv
    report = tmp_path / "progress.docx"
    out = cli.json("campaign", "report", "xifeng-2021", "-o", str(report), RECTIFLOW_NOW=FRIDAY)  # by the suffix
    assert (out["done"], out["overdue"] > 0) == (1, True)
    assert report.read_bytes()[:2] == b"PK"
    assert cli("campaign", "report", "xifeng-2021", "-o", str(tmp_path / "x.pdf")).exit_code == 2
    assert cli("campaign", "report", "no-such-plan", "--docx", "-o", str(report)).exit_code == 1


def test_case_form_writes_the_close_out_form(cli, engine, tmp_path):
    app, walked, _listed = engine
    target = tmp_path / "form.docx"
    out = cli.json("case", "form", walked.id, "-o", str(target))
    events, _ = app.cases.history(walked.id)
    assert out == {"output": str(target), "case": walked.id, "head_hash": events[-1].hash, "evidence": 2}
    text = text_of(target)
    assert "问题整改销号审批表" in text and WALKED_TITLE in text and events[-1].hash in text
    assert cli("case", "form", "c-nope", "-o", str(target)).exit_code == 1
