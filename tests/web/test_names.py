"""Names, not identifiers: pages show people by display name, units by name, plans by title, the engine's own
actors by a label, and the audit log by case title, type, step and state labels — its filters take a name
or a label (in either language) as well as the internal one. The CLI keeps logins: it is the operator's tool.
"""
from __future__ import annotations

import html as htmlmod
import re
from pathlib import Path

import pytest
from webtools import REPO, open_item

from rectiflow.demo_people import STAFF, UNITS, USERS
from workflow.cases.validation import Attachment

LOGINS = sorted({u[0] for u in USERS + STAFF}, key=len, reverse=True)
CODES = [u[0] for u in UNITS]
IDENTIFIER = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, LOGINS)) + r"|xf-[a-z0-9-]+|xifeng-2021|system:\w+)"
                        r"(?![\w-])")
NAMES = {login: name for login, _role, _unit, name in USERS + STAFF}


def visible(page: str) -> str:
    """The text a reader sees: no tags, scripts, diagrams or attribute values."""
    page = re.sub(r"(?s)<script.*?</script>|<style.*?</style>|<pre class=\"mermaid\".*?</pre>", " ", page)
    return htmlmod.unescape(re.sub(r"(?s)<[^>]+>", " ", page))


def identifiers(client, path: str) -> set[str]:
    """The logins, unit codes and plan keys a page shows (none for a page the user may not open)."""
    response = client.get(path)
    assert response.status_code in (200, 403), path
    return set(IDENTIFIER.findall(visible(response.get_data(as_text=True))))


@pytest.fixture
def lived(app, clock):
    """A ledger item walked to 销号 with a return, a rung fired by the scheduler, a plan loaded by the system."""
    s = app.cases
    case = open_item(app, "请假审批材料不全")
    clock.advance(days=1)
    s.advance(case.id, "verify", actor="supervisor")
    s.assign(case.id, actor="handler", assignee="handler")
    s.advance(case.id, "dispatch", actor="supervisor",
              fields={"measure": "补齐材料", "owner": "handler", "rectify_by": "2026-03-20"})
    s.add_comment(case.id, actor="unit_head", text="抓紧办理")
    late = open_item(app, "逾期未核实", unit="xf-sfs-2")
    clock.advance(days=12)
    app.escalations.sweeper(fired_by="test").sweep()  # `late` ran past its deadline: rungs by system:scheduler
    s.advance(case.id, "report_rectified", actor="handler", fields={"result": "已补齐"},
              attachments=[Attachment("evidence", "e.txt", b"evidence")])
    s.advance(case.id, "sign_off", actor="unit_head")
    s.advance(case.id, "return_for_rework", actor="supervisor", fields={"return_reason": "缺制度文件"})
    s.advance(case.id, "report_rectified", actor="handler", fields={"result": "已补制度"},
              attachments=[Attachment("evidence", "f.txt", b"policy")])
    s.advance(case.id, "sign_off", actor="unit_head")
    s.advance(case.id, "close_out", actor="supervisor2")
    report = app.campaigns.load(REPO / "definitions" / "campaigns" / "xifeng-2021.yaml")
    return case, late, report.cases[0]


def test_no_page_shows_a_login_a_unit_code_or_a_plan_key(app, as_role, lived):
    case, late, measure = lived
    pages = ["/", "/?tab=todo", "/?tab=queue", "/?tab=overdue", "/?tab=all", "/alerts", "/dashboard",
             f"/cases/{case.id}", f"/cases/{case.id}/history", f"/cases/{late.id}", f"/cases/{late.id}/history",
             "/definitions/rectification_item"]
    for login in ("registrar", "handler", "unit_head", "supervisor", "leader", "auditor"):
        client = as_role(login)
        for path in [*pages, f"/cases/{measure}", f"/cases/{measure}/history"]:
            assert identifiers(client, path) == set(), (login, path)
    auditor = as_role("auditor")
    for path in ("/audit", "/audit?type=rectification_measure", "/audit/access"):
        assert identifiers(auditor, path) == set(), path


def test_the_case_page_and_its_history_name_the_people(app, as_role, lived):
    case, late, measure = lived
    client = as_role("supervisor")
    page = visible(client.get(f"/cases/{case.id}").get_data(as_text=True))
    assert NAMES["registrar"] in page  # registered by
    assert NAMES["handler"] in page  # assignee, and the owner field (a person)
    assert NAMES["unit_head"] in page  # the comment's author
    history = visible(client.get(f"/cases/{late.id}/history").get_data(as_text=True))
    assert "系统（超期督办）" in history
    measure_page = visible(client.get(f"/cases/{measure}").get_data(as_text=True))
    assert "西丰县" in measure_page and "系统（方案导入）" in measure_page  # the plan's title; who opened it
    unit = app.cases.get(measure).fields["responsible_unit"]
    assert {code: name for code, name, _parent in UNITS}[unit] in measure_page  # a unit field


