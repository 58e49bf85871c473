"""CLI output and exit codes: --json prints exactly one JSON object; errors map to fixed codes.

Exit codes: 0 ok, 1 error or verification failure, 2 usage, 3 not allowed, 4 conflict.
"""
from __future__ import annotations

import json
import sys
from typing import Any

import click

from workflow.errors import ConcurrencyConflict, DefinitionError, NotAllowed, WorkflowError

EXIT_ERROR, EXIT_NOT_ALLOWED, EXIT_CONFLICT = 1, 3, 4  # 0 is success; 2 (usage) is click's own


def exit_code_for(err: WorkflowError) -> int:
    if isinstance(err, NotAllowed):
        return EXIT_NOT_ALLOWED
    if isinstance(err, ConcurrencyConflict):
        return EXIT_CONFLICT
    return EXIT_ERROR


def kind_of(err: WorkflowError) -> str:
    return type(err).__name__


def emit(as_json: bool, data: dict[str, Any], text: str | None = None) -> None:
    """Print `data` as one JSON object (with --json) or `text` for people."""
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, sort_keys=True))
    elif text is not None:
        click.echo(text)


def error_object(kind: str, message: str, problems: list[str] | None = None) -> str:
    return json.dumps({"ok": False, "error": kind, "message": message, "problems": problems or [message]},
                      ensure_ascii=False)


def fail(err: WorkflowError, as_json: bool) -> None:
    code = exit_code_for(err)
    message = str(err)
    if as_json:
        click.echo(error_object(kind_of(err), message, getattr(err, "problems", None)))
    if isinstance(err, DefinitionError):
        # Each problem alone on its line as PATH:LINE: message, the form editors and CI jump to.
        click.echo("\n".join(err.problems), err=True)
    else:
        click.echo(f"error: {message}", err=True)
    sys.exit(code)


class JsonAwareGroup(click.Group):
    """With --json, a usage error (exit 2) also prints its one JSON object on stdout."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta.setdefault("rectiflow.json", "--json" in args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as err:
            if ctx.meta.get("rectiflow.json"):
                click.echo(error_object("UsageError", err.format_message()))
            raise
