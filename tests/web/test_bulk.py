"""Bulk actions on inbox rows (web/bulk.py, workflow/escalation/bulk.py) and saved filters (web/saved_filters.py):
per-case outcomes, one audit event per case done and none for a refused one, a refusal not stopping the others,
authorization, bad requests (400, nothing written), saved filters' CRUD and privacy."""
from __future__ import annotations

import pytest
from webtools import events_of, open_item, session_as


def _event_count(app, cases):
    return {c.id: len(events_of(app, c.id)) for c in cases}


def _post(client, action, cases, **form):
    data = {"action": action, "case": [f"{c.id}:{c.version}" for c in cases], **form}
    return client.post("/inbox/bulk", data=data)


def test_bulk_assign_reports_each_case_and_writes_one_event_per_case_done(app, client):
    mine = [open_item(app, title=f"城区问题{i}") for i in range(3)]
    other = open_item(app, title="平岗问题", unit="xf-sfs-2")  # outside the unit head's unit
    before = _event_count(app, [*mine, other])
    session_as(client, app, "unit_head")
    response = _post(client, "assign", [*mine, other], assignee="handler")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    after = _event_count(app, [*mine, other])
    assert {c.id: after[c.id] - before[c.id] for c in [*mine, other]} == {**{c.id: 1 for c in mine}, other.id: 0}
    assert all(app.cases.get(c.id).assignee == "handler" for c in mine)
    assert app.cases.get(other.id).assignee is None
    assert "3 件已完成" in html or "3 done" in html
    assert html.count('class="outcome-done"') == 3 and html.count('class="outcome-refused"') == 1
    assert "城区问题0" in html and "承办人 李强" in html and "handler" not in html.split("<main")[-1].replace(
        'value="handler"', "")


def test_a_stale_or_wrong_state_case_is_refused_and_the_others_go_on(app, client):
    first, stale, last = (open_item(app, title=t) for t in ("甲", "乙", "丙"))
    seen = app.cases.get(stale.id)
    app.cases.add_comment(stale.id, actor="registrar", text="有人先动了")
    before = _event_count(app, [first, stale, last])
    session_as(client, app, "supervisor")
    data = {"action": "flag", "level": "1",
            "case": [f"{first.id}:{first.version}", f"{stale.id}:{seen.version}", f"{last.id}:{last.version}"]}
    html = client.post("/inbox/bulk", data=data).get_data(as_text=True)
    after = _event_count(app, [first, stale, last])
    assert [after[c.id] - before[c.id] for c in (first, stale, last)] == [1, 0, 1]
    assert app.cases.get(last.id).flag_level == 1 and app.cases.get(stale.id).flag_level == 0
    assert html.count('class="outcome-refused"') == 1 and "乙" in html
    # dispatch: a case still `reported` has no 交办 step — refused with the engine's reason, the verified one done
    verified = open_item(app, title="已核实")
    app.cases.advance(verified.id, "verify", actor="supervisor")
    reported = open_item(app, title="未核实")
    cases = [app.cases.get(verified.id), reported]
    before = _event_count(app, cases)
    html = _post(client, "dispatch", cases, measure="统一整改措施", deadline="2031-06-30",
                 owner="handler").get_data(as_text=True)
    after = _event_count(app, cases)
    assert [after[c.id] - before[c.id] for c in cases] == [1, 0]
    done = app.cases.get(verified.id)
    assert done.fields["measure"] == "统一整改措施" and done.fields["rectify_by"] == "2031-06-30"
    assert done.assignee == "handler"
    assert html.count('class="outcome-done"') == 1 and html.count('class="outcome-refused"') == 1


def test_handler_cannot_bulk_act_and_a_unit_head_only_within_the_unit(app, client):
    case = open_item(app)
    session_as(client, app, "handler")
    assert _post(client, "assign", [case], assignee="handler").status_code == 403
    assert len(events_of(app, case.id)) == 1
    away = open_item(app, title="外单位案件X", unit="xf-sfs-2")
    session_as(client, app, "unit_head")
    html = _post(client, "assign", [away], assignee="handler").get_data(as_text=True)
    assert 'class="outcome-refused"' in html and len(events_of(app, away.id)) == 1
    assert "外单位案件X" not in html  # a case outside the user's units is not named


def test_unit_head_is_not_offered_flag_or_dispatch(app, client):
    open_item(app)
    session_as(client, app, "unit_head")
    html = client.get("/?tab=queue").get_data(as_text=True)
    assert 'id="bulk-assign"' in html and 'id="bulk-flag"' not in html and 'id="bulk-dispatch"' not in html
    assert _post(client, "flag", [open_item(app)], level="1").status_code == 400
    session_as(client, app, "supervisor")
    html = client.get("/?tab=queue").get_data(as_text=True)
    assert all(f'id="bulk-{a}"' in html for a in ("assign", "flag", "dispatch", "read"))
    assert 'name="case"' in html and 'id="pick-all"' in html


