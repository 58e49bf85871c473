"""Helpers shared by the durability tests (not a test module; imported by them and by child processes).

Everything here is plain code so that `multiprocessing` children started with the *spawn* method
can import it (spawn passes the parent's sys.path on, which includes this folder).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, settings

REPO = Path(__file__).resolve().parents[2]
DEFINITIONS = REPO / "definitions"
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # the suite's clock: Monday 09:00 in Beijing
RECTIFLOW = Path(sys.executable).with_name("rectiflow")

# Hypothesis: registered here, loaded by no one globally (that would change other folders' tests).
PROFILE = "rectiflow-durability"
settings.register_profile(
    PROFILE,
    deadline=None,  # database round trips vary; speed belongs in bench/, not here
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    max_examples=20,
    print_blob=True,
    # No shrinking: every example replays database work, and shrinking a long walk took minutes.
    # A failure prints all its draws and the blob to reproduce it; the example database replays it first.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)


def scaled(n: int) -> int:
    """Example counts times RECTIFLOW_DURABILITY_SCALE (default 1), for a longer local soak."""
    try:
        return n * max(1, int(os.environ.get("RECTIFLOW_DURABILITY_SCALE", "1")))
    except ValueError:
        return n


def shipped_definition_names() -> list[str]:
    """Every case type shipped under definitions/ (read at collection time, so new files are covered)."""
    from workflow.adapters.files.definition_files import definition_paths
    from workflow.adapters.files.yaml_files import load_yaml_file

    names = []
    for path in definition_paths(DEFINITIONS):
        data, _, _ = load_yaml_file(path)
        if isinstance(data, dict) and "states" in data:
            names.append(str(data["name"]))
    return sorted(set(names))


# ---- opening a case that is valid for its definition ----------------------------------------
SAMPLE_VALUES = {
    "text": "样例文本 sample",
    "longtext": "多行说明\nsecond line",
    "date": "2026-06-30",
    "integer": "42",
    "boolean": "yes",
    "person": "handler",
    "unit": "xf-sfs-1",
}


def sample_value(spec: Any) -> Any:
    """A valid value for a non-attachment field spec."""
    if spec.type == "choice":
        return spec.choice_values[0]
    return SAMPLE_VALUES[spec.type]


def intake_fields(defn: Any) -> dict[str, Any]:
    """Valid values for every required field of a definition (attachments excepted)."""
    return {name: sample_value(spec) for name, spec in defn.fields.items()
            if spec.required and spec.type != "attachment"}


def intake_attachments(defn: Any) -> list[Any]:
    from workflow.cases.validation import Attachment

    return [Attachment(name, "intake.txt", b"intake") for name, spec in defn.fields.items()
            if spec.required and spec.type == "attachment"]


def open_rectification_item(app: Any, *, unit: str = "xf-sfs-1") -> Any:
    defn = app.registry.latest("rectification_item")
    return app.cases.open_case("rectification_item", actor="registrar", unit=unit, title="并发测试问题",
                                 fields=intake_fields(defn))


# ---- raw database access, as the database owner -------------------------------------------
def raw_execute(url: str, *statements: str, params: list[dict[str, Any]] | None = None) -> list[Any]:
    """Run SQL statements in one transaction outside the engine; return the rows of the last one."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            rows: list[Any] = []
            for i, statement in enumerate(statements):
                result = conn.execute(text(statement), (params or [{}] * len(statements))[i])
                rows = list(result) if result.returns_rows else []
            return rows
    finally:
        engine.dispose()


def event_count(url: str, case_id: str | None = None) -> int:
    where = " WHERE case_id = :c" if case_id else ""
    return int(raw_execute(url, f"SELECT count(*) FROM case_events{where}", params=[{"c": case_id}])[0][0])


# ---- the command line, as a separate process --------------------------------------------------
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
               RECTIFLOW_INSTANCE=str(instance), RECTIFLOW_NOW="2026-03-02T01:00:00Z", PYTHONUTF8="1")
    return env


def run_cli(url: str, instance: Path, *args: str, timeout: float = 120) -> CliResult:
    proc = subprocess.run([str(RECTIFLOW), *args], env=cli_env(url, instance), capture_output=True, text=True,
                          timeout=timeout, cwd=str(instance.parent))
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def start_cli(url: str, instance: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([str(RECTIFLOW), *args], env=cli_env(url, instance), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=str(instance.parent))


# ---- child processes (multiprocessing, spawn) ---------------------------------------------------
def child_app(url: str, instance: str) -> Any:
    """The engine as a separate process builds it (no definition sync: the parent already did)."""
    from workflow.bootstrap import build
    from workflow.clock import FixedClock
    from workflow.config import Settings

    settings = Settings(database_url=url, definitions_dir=DEFINITIONS, instance_dir=Path(instance))
    return build(settings, clock=FixedClock(START), sync=False)


def race_advance(url: str, instance: str, case_id: str, expected_version: int | None, barrier: Any,
                 results: Any) -> None:
    """Child process: wait for the others, then fire `verify` once; report the outcome's class name."""
    from workflow.errors import WorkflowError

    app = child_app(url, instance)
    try:
        app.cases.get(case_id)  # warm up: connect and load everything before the start line
        barrier.wait(timeout=60)
        try:
            case = app.cases.advance(case_id, "verify", actor="supervisor", expected_version=expected_version)
            results.put(("ok", case.version))
        except WorkflowError as err:
            results.put((type(err).__name__, str(err)))
    finally:
        app.close()


def advance_then_hang(url: str, instance: str, case_id: str, hook: str, ready: Any) -> None:
    """Child process: advance a case, but stop forever at `hook` inside the write transaction.

    The hook points are the store's own steps (monkeypatched here, in the child only): after the
    event was appended ("after_append"), after the case row was updated ("after_update"), or — for
    a new case — after the first event was appended ("open_after_append"). The parent SIGKILLs us.
    """
    import threading

    from workflow.adapters.sql import sqlstore

    app = child_app(url, instance)
    hang = threading.Event()

    def stop_here() -> None:
        ready.send("in the transaction")
        hang.wait()  # never set: the parent kills this process

    original_append, original_update = sqlstore.SqlTx.append, sqlstore.SqlTx.update_case

    def append(self: Any, *args: Any, **kwargs: Any) -> Any:
        stored = original_append(self, *args, **kwargs)
        if hook in ("after_append", "open_after_append"):
            stop_here()
        return stored

    def update_case(self: Any, *args: Any, **kwargs: Any) -> Any:
        done = original_update(self, *args, **kwargs)
        if hook == "after_update":
            stop_here()
        return done

    sqlstore.SqlTx.append = append  # type: ignore[method-assign]
    sqlstore.SqlTx.update_case = update_case  # type: ignore[method-assign]
    if hook == "open_after_append":
        defn = app.registry.latest("rectification_item")
        app.cases.open_case("rectification_item", actor="registrar", unit="xf-sfs-1", title="崩溃中登记",
                              fields=intake_fields(defn))
    else:
        app.cases.advance(case_id, "verify", actor="supervisor")
    ready.send("finished without hanging")  # only reached if the hook never fired
