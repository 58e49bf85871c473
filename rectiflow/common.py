"""What every `rectiflow` command shares: the settings, the application, error handling, --json.

Command modules (rectiflow/cli_*.py) import from here, never from rectiflow.cli, which only
assembles them into the `rectiflow` group.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

import click

from rectiflow.output import fail
from workflow.bootstrap import Application, build
from workflow.config import Settings
from workflow.definitions.fields import DATE_MAX, DATE_MIN
from workflow.errors import InvalidInput, WorkflowError
from workflow.escalation.deadlines import deadline_text
from workflow.events import parse_time


def settings() -> Settings:
    return Settings.from_environment()


def application(sync: bool = True, *, now: str | None = None, interval: int | None = None) -> Application:
    """The core application on this environment's settings (warnings on stderr); `now` / `interval`
    override RECTIFLOW_NOW / RECTIFLOW_SCHEDULER_INTERVAL for this command."""
    s = settings()
    if now is not None:
        s = replace(s, now=parse_time(now))
    if interval is not None:
        s = replace(s, scheduler_interval=interval)
    app = build(s, sync=sync)
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
VERSION_MAX = 2**63 - 1  # a case version (and --expect-version) fits the database's 64-bit integers
VERSION = click.IntRange(0, VERSION_MAX)

_RELATIVE = re.compile(r"^([+-])(\d{1,6})(m|h|d)$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def instant(text: str, option: str, *, now: datetime, tz: tzinfo, end_of_day: bool = True) -> datetime:
    """An instant given on the command line, as an aware UTC datetime. Accepted: an ISO-8601 instant (without
    an offset: Beijing time), a date (the end of that day, Beijing; with `end_of_day=False` its start), or a
    time relative to now: `-90m`, `-12h`, `-3d` (ago), `+5d` (ahead).

    Raises:
        InvalidInput: none of these, or a year outside 1900–2199.
    """
    text = text.strip()
    relative = _RELATIVE.match(text)
    try:
        if relative:
            sign, amount, unit = relative.groups()
            moment = now + (1 if sign == "+" else -1) * timedelta(**{_UNITS[unit]: int(amount)})
        elif len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), time.max if end_of_day else time.min, tzinfo=tz)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            moment = moment if moment.tzinfo else moment.replace(tzinfo=tz)
        if not DATE_MIN <= moment.astimezone(tz).date() <= DATE_MAX:
            raise ValueError(text)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidInput(f"{option}: expected an ISO-8601 instant (2026-03-02T09:00:00+08:00; without an offset: "
                           f"Beijing time), a date (2026-03-02) or a time relative to now (-3d, -12h, -90m) in the "
                           f"years {DATE_MIN.year}–{DATE_MAX.year}, got {text!r}") from None


def local_time(app: Application, instant: str | None) -> str:
    """An instant for people: the bureau's local time (JSON output keeps UTC ISO-8601)."""
    if not instant:
        return "-"
    return parse_time(instant).astimezone(app.calendar.tzinfo).strftime("%Y-%m-%d %H:%M")


def deadline(app: Application, due_at: str | None) -> str:
    """A due instant as people say it: a day-based deadline is its last day (see deadline_text)."""
    return deadline_text(due_at, app.calendar.tzinfo) if due_at else "-"
