"""Helpers of the CLI tests: run `rectiflow` in-process with RECTIFLOW_* settings and read its output."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from sqlalchemy import create_engine, func, select

from rectiflow.cli import main
from workflow.adapters.sql import schema

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
LEDGER = REPO / "tests" / "service" / "data" / "ledger_item.yaml"
NOW = "2026-03-02T01:00:00Z"  # Monday 09:00 in Beijing
INTAKE = ["--field", "description=三份审批材料缺少司法所意见", "--field", "channel=self_report"]


def copy_definitions(target: Path) -> Path:
    """The repo's definitions plus the test-only ledger_item type."""
    shutil.copytree(REPO / "definitions", target)
    shutil.copy(LEDGER, target / "ledger_item.yaml")
    return target


class Cli:
    """Runs the real command group with a fixed environment; each call builds its own engine."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def __call__(self, *args: str, input: str | bytes | None = None, **env: str) -> Result:
        runner = CliRunner()
        return runner.invoke(main, list(args), input=input, env={**self.env, **env}, catch_exceptions=True)

    def ok(self, *args: str, **kwargs: Any) -> Result:
        result = self(*args, **kwargs)
        assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
        return result

    def json(self, *args: str, **kwargs: Any) -> dict[str, Any]:
        return one_json(self.ok(*args, "--json", **kwargs))

    def open_case(self, *extra: str, actor: str = "registrar", unit: str = "xf-sfs-1") -> str:
        data = self.json("case", "open", "ledger_item", "--as", actor, "--title", "审批材料不全", "--unit", unit,
                         *INTAKE, *extra)
        return str(data["id"])


def one_json(result: Result) -> dict[str, Any]:
    """stdout is exactly one JSON object (on one line)."""
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    data = json.loads(lines[0])
    assert isinstance(data, dict)
    return data


def clean_failure(result: Result, code: int) -> None:
    """A refusal: the documented exit code, a message on stderr, no traceback."""
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert result.stderr.strip()


def event_count(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(schema.case_events)).scalar_one())
    finally:
        engine.dispose()
