"""The security administrator unlocks accounts (三员分立): sees which logins are locked after failed attempts and
until when (Beijing HH:MM), lifts a lock with a CSRF-protected POST, each unlock one access-log row; the system
administrator and the audit administrator can do neither."""
from __future__ import annotations

import pytest
from webtools import PASSWORD, csrf_token_from, make_web, session_as

from workflow.errors import InvalidInput, RoleNotAllowed


def lock(app, login: str = "handler") -> None:
    for _ in range(5):
        assert app.logins.login(login, "wrong-password", "10.0.0.9") is None


def unlock_rows(app):
    entries = app.queries.access_entries(actor=None, case_id=None, before_seq=None, limit=500)
    return [e for e in entries if e.action == "unlock_user"]


def test_security_admin_sees_the_lock_and_lifts_it(app, as_role, clock):
    lock(app)
    client = as_role("security_admin")
    html = client.get("/admin/").get_data(as_text=True)
    # START is 09:00 Beijing time; the lock lasts the default 5 minutes
    assert 'id="locked-accounts"' in html and 'data-locked="handler"' in html and "锁定至 09:05" in html
    assert "handler" not in html.split('id="locked-accounts"')[1].split("</section>")[0].replace(
        'data-locked="handler"', "").replace("/admin/users/handler", "")  # the name, not the login, in the sentence
    page = client.get("/admin/users/handler").get_data(as_text=True)
    assert 'id="locked-until"' in page and "至 09:05（北京时间）自动解除" in page and 'id="unlock-user"' in page
    response = client.post("/admin/users/handler/unlock")
    assert response.status_code == 302
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已解锁" in follow and 'id="locked-until"' not in follow
    assert app.logins.locked_logins() == {}
    assert not isinstance(app.logins.login("handler", PASSWORD, "10.0.0.9"), type(None))
    [row] = unlock_rows(app)
    assert (row.actor, row.outcome, row.detail["user"]) == ("security_admin", "ok", "handler")
    assert row.detail["locked_until"].startswith("2026-03-02T01:05")
    log = as_role("audit_admin").get("/audit/access").get_data(as_text=True)
    assert "解锁账号" in log and "原锁定至" in log and "2026-03-02 09:05" in log


def test_nothing_locked_is_said_and_unlocking_it_is_refused_unlogged(app, as_role):
    client = as_role("security_admin")
    assert 'id="no-locks"' in client.get("/admin/").get_data(as_text=True)
    response = client.post("/admin/users/handler/unlock", follow_redirects=True)
    assert "未被锁定，无需解锁" in response.get_data(as_text=True)
    assert unlock_rows(app) == []
    assert client.post("/admin/users/nobody/unlock").status_code == 404


@pytest.mark.parametrize("login", ["admin", "audit_admin"])
def test_system_and_audit_administrators_cannot_unlock(app, as_role, login):
    lock(app)
    client = as_role(login)
    assert client.post("/admin/users/handler/unlock").status_code == 403
    assert app.logins.locked_logins().keys() == {"handler"}
    if login == "admin":  # the system administrator sees the accounts, not their locks
        html = client.get("/admin/").get_data(as_text=True)
        assert 'id="locked-accounts"' not in html and "锁定至" not in html
        assert 'id="unlock-user"' not in client.get("/admin/users/handler").get_data(as_text=True)
    with pytest.raises(RoleNotAllowed):
        app.logins.unlock("handler", by=login)
    assert unlock_rows(app) == []


def test_unlock_needs_the_csrf_token(app):
    lock(app)
    client = make_web(app, WTF_CSRF_ENABLED=True).test_client()
    session_as(client, app, "security_admin")
    assert client.post("/admin/users/handler/unlock").status_code == 400
    assert app.logins.locked_logins().keys() == {"handler"}
    token = csrf_token_from(client.get("/admin/users/handler").get_data(as_text=True))
    assert client.post("/admin/users/handler/unlock", data={"csrf_token": token}).status_code == 302
    assert app.logins.locked_logins() == {}


def test_core_refuses_unknown_and_unlocked_logins(app):
    with pytest.raises(InvalidInput) as refused:
        app.logins.unlock("handler", by="security_admin")
    assert refused.value.message.code == "directory.not_locked"
    from workflow.errors import UnknownUser
    with pytest.raises(UnknownUser):
        app.logins.unlock("nobody", by="security_admin")


def test_an_expired_lock_is_not_listed(app, clock):
    lock(app)
    clock.advance(minutes=5)
    assert app.logins.locked_logins() == {}
