"""CLI output and exit codes: --json prints exactly one JSON object; errors map to fixed codes.

Exit codes: 0 ok, 1 error or verification failure, 2 usage, 3 not allowed, 4 conflict. Error
messages are the engine's (workflow.messages), in English, or in Chinese with `rectiflow --lang zh`
(the web UI's translation catalogue; names are shown as they are, e.g. logins and state names).
"""
from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any

import click
from babel.messages.pofile import read_po

from workflow.errors import ConcurrencyConflict, DefinitionError, NotAllowed, WorkflowError
from workflow.messages import MESSAGES, Message, render

TRANSLATIONS = Path(__file__).resolve().parents[1] / "web" / "translations"
LANGUAGES = ("en", "zh")

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


def error_object(kind: str, message: str, problems: list[str] | None = None, code: str | None = None) -> str:
    data: dict[str, Any] = {"ok": False, "error": kind, "message": message, "problems": problems or [message]}
    if code is not None:
        data["code"] = code
    return json.dumps(data, ensure_ascii=False)


def text_of(message: Message, lang: str) -> str:
    """The message in `lang` ("en" or "zh")."""
    if lang != "zh":
        return str(message)
    catalogue = _zh()

    def show(_name: str, value: Any) -> Any:
        if isinstance(value, Message):
            return text_of(value, lang)
        return "、".join(map(str, value)) if isinstance(value, (list, tuple)) else value

    template = MESSAGES[message.code]
    return render(message.code, message.params, template=catalogue.get(template) or template, show=show)


@functools.cache
def _zh() -> dict[str, str]:
    """msgid → Chinese text, read from the web UI's catalogue (its .po: no compiled .mo needed)."""
    with (TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return {str(m.id): str(m.string) for m in read_po(fh) if m.id and isinstance(m.string, str) and m.string}


def fail(err: WorkflowError, as_json: bool) -> None:
    code = exit_code_for(err)
    ctx = click.get_current_context(silent=True)
    message = text_of(err.message, (ctx.find_root().meta.get("rectiflow.lang") if ctx else None) or "en")
    if as_json:
        click.echo(error_object(kind_of(err), message, getattr(err, "problems", None), err.code))
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
