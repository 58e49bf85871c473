"""The `rectiflow` command as a separate process (the installed console script), for the durability
tests that check what a real shell run prints and leaves behind."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from factories import DEFINITIONS, START_ENV

RECTIFLOW = Path(sys.executable).with_name("rectiflow")


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, Any]:
        lines = [line for line in self.stdout.splitlines() if line.strip()]
        assert len(lines) == 1, f"--json must print exactly one line: {self.stdout!r} / {self.stderr!r}"
        return json.loads(lines[0])


def cli_env(url: str, instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECTIFLOW_")}
    env.update(RECTIFLOW_DATABASE_URL=url, RECTIFLOW_DEFINITIONS=str(DEFINITIONS),
               RECTIFLOW_INSTANCE=str(instance), RECTIFLOW_NOW=START_ENV, PYTHONUTF8="1")
    return env


def run_cli(url: str, instance: Path, *args: str, timeout: float = 120) -> CliResult:
    proc = subprocess.run([str(RECTIFLOW), *args], env=cli_env(url, instance), capture_output=True, text=True,
                          timeout=timeout, cwd=str(instance.parent))
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def start_cli(url: str, instance: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([str(RECTIFLOW), *args], env=cli_env(url, instance), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=str(instance.parent))