def test_system_actors_have_labels_in_both_languages(app, web_app):
    from web.names import SYSTEM_ACTORS, person

    written = set()
    for path in Path(REPO / "workflow").rglob("*.py"):
        written |= set(re.findall(r"[\"'](system:[a-z_]+)[\"']", path.read_text(encoding="utf-8")))
    assert written and written <= set(SYSTEM_ACTORS)  # every actor the engine writes for itself
    with web_app.test_request_context("/"):
        from flask_babel import force_locale

        with force_locale("zh_CN"):
            assert person("system:scheduler") == "系统（超期督办）"
            assert person("system:campaign") == "系统（方案导入）"
            assert person("system:calendar") == "系统（日历重算）"
            assert person("system:someday") == "系统"
            assert person("handler") == NAMES["handler"] and person("nobody") == "nobody" and person(None) == ""
        with force_locale("en"):
            assert person("system:scheduler") == "System (deadline supervision)"
            assert person("system:campaign") == "System (plan import)"


def test_every_event_action_has_a_label():
    from web.event_labels import ACTION_LABELS
    from workflow.engine.projection import FOLDS

    assert set(FOLDS) <= set(ACTION_LABELS)


def rows(html: str) -> list[str]:
    body = html.split('id="audit-table"')[1].split("<tbody>")[1].split("</tbody>")[0]
    return [visible(r) for r in body.split("<tr")[1:] if "empty" not in r]


def test_the_audit_log_shows_titles_types_steps_and_states(as_role, lived):
    case, _late, _measure = lived
    html = as_role("auditor").get(f"/audit?case={case.id}").get_data(as_text=True)
    found = rows(html)
    # opened, verified, claimed, dispatched, commented, reported, signed, returned, reported, signed, closed
    assert len(found) == 11
    close = found[0]  # newest first
    assert "请假审批材料不全" in close and "问题整改" in close  # title, type
    assert "验收销号" in close and NAMES["supervisor2"] in close  # step, who
    assert "整改完成待验收 → 已销号" in close  # states
    assert any("退回单位" not in r and "退回整改" in r for r in found)
    assert sum("单位负责人签字确认" in r for r in found) == 2
    assert "登记" in found[-1] and NAMES["registrar"] in found[-1]


@pytest.mark.parametrize("typed", ["验收销号", "Close out", "close out", "close_out", "销号"])
def test_the_action_filter_takes_a_label_in_either_language_or_the_name(as_role, lived, typed):
    found = rows(as_role("auditor").get(f"/audit?action={typed}").get_data(as_text=True))
    assert len(found) == 1 and "请假审批材料不全" in found[0]


def test_the_action_filter_takes_event_labels_too(as_role, lived):
    client = as_role("auditor")
    assert len(rows(client.get("/audit?action=意见").get_data(as_text=True))) == 1  # the one comment
    assert len(rows(client.get("/audit?action=commented").get_data(as_text=True))) == 1
    assert rows(client.get("/audit?action=no-such-step").get_data(as_text=True)) == []


@pytest.mark.parametrize("typed", ["handler", NAMES["handler"], "李强"])
def test_the_person_filter_takes_a_name_or_a_login(as_role, lived, typed):
    found = rows(as_role("auditor").get(f"/audit?actor={typed}").get_data(as_text=True))
    assert found and all(NAMES["handler"] in r for r in found)
    assert len(found) == 3  # claimed, reported twice


def test_the_person_filter_finds_the_engines_own_actors(as_role, lived):
    client = as_role("auditor")
    found = rows(client.get("/audit?actor=超期督办").get_data(as_text=True))
    assert found and all("系统（超期督办）" in r for r in found)
    assert rows(client.get("/audit?actor=方案导入&type=rectification_measure").get_data(as_text=True))


def test_the_access_log_names_people_and_actions(app, as_role, auth, lived):
    auth.login("handler")
    html = as_role("auditor").get("/audit/access?actor=李强").get_data(as_text=True)
    text = visible(html)
    assert "登录" in text and NAMES["handler"] in text and "成功" in text
    assert IDENTIFIER.findall(text) == []



def test_the_export_takes_the_same_filters_and_logs_them_as_typed(app, as_role, lived):
    import json

    response = as_role("auditor").get("/audit/export.jsonl?actor=李强&action=报送整改结果")
    lines = response.get_data(as_text=True).splitlines()
    response.close()
    events = [json.loads(line) for line in lines[1:-1]]
    assert len(events) == 2 and {e["actor"] for e in events} == {"handler"}  # the bundle keeps logins
    [entry] = app.queries.access_entries(actor="auditor", case_id=None, before_seq=None, limit=1)
    assert entry.detail["filter"] == "actor=李强 action=报送整改结果"
