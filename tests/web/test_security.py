"""HTTP hardening: CSRF on every POST, security headers, no-store pages, no state change on GET."""
from __future__ import annotations

import pytest
from webtools import csrf_token_from, make_web, session_as

from web.access import allowed_roles
from web.security import CSP


@pytest.fixture
def csrf_client(app):
    return make_web(app, WTF_CSRF_ENABLED=True).test_client()


def test_post_without_csrf_token_is_refused_and_changes_nothing(app, csrf_client, rect_case):
    session_as(csrf_client, app, "supervisor")
    response = csrf_client.post(f"/cases/{rect_case.id}/fire/verify", data={"version": rect_case.version})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True) or "过期" in response.get_data(as_text=True)
    assert app.cases.get(rect_case.id).version == rect_case.version


def test_post_with_the_page_token_is_accepted(app, csrf_client, rect_case):
    session_as(csrf_client, app, "supervisor")
    token = csrf_token_from(csrf_client.get(f"/cases/{rect_case.id}").get_data(as_text=True))
    response = csrf_client.post(f"/cases/{rect_case.id}/fire/verify",
                                data={"version": rect_case.version, "csrf_token": token})
    assert response.status_code == 302
    assert app.cases.get(rect_case.id).state == "verified"


def test_login_form_needs_the_csrf_token_too(csrf_client):
    response = csrf_client.post("/login", data={"username": "handler", "password": "rectiflow-demo"})
    assert response.status_code == 400
    token = csrf_token_from(csrf_client.get("/login").get_data(as_text=True))
    response = csrf_client.post("/login", data={"username": "handler", "password": "rectiflow-demo",
                                                "csrf_token": token})
    assert response.status_code == 302


def test_pages_carry_the_security_headers(as_role, rect_case):
    client = as_role("supervisor")
    for path in ("/", f"/cases/{rect_case.id}", f"/cases/{rect_case.id}/history", "/dashboard", "/login"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert csp == CSP
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Cache-Control"] == "no-store"


def test_pages_have_no_inline_scripts(as_role, rect_case):
    client = as_role("supervisor")
    for path in ("/", f"/cases/{rect_case.id}", "/dashboard"):
        html = client.get(path).get_data(as_text=True)
        for chunk in html.split("<script")[1:]:
            assert chunk.lstrip().startswith("src="), path  # every script is a file from this origin
        assert " on" + "click=" not in html and "javascript:" not in html


def test_static_files_may_be_cached(client):
    response = client.get("/static/app.css")
    response.close()
    assert response.headers["Cache-Control"].startswith("public")


def test_no_get_route_changes_any_case(app, as_role, rect_case):
    """Every GET route, as a role allowed on it, leaves the event log untouched."""
    from matrix_requests import REQUESTS

    before = len(app.cases.history(rect_case.id)[0])
    for endpoint, (method, url, _data) in REQUESTS.items():
        if method != "GET":
            continue
        allowed = allowed_roles(endpoint, app.roles)
        role = "auditor" if allowed and "auditor" in allowed else "supervisor"
        if allowed and role not in allowed:
            role = sorted(allowed)[0]
        session_as(as_role("supervisor"), app, role)
        as_role("supervisor").get(url.replace("{case}", rect_case.id)).close()
    assert len(app.cases.history(rect_case.id)[0]) == before
    assert app.cases.get(rect_case.id).version == rect_case.version


def test_errors_are_friendly_pages_without_tracebacks(web_app, as_role, monkeypatch):
    client = as_role("supervisor")
    response = client.get("/cases/cdoesnotexist")
    assert response.status_code == 404 and "Traceback" not in response.get_data(as_text=True)
    import web.inbox

    monkeypatch.setattr(web.inbox, "read_filter", lambda: 1 / 0)
    response = client.get("/")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and "ZeroDivisionError" not in body
