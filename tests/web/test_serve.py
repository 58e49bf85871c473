"""`rectiflow serve`: waitress with the app, the demo seeding and the embedded sweep (`--workers 1`, the
portable path; several workers: test_serve_workers.py)."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from webtools import REPO


@pytest.fixture
def env(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("RECTIFLOW_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("RECTIFLOW_DEFINITIONS", str(REPO / "definitions"))
    monkeypatch.setenv("RECTIFLOW_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("RECTIFLOW_NOW", "2026-03-02T01:00:00Z")


def test_serve_runs_the_app_on_waitress_with_the_demo(env, monkeypatch):
    from rectiflow import cli_serve
    from rectiflow.cli import main

    served = {}
    monkeypatch.setattr(cli_serve, "run", lambda server: served.update(server=server))
    result = CliRunner().invoke(main, ["serve", "--workers", "1", "--demo", "--port", "0", "--no-scheduler"])
    assert result.exit_code == 0, result.output
    server = served["server"]
    assert server.effective_host == "127.0.0.1" and int(server.effective_port) > 0
    assert f"http://127.0.0.1:{server.effective_port}/" in result.output  # the port bound (0: any free one)
    assert "supervisor" in result.output and "rectiflow-demo" in result.output
    assert "demo seeded:" in result.output
    from werkzeug.test import Client

    page = Client(server.application).get("/login", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert page.status_code == 200  # what waitress would have served
    assert server.socket is None and not server._map  # the listening socket is closed when serving ends


def test_demo_has_about_sixty_cases_with_every_light(make_app, sqlite_url):
    from rectiflow.web_demo import seed_demo
    from workflow.read_side import InboxFilter
    from workflow.reporting.queries import build_inbox_query, viewer_for

    app = make_app(sqlite_url)
    result = seed_demo(app)
    assert result["seeded"] and 50 <= result["cases"] <= 150  # ~60 (more when the campaign types add theirs)
    assert seed_demo(app) == {"seeded": False, "cases": 0}  # only into an empty database
    with app.store.read() as tx:
        user, units = tx.get_user("leader"), tx.units()
    from workflow.events import format_time

    lights, stages = set(), set()
    q = app.queries
    query = build_inbox_query("all", viewer_for(user, units, app.registry), app.registry, InboxFilter(),
                              format_time(app.clock.now()), units)
    page = q.inbox(query, after=None, limit=200)
    lights = {r.light for r in page.rows}
    stages = {r.stage for r in page.rows}
    assert {"red", "green", "none"} <= lights
    assert {"reported", "verified", "handled", "closed"} <= stages


def test_serve_embeds_the_sweep_when_the_scheduler_is_there(env, monkeypatch):
    from rectiflow import cli_serve
    from rectiflow.cli import main

    started = []
    monkeypatch.setattr(cli_serve, "run", lambda server: started.append("served"))
    monkeypatch.setattr(cli_serve, "embed_scheduler",
                        lambda app: started.append(app) or (lambda: started.append("stopped")))
    result = CliRunner().invoke(main, ["serve", "--workers", "1", "--port", "0"])
    assert result.exit_code == 0, result.output
    assert len(started) == 3 and started[1:] == ["served", "stopped"]  # the sweep starts before serving, stops after


def test_several_workers_fall_back_to_waitress_where_gunicorn_cannot_run(env, monkeypatch):
    from rectiflow import cli_serve, serve_workers
    from rectiflow.cli import main

    served = {}
    monkeypatch.setattr(serve_workers, "unavailable", lambda: "gunicorn does not run on win32")
    monkeypatch.setattr(cli_serve, "run", lambda server: served.update(server=server))
    result = CliRunner().invoke(main, ["serve", "--workers", "3", "--port", "0", "--no-scheduler"])
    assert result.exit_code == 0, result.output
    assert "note: gunicorn does not run on win32: serving in one process on waitress" in result.stderr
    assert f"http://127.0.0.1:{served['server'].effective_port}/" in result.output  # waitress's server, bound
