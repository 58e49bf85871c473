"""Fixtures and helpers of the campaign tests (case types of the six tasks, plans, declarations).

  app / sqlite_app   from tests/conftest.py: the engine with the demo directory, both backends
  staff              adds unit heads of the bureau's offices (xf-zzb, xf-lsk) and returns their logins
  plan_windows       load a copy of the Xifeng plan under another key with the given self-report windows
  cli                run `rectiflow …` in-process against sqlite_app at the test clock; parses --json output
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from factories import REPO

from rectiflow.cli import main
from workflow.events import format_time

XIFENG = REPO / "definitions" / "campaigns" / "xifeng-2021.yaml"


@pytest.fixture
def staff(app):
    app.directory.add_user("zzb_head", role="unit_head", unit="xf-zzb", name="整治办主任 钱伟")
    app.directory.add_user("lsk_head", role="unit_head", unit="xf-lsk", name="律管科长 冯洁")
    return ["zzb_head", "lsk_head"]


@pytest.fixture
def plan_windows(app, tmp_path):
    """Load the Xifeng plan as campaign `key` with self-report windows [(from, until), …], running from
    `starts_on` to `ends_on` (default: 2000 to 2099, so the test's cases belong to it); returns its path."""

    def load(windows: list[tuple[str, str]], key: str = "test-window", starts_on: str = "2000-01-01",
             ends_on: str = "2099-12-31") -> Path:
        text = XIFENG.read_text(encoding="utf-8").replace("campaign: xifeng-2021", f"campaign: {key}")
        text = re.sub(r"^starts_on: .*$", f"starts_on: {starts_on}", text, flags=re.M)
        text = re.sub(r"^ends_on: .*$", f"ends_on: {ends_on}", text, flags=re.M)
        block = "".join(f"  - {{from: {a}, until: {b}, label: {{zh: 测试窗口, en: Test window}}}}\n"
                        for a, b in windows)
        text = re.sub(r"self_report_windows:\n(  - .*\n)+", "self_report_windows:\n" + block, text)
        path = tmp_path / f"{key}.yaml"
        path.write_text(text, encoding="utf-8")
        app.campaigns.load(path)
        return path

    return load


@pytest.fixture
def cli(sqlite_app, tmp_path, clock):
    env = {"RECTIFLOW_DATABASE_URL": sqlite_app.settings.database_url,
           "RECTIFLOW_DEFINITIONS": str(REPO / "definitions"), "RECTIFLOW_INSTANCE": str(tmp_path / "instance"),
           "RECTIFLOW_NOW": format_time(clock.now())}

    def run(*args: str, code: int = 0):
        result = CliRunner().invoke(main, list(args), env=env)
        assert result.exit_code == code, (result.output, result.stderr)
        return json.loads(result.stdout) if "--json" in args else result.output

    return run
