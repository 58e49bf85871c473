"""The case page as a 司法所 handler, unit head and supervisor meet it (web.cases, web.step_forms), in Chinese:

only the steps the person can take; 交办 choosers that list the people and units it may go to; two
returns with two names and their reasons as banners; handover alerts; uploads kept through a failed
submit and earlier evidence kept on re-report; rounds of work and the closing line.
"""
from __future__ import annotations

import hashlib
import io
import re

import pytest
from webtools import events_of, open_item

EVIDENCE = "补齐3份审批材料".encode()


def page(client, case_id):
    response = client.get(f"/cases/{case_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def section(html, element_id):
    """The markup of the element with this id (nested elements of its own tag counted)."""
    start = re.search(rf'<(\w+)[^>]*\bid="{element_id}"', html)
    assert start, f"no #{element_id}"
    tag, depth = start.group(1), 0
    for m in re.finditer(rf"<(/?){tag}\b[^>]*>", html[start.start():]):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            return html[start.start():start.start() + m.end()]
    raise AssertionError(f"#{element_id} is not closed")


def options(html, name):
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no <select name={name}>"
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1))


def dispatched(app, case=None):
    case = case or open_item(app)
    app.cases.advance(case.id, "verify", actor="supervisor")
    return app.cases.advance(case.id, "dispatch", actor="supervisor",
                             fields={"measure": "补齐材料", "owner": "handler", "rectify_by": "2026-04-30"})


def report(client, case, **extra):
    data = {"version": case.version, "result": "已补齐", **extra}
    return client.post(f"/cases/{case.id}/fire/report_rectified", data=data, content_type="multipart/form-data")


def rectified(app, case):
    app.cases.advance(case.id, "report_rectified", actor="handler", fields={"result": "已补齐"},
                      attachments=[_attachment()])
    return app.cases.advance(case.id, "sign_off", actor="unit_head")


def _attachment(name="复核记录.txt", data=EVIDENCE):
    from workflow.cases.validation import Attachment

    return Attachment("evidence", name, data)


def test_only_the_steps_a_person_can_take_now_are_offered(app, as_role):
    case = dispatched(app)
    assert 'id="step-report_rectified"' in page(as_role("handler"), case.id)
    for other in ("leader", "registrar", "auditor"):
        assert 'id="step-report_rectified"' not in page(as_role(other), case.id), other
    pending = app.cases.advance(case.id, "report_rectified", actor="handler", fields={"result": "r"},
                                attachments=[_attachment()])
    handler_page = page(as_role("handler"), pending.id)
    assert 'id="step-sign_off"' not in handler_page and 'name="unit_head_signoff"' not in handler_page
    assert 'id="step-sign_off"' in page(as_role("unit_head"), pending.id)


def test_dispatch_offers_the_people_who_can_take_the_case_by_name_and_the_units_covered(app, as_role):
    case = app.cases.advance(open_item(app).id, "verify", actor="supervisor")
    html = page(as_role("supervisor"), case.id)
    people = dict(options(section(html, "step-dispatch"), "owner"))
    assert {"handler", "unit_head"} <= set(people)
    assert not {"leader", "registrar", "auditor", "admin", "supervisor"} & set(people)
    assert people["handler"] == "承办人 李强 · 城区司法所"
    units = [u for u in options(section(html, "step-dispatch"), "responsible_unit") if u[0]]
    assert units[0] == ("xf-sfs-1", "城区司法所") and ("xf-sfs-2", "平岗司法所") in units  # its own unit first
    assert 'value="xf-sfs-1" selected' in section(html, "step-dispatch")


def test_dispatching_through_the_page_hands_over_and_the_handler_is_alerted(app, as_role):
    case = app.cases.advance(open_item(app).id, "verify", actor="supervisor")
    response = as_role("supervisor").post(f"/cases/{case.id}/fire/dispatch", data={
        "version": case.version, "measure": "补齐材料", "owner": "handler", "rectify_by": "2026-04-30",
        "responsible_unit": "xf-sfs-1"})
    assert response.status_code == 302
    assert app.cases.get(case.id).assignee == "handler"
    alerts = as_role("handler").get("/alerts").get_data(as_text=True)
    assert "交办" in alerts and "审批材料不全" in alerts


def test_a_person_who_cannot_take_the_case_is_refused_next_to_the_field(app, as_role):
    case = app.cases.advance(open_item(app).id, "verify", actor="supervisor")
    response = as_role("supervisor").post(f"/cases/{case.id}/fire/dispatch", data={
        "version": case.version, "measure": "m", "owner": "leader", "rectify_by": "2026-04-30"})
    assert response.status_code == 422
    assert 'id="f-dispatch-owner-error"' in response.get_data(as_text=True)
    assert app.cases.get(case.id).state == "verified"


def test_a_new_case_defaults_to_the_users_own_unit(as_role):
    html = as_role("unit_head").get("/cases/new?type=rectification_item").get_data(as_text=True)
    selected = re.search(r'<option value="([^"]+)" selected>', html)
    assert selected and selected.group(1) == "xf-sfs-1"


