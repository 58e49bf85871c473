"""`rectiflow` — the command line. Thin: parse arguments, call one engine method, print the result.

See README.md for a session; every command takes its settings from RECTIFLOW_* variables.
"""
from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Any, Callable

import click

from rectiflow.output import EXIT_ERROR, emit, fail
from workflow.bootstrap import Rectiflow, build
from workflow.config import Settings
from workflow.errors import InvalidInput, WorkflowError


def settings() -> Settings:
    return Settings.from_env(os.environ)


def engine(sync: bool = True) -> Rectiflow:
    app = build(settings(), sync=sync)
    for warning in app.warnings:
        click.echo(f"warning: {warning}", err=True)
    return app


def handles_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn engine errors into a clear message and the documented exit code — never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except WorkflowError as err:
            fail(err, bool(kwargs.get("as_json")))
        except OSError as err:
            fail(InvalidInput(f"{err.filename or ''}: {err.strerror}".strip(": ")), bool(kwargs.get("as_json")))

    return wrapper


json_option = click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """rectiflow: case lifecycles for rectification campaigns (顽瘴痼疾专项整治)."""


# ---- database ---------------------------------------------------------------------------------
@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@handles_errors
def db_upgrade() -> None:
    """Create or migrate the database schema (safe to run again)."""
    from workflow.adapters.sqlstore import upgrade_database

    s = settings()
    upgrade_database(s.database_url)
    click.echo(f"database ready: {_safe_url(s.database_url)}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


from rectiflow import cli_cases, cli_definitions, cli_directory, cli_audit, cli_demo, cli_serve  # noqa: E402,F401

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
