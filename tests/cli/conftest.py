"""Fixtures of the CLI tests.

  cli_defs   a private copy of the definitions folder (plus the test-only ledger_item type)
  cli        Cli on `database_url` (SQLite and PostgreSQL), demo units and users added, no passwords
  no_db_cli  Cli whose RECTIFLOW_DATABASE_URL points nowhere: for commands that need no database
"""
from __future__ import annotations

import pytest
from cli_runner import NOW, Cli
from factories import LEDGER, copy_definitions, seed_directory


@pytest.fixture
def cli_defs(tmp_path):
    return copy_definitions(tmp_path / "definitions", extra=(LEDGER,))


@pytest.fixture
def engines_closed(monkeypatch):
    """Dispose of each command's engine when it returns, so connections never pile up across calls."""
    import rectiflow.common as cli_module

    built = []
    real_build = cli_module.build

    def build(*args, **kwargs):
        app = real_build(*args, **kwargs)
        built.append(app)
        return app

    monkeypatch.setattr(cli_module, "build", build)
    yield
    for app in built:
        app.close()


@pytest.fixture
def cli(database_url, cli_defs, tmp_path, engines_closed):
    run = Cli({"RECTIFLOW_DATABASE_URL": database_url, "RECTIFLOW_DEFINITIONS": str(cli_defs),
               "RECTIFLOW_INSTANCE": str(tmp_path / "instance"), "RECTIFLOW_NOW": NOW})
    _seed(run)
    return run


@pytest.fixture
def no_db_cli(cli_defs, tmp_path):
    return Cli({"RECTIFLOW_DATABASE_URL": f"sqlite:///{tmp_path}/never/created.db",
                "RECTIFLOW_DEFINITIONS": str(cli_defs), "RECTIFLOW_INSTANCE": str(tmp_path / "instance")})


def _seed(run: Cli) -> None:
    """The demo units and users (rectiflow/demo.py), written once through the engine (fast, no passwords)."""
    from workflow.bootstrap import build
    from workflow.config import Settings

    app = build(Settings.from_env(run.env))
    try:
        seed_directory(app)
    finally:
        app.close()
