"""Template helpers: local times, rates, role labels, people, units and plans by name (web.names)."""
from __future__ import annotations

from flask import Flask

from workflow.campaigns.loader import CAMPAIGN_FIELD
from workflow.escalation.deadlines import deadline_text, parse_utc


def init_app(app: Flask) -> None:
    from web.context import may
    from web.event_labels import event_what, state_label, type_label
    from web.names import campaign_title, person, unit_name

    app.jinja_env.filters.update(localtime=localtime, rate=rate, deadline=deadline, person=person,
                                 unit_name=unit_name, campaign=campaign_title)
    app.jinja_env.globals.update(role_label=role_label, may=may, campaign_field=CAMPAIGN_FIELD, event_what=event_what,
                                 state_label=state_label, type_label=type_label, campaign_titles=campaign_titles,
                                 print_time=print_time, local_today=local_today)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


def localtime(value: str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """ISO UTC text as calendar-local (Beijing) time; '' for None."""
    if not value:
        return ""
    from web.context import core

    return parse_utc(value).astimezone(core().calendar.tzinfo).strftime(fmt)


def campaign_titles() -> str:
    """Every loaded plan's title, for a printed page's header ('' when no plan is loaded)."""
    from web.context import core
    from web.names import campaign_title

    return "、".join(campaign_title(key) for key in sorted(core().campaigns.titles()))


def print_time() -> str:
    """Now, in Beijing time to the minute: when a printed page was printed (rendered)."""
    from web.context import core, now

    return now().astimezone(core().calendar.tzinfo).strftime("%Y-%m-%d %H:%M")


def local_today() -> str:
    """Today in Beijing time by the engine's clock (YYYY-MM-DD): where the date picker's calendar opens."""
    from web.context import core, now

    return now().astimezone(core().calendar.tzinfo).date().isoformat()


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

    if not role:  # an account no security administrator has given a role yet
        from flask_babel import gettext as _

        return _("No role")
    r = core().roles.get(role)
    return label(r.label, role) if r else role
