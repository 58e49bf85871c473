"""The case page and its actions: generated forms, inline errors, conflicts, uploads, confidential views."""
from __future__ import annotations

import hashlib
import io

from webtools import events_of, make_web, open_item, session_as


def _to_rectifying(app, case):
    app.cases.advance(case.id, "verify", actor="supervisor")
    app.cases.assign(case.id, actor="unit_head", assignee="handler")
    return app.cases.advance(case.id, "dispatch", actor="supervisor",
                               fields={"measure": "补齐材料", "owner": "handler", "rectify_by": "2026-04-30"})


def test_case_page_shows_one_form_per_allowed_trigger(as_role, rect_case):
    html = as_role("supervisor").get(f"/cases/{rect_case.id}").get_data(as_text=True)
    assert 'id="step-verify"' in html and 'id="step-dismiss"' in html
    assert 'name="unfounded_reason"' in html  # the dismiss form asks for its required field
    assert "s_reported current" in html  # the diagram highlights the current state
    html = as_role("handler").get(f"/cases/{rect_case.id}").get_data(as_text=True)
    assert 'id="step-verify"' not in html  # not the handler's step


def test_firing_a_trigger_moves_the_case(app, as_role, rect_case):
    response = as_role("supervisor").post(f"/cases/{rect_case.id}/fire/verify",
                                          data={"version": rect_case.version, "comment": "属实"})
    assert response.status_code == 302
    case = app.cases.get(rect_case.id)
    assert case.state == "verified" and events_of(app, case.id)[-1].payload["comment"] == "属实"


def test_missing_required_field_is_shown_next_to_the_field(app, as_role, rect_case):
    response = as_role("supervisor").post(f"/cases/{rect_case.id}/fire/dismiss", data={"version": rect_case.version})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="f-dismiss-unfounded_reason-error"' in html
    assert 'id="step-dismiss" open' in html
    assert app.cases.get(rect_case.id).version == rect_case.version


def test_invalid_value_is_shown_inline(app, as_role, rect_case):
    case = app.cases.advance(rect_case.id, "verify", actor="supervisor")
    response = as_role("supervisor").post(f"/cases/{case.id}/fire/dispatch", data={
        "version": case.version, "measure": "m", "owner": "handler", "rectify_by": "not a date"})
    assert response.status_code == 422
    assert 'id="f-dispatch-rectify_by-error"' in response.get_data(as_text=True)


def test_a_stale_form_gets_a_clear_conflict(app, as_role, rect_case):
    stale = rect_case.version
    app.cases.assign(rect_case.id, actor="registrar", assignee="handler")  # someone else acted first
    response = as_role("supervisor").post(f"/cases/{rect_case.id}/fire/verify", data={"version": stale})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert 'id="reload-case"' in html and "Traceback" not in html
    assert app.cases.get(rect_case.id).state == "reported"


def test_a_comment_in_another_tab_does_not_make_the_step_form_stale(app, as_role, rect_case):
    client = as_role("supervisor")
    seen = rect_case.version  # both forms were rendered at this version
    assert client.post(f"/cases/{rect_case.id}/comment", data={"version": seen, "text": "先看材料"}).status_code == 302
    response = client.post(f"/cases/{rect_case.id}/fire/verify", data={"version": seen, "subject": "某所长"})
    assert response.status_code == 302
    case = app.cases.get(rect_case.id)
    assert (case.state, case.fields["subject"], case.comments) == ("verified", "某所长", 1)


def test_a_form_for_a_state_the_case_left_is_a_conflict_not_a_403(app, as_role, rect_case):
    stale = rect_case.version
    app.cases.advance(rect_case.id, "verify", actor="supervisor")
    response = as_role("supervisor").post(f"/cases/{rect_case.id}/fire/dismiss",
                                          data={"version": stale, "unfounded_reason": "x"})
    assert response.status_code == 409