@pytest.mark.parametrize("form", [
    {"action": "assign", "assignee": "handler", "case": ["no-such-case:1"]},
    {"action": "assign", "assignee": "handler", "case": ["{case}:x"]},
    {"action": "assign", "assignee": "nobody", "case": ["{case}:{version}"]},
    {"action": "assign", "assignee": "handler", "case": []},
    {"action": "dispatch", "measure": "措施", "deadline": "2031-02-30", "case": ["{case}:{version}"]},
    {"action": "dispatch", "measure": "措施", "deadline": "明天", "case": ["{case}:{version}"]},
    {"action": "dispatch", "measure": "", "deadline": "2031-06-30", "case": ["{case}:{version}"]},
    {"action": "flag", "level": "3", "case": ["{case}:{version}"]},
    {"action": "delete", "case": ["{case}:{version}"]},
    {"action": "assign", "assignee": "handler", "case": ["{case}:{version}", "forged:1"]},
], ids=["forged-id", "bad-version", "unknown-assignee", "no-case", "impossible-date", "not-a-date", "no-measure",
        "level-3", "unknown-action", "one-forged-among-good"])
def test_bad_bulk_requests_are_400_with_a_message_and_write_nothing(app, client, form):
    case = open_item(app)
    app.cases.advance(case.id, "verify", actor="supervisor")
    case = app.cases.get(case.id)
    form = {k: [v.format(case=case.id, version=case.version) for v in val] if isinstance(val, list) else val
            for k, val in form.items()}
    session_as(client, app, "supervisor")
    response = client.post("/inbox/bulk", data=form)
    assert response.status_code == 400
    assert "Traceback" not in response.get_data(as_text=True)
    assert app.cases.get(case.id).version == case.version


def test_more_than_200_cases_is_400_and_nothing_written(app, client):
    case = open_item(app)
    session_as(client, app, "supervisor")
    ids = [f"{case.id}:{case.version}"] + [f"forged-{i}:1" for i in range(200)]
    response = client.post("/inbox/bulk", data={"action": "assign", "assignee": "handler", "case": ids})
    assert response.status_code == 400 and "200" in response.get_data(as_text=True)
    assert app.cases.get(case.id).version == case.version


def test_bulk_mark_read_marks_only_the_users_alerts_about_those_cases(app, client):
    a, b = open_item(app, title="甲"), open_item(app, title="乙")
    for c in (a, b):
        app.escalations.supervision.flag(c.id, actor="supervisor", level=1)  # alerts the unit head
    before = _event_count(app, [a, b])
    unread = {x.case for x in app.escalations.supervision.alerts_of("unit_head", unread_only=True)}
    assert {a.id, b.id} <= unread
    session_as(client, app, "unit_head")
    html = _post(client, "read", [app.cases.get(a.id)]).get_data(as_text=True)
    assert 'class="outcome-done"' in html
    unread = {x.case for x in app.escalations.supervision.alerts_of("unit_head", unread_only=True)}
    assert a.id not in unread and b.id in unread
    assert _event_count(app, [a, b]) == before  # not a case change


def test_saved_filters_are_saved_listed_used_and_deleted(app, client):
    session_as(client, app, "supervisor")
    response = client.post("/inbox/filters", data={"name": "超期的", "query": "tab=all&light=red&q=审批"})
    assert response.status_code == 302 and "light=red" in response.headers["Location"]
    html = client.get("/").get_data(as_text=True)
    assert ("超期的" in html and "?tab=all&amp;light=red&amp;q=%E5%AE%A1%E6%89%B9" in html) or "light=red" in html
    saved = app.saved_filters.of("supervisor")
    assert [(f.name, f.query) for f in saved] == [("超期的", "tab=all&light=red&q=审批")]
    assert client.post("/inbox/filters", data={"name": "超期的", "query": "light=yellow"}).status_code == 400
    assert client.post("/inbox/filters", data={"name": "坏的", "query": "light=red&evil=1"}).status_code == 400
    assert client.post("/inbox/filters", data={"name": "", "query": "light=red"}).status_code == 400
    assert len(app.saved_filters.of("supervisor")) == 1
    assert client.post(f"/inbox/filters/{saved[0].id}/delete").status_code == 302
    assert app.saved_filters.of("supervisor") == []


def test_saved_filters_are_private(app, web_app, client):
    session_as(client, app, "supervisor")
    client.post("/inbox/filters", data={"name": "我的筛选", "query": "light=red"})
    mine = app.saved_filters.of("supervisor")[0]
    client = web_app.test_client()
    session_as(client, app, "supervisor2")
    assert "我的筛选" not in client.get("/").get_data(as_text=True)
    assert client.post(f"/inbox/filters/{mine.id}/delete").status_code == 404
    assert app.saved_filters.of("supervisor") == [mine]
    client.post("/inbox/filters", data={"name": "我的筛选", "query": "light=yellow"})  # same name, another user
    assert [f.query for f in app.saved_filters.of("supervisor2")] == ["light=yellow"]


def test_bulk_and_saved_filter_posts_need_the_csrf_token(app):
    from webtools import csrf_token_from, make_web

    case = open_item(app)
    client = make_web(app, WTF_CSRF_ENABLED=True).test_client()
    session_as(client, app, "supervisor")
    data = {"action": "flag", "level": "1", "case": [f"{case.id}:{case.version}"]}
    assert client.post("/inbox/bulk", data=data).status_code == 400
    assert client.post("/inbox/filters", data={"name": "甲", "query": "light=red"}).status_code == 400
    assert app.cases.get(case.id).version == case.version and app.saved_filters.of("supervisor") == []
    token = csrf_token_from(client.get("/?tab=all").get_data(as_text=True))
    assert client.post("/inbox/bulk", data={**data, "csrf_token": token}).status_code == 200
    assert app.cases.get(case.id).flag_level == 1