def test_two_returns_have_two_names_and_each_needs_a_reason(app, as_role):
    case = rectified(app, dispatched(app))
    client = as_role("supervisor")
    html = page(client, case.id)
    assert "退回整改" in section(html, "step-return_for_rework")
    assert "退回单位" in html and "退回单位" not in section(html, "step-return_for_rework")
    response = client.post(f"/cases/{case.id}/fire/return_for_rework", data={"version": case.version})
    assert response.status_code == 422 and 'id="f-return_for_rework-return_reason-error"' in response.get_data(
        as_text=True)
    assert client.post(f"/cases/{case.id}/return", data={"version": case.version, "reason": ""}).status_code == 400
    assert app.cases.get(case.id).version == case.version


def test_the_handler_sees_a_rework_return_as_a_banner_and_an_alert(app, as_role):
    case = rectified(app, dispatched(app))
    as_role("supervisor").post(f"/cases/{case.id}/fire/return_for_rework",
                               data={"version": case.version, "return_reason": "缺少复核制度文件"})
    client = as_role("handler")
    banner = section(page(client, case.id), "return-rework")
    assert "缺少复核制度文件" in banner and "整治办 赵刚" in banner
    alerts = client.get("/alerts").get_data(as_text=True)
    assert "退回整改" in alerts and "审批材料不全" in alerts
    assert app.cases.get(case.id).state == "rectifying"


def test_the_unit_sees_a_case_given_back_as_a_banner_until_someone_takes_it(app, as_role):
    case = dispatched(app)
    as_role("handler").post(f"/cases/{case.id}/return", data={"version": case.version, "reason": "不属于本所管辖"})
    client = as_role("unit_head")
    assert "不属于本所管辖" in section(page(client, case.id), "return-unit")
    app.cases.assign(case.id, actor="unit_head", assignee="handler")
    assert 'id="return-unit"' not in page(client, case.id)


def test_uploads_survive_a_failed_submit_by_a_signed_reference(app, as_role):
    case = dispatched(app)
    client = as_role("handler")
    failed = report(client, case, result="", evidence=(io.BytesIO(EVIDENCE), "复核记录.txt"))
    assert failed.status_code == 422
    html = failed.get_data(as_text=True)
    token = re.search(r'name="kept" value="([^"]+)"', html)
    assert token and "复核记录.txt" in html
    assert report(client, case, kept=token.group(1)).status_code == 302
    [sent] = events_of(app, case.id)[-1].payload["attachments"]
    assert (sent["name"], sent["sha256"]) == ("复核记录.txt", hashlib.sha256(EVIDENCE).hexdigest())


def test_a_forged_kept_reference_is_refused(app, as_role):
    case = dispatched(app)
    response = report(as_role("handler"), case, kept="not-a-signed-token")
    assert response.status_code == 400
    assert app.cases.get(case.id).state == "rectifying"


@pytest.fixture
def reworked(app):
    case = rectified(app, dispatched(app))
    return app.cases.advance(case.id, "return_for_rework", actor="supervisor",
                             fields={"return_reason": "缺少复核制度文件"})


def test_earlier_evidence_is_offered_and_can_be_kept_on_re_report(app, as_role, reworked):
    client = as_role("handler")
    sha = hashlib.sha256(EVIDENCE).hexdigest()
    assert f'name="keep_file" value="{sha}"' in section(page(client, reworked.id), "step-report_rectified")
    response = report(client, reworked, keep_file=sha, evidence=(io.BytesIO(b"policy"), "制度.txt"))
    assert response.status_code == 302
    names = sorted(a["name"] for a in events_of(app, reworked.id)[-1].payload["attachments"])
    assert names == ["制度.txt", "复核记录.txt"]


def test_a_closed_case_shows_its_rounds_and_who_closed_it_when(app, as_role, reworked):
    app.cases.advance(reworked.id, "report_rectified", actor="handler", fields={"result": "已补制度"},
                      attachments=[_attachment("制度.txt", b"policy")])
    app.cases.advance(reworked.id, "sign_off", actor="unit_head")
    app.cases.advance(reworked.id, "close_out", actor="supervisor2")
    html = page(as_role("auditor"), reworked.id)
    closing = section(html, "closing")
    assert "已销号" in closing and "整治办 孙丽" in closing and "2026-03-02" in closing
    first = section(html, "round-1")
    assert "复核记录.txt" in first and "缺少复核制度文件" in first and "已补齐" in first  # that round's report
    assert "外出审批缺少司法所意见" not in first  # still the current record: not repeated as history
    earlier = section(html, "rounds")  # the last round is the case's current record, not history
    assert 'id="round-2"' not in earlier and "制度.txt" not in earlier
    assert "制度.txt" in html.replace(earlier, "")
    assert 'id="return-rework"' not in html  # answered and closed: no standing banner
