"""Template helpers: local times, rates, role and unit labels, the traffic-light badge."""
from __future__ import annotations

from flask import Flask

from workflow.escalation.deadlines import deadline_text, parse_utc


def init_app(app: Flask) -> None:
    from web.context import may

    app.jinja_env.filters.update(localtime=localtime, rate=rate, deadline=deadline)
    app.jinja_env.globals.update(role_label=role_label, may=may)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


def localtime(value: str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """ISO UTC text as calendar-local (Beijing) time; '' for None."""
    if not value:
        return ""
    from web.context import core

    return parse_utc(value).astimezone(core().calendar.tzinfo).strftime(fmt)


def deadline(value: str | None) -> str:
    """A due instant as people say it: a day-based deadline is its last day; '' for None."""
    if not value:
        return ""
    from web.context import core

    return deadline_text(value, core().calendar.tzinfo)


def rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def role_label(role: str) -> str:
    from web.context import core
    from web.i18n import label

    r = core().roles.get(role)
    return label(r.label, role) if r else role
