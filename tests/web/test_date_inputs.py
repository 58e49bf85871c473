"""Dates in Chinese everywhere (issue 16): no page renders the browser's native date input (it shows mm/dd/yyyy in
an English Chromium); every date box is macros.html date_input — a text box taking YYYY-MM-DD or 2026年4月30日,
with the Chinese calendar on top when JavaScript runs. The value the server stores stays the ISO date."""
from __future__ import annotations

import re

import pytest
from webtools import open_item, session_as

NATIVE_DATE = re.compile(r"""<input[^>]*type\s*=\s*["']?date["'\s>]""", re.IGNORECASE)
ROLES = ["registrar", "handler", "unit_head", "supervisor", "leader", "auditor", "admin", "security_admin",
         "audit_admin"]
PAGES = ["/", "/?tab=queue", "/?tab=all", "/cases/{case}", "/cases/{case}/history", "/cases/new", "/alerts",
         "/dashboard", "/reports", "/campaigns", "/campaigns/bulletin", "/declarations", "/ledger/import", "/audit",
         "/audit/access", "/admin/", "/account/password"]


def _verified(app, title="审批材料不全"):
    case = open_item(app, title=title)
    app.cases.advance(case.id, "verify", actor="supervisor")
    return app.cases.get(case.id)


def test_no_page_renders_a_native_date_input_for_any_role(app, client):
    case = _verified(app)  # the supervisor's page offers 交办 with its 整改期限 (a date)
    types = [d.name for d in app.registry.all_latest()]
    walked = 0
    for role in ROLES:
        session_as(client, app, role)
        paths = [p.format(case=case.id) for p in PAGES] + [f"/cases/new?type={t}" for t in types]
        for path in paths:
            response = client.get(path)
            if response.status_code != 200:
                continue  # not this role's page
            walked += 1
            html = response.get_data(as_text=True)
            assert not NATIVE_DATE.search(html), f"{path} as {role} renders <input type=date>"
    assert walked > 60
    session_as(client, app, "supervisor")
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert re.search(r'<input type="text" class="date-input" name="rectify_by" id="f-dispatch-rectify_by"', html)
    assert "flatpickr.min.js" in html and "datepicker.js" in html  # the calendar, only where there is a date


def test_a_case_page_without_a_date_field_loads_no_calendar(app, client):
    case = open_item(app)  # the leader takes no step on it: no step form, no date
    session_as(client, app, "leader")
    response = client.get(f"/cases/{case.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and case.title in html
    assert "date-input" not in html and "flatpickr" not in html


@pytest.mark.parametrize("typed", ["2031-06-30", "2031年6月30日", " 2031 年 6 月 30 日 "])
def test_a_step_takes_the_date_as_iso_or_as_people_write_it(app, client, typed):
    case = _verified(app)
    session_as(client, app, "supervisor")
    response = client.post(f"/cases/{case.id}/fire/dispatch", data={
        "version": str(case.version), "measure": "建立制度", "owner": "handler", "rectify_by": typed})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[-2000:]
    assert app.cases.get(case.id).fields["rectify_by"] == "2031-06-30"


def test_a_date_that_is_no_date_is_refused_next_to_its_box(app, client):
    case = _verified(app)
    session_as(client, app, "supervisor")
    response = client.post(f"/cases/{case.id}/fire/dispatch", data={
        "version": str(case.version), "measure": "建立制度", "owner": "handler", "rectify_by": "2031年2月30日"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and app.cases.get(case.id).state == "verified"
    assert re.search(r'class="date-input" name="rectify_by" id="f-dispatch-rectify_by" value="2031-02-30" '
                     r'aria-invalid="true"', html)


def test_bulk_dispatch_takes_a_deadline_as_people_write_it(app, client):
    cases = [_verified(app, title=t) for t in ("甲", "乙")]
    session_as(client, app, "supervisor")
    html = client.get("/?tab=all").get_data(as_text=True)
    assert 'class="date-input" name="deadline" id="bulk-deadline"' in html and "datepicker.js" in html
    response = client.post("/inbox/bulk", data={"action": "dispatch", "measure": "统一整改", "owner": "handler",
                                                 "deadline": "2031年6月30日",
                                                 "case": [f"{c.id}:{c.version}" for c in cases]})
    assert response.status_code == 200
    assert [app.cases.get(c.id).fields["rectify_by"] for c in cases] == ["2031-06-30", "2031-06-30"]


def test_a_required_yes_no_field_is_answered_yes_or_no(app, client):
    """An unticked check box cannot say "no": a yes/no field a step requires is a 是/否 choice (a firm that employs
    no departed staff could not hand in its self-check before)."""
    from io import BytesIO

    case = app.cases.open_case("law_firm_self_check", actor="supervisor", unit="xf-ls-1", title="某所自查",
                               fields={"firm_name": "西丰某律师事务所"})
    session_as(client, app, "supervisor")
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert re.search(r'<select id="f-submit-employs_departed" name="employs_departed"[^>]*>\s*<option value="">—'
                     r'</option>\s*<option value="true">是</option><option value="false">否</option>', html)
    unanswered = client.post(f"/cases/{case.id}/fire/submit", data={
        "version": str(case.version), "dossier_built": "true",
        "self_check_report": (BytesIO(b"report"), "report.txt")}, content_type="multipart/form-data")
    assert unanswered.status_code == 422 and app.cases.get(case.id).state == "issued"
    response = client.post(f"/cases/{case.id}/fire/submit", data={
        "version": str(case.version), "employs_departed": "false", "dossier_built": "true",
        "self_check_report": (BytesIO(b"report"), "report.txt")}, content_type="multipart/form-data")
    assert response.status_code in (302, 303)
    done = app.cases.get(case.id)
    assert done.state == "submitted" and done.fields["employs_departed"] is False
