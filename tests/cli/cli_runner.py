"""The CLI tests' runner: `rectiflow` in-process with RECTIFLOW_* settings, and checks of what it printed.

  Cli            runs the real command group with a fixed environment (each call builds its own engine)
  one_json       stdout is exactly one JSON object
  clean_failure  a refusal: the documented exit code, a message on stderr, no traceback
  INTAKE         the ledger_item intake fields as --field options (factories.LEDGER_INTAKE)
"""
from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner, Result
from factories import LEDGER_INTAKE, START_ENV

from rectiflow.cli import main

NOW = START_ENV  # Monday 09:00 in Beijing
INTAKE = [arg for name, value in LEDGER_INTAKE.items() for arg in ("--field", f"{name}={value}")]


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
