"""Login and logout: argon2 check, throttling before hashing, session renewal, server-side revocation."""
from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from webtools import AuthActions, make_web


def _cookie(response, name="rectiflow_session") -> str:
    for header in response.headers.getlist("Set-Cookie"):
        cookie = SimpleCookie(header)
        if name in cookie:
            return header
    raise AssertionError(f"no {name} cookie set")


def test_login_with_the_right_password_opens_the_inbox(client, auth):
    response = auth.login("handler")
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/"
    assert client.get("/").status_code == 200


def test_wrong_password_is_refused_and_logged(app, client, auth):
    response = auth.login("handler", "wrong-password")
    assert response.status_code == 401
    assert client.get("/").status_code == 302
    entries = app.queries.access_entries(actor="handler", case_id=None, before_seq=None, limit=5)
    assert [(e.action, e.outcome) for e in entries] == [("login", "failed")]


def test_unknown_login_is_refused_like_a_wrong_password(client, auth):
    assert auth.login("nobody", "whatever-password").status_code == 401


def test_failed_logins_are_throttled_before_any_hashing(client, auth, monkeypatch):
    import workflow.directory.staff

    for _ in range(5):
        assert auth.login("handler", "wrong-password").status_code == 401
    calls = []
    monkeypatch.setattr(workflow.directory.staff, "check_password", lambda *a: calls.append(a) or True)
    response = auth.login("handler")  # even the right password waits out the window
    assert response.status_code == 429
    assert calls == []  # refused before hashing: guessing floods cost no CPU
    assert client.get("/").status_code == 302


def test_throttle_ends_after_the_window(app, client, auth, clock):
    for _ in range(5):
        auth.login("handler", "wrong-password")
    clock.advance(minutes=16)
    assert auth.login("handler").status_code == 302


def test_session_is_renewed_at_login(client, auth):
    client.get("/login")
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"  # session fixation: a value set before login
        sess["sid"] = "old"
    auth.login("handler")
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["sid"] != "old"
        assert sess["_user_id"].startswith("handler:")


def test_logout_invalidates_the_session_on_the_server(web_app, client, auth):
    auth.login("supervisor")
    stolen = client.get_cookie("rectiflow_session").value
    assert auth.logout().status_code == 302
    thief = web_app.test_client()
    thief.set_cookie("rectiflow_session", stolen)
    response = thief.get("/")
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"


def test_logout_is_post_only(client, auth):
    auth.login("handler")
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_login_does_not_redirect_off_site(client, auth):
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        response = client.post(f"/login?next={target}", data={"username": "handler", "password": "rectiflow-demo"})
        assert urlsplit(response.headers["Location"]).netloc in ("", "localhost")
        assert urlsplit(response.headers["Location"]).path == "/"
        client.post("/logout")


def test_login_follows_a_local_next(client):
    response = client.post("/login?next=/dashboard", data={"username": "leader", "password": "rectiflow-demo"})
    assert urlsplit(response.headers["Location"]).path == "/dashboard"


def test_session_cookie_is_httponly_and_samesite(client, auth):
    header = _cookie(auth.login("handler"))
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" not in header


def test_session_cookie_is_secure_when_served_over_tls(app, monkeypatch):
    from dataclasses import replace

    from workflow.config import Settings

    assert Settings.from_env({"RECTIFLOW_COOKIE_SECURE": "1"}).cookie_secure
    monkeypatch.setattr(app, "settings", replace(app.settings, cookie_secure=True))
    client = make_web(app).test_client()
    header = _cookie(AuthActions(client).login("handler"))
    assert "Secure" in header


def test_a_disabled_user_loses_the_session(app, client, auth):
    auth.login("handler")
    with app.store.write() as tx:
        tx.update_user("handler", active=False)
    assert client.get("/").status_code == 302
