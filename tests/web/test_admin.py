"""Administration a county needs, through the web UI: adding users (no role: a security administrator grants
one; errors next to the field), disabling and enabling, changing role / unit / name, resetting a password
that must be changed at the next login, everyone's own password change — each shown in Chinese in the access log."""
from __future__ import annotations

import re

import pytest
from webtools import AuthActions, make_web, session_as

from workflow.errors import RoleNotAllowed
from workflow.records import User


def segment(html: str, start: str, end: str = "</table>") -> str:
    """The part of the page from the first `start` to the next `end`."""
    i = html.index(start)
    return html[i:html.index(end, i)]


def visible(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def options(html: str, select_id: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)"', segment(html, f'id="{select_id}"', "</select>"))


def client_as(web_app, app, login: str):
    """A client of its own logged in as `login` (the `as_role` fixture shares one client)."""
    client = web_app.test_client()
    session_as(client, app, login)
    return client


def login_client(web_app, login: str, password: str = "rectiflow-demo"):
    client = web_app.test_client()
    assert AuthActions(client).login(login, password).status_code == 302
    return client


# ---- the admin page --------------------------------------------------------------------------------
def test_the_add_user_form_has_no_role_and_no_password_and_the_tables_show_names(as_role):
    html = as_role("admin").get("/admin/").get_data(as_text=True)
    form = segment(html, 'id="add-user"', "</form>")
    assert 'name="role"' not in form and 'name="password"' not in form
    units = segment(html, 'id="units-table"')
    assert "<th>单位名称</th>" in units and "姓名" not in units and "<th>上级单位</th>" in units
    assert "西丰县司法局" in segment(units, "xf-sfs-1", "</tr>")  # the parent by its name
    users = segment(html, 'id="users-table"')
    handler_row = segment(users, "承办人 李强", "</tr>")
    assert "城区司法所" in handler_row and "xf-sfs-1" not in handler_row


@pytest.mark.parametrize(("form", "field", "says"), [
    ({"login": "handler", "unit": "xf-sfs-1"}, "login", "已存在"),
    ({"login": "h 3", "unit": "xf-sfs-1"}, "login", "登录名"),
], ids=["taken", "bad-login"])
def test_a_refused_user_comes_back_with_the_reason_next_to_the_field(app, as_role, form, field, says):
    response = as_role("admin").post("/admin/users", data=form)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    at_field = segment(html, f'<label for="add-user-{field}"', "</div>")
    assert says in at_field and 'class="error"' in at_field
    assert f'value="{form["login"]}"' in html  # what was typed is kept
    assert "characters" not in html and "works within" not in html
    assert app.directory.user("h3") is None


def test_county_wide_roles_need_no_unit_and_unit_bound_ones_do(app, as_role):
    response = as_role("admin").post("/admin/users", data={"login": "auditor2", "name": "纪检 二"})
    assert response.status_code == 200 and 'id="temporary-password"' in response.get_data(as_text=True)
    security = as_role("security_admin")
    assert security.post("/admin/users/auditor2/role", data={"role": "auditor"}).status_code == 302
    assert app.directory.user("auditor2").role == "auditor" and app.directory.user("auditor2").unit is None
    refused = security.post("/admin/users/auditor2/role", data={"role": "leader"})
    assert refused.status_code == 400
    assert "必须选择所属单位" in segment(refused.get_data(as_text=True), '<label for="user-role"', "</div>")
    assert app.directory.user("auditor2").role == "auditor"


# ---- a unit for every unit-bound role ---------------------------------------------------------------------
def test_a_user_without_a_unit_no_longer_sees_or_acts_on_every_units_cases(app, web_app, as_role, rect_case):
    as_role("admin").post("/admin/users", data={"login": "drifter"})  # no unit: no unit-bound role for them
    assert as_role("security_admin").post("/admin/users/drifter/role", data={"role": "handler"}).status_code == 400
    assert app.directory.user("drifter").role == ""
    # A row from before a unit was required cannot reach any unit's cases either.
    with app.store.write() as tx:
        tx.add_user(User("roaming", "流动承办人", "handler", None, "", True, "t" * 32))
    other = open_in(app, "xf-sfs-2", "平岗的事项")
    roaming = web_app.test_client()
    session_as(roaming, app, "roaming")
    inbox = roaming.get("/?tab=all").get_data(as_text=True)
    assert rect_case.title not in inbox and "平岗的事项" not in inbox
    assert roaming.get(f"/cases/{rect_case.id}").status_code == 403
    assert roaming.get(f"/cases/{other.id}").status_code == 403
    with pytest.raises(RoleNotAllowed):
        app.cases.assign(rect_case.id, actor="roaming", assignee="roaming")
    assert app.cases.get(rect_case.id).assignee is None
    handler = web_app.test_client()  # while a handler of the unit still sees its case
    session_as(handler, app, "handler")
    assert rect_case.title in handler.get("/?tab=all").get_data(as_text=True)
    supervisor = web_app.test_client()  # and no one is offered the case to give to them
    session_as(supervisor, app, "supervisor")
    assert 'value="roaming"' not in supervisor.get("/?tab=queue").get_data(as_text=True)
    assert "roaming" not in options(supervisor.get(f"/cases/{rect_case.id}").get_data(as_text=True), "assign-to")


def open_in(app, unit: str, title: str):
    return app.cases.open_case("rectification_item", actor="registrar", unit=unit, title=title,
                               fields={"description": "说明", "category": "commutation_parole",
                                       "discovery_channel": "self_report"})


# ---- disable and enable --------------------------------------------------------------------------------
def test_a_disabled_user_cannot_log_in_loses_their_sessions_and_leaves_the_pickers(app, web_app, as_role, rect_case):
    app.cases.assign(rect_case.id, actor="handler", assignee="handler")
    second = open_in(app, "xf-sfs-1", "另一件事项")
    victim = login_client(web_app, "handler")
    supervisor = web_app.test_client()
    session_as(supervisor, app, "supervisor")
    assert "handler" in options(supervisor.get(f"/cases/{second.id}").get_data(as_text=True), "assign-to")

    response = as_role("admin").post("/admin/users/handler/disable")
    assert response.status_code == 302
    assert victim.get("/").status_code == 302  # the session has ended
    assert AuthActions(web_app.test_client()).login("handler").status_code == 401
    page = supervisor.get(f"/cases/{second.id}").get_data(as_text=True)
    assert "handler" not in options(page, "assign-to") and "unit_head" in options(page, "assign-to")
    queue = supervisor.get("/?tab=queue").get_data(as_text=True)
    assert "另一件事项" in queue and 'value="handler"' not in queue
    case = app.cases.get(rect_case.id)  # their cases stay as they are
    assert case.assignee == "handler"
    assert supervisor.get(f"/cases/{rect_case.id}").status_code == 200
    admin_page = as_role("admin").get("/admin/users/handler").get_data(as_text=True)
    assert "已停用" in admin_page and 'id="enable-user"' in admin_page

    assert as_role("admin").post("/admin/users/handler/enable").status_code == 302
    assert AuthActions(web_app.test_client()).login("handler").status_code == 302


def test_an_administrator_cannot_disable_themselves(app, as_role):
    client = as_role("admin")
    assert 'id="disable-user"' not in client.get("/admin/users/admin").get_data(as_text=True)
    response = client.post("/admin/users/admin/disable", follow_redirects=True)
    assert "不能停用自己的账号" in response.get_data(as_text=True)
    assert app.directory.user("admin").active


def test_an_unknown_user_is_a_404(as_role):
    client = as_role("admin")
    assert client.get("/admin/users/ghost").status_code == 404
    for action in ("disable", "enable", "reset-password", "end-sessions"):
        assert client.post(f"/admin/users/ghost/{action}").status_code == 404


# ---- role, unit and name ---------------------------------------------------------------------------------
def test_role_unit_and_name_are_changed_with_errors_next_to_the_field(app, web_app):
    client, security = client_as(web_app, app, "admin"), client_as(web_app, app, "security_admin")
    assert 'id="user-role"' not in client.get("/admin/users/handler").get_data(as_text=True)  # not the admin's
    response = client.post("/admin/users/handler", data={"name": "李强", "role": "unit_head", "unit": "xf-sfs-2"})
    assert response.status_code == 302 and app.directory.user("handler").role == "handler"  # the role is ignored
    assert security.post("/admin/users/handler/role", data={"role": "unit_head"}).status_code == 302
    user = app.directory.user("handler")
    assert (user.role, user.unit, user.name) == ("unit_head", "xf-sfs-2", "李强")
    facts = segment(client.get("/admin/users/handler").get_data(as_text=True), 'id="user-facts"')
    assert "平岗司法所" in facts and "科室/所负责人" in facts and "xf-sfs-2" not in facts

    refused = client.post("/admin/users/handler", data={"name": "李强", "role": "handler", "unit": ""})
    assert refused.status_code == 400
    at_unit = segment(refused.get_data(as_text=True), '<label for="user-unit"', "</div>")
    assert "必须选择所属单位" in at_unit
    emptied = client.post("/admin/users/handler", data={"name": " ", "role": "unit_head", "unit": "xf-sfs-2"})
    assert emptied.status_code == 400
    assert "不能为空" in segment(emptied.get_data(as_text=True), '<label for="user-name"', "</div>")
    own_page = security.get("/admin/users/security_admin").get_data(as_text=True)
    assert 'id="change-role"' not in own_page and 'id="own-role"' in own_page
    own = security.post("/admin/users/security_admin/role", data={"role": "auditor"})
    assert own.status_code == 400 and "不能给自己授予角色" in own.get_data(as_text=True)
    assert app.directory.user("handler").role == "unit_head"
    assert app.directory.user("security_admin").role == "security_admin"


# ---- password reset and change -------------------------------------------------------------------------------
def test_a_reset_password_works_only_to_choose_a_new_one(app, web_app, as_role, rect_case):
    earlier = login_client(web_app, "handler")
    page = as_role("admin").post("/admin/users/handler/reset-password").get_data(as_text=True)
    temporary = re.search(r'id="temporary-password"[^>]*>([^<]+)<', page).group(1)
    assert "只显示这一次" in page
    assert earlier.get("/").status_code == 302  # sessions ended
    assert AuthActions(web_app.test_client()).login("handler").status_code == 401  # the old password is gone

    client = web_app.test_client()
    response = AuthActions(client).login("handler", temporary)
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/password")
    for path in ("/", f"/cases/{rect_case.id}", "/alerts", "/dashboard"):
        blocked = client.get(path)
        assert blocked.status_code == 302 and blocked.headers["Location"].endswith("/account/password"), path
    comment = client.post(f"/cases/{rect_case.id}/comment", data={"version": "1", "text": "想先办事"})
    assert comment.status_code == 302 and app.cases.get(rect_case.id).comments == 0
    form = client.get("/account/password").get_data(as_text=True)
    assert "管理员已重置您的密码" in form and 'id="nav-inbox"' not in form

    changed = client.post("/account/password", data={"current": temporary, "new": "my-own-password",
                                                     "repeat": "my-own-password"})
    assert changed.status_code == 302
    assert client.get("/").status_code == 200
    assert not app.directory.user("handler").must_change_password
    assert AuthActions(web_app.test_client()).login("handler", "my-own-password").status_code == 302


@pytest.mark.parametrize(("form", "field", "says"), [
    ({"current": "wrong-password", "new": "new-password", "repeat": "new-password"}, "current", "当前密码不正确"),
    ({"current": "rectiflow-demo", "new": "short", "repeat": "short"}, "new", "密码须为 8—256 个字符"),
    ({"current": "rectiflow-demo", "new": "new-password", "repeat": "new-passwort"}, "repeat", "两次输入的新密码不"),
    ({"current": "rectiflow-demo", "new": "rectiflow-demo", "repeat": "rectiflow-demo"}, "new", "不能与当前密码相同"),
], ids=["wrong-current", "short", "differ", "unchanged"])
def test_a_refused_password_change_says_why_next_to_the_field(web_app, form, field, says):
    client = login_client(web_app, "supervisor")
    response = client.post("/account/password", data=form)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert says in segment(html, f'<label for="pw-{field}"', "</div>")
    assert "characters" not in html and "password" not in visible(html).lower()


def test_everyone_changes_their_own_password_and_other_sessions_end(app, web_app):
    other_device = login_client(web_app, "auditor")
    client = login_client(web_app, "auditor")
    assert 'id="nav-password"' in client.get("/").get_data(as_text=True)
    response = client.post("/account/password", data={"current": "rectiflow-demo", "new": "a-new-passphrase",
                                                       "repeat": "a-new-passphrase"}, follow_redirects=True)
    assert response.status_code == 200 and "密码已修改" in response.get_data(as_text=True)
    assert client.get("/").status_code == 200  # this session goes on
    assert other_device.get("/").status_code == 302  # the other one has ended
    assert AuthActions(web_app.test_client()).login("auditor", "a-new-passphrase").status_code == 302


# ---- the access log, in Chinese ----------------------------------------------------------------------------
def test_every_administration_act_is_in_the_access_log_in_chinese(app, web_app, as_role):
    admin, security = client_as(web_app, app, "admin"), client_as(web_app, app, "security_admin")
    admin.post("/admin/users", data={"login": "h3", "name": "承办人 新", "unit": "xf-sfs-2"})
    security.post("/admin/users/h3/role", data={"role": "handler"})
    security.post("/admin/users/handler/role", data={"role": "unit_head"})
    security.post("/admin/users/h3/role", data={"role": ""})
    admin.post("/admin/users/handler", data={"name": "承办人 李强", "unit": "xf-sfs-2"})
    admin.post("/admin/users/h3/disable")
    admin.post("/admin/users/h3/enable")
    admin.post("/admin/users/h3/reset-password")
    admin.post("/admin/users/h3/end-sessions")
    supervisor = login_client(web_app, "supervisor")
    supervisor.post("/account/password", data={"current": "rectiflow-demo", "new": "a-new-passphrase",
                                               "repeat": "a-new-passphrase"})
    entries = app.queries.access_entries(actor="admin", case_id=None, before_seq=None, limit=10)
    assert [e.action for e in entries] == ["end_sessions", "reset_password", "enable_user", "disable_user",
                                           "change_user", "reset_password", "add_user"]
    grants = app.queries.access_entries(actor="security_admin", case_id=None, before_seq=None, limit=10)
    assert [(e.action, e.detail) for e in grants] == [
        ("revoke_role", {"user": "h3", "role": "", "previous": "handler"}),
        ("change_role", {"user": "handler", "role": "unit_head", "previous": "handler"}),
        ("grant_role", {"user": "h3", "role": "handler", "previous": ""})]
    auditor = web_app.test_client()
    session_as(auditor, app, "audit_admin")
    html = auditor.get("/audit/access").get_data(as_text=True)
    table = visible(segment(html, 'id="access-table"'))
    for words in ("新增用户", "修改用户", "停用用户", "启用用户", "重置密码", "结束用户会话", "修改本人密码", "登录",
                  "授予角色", "变更角色", "收回角色", "安全管理员",
                  "系统管理员", "承办人 新", "整治办 赵刚", "承办人 → 科室/所负责人", "平岗司法所", "成功"):
        assert words in table, words
    for raw in ("disable_user", "reset_password", "change_user", "grant_role", "unit_head", "xf-sfs-2", " ok ",
                " h3 "):
        assert raw not in table, raw
    mine = visible(auditor.get("/audit/access?actor=系统管理员").get_data(as_text=True))
    assert "停用用户" in mine and "修改本人密码" not in mine


def test_the_command_lines_acts_are_labelled(app, web_app):
    app.directory.disable_user("handler")  # as the CLI does it
    auditor = web_app.test_client()
    session_as(auditor, app, "auditor")
    table = visible(segment(auditor.get("/audit/access").get_data(as_text=True), 'id="access-table"'))
    assert "系统（命令行）" in table and "system:cli" not in table


def test_a_changed_role_takes_effect_on_the_next_request(app, web_app):
    """A changed role takes effect on the next request: the user's role is read per request."""
    app.directory.add_user("admin2", role="admin", name="管理员二")
    client = make_web(app).test_client()
    session_as(client, app, "admin2")
    assert client.get("/admin/").status_code == 200
    app.directory.set_user("admin2", role="auditor")
    assert client.get("/admin/").status_code == 403
