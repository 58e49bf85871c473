"""Bad input through the web (issue 12 item 12): every number or date out of range in a query string or a form is a
4xx with a message — never a 500 —, text that is not UTF-8 is refused instead of being stored changed, deadline
dates in the past, integers outside a field's bounds and empty files are refused next to their field.
"""
from __future__ import annotations

import io

import pytest
from webtools import events_of, make_web, open_item, session_as

HUGE = "1" + "0" * 19  # 20 digits: more than a 64-bit integer holds
UTF8_FORM = "表单中有不是有效 UTF-8 编码的文字"
UTF8_ADDRESS = "地址中含有不是有效 UTF-8 编码的字符"


def page(response) -> str:
    return response.get_data(as_text=True)


def assert_bad_request(response, *words: str) -> None:
    assert response.status_code == 400, (response.status_code, page(response)[:400])
    html = page(response)
    assert "Traceback" not in html
    for word in words:
        assert word in html


# ---- numbers ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("ids", [[HUGE], ["-1"], ["abc"], ["12", "9" * 5000]])
def test_marking_alerts_read_with_ids_out_of_range(as_role, ids):
    assert_bad_request(as_role("handler").post("/alerts/read", data={"id": ids}), "不是")


@pytest.mark.parametrize("path", ["/alerts?before=", "/audit?before=", "/audit/access?before="])
@pytest.mark.parametrize("value", [HUGE, "-5", "0x10"])
def test_page_cursors_out_of_range(as_role, path, value):
    assert_bad_request(as_role("auditor").get(path + value), value[:20])


def test_history_versions_out_of_range(app, as_role, rect_case):
    client = as_role("supervisor")
    for value in (HUGE, "0", "-3", "v2"):
        assert_bad_request(client.get(f"/cases/{rect_case.id}/history?version={value}"))
    assert client.get(f"/cases/{rect_case.id}/history?version=99").status_code == 200  # past the last: the last


def test_form_versions_and_levels_out_of_range(app, as_role, rect_case):
    client = as_role("supervisor")
    for url, data in [(f"/cases/{rect_case.id}/fire/verify", {"version": HUGE}),
                      (f"/cases/{rect_case.id}/comment", {"version": HUGE, "text": "意见"}),
                      (f"/cases/{rect_case.id}/assign", {"version": "-1", "assignee": "handler"}),
                      (f"/cases/{rect_case.id}/flag", {"version": "1", "level": HUGE})]:
        assert_bad_request(client.post(url, data=data))
    assert client.post(f"/cases/{rect_case.id}/fire/verify", data={"version": str(10**18)}).status_code == 409
    assert len(events_of(app, rect_case.id)) == 1


# ---- dates ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("query", ["at=0001-01-01T00:00", "at=0000-01-01T00:00", "at=99999-01-01T00:00",
                                   "at=9999-12-31T23:59", "at=2026-02-30T09:00"])
def test_history_at_a_moment_out_of_range(as_role, rect_case, query):
    assert_bad_request(as_role("supervisor").get(f"/cases/{rect_case.id}/history?{query}"), "1900", "2199")


@pytest.mark.parametrize("path", ["/dashboard?as_of=", "/dashboard/export.csv?as_of=", "/audit?since=",
                                  "/audit?until=", "/audit/export.jsonl?since="])
@pytest.mark.parametrize("value", ["0001-01-01", "0000-00-00", "99999-12-31", "1899-12-31"])
def test_dates_out_of_range_in_query_strings(as_role, path, value):
    role = "auditor" if path.startswith("/audit") else "leader"
    assert_bad_request(as_role(role).get(path + value))


def test_dates_in_range_still_work(as_role):
    assert as_role("leader").get("/dashboard?as_of=1900-01-01").status_code == 200
    assert as_role("auditor").get("/audit?since=2026-01-01&until=2199-12-31").status_code == 200


# ---- invalid UTF-8 --------------------------------------------------------------------------------------
def test_invalid_utf8_in_a_form_is_refused_not_changed(app, as_role, rect_case):
    client = as_role("supervisor")
    response = client.post(f"/cases/{rect_case.id}/comment", data=b"version=1&text=%E6%84%8F%FF%FE",
                           content_type="application/x-www-form-urlencoded")
    assert_bad_request(response, UTF8_FORM)
    raw = client.post(f"/cases/{rect_case.id}/comment", data=b"version=1&text=\xe6\x84\x8f\xff",
                      content_type="application/x-www-form-urlencoded")  # raw bytes, not percent-encoded
    assert_bad_request(raw, UTF8_FORM)
    assert len(events_of(app, rect_case.id)) == 1  # nothing written, nothing stored as "%FF" or "�"


def test_invalid_utf8_in_a_multipart_form_is_refused(app, as_role, rect_case):
    body = (b"--XyZ\r\nContent-Disposition: form-data; name=\"version\"\r\n\r\n1\r\n"
            b"--XyZ\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n\xe6\x84\x8f\xff\xfe\r\n--XyZ--\r\n")
    response = as_role("supervisor").post(f"/cases/{rect_case.id}/comment", data=body,
                                          content_type="multipart/form-data; boundary=XyZ")
    assert_bad_request(response, UTF8_FORM)
    assert len(events_of(app, rect_case.id)) == 1


