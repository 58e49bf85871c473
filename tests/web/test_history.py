"""History and replay of one case, the auditors' global log with filters and JSON Lines export, the access log."""
from __future__ import annotations

import json

from webtools import open_item

from workflow.audit.bundle_verify import verify_bundle


def _walk(app, clock):
    case = open_item(app)
    clock.advance(days=1)
    app.cases.advance(case.id, "verify", actor="supervisor", comment="核实属实")
    clock.advance(days=1)
    return app.cases.advance(case.id, "dispatch", actor="supervisor",
                               fields={"measure": "建立制度", "owner": "handler", "rectify_by": "2026-04-30"})


def test_history_shows_the_timeline_and_a_verified_chain(app, as_role, clock):
    case = _walk(app, clock)
    html = as_role("supervisor").get(f"/cases/{case.id}/history").get_data(as_text=True)
    assert 'class="verify ok"' in html
    assert html.count("<tr class=") == 3 and "核实属实" in html and "建立制度" in html
    assert 'data-state="rectifying"' in html


def test_stepping_to_a_version_replays_the_case_as_it_was(app, as_role, clock):
    case = _walk(app, clock)
    client = as_role("supervisor")
    html = client.get(f"/cases/{case.id}/history?version=2").get_data(as_text=True)
    assert 'id="replayed-state" data-state="verified"' in html
    assert 'id="step-prev"' in html and 'id="step-next"' in html
    html = client.get(f"/cases/{case.id}/history?version=1").get_data(as_text=True)
    assert 'data-state="reported"' in html and "建立制度" not in html.split('id="timeline"')[0]


def test_replay_at_a_chosen_local_time(app, as_role, clock):
    case = _walk(app, clock)  # opened Mon 03-02 09:00, verified Tue 09:00, dispatched Wed 09:00 (Beijing)
    client = as_role("supervisor")
    assert 'data-state="verified"' in client.get(f"/cases/{case.id}/history?at=2026-03-03T12:00").get_data(as_text=True)
    html = client.get(f"/cases/{case.id}/history?at=2026-03-01T12:00").get_data(as_text=True)
    assert 'id="replayed"' not in html
    assert client.get(f"/cases/{case.id}/history?at=garbage").status_code == 400


def test_audit_log_filters_and_pages(app, as_role, clock):
    case = _walk(app, clock)
    other = open_item(app, "other")
    client = as_role("auditor")
    html = client.get("/audit?actor=supervisor").get_data(as_text=True)
    assert html.count(f'data-case="{case.id}"') == 2 and other.id not in html
    html = client.get(f"/audit?case={other.id}").get_data(as_text=True)
    assert other.id in html and f'data-case="{case.id}"' not in html
    assert "<td>" not in client.get("/audit?since=2027-01-01").get_data(as_text=True).split("<tbody>")[1].split(
        "empty")[0]


def test_audit_export_is_a_verifiable_bundle_and_is_logged(app, as_role, clock):

    case = _walk(app, clock)
    response = as_role("auditor").get(f"/audit/export.jsonl?case={case.id}")
    data = response.get_data()
    response.close()
    lines = data.decode().splitlines()
    assert json.loads(lines[0])["format"].startswith("rectiflow-audit-bundle")
    assert [json.loads(line)["version"] for line in lines[1:-1]] == [1, 2, 3]
    report = verify_bundle(data)
    assert report["ok"] and report["events"] == 3, report
    entries = app.queries.access_entries(actor="auditor", case_id=None, before_seq=None, limit=5)
    assert entries[0].action == "export_audit" and entries[0].detail["events"] == 3
    html = as_role("auditor").get("/audit/access").get_data(as_text=True)
    assert "导出审计日志" in html  # the action by its label
