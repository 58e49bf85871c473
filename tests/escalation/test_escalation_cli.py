"""The command line: escalate, alerts, bulletin, case flag/unflag, case show's deadline, RECTIFLOW_NOW."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from factories import local, open_rect, utc_text

from rectiflow.cli import main


@pytest.fixture
def cli(sqlite_esc_app, defs, tmp_path):
    env = {"RECTIFLOW_DATABASE_URL": sqlite_esc_app.settings.database_url, "RECTIFLOW_DEFINITIONS": str(defs),
           "RECTIFLOW_INSTANCE": str(tmp_path / "instance"), "RECTIFLOW_NOW": ""}

    def run(*args: str, now: str | None = None, code: int = 0):
        result = CliRunner().invoke(main, list(args), env={**env, "RECTIFLOW_NOW": now or ""})
        assert result.exit_code == code, (result.output, result.stderr)
        return json.loads(result.stdout) if "--json" in args else result.output

    return run


def test_escalate_fires_once_and_prints_the_firings(sqlite_esc_app, cli) -> None:
    case = open_rect(sqlite_esc_app)
    out = cli("escalate", "--now", "2026-03-10T09:00:00+08:00", "--json")
    assert out["count"] == 2 and [f["rung"] for f in out["fired"]] == ["remind", "urge"]
    urge = out["fired"][1]
    assert {"case", "rung", "level", "due_at", "targets"} <= set(urge)
    assert (urge["case"], urge["level"], urge["due_at"]) == (case.id, 1, utc_text(local("2026-03-10T00:00")))
    assert urge["targets"] == ["supervisor", "supervisor2", "unit_head"]
    assert cli("escalate", "--now", "2026-03-10T09:00:00+08:00", "--json") == {"fired": [], "count": 0}
    assert "fired 0 rung(s)" in cli("escalate", "--now", "2026-03-10T10:00:00+08:00")


def test_every_command_honours_rectiflow_now(sqlite_esc_app, cli) -> None:
    case = open_rect(sqlite_esc_app)
    shown = cli("case", "show", case.id, "--json", now="2026-03-06T09:00:00+08:00")
    assert shown["deadline"]["light"] == "yellow"
    assert cli("escalate", "--json", now="2026-03-06T09:00:00+08:00")["count"] == 1
    shown = cli("case", "show", case.id, "--json", now="2026-03-12T09:00:00+08:00")
    d = shown["deadline"]
    assert (d["light"], d["ever_overdue"], d["provisional"]) == ("red", True, False)
    assert d["due_at"] == utc_text(local("2026-03-10T00:00"))
    assert d["basis"]["amount"] == 5 and d["basis"]["unit"] == "working_days"
    assert d["basis"]["skipped"] == ["2026-03-07", "2026-03-08"]


def test_case_show_has_no_deadline_in_a_state_without_one(sqlite_esc_app, cli) -> None:
    case = open_rect(sqlite_esc_app)
    sqlite_esc_app.cases.advance(case.id, "dismiss", actor="supervisor", fields={"unfounded_reason": "查无实据"})
    assert cli("case", "show", case.id, "--json")["deadline"] is None


def test_alerts_list_and_mark_read(sqlite_esc_app, cli) -> None:
    case = open_rect(sqlite_esc_app)
    cli("escalate", "--now", "2026-03-20T09:00:00+08:00")
    out = cli("alerts", "--as", "leader", "--json")
    [alert] = out["alerts"]
    assert {"case": alert["case"], "kind": alert["kind"], "read": alert["read"]} == {
        "case": case.id, "kind": "escalation", "read": False}
    assert alert["at"] == utc_text(local("2026-03-20T09:00")) and alert["rung"] == "supervise" and alert["late"]
    cli("alerts", "--as", "leader", "--unread", "--mark-read")
    assert cli("alerts", "--as", "leader", "--unread", "--json") == {"alerts": []}
    assert cli("alerts", "--as", "leader", "--json")["alerts"][0]["read"] is True
    assert cli("alerts", "--as", "nobody", "--json", code=1)["error"] == "UnknownUser"


def test_bulletin_lists_cases_the_ladder_put_on_it(sqlite_esc_app, cli) -> None:
    case = open_rect(sqlite_esc_app, title="逾期未整改")
    cli("escalate", "--now", "2026-03-20T09:00:00+08:00")
    out = cli("bulletin", "--json")
    assert out["count"] == 1 and out["items"][0]["case"] == case.id and out["items"][0]["title"] == "逾期未整改"
    assert cli("bulletin", "--since", "2026-03-21T00:00:00+08:00", "--json")["count"] == 0


def test_flag_and_unflag(sqlite_esc_app, cli) -> None:
    s = sqlite_esc_app.cases
    case = open_rect(sqlite_esc_app)
    s.assign(case.id, actor="handler", assignee="handler")
    out = cli("case", "flag", case.id, "--level", "3", "--as", "leader", "--reason", "群众反映强烈", "--json")
    assert out == {"id": case.id, "supervision_level": 3, "listed": True, "version": 3}
    assert [a["kind"] for a in cli("alerts", "--as", "handler", "--json")["alerts"]] == ["flag"]
    assert cli("case", "unflag", case.id, "--as", "leader", "--json", code=3)["error"] == "NotAllowed"
    assert cli("case", "flag", case.id, "--level", "1", "--as", "handler", "--json", code=3)["error"] == \
        "RoleNotAllowed"
    cli("case", "flag", case.id, "--level", "4", "--as", "leader", code=2)
    s.advance(case.id, "dismiss", actor="supervisor", fields={"unfounded_reason": "查无实据"})
    out = cli("case", "unflag", case.id, "--as", "supervisor", "--json")
    assert out["listed"] is False and out["supervision_level"] == 0
    events, _ = s.history(case.id)
    assert [(e.action, e.actor) for e in events[-3:]] == [("flagged", "leader"), ("advanced", "supervisor"),
                                                         ("unflagged", "supervisor")]


def test_escalate_refuses_while_another_process_holds_the_lease(sqlite_esc_app, cli) -> None:
    open_rect(sqlite_esc_app)
    assert sqlite_esc_app.escalations.lease(owner="scheduler@other-host").acquire()  # on the real clock
    out = cli("escalate", "--now", "2026-03-20T09:00:00+08:00", "--json", code=4)
    assert "scheduler@other-host" in out["message"]


def test_bad_instants_are_clear_errors(cli) -> None:
    assert "not an ISO-8601 instant" in cli("escalate", "--now", "yesterday", "--json", code=1)["message"]
    assert cli("alerts", "--as", "leader", "--json", now="soon", code=1)["error"] == "InvalidInput"
