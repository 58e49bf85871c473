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

from rectiflow.output import EXIT_ERROR, JsonAwareGroup, emit, fail
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
        from sqlalchemy import exc as db_errors

        try:
            require_utf8(kwargs)
            return fn(*args, **kwargs)
        except WorkflowError as err:
            fail(err, bool(kwargs.get("as_json")))
        except OSError as err:
            fail(InvalidInput(f"{err.filename or ''}: {err.strerror}".strip(": ")), bool(kwargs.get("as_json")))
        except (db_errors.ArgumentError, db_errors.NoSuchModuleError) as err:
            fail(InvalidInput(f"RECTIFLOW_DATABASE_URL: {err}"), bool(kwargs.get("as_json")))
        except db_errors.OperationalError as err:
            reason = str(err.orig or err).strip().splitlines()[0]
            fail(WorkflowError(f"the database is unavailable: {reason}"), bool(kwargs.get("as_json")))

    return wrapper


def require_utf8(params: dict[str, Any]) -> None:
    """Arguments that are not UTF-8 arrive as lone surrogates; refuse them before they reach the engine."""
    for name, value in params.items():
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, (str, Path)):
                try:
                    str(item).encode("utf-8")
                except UnicodeEncodeError:
                    raise InvalidInput(f"{name.replace('_', '-')}: not valid UTF-8 text") from None


json_option = click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object.")


@click.group(cls=JsonAwareGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
    from workflow.adapters.sql.sqlstore import upgrade_database

    s = settings()
    upgrade_database(s.database_url)
    click.echo(f"database ready: {_safe_url(s.database_url)}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


from rectiflow import cli_cases, cli_definitions, cli_directory, cli_audit, cli_demo, cli_escalation, cli_serve  # noqa: E402,F401
from rectiflow import cli_campaign, cli_catalogue, cli_declarations  # noqa: E402,F401

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
