"""The audit administrator (审计管理员, 三员分立) reads the audit and access logs and exports them, and nothing else:
on its pages and in its Excel export a case is its number, never its title, and no link opens the case; the
case-reading auditor (纪检) still sees titles."""
from __future__ import annotations

import io

from openpyxl import load_workbook
from webtools import session_as


def client_as(web_app, app, login):
    client = web_app.test_client()
    session_as(client, app, login)
    return client


def test_the_audit_administrator_reads_the_logs_but_no_case(app, web_app, rect_case):
    audit_admin = client_as(web_app, app, "audit_admin")
    page = audit_admin.get(f"/audit?case={rect_case.id}").get_data(as_text=True)
    assert rect_case.id in page and rect_case.title not in page and "/history" not in page
    assert audit_admin.get("/audit/access").status_code == 200
    bundle = audit_admin.get("/audit/export.jsonl")
    assert bundle.status_code == 200
    bundle.close()
    for path in (f"/cases/{rect_case.id}", f"/cases/{rect_case.id}/history", "/dashboard", "/admin/"):
        assert audit_admin.get(path).status_code == 403, path
    sheet = load_workbook(io.BytesIO(audit_admin.get(f"/audit/export.xlsx?case={rect_case.id}").data)).active
    cells = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
    assert rect_case.id in cells and rect_case.title not in cells
    auditor = client_as(web_app, app, "auditor")  # the 纪检 auditor reads cases: titles and links
    page = auditor.get(f"/audit?case={rect_case.id}").get_data(as_text=True)
    assert rect_case.title in page and f"/cases/{rect_case.id}/history" in page