def test_valid_utf8_in_a_multipart_form_is_kept(app, as_role, rect_case):
    body = (b"--XyZ\r\nContent-Disposition: form-data; name=\"version\"\r\n\r\n1\r\n"
            b"--XyZ\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n" + "核实中 ✓".encode()
            + b"\r\n--XyZ--\r\n")
    response = as_role("supervisor").post(f"/cases/{rect_case.id}/comment", data=body,
                                          content_type="multipart/form-data; boundary=XyZ")
    assert response.status_code == 302
    assert events_of(app, rect_case.id)[-1].payload["comment"] == "核实中 ✓"


@pytest.mark.parametrize("query", ["actor=%FF", "%C3=x", "case=\xff\xfe"])  # the last: raw bytes (WSGI latin-1)
def test_invalid_utf8_in_a_query_string_is_refused(as_role, query):
    response = as_role("auditor").get("/audit", environ_overrides={"QUERY_STRING": query})
    assert_bad_request(response, UTF8_ADDRESS)
    assert as_role("auditor").get("/audit?actor=%E7%8E%8B").status_code == 200  # 王, well encoded


@pytest.mark.parametrize("path", ["/audit?actor=%00", "/audit/access?case=a%00b", "/?source=%00"])
def test_a_nul_character_in_a_query_string_is_refused(as_role, path):
    """PostgreSQL refuses NUL in text outright: the request must not get that far."""
    assert_bad_request(as_role("auditor").get(path), "空字符")


def test_a_nul_character_in_a_form_is_refused(app, client, as_role, rect_case):
    assert_bad_request(client.post("/login", data={"username": "handler\x00", "password": "x" * 12}), "空字符")
    body = (b"--XyZ\r\nContent-Disposition: form-data; name=\"version\"\r\n\r\n1\r\n"
            b"--XyZ\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\na\x00b\r\n--XyZ--\r\n")
    response = as_role("supervisor").post(f"/cases/{rect_case.id}/comment", data=body,
                                          content_type="multipart/form-data; boundary=XyZ")
    assert_bad_request(response, "空字符")
    assert len(events_of(app, rect_case.id)) == 1


def test_the_utf8_check_comes_before_the_csrf_check(app):
    """With CSRF on, a form with bad bytes gets the UTF-8 message, not "the form has expired"."""
    client = make_web(app, WTF_CSRF_ENABLED=True).test_client()
    session_as(client, app, "supervisor")
    response = client.post("/alerts/read", data=b"csrf_token=x&id=%FF",
                           content_type="application/x-www-form-urlencoded")
    assert_bad_request(response, UTF8_FORM)


# ---- fields: bounds, past dates, empty files, file names ----------------------------------------------------
def verified(app):
    case = open_item(app)
    return app.cases.advance(case.id, "verify", actor="supervisor")


def test_a_past_deadline_date_is_refused_next_to_its_field(app, as_role):
    case = verified(app)
    response = as_role("supervisor").post(f"/cases/{case.id}/fire/dispatch", data={
        "version": str(case.version), "measure": "补齐材料", "owner": "handler", "rectify_by": "2026-03-01"})
    assert response.status_code == 422
    html = page(response)
    assert 'id="f-dispatch-rectify_by-error"' in html or "整改时限：2026-03-01 已经过去" in html
    assert "整改时限：2026-03-01 已经过去，请填写今天（2026-03-02）或以后的日期" in html
    assert app.cases.get(case.id).state == "verified"


def test_an_integer_outside_its_bounds_is_refused_next_to_its_field(app, as_role):
    response = as_role("registrar").post("/cases/new?type=integrity_rating", data={
        "title": "年度评价", "unit": "xf-jd-1", "year": "-5", "subject_kind": "institution",
        "subject_name": "某司法鉴定所"})
    assert response.status_code == 422
    assert "评价年度：-5 超出允许范围（2000 至 2100）" in page(response)
    assert app.cases.count() == 0


def test_an_empty_upload_is_refused(app, as_role):
    case = verified(app)
    case = app.cases.advance(case.id, "dispatch", actor="supervisor",
                             fields={"measure": "补齐材料", "owner": "handler", "rectify_by": "2026-03-31"})
    response = as_role("handler").post(f"/cases/{case.id}/fire/report_rectified", data={
        "version": str(case.version), "result": "已整改",
        "evidence": (io.BytesIO(b""), "整改报告.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "文件“整改报告.pdf”是空文件（0 字节）" in page(response)
    assert app.cases.get(case.id).state == "rectifying"


def test_direction_controls_are_stripped_from_uploaded_file_names(app, as_role):
    case = verified(app)
    case = app.cases.advance(case.id, "dispatch", actor="supervisor",
                             fields={"measure": "补齐材料", "owner": "handler", "rectify_by": "2026-03-31"})
    response = as_role("handler").post(f"/cases/{case.id}/fire/report_rectified", data={
        "version": str(case.version), "result": "已整改",
        "evidence": (io.BytesIO(b"evidence"), "report\u202etxt.exe\u200f.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302, page(response)[:500]
    [stored] = app.cases.get(case.id).fields["evidence"]
    assert stored["name"] == "reporttxt.exe.pdf"
