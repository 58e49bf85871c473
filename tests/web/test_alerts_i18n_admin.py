"""Alerts with the unread badge, languages and definition labels, administration, diagrams."""
from __future__ import annotations

from sqlalchemy import column, insert, table
from webtools import AuthActions, make_web, open_item, session_as

from workflow.definitions.diagram import mermaid

alerts = table("alerts", column("login"), column("case_id"), column("event_version"), column("kind"),
               column("rung"), column("level"), column("at"), column("due_at"), column("late"), column("read_at"))


def _alert(app, login, case, version, kind="escalation", rung="urge"):
    with app.store.engine.begin() as conn:  # as the escalation sweep writes them
        conn.execute(insert(alerts).values(login=login, case_id=case.id, event_version=version, kind=kind, rung=rung,
                                           level=1, at="2026-03-02T01:00:00.000000Z", due_at=None, late=False,
                                           read_at=None))


def test_alerts_page_badge_and_mark_read(app, as_role):
    case = open_item(app, "催办事项")
    _alert(app, "handler", case, 2)
    _alert(app, "handler", case, 3, kind="flag", rung=None)
    _alert(app, "unit_head", case, 2)
    client = as_role("handler")
    html = client.get("/").get_data(as_text=True)
    assert 'id="unread-badge">2<' in html
    html = client.get("/alerts").get_data(as_text=True)
    assert "催办事项" in html and html.count('type="checkbox" name="id"') == 2 and "催办" in html
    first = html.split('name="id" value="')[1].split('"')[0]
    client.post("/alerts/read", data={"id": first})
    assert 'id="unread-badge">1<' in client.get("/").get_data(as_text=True)
    client.post("/alerts/read", data={})  # "mark selected" with nothing selected changes nothing
    assert 'id="unread-badge">1<' in client.get("/").get_data(as_text=True)
    client.post("/alerts/read", data={"all": "1"})
    assert 'id="unread-badge"' not in client.get("/").get_data(as_text=True)
    assert 'id="unread-badge">1<' in as_role("unit_head").get("/").get_data(as_text=True)  # others untouched


def test_chinese_by_default_english_on_request(app, client, rect_case):
    assert "登录" in client.get("/login").get_data(as_text=True)
    client.post("/lang", data={"lang": "en", "next": "/login"})
    assert "Log in" in client.get("/login").get_data(as_text=True)
    AuthActions(client).login("supervisor")
    html = client.get(f"/cases/{rect_case.id}").get_data(as_text=True)
    assert "Rectification item" in html and "Verify" in html and "Reported" in html  # labels from the YAML
    client.post("/lang", data={"lang": "zh_CN"})
    html = client.get(f"/cases/{rect_case.id}").get_data(as_text=True)
    assert "问题整改" in html and "核实属实" in html


def test_language_survives_login(client):
    client.post("/lang", data={"lang": "en"})
    AuthActions(client).login("handler")
    assert "Inbox" in client.get("/").get_data(as_text=True)


def test_every_ui_message_has_a_chinese_translation():
    from pathlib import Path

    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    web = Path(__file__).resolve().parents[2] / "web"
    with (web / "translations/zh/LC_MESSAGES/messages.po").open("rb") as fh:
        catalog = read_po(fh)
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    found = {msg[2] if isinstance(msg[2], str) else msg[2][0] for msg in extract_from_dir(str(web), method_map)}
    missing = sorted(m for m in found if not (catalog.get(m) and catalog.get(m).string))
    assert missing == []


def test_admin_manages_users_and_units_but_not_cases(app, as_role, rect_case):
    client = as_role("admin")
    client.post("/admin/units", data={"code": "xf-sfs-3", "name": "新区司法所", "parent": "xf-sfj"})
    html = client.post("/admin/users", data={"login": "handler3", "name": "承办人 新", "unit": "xf-sfs-3"}
                       ).get_data(as_text=True)
    temporary = html.split('id="temporary-password" class="secret">')[1].split("<")[0]
    html = client.get("/admin/").get_data(as_text=True)
    assert "新区司法所" in html and "handler3" in html and "未授予角色" in html
    assert client.get(f"/cases/{rect_case.id}").status_code == 403
    as_role("security_admin").post("/admin/users/handler3/role", data={"role": "handler"})
    assert app.directory.user("handler3").role == "handler"
    other = make_web(app).test_client()
    assert AuthActions(other).login("handler3", temporary).status_code == 302
    assert app.directory.user("handler3").must_change_password


def test_admin_can_end_a_users_sessions(app, web_app, as_role):
    victim = web_app.test_client()
    session_as(victim, app, "handler")
    assert victim.get("/").status_code == 200
    as_role("admin").post("/admin/users/handler/end-sessions")
    assert victim.get("/").status_code == 302


def test_definition_page_draws_the_lifecycle(as_role):
    html = as_role("admin").get("/definitions/rectification_item").get_data(as_text=True)
    assert "stateDiagram-v2" in html and "/vendor/mermaid/mermaid.esm.min.mjs?v=" in html


def test_mermaid_text_covers_states_transitions_and_the_current_state(app):
    d = app.registry.latest("rectification_item")
    text = mermaid(d, "zh", current="rectifying")
    assert text.startswith("stateDiagram-v2")
    assert 'state "整改中" as s_rectifying' in text
    assert "s_reported --> s_verified : 核实属实" in text
    assert "class s_rectifying current" in text
    assert "[*] --> s_reported" in text
    assert "class " not in mermaid(d, "en")


def test_mermaid_labels_cannot_break_out(app):
    from dataclasses import replace

    d = app.registry.latest("rectification_item")
    state = d.states["reported"]
    evil = replace(d, states={**d.states, "reported": replace(state, label={"zh": 'x"\nclick s_reported "js:'})})
    line = next(ln for ln in mermaid(evil).splitlines() if ln.endswith("as s_reported"))
    assert line.count('"') == 2 and "\n" not in line


def test_the_session_key_is_kept_in_the_instance_folder(app, tmp_path):
    from web import _instance_secret

    first = _instance_secret(tmp_path / "inst")
    assert first == _instance_secret(tmp_path / "inst") and len(first) == 64
    assert oct((tmp_path / "inst" / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_every_translation_keeps_its_placeholders():
    """What `pybabel compile` reports as errors (a %(name)s missing or added) would show raw text to users."""
    from pathlib import Path

    from babel.messages.pofile import read_po

    po = Path(__file__).resolve().parents[2] / "web/translations/zh/LC_MESSAGES/messages.po"
    with po.open("rb") as fh:
        catalog = read_po(fh)
    assert [(message.id, [str(e) for e in errors]) for message, errors in catalog.check()] == []
