"""Reports and forms on the web: `/reports` (the Word 通报 and the progress report, for supervisors and
leaders), a case's 销号审批表 as Word and as a print page (`/cases/<id>/print`: no navigation, names not
logins, evidence hashes, the audit head) — with the case page's access rules, and every download logged."""
from __future__ import annotations

import hashlib
import io

import pytest
from document_cases import (
    FIRST,
    LISTED_TITLE,
    NAMES,
    SECOND,
    WALKED_TITLE,
    listed_overdue,
    load_plan,
    walk_to_close_out,
)
from office_suite import converted, pdf_text

LOGINS = ('"handler"', "supervisor2", ">handler<", "unit_head", "xf-sfs", "rectifying", "closed_out")


@pytest.fixture
def walked(app, clock):
    case = walk_to_close_out(app, clock)
    listed_overdue(app, clock)
    return case


def accesses(app, action):
    return [e for e in app.queries.access_entries(actor=None, case_id=None, before_seq=None, limit=50)
            if e.action == action]


def test_the_print_page_is_the_form_without_navigation(app, as_role, walked):
    html = as_role("supervisor").get(f"/cases/{walked.id}/print").get_data(as_text=True)
    events, _ = app.cases.history(walked.id)
    assert "问题整改销号审批表" in html and WALKED_TITLE in html and "城区司法所" in html
    for f in (FIRST, SECOND):
        assert hashlib.sha256(f.data).hexdigest() in html and f.name in html
    assert f'<code id="form-head">{events[-1].hash}</code>' in html and "校验完整" in html
    assert NAMES["supervisor2"] in html and NAMES["handler"] in html and "缺少复核制度文件" in html
    assert "2026-03-11 09:30" in html and "2026-03-20" in html  # Beijing time; the deadline as its last day
    assert "<nav" not in html and 'id="nav-inbox"' not in html and "print.css" in html
    assert [word for word in LOGINS if word in html] == []


def test_the_print_page_speaks_the_users_language(app, as_role, walked):
    client = as_role("supervisor")
    client.post("/lang", data={"lang": "en"})
    html = client.get(f"/cases/{walked.id}/print").get_data(as_text=True)
    assert "Close-out approval form" in html and "Rectification item" in html and "Supporting evidence" in html


def test_the_form_follows_the_case_pages_rules(app, as_role, walked):
    assert as_role("handler").get(f"/cases/{walked.id}/print").status_code == 200  # their unit
    assert as_role("auditor").get(f"/cases/{walked.id}/print").status_code == 200
    assert as_role("admin").get(f"/cases/{walked.id}/print").status_code == 403
    assert as_role("handler").get("/cases/c-nope/print").status_code == 404


def test_cases_of_other_units_and_confidential_cases(app, as_role, clock):
    from webtools import open_item

    other = open_item(app, unit="xf-sfs-2")
    assert as_role("handler").get(f"/cases/{other.id}/print").status_code == 403
    assert as_role("handler").get(f"/cases/{other.id}/form.docx").status_code == 403
    clue = app.cases.open_case("clue", actor="registrar", unit="xf-sfj", title="线索",
                               fields={"allegation": "a", "subject_name": "某人", "discovery_channel": "mass_report"})
    assert as_role("handler").get(f"/cases/{clue.id}/print").status_code == 403  # not in visible_to
    assert as_role("supervisor").get(f"/cases/{clue.id}/print").status_code == 200
    entries = app.queries.access_entries(actor=None, case_id=clue.id, before_seq=None, limit=10)
    assert [(e.actor, e.action) for e in entries] == [("supervisor", "view_case_print")]
    assert "打印涉密事项的销号审批表" in as_role("auditor").get(f"/audit/access?case={clue.id}").get_data(as_text=True)


def test_the_form_downloads_as_word_and_the_download_is_logged(app, as_role, walked, tmp_path):
    response = as_role("handler").get(f"/cases/{walked.id}/form.docx")
    assert response.status_code == 200 and response.mimetype.endswith("wordprocessingml.document")
    assert f"closeout-{walked.id}.docx" in response.headers["Content-Disposition"]
    path = tmp_path / "form.docx"
    path.write_bytes(response.data)
    text = "".join(pdf_text(converted(path, "pdf")).split())
    assert "问题整改销号审批表" in text and hashlib.sha256(SECOND.data).hexdigest() in text
    [entry] = accesses(app, "export_case_form")
    assert (entry.actor, entry.case_id) == ("handler", walked.id)


def test_reports_are_for_supervisors_and_leaders(app, as_role, walked):
    assert as_role("handler").get("/reports").status_code == 403
    assert as_role("handler").get("/reports/bulletin.docx").status_code == 403
    html = as_role("leader").get("/reports").get_data(as_text=True)
    assert 'id="bulletin-download"' in html and 'id="no-campaigns"' in html
    assert 'id="reports-link"' in as_role("supervisor").get("/dashboard").get_data(as_text=True)
    assert 'id="print-link"' in as_role("handler").get(f"/cases/{walked.id}").get_data(as_text=True)


def test_the_bulletin_downloads_for_the_viewers_scope_and_is_logged(app, as_role, walked, tmp_path):
    response = as_role("supervisor").get("/reports/bulletin.docx")
    assert response.status_code == 200 and "bulletin-20260320.docx" in response.headers["Content-Disposition"]
    path = tmp_path / "bulletin.docx"
    path.write_bytes(response.data)
    text = "".join(pdf_text(converted(path, "pdf")).split())
    assert "（1）平岗司法所（1件）" in text and LISTED_TITLE in text and "2026-03-099督办" in text
    assert "城区司法所1001100.0%100.0%" in text
    [entry] = accesses(app, "export_bulletin")
    assert (entry.actor, entry.detail["events"]) == ("supervisor", 1)
    later = as_role("leader").get("/reports/bulletin.docx?since=2026-03-21")
    from docx import Document

    assert "本期无列入通报的事项。" in [p.text for p in Document(io.BytesIO(later.data)).paragraphs]
    assert as_role("leader").get("/reports/bulletin.docx?since=2026-02-30").status_code == 400


def test_the_progress_report_downloads_as_excel_and_word(app, as_role, clock, walked, tmp_path):
    load_plan(app, clock)
    client = as_role("leader")
    assert "西丰县司法行政系统顽瘴痼疾专项整治实施方案" in client.get("/reports").get_data(as_text=True)
    response = client.get("/reports/campaigns/xifeng-2021/progress.xlsx?as_of=2026-03-04")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    book = tmp_path / "progress.xlsx"
    book.write_bytes(response.data)
    csv = converted(book, "csv", filter_options="csv:Text - txt - csv (StarCalc):44,34,76,1").read_text("utf-8")
    assert "（截至2026年3月4日）" in csv and '"措施完成率","0.0%"' in csv
    word = client.get("/reports/campaigns/xifeng-2021/progress.docx")
    assert word.status_code == 200 and word.data[:2] == b"PK"
    assert client.get("/reports/campaigns/xifeng-2021/progress.pdf").status_code == 404
    assert client.get("/reports/campaigns/no-such-plan/progress.docx").status_code == 404
    assert [e.actor for e in accesses(app, "export_campaign_report")] == ["leader", "leader"]
    assert "下载整治进展报告" in as_role("auditor").get("/audit/access").get_data(as_text=True)
