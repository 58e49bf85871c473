"""The newcomer's first hour (issue 12 item 13), tried as a new user would: the version, `definitions check` on
folders, patterns and every kind of file, the missing definitions folder named by its setting, times for people in
Beijing time (JSON in UTC), the README's exit code for a bad value, the demo's logins and its relative `--as-of`,
and `serve` failing at once on a busy port.
"""
from __future__ import annotations

import re
import socket
import time

import pytest
from cli_runner import NOW, Cli, clean_failure, one_json
from factories import REPO

from rectiflow.demo_people import DEMO_PASSWORD, STAFF, USERS

README = (REPO / "README.md").read_text(encoding="utf-8")
ROLES = "registrar, handler, unit_head, supervisor, leader, auditor, admin, security_admin, audit_admin"


# ---- version -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version_prints_the_packages_version(flag):
    from setuptools.config.setupcfg import read_configuration

    result = Cli({})(flag)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"rectiflow {read_configuration(REPO / 'setup.cfg')['metadata']['version']}\n"
    assert re.fullmatch(r"rectiflow \d+\.\d+\.\d+\n", result.stdout)


# ---- definitions check: folders, patterns, kinds ----------------------------------------------------------
def ok_lines(result) -> dict[str, str]:
    """{path: what it holds} of the `ok PATH: …` lines; every line of stdout is one."""
    lines = result.stdout.splitlines()
    assert all(line.startswith("ok ") for line in lines), result.stdout
    return dict(line[3:].split(": ", 1) for line in lines)


def test_check_of_a_folder_prints_one_line_per_file_each_read_as_what_it_is(no_db_cli, cli_defs):
    result = no_db_cli("definitions", "check", str(cli_defs))
    assert result.exit_code == 0 and result.stderr == "", result.output
    files = sorted(str(p) for p in cli_defs.rglob("*.yaml"))
    lines = ok_lines(result)
    assert sorted(lines) == files  # every YAML file once, those in calendars/ and campaigns/ too
    assert lines[str(cli_defs / "roles.yaml")] == f"roles — 9: {ROLES}"
    assert re.fullmatch(r"calendar cn-mainland v\S+ \(Asia/Shanghai\) — working days \d{4}–\d{4}",
                        lines[str(cli_defs / "calendars" / "cn-mainland.yaml")])
    assert re.fullmatch(r"plan xifeng-2021 — 西丰县.+: \d+ items, 25 measures, \d+ self-report window\(s\)",
                        lines[str(cli_defs / "campaigns" / "xifeng-2021.yaml")])
    assert lines[str(cli_defs / "campaigns" / "plan-items.yaml")].startswith("plan item index — ")
    assert lines[str(cli_defs / "campaigns" / "plan-coverage.yaml")].startswith("plan coverage map — ")
    assert lines[str(cli_defs / "ledger_item.yaml")].startswith("ledger_item v1 — 测试台账 / Test ledger item: ")
    assert no_db_cli("definitions", "check").stdout == result.stdout  # the default: the definitions folder


def test_check_of_a_pattern_checks_the_files_it_matches(no_db_cli, cli_defs):
    result = no_db_cli("definitions", "check", f"{cli_defs}/c*.yaml", str(cli_defs / "calendars"))
    assert result.exit_code == 0 and result.stderr == "", result.output
    assert list(ok_lines(result)) == [*sorted(str(p) for p in cli_defs.glob("c*.yaml")),
                                      str(cli_defs / "calendars" / "cn-mainland.yaml")]
    nothing = no_db_cli("definitions", "check", f"{cli_defs}/zz*.yaml")
    clean_failure(nothing, 1)
    assert nothing.stderr.strip() == f"{cli_defs}/zz*.yaml:?: no file matches this pattern"


@pytest.mark.parametrize("path, described", [
    ("roles.yaml", f"roles — 9: {ROLES}"),
    ("calendars/cn-mainland.yaml", "calendar cn-mainland "),
    ("campaigns/xifeng-2021.yaml", "plan xifeng-2021 — "),
])
def test_roles_calendars_and_plans_are_not_read_as_case_types(no_db_cli, cli_defs, path, described):
    result = no_db_cli("definitions", "check", str(cli_defs / path))
    assert result.exit_code == 0 and result.stderr == "", result.output
    assert ok_lines(result)[str(cli_defs / path)].startswith(described)