def test_evidence_upload_records_its_sha256(app, as_role, rect_case):
    case = _to_rectifying(app, rect_case)
    data = "补齐3份审批材料".encode()
    response = as_role("handler").post(f"/cases/{case.id}/fire/report_rectified", data={
        "version": case.version, "result": "已补齐",
        "evidence": (io.BytesIO(data), "复核记录.txt")}, content_type="multipart/form-data")
    assert response.status_code == 302
    event = events_of(app, case.id)[-1]
    assert event.payload["attachments"] == [{"field": "evidence", "name": "复核记录.txt",
                                             "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}]
    download = as_role("handler").get(f"/cases/{case.id}/files/{hashlib.sha256(data).hexdigest()}")
    assert download.get_data() == data and "attachment" in download.headers["Content-Disposition"]
    download.close()


def test_upload_of_a_refused_type_is_an_inline_error(app, as_role, rect_case):
    case = _to_rectifying(app, rect_case)
    response = as_role("handler").post(f"/cases/{case.id}/fire/report_rectified", data={
        "version": case.version, "result": "x",
        "evidence": (io.BytesIO(b"MZ..."), "tool.exe")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert 'id="f-report_rectified-evidence-error"' in response.get_data(as_text=True)
    assert app.cases.get(case.id).state == "rectifying"


def test_upload_over_the_file_limit_is_an_inline_error(make_app, app, rect_case):
    case = _to_rectifying(app, rect_case)
    app.cases.max_attachment_bytes = 1000
    client = make_web(app).test_client()
    session_as(client, app, "handler")
    response = client.post(f"/cases/{case.id}/fire/report_rectified", data={
        "version": case.version, "result": "x",
        "evidence": (io.BytesIO(b"x" * 1001), "big.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "f-report_rectified-evidence-error" in response.get_data(as_text=True)


def test_request_over_the_total_limit_is_a_friendly_413(app, rect_case):
    client = make_web(app, MAX_CONTENT_LENGTH=2000).test_client()
    session_as(client, app, "handler")
    response = client.post(f"/cases/{rect_case.id}/fire/report_rectified", data={
        "version": rect_case.version, "evidence": (io.BytesIO(b"x" * 5000), "big.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 413 and 'id="error-page"' in response.get_data(as_text=True)


def test_claim_assign_and_return_with_reason(app, as_role, rect_case):
    client = as_role("handler")
    assert client.post(f"/cases/{rect_case.id}/assign",
                       data={"version": rect_case.version, "assignee": "handler"}).status_code == 302
    case = app.cases.get(rect_case.id)
    assert case.assignee == "handler"
    assert client.post(f"/cases/{case.id}/return", data={"version": case.version, "reason": ""}).status_code == 400
    assert client.post(f"/cases/{case.id}/return",
                       data={"version": case.version, "reason": "不属于本所管辖"}).status_code == 302
    case = app.cases.get(case.id)
    assert case.assignee is None
    assert events_of(app, case.id)[-1].payload == {"assignee": None, "returned": True, "reason": "不属于本所管辖"}
    client = as_role("unit_head")
    assert client.post(f"/cases/{case.id}/assign", data={"version": case.version, "assignee": "handler"}
                       ).status_code == 302
    assert app.cases.get(case.id).assignee == "handler"


def test_a_handler_cannot_assign_others(app, as_role, rect_case):
    response = as_role("handler").post(f"/cases/{rect_case.id}/assign",
                                       data={"version": rect_case.version, "assignee": "unit_head"})
    assert response.status_code == 403


def test_cases_outside_the_users_units_are_refused(app, as_role):
    other = open_item(app, unit="xf-sfs-2")
    assert as_role("handler").get(f"/cases/{other.id}").status_code == 403
    assert as_role("leader").get(f"/cases/{other.id}").status_code == 200


def test_confidential_views_are_audited_without_touching_the_case(app, as_role):
    clue = app.cases.open_case("clue", actor="registrar", unit="xf-sfj", title="线索",
                                 fields={"allegation": "a", "subject_name": "某人", "discovery_channel": "mass_report"})
    assert as_role("handler").get(f"/cases/{clue.id}").status_code == 403  # not in visible_to
    assert as_role("supervisor").get(f"/cases/{clue.id}").status_code == 200
    assert as_role("supervisor").get(f"/cases/{clue.id}/history").status_code == 200
    entries = app.queries.access_entries(actor=None, case_id=clue.id, before_seq=None, limit=10)
    assert [(e.actor, e.action) for e in entries] == [("supervisor", "view_case_history"),
                                                      ("supervisor", "view_case")]
    assert app.cases.get(clue.id).version == clue.version  # a view is not a case event


def test_registering_a_case_through_the_form(app, as_role):
    client = as_role("registrar")
    assert 'id="new-rectification_item"' in client.get("/cases/new").get_data(as_text=True)
    response = client.post("/cases/new?type=rectification_item", data={
        "title": "", "unit": "xf-sfs-1", "description": "d", "category": "appraisal",
        "discovery_channel": "inspection"})
    assert response.status_code == 422  # the title is missing: shown inline, nothing written
    response = client.post("/cases/new?type=rectification_item", data={
        "title": "鉴定意见书超期", "unit": "xf-sfs-1", "description": "d", "category": "appraisal",
        "discovery_channel": "inspection"})
    assert response.status_code == 302
    case = app.cases.get(response.headers["Location"].rsplit("/", 1)[-1])
    assert case.title == "鉴定意见书超期" and case.fields["discovery_channel"] == "inspection"


def test_auditors_read_but_cannot_act(app, as_role, rect_case):
    client = as_role("auditor")
    html = client.get(f"/cases/{rect_case.id}").get_data(as_text=True)
    assert 'id="step-' not in html and 'id="add-comment"' not in html
    assert client.post(f"/cases/{rect_case.id}/fire/verify", data={"version": rect_case.version}).status_code == 403


def test_supervisors_flag_and_unflag_a_case(app, as_role, rect_case):
    client = as_role("supervisor")
    assert 'id="flag"' in client.get(f"/cases/{rect_case.id}").get_data(as_text=True)
    response = client.post(f"/cases/{rect_case.id}/flag", data={"version": rect_case.version, "level": "2",
                                                                  "reason": "超期未整改"})
    assert response.status_code == 302
    case = app.cases.get(rect_case.id)
    assert case.flag_level == 2 and events_of(app, case.id)[-1].action == "flagged"
    assert 'id="supervision"' in client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert client.post(f"/cases/{case.id}/unflag", data={"version": case.version}).status_code == 302
    assert app.cases.get(case.id).flag_level == 0
    assert as_role("handler").post(f"/cases/{case.id}/flag", data={"version": "1", "level": "1"}).status_code == 403
