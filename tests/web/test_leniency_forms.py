"""被查从严 through the web: an organisation-found clue's 第一种形态 is refused with the reason in Chinese
(field and choice labels, no internal names), the leader's exception is a form of its own, and its
reason then shows on the case page."""
from __future__ import annotations

import html as htmllib

REASON = "主动退还并如实说明，经党组研究同意例外从宽"


def found_clue(app):
    s = app.cases
    clue = s.open_case("clue", actor="registrar", unit="xf-sfj", title="群众举报", fields={
        "allegation": "收受礼金", "subject_name": "干部丁", "discovery_channel": "mass_report"})
    s.advance(clue.id, "propose", actor="registrar",
              fields={"disposition_method": "prelim_verification", "disposition_basis": "可查"})
    return s.advance(clue.id, "approve_verification", actor="leader")


def test_a_lenient_form_on_an_organisation_found_clue_is_refused_in_chinese(app, as_role):
    clue = found_clue(app)
    response = as_role("supervisor").post(f"/cases/{clue.id}/fire/record_outcome", data={
        "version": clue.version, "outcome": "form_measure", "form": "1"})
    assert response.status_code in (409, 422)
    text = htmllib.unescape(response.get_data(as_text=True))
    assert "“四种形态”为“第一种形态”须满足：只有“自查认定”为“认定为主动自查（可从宽）”时才能执行" in text
    assert "self_report_assessment" not in text and "only_if" not in text
    assert app.cases.get(clue.id).version == clue.version


def test_the_leaders_exception_is_its_own_form_and_its_reason_shows_on_the_case(app, as_role):
    clue = found_clue(app)
    client = as_role("leader")
    page = client.get(f"/cases/{clue.id}").get_data(as_text=True)
    assert "批准例外从宽" in page and "例外从宽理由" in page
    missing = client.post(f"/cases/{clue.id}/fire/grant_leniency_exception",
                          data={"version": clue.version, "leniency_exception": "true"})
    assert missing.status_code == 422 and app.cases.get(clue.id).version == clue.version
    done = client.post(f"/cases/{clue.id}/fire/grant_leniency_exception", data={
        "version": clue.version, "leniency_exception": "true", "leniency_exception_reason": REASON})
    assert done.status_code in (200, 302, 303)
    assert app.cases.get(clue.id).fields["leniency_exception_reason"] == REASON
    assert REASON in client.get(f"/cases/{clue.id}").get_data(as_text=True)
    trail = client.get(f"/cases/{clue.id}/history").get_data(as_text=True)
    assert "批准例外从宽" in trail


def test_an_exception_on_a_counted_self_report_is_refused_with_labels(app, as_role):
    s = app.cases
    clue = s.open_case("clue", actor="registrar", unit="xf-sfj", title="主动报告", fields={
        "allegation": "收受礼金", "subject_name": "干部己", "discovery_channel": "self_report"})
    s.advance(clue.id, "propose", actor="registrar",
              fields={"disposition_method": "prelim_verification", "disposition_basis": "可查"})
    clue = s.advance(clue.id, "approve_verification", actor="leader")
    response = as_role("leader").post(f"/cases/{clue.id}/fire/grant_leniency_exception", data={
        "version": clue.version, "leniency_exception": "true", "leniency_exception_reason": "无需"})
    text = htmllib.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "“自查认定”为“认定为主动自查（可从宽）”时不能执行" in text and "self_report_assessment" not in text