def test_a_bad_file_of_any_kind_fails_the_check_and_the_good_ones_are_still_listed(no_db_cli, cli_defs, tmp_path):
    (tmp_path / "other" / "calendars").mkdir(parents=True)
    (tmp_path / "other" / "campaigns").mkdir()
    bad_calendar = tmp_path / "other" / "calendars" / "cal.yaml"
    bad_calendar.write_text("name: x\n", encoding="utf-8")
    bad_plan = tmp_path / "other" / "campaigns" / "plan.yaml"
    bad_plan.write_text("campaign: y\n", encoding="utf-8")
    bad_roles = tmp_path / "other" / "roles.yaml"
    bad_roles.write_text("- registrar\n", encoding="utf-8")
    good = cli_defs / "roles.yaml"
    result = no_db_cli("definitions", "check", str(good), str(tmp_path / "other"))
    clean_failure(result, 1)
    assert list(ok_lines(result)) == [str(good)]
    named = {line.split(":")[0] for line in result.stderr.splitlines()}
    assert named == {str(bad_calendar), str(bad_plan), str(bad_roles)}


# ---- the definitions folder ------------------------------------------------------------------------------
MISSING = ("error: no definitions folder at {} (it needs roles.yaml): run rectiflow from the repository root, "
           "or set RECTIFLOW_DEFINITIONS to the definitions folder")


def test_a_missing_definitions_folder_names_the_setting(no_db_cli, tmp_path):
    nowhere = tmp_path / "nowhere"
    for args in (["case", "show", "c0"], ["definitions", "check"], ["demo"]):
        result = no_db_cli(*args, RECTIFLOW_DEFINITIONS=str(nowhere))  # before "the database is not initialised"
        clean_failure(result, 1)
        assert result.stderr.strip() == MISSING.format(nowhere), args
    error = one_json(no_db_cli("case", "show", "c0", "--json", RECTIFLOW_DEFINITIONS=str(nowhere)))
    assert error["code"] == "setting.definitions_missing"
    zh = no_db_cli("--lang", "zh", "case", "show", "c0", RECTIFLOW_DEFINITIONS=str(nowhere))
    assert "没有定义文件夹" in zh.stderr and "RECTIFLOW_DEFINITIONS" in zh.stderr


def test_by_default_the_definitions_are_those_of_the_folder_the_command_runs_in(no_db_cli, tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = no_db_cli("case", "show", "c0", RECTIFLOW_DEFINITIONS=None)  # type: ignore[arg-type]  # unset
    clean_failure(result, 1)
    assert result.stderr.strip() == MISSING.format(elsewhere / "definitions")
    monkeypatch.chdir(REPO)  # the repository root: its definitions, and on to the next problem
    result = no_db_cli("case", "show", "c0", RECTIFLOW_DEFINITIONS=None)  # type: ignore[arg-type]
    assert result.stderr.strip() == "error: the database is not initialised: run `rectiflow db upgrade` first"


def test_the_readme_says_where_commands_run_and_how_rectiflow_gets_on_the_path():
    assert "source .venv/bin/activate" in README and ".venv/bin/rectiflow" in README
    assert "from the repository root" in README and "RECTIFLOW_DEFINITIONS" in README
    assert MISSING.format("/some/dir/definitions") in " ".join(README.split())  # the message quoted as printed


# ---- times -----------------------------------------------------------------------------------------------
def test_people_read_beijing_time_programs_read_utc(cli):
    assert NOW == "2026-03-02T01:00:00Z"  # 09:00 in Beijing
    case_id = cli.open_case()
    text = cli.ok("case", "history", case_id).stdout
    assert " 2026-03-02 09:00 registrar " in text and "01:00" not in text
    event = cli.json("case", "history", case_id)["events"][0]
    assert event["at"] == "2026-03-02T01:00:00.000000Z"
    assert "Beijing time" in README and "UTC ISO-8601" in README


@pytest.mark.parametrize("as_of, state", [("2026-03-02T08:59:00", None), ("2026-03-02T09:00:00+08:00", "reported"),
                                          ("2026-03-02", "reported"), ("-1h", None), ("+1d", "reported")])
def test_as_of_takes_beijing_time_dates_and_times_relative_to_now(cli, as_of, state):
    case_id = cli.open_case()
    result = cli.ok("case", "history", case_id, "--as-of", as_of)
    if state is None:
        assert result.stdout.strip() == "no events at that point"
    else:
        assert f"state then: {state} (version 1)" in result.stdout


@pytest.mark.parametrize("as_of", ["yesterday", "-3w", "0001-01-01T00:00", "9999-12-31"])
def test_an_as_of_that_is_no_instant_is_refused(cli, as_of):
    result = cli("case", "history", cli.open_case(), "--as-of", as_of)
    clean_failure(result, 1)
    assert "--as-of: expected an ISO-8601 instant" in result.stderr


# ---- exit codes ------------------------------------------------------------------------------------------
def test_an_invalid_field_value_exits_as_the_readme_says(cli):
    assert "`1` error, invalid input (a value of the wrong type" in " ".join(README.split())
    result = cli("case", "open", "integrity_rating", "--as", "registrar", "--unit", "xf-jd-1", "--title", "评价",
                 "--field", "subject_kind=institution", "--field", "subject_name=某鉴定所", "--field", "year=abc")
    clean_failure(result, 1)


# ---- the demo ----------------------------------------------------------------------------------------------
@pytest.fixture
def fresh(cli_defs, tmp_path, engines_closed):
    """A new empty database on the real clock (the README's session)."""
    run = Cli({"RECTIFLOW_DATABASE_URL": f"sqlite:///{tmp_path}/fresh.db", "RECTIFLOW_DEFINITIONS": str(cli_defs),
               "RECTIFLOW_INSTANCE": str(tmp_path / "instance")})
    run.ok("db", "upgrade")
    return run


def test_the_demo_prints_every_login_it_made_and_its_case_replays_relative_to_now(fresh):
    result = fresh.ok("demo")
    text = result.stdout
    assert f"every password is {DEMO_PASSWORD!r}" in text
    rows = [line.split() for line in text.splitlines() if line.startswith("  ") and not line.startswith("   ")]
    made = [login for login, *_ in [*USERS, *STAFF]]
    assert [row[0] for row in rows if row[0] in made] == made  # every account, once, in order
    for login, _role, _unit, name in [*USERS, *STAFF]:
        assert re.search(rf"^  {login} .*{re.escape(name)}$", text, re.M), login
    trail = text.split("audit trail (Beijing time):\n")[1].splitlines()
    assert re.match(r"\s+1  \d{4}-\d\d-\d\d \d\d:\d\d  registrar ", trail[0])
    case_id = re.search(r"^case (\w+) — audit trail", text, re.M).group(1)
    then = fresh.ok("case", "history", case_id, "--as-of", "-3d").stdout  # the README's example
    assert "state then: rectified (version 6)" in then  # reported, then signed by the unit head
    assert "state then: closed" in fresh.ok("case", "history", case_id).stdout


def test_the_demo_lists_its_logins_in_json_too(fresh):
    data = fresh.json("demo")
    assert data["password"] == DEMO_PASSWORD
    assert [u["login"] for u in data["logins"]] == [login for login, *_ in [*USERS, *STAFF]]
    assert {u["name"] for u in data["logins"]} == {name for *_, name in [*USERS, *STAFF]}
    assert fresh.json("demo")["logins"] == []  # a second run makes no accounts


# ---- serve ----------------------------------------------------------------------------------------------
@pytest.fixture
def touched(monkeypatch):
    """Records whether `serve` built the application or started the sweep."""
    from rectiflow import cli_serve

    calls: list[str] = []
    monkeypatch.setattr(cli_serve, "application", lambda: calls.append("application"))
    monkeypatch.setattr(cli_serve, "embed_scheduler", lambda app: calls.append("sweep") or (lambda: None))
    return calls


@pytest.mark.parametrize("workers", ["1", "2"])  # waitress, and gunicorn's master
def test_serve_on_a_busy_port_fails_at_once_and_starts_nothing(no_db_cli, touched, workers):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        started = time.monotonic()
        result = no_db_cli("serve", "--workers", workers, "--port", str(port), "--demo")
        assert time.monotonic() - started < 10
    clean_failure(result, 1)
    assert result.stderr.startswith(f"error: cannot listen on 127.0.0.1:{port}: Address already in use — ")
    assert "serving" not in result.stdout and "demo" not in result.stdout
    assert touched == []  # neither the database nor the sweep


def test_serve_holds_its_port_before_the_sweep_starts_and_says_serving_last(cli, monkeypatch):
    from rectiflow import cli_serve

    order: list[str] = []
    real_listen = cli_serve.listen

    def listen(app, **kw):
        server = real_listen(app, **kw)
        order.append(f"bound {server.effective_port}")
        return server

    def sweep(app):
        port = int(order[0].split()[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5):  # already accepting connections
            order.append("sweep")
        return lambda: order.append("sweep stopped")

    monkeypatch.setattr(cli_serve, "listen", listen)
    monkeypatch.setattr(cli_serve, "embed_scheduler", sweep)
    monkeypatch.setattr(cli_serve, "run", lambda server: order.append("run"))
    result = cli.ok("serve", "--workers", "1", "--port", "0")
    assert [step.split()[0] for step in order] == ["bound", "sweep", "run", "sweep"]
    port = order[0].split()[1]
    assert result.stdout.rstrip().endswith(f"rectiflow is serving on http://127.0.0.1:{port}/  (Ctrl-C to stop)")
    with socket.socket() as again:  # and let go of it afterwards
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", int(port)))


def test_the_readme_shows_a_session_that_works_today():
    session = README.split("## A short CLI session")[1].split("Exit codes:")[0]
    assert "--as-of -3d" in session and "rectiflow --version" in session
    assert not re.search(r"--as-of \d{4}-", session.split("```sh")[1].split("```")[0])  # no fixed date in commands

