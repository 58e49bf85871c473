"""People, units and plans by name: the one place where a login, a unit code or a plan key becomes what a
page shows.

Pages never show a login or a code — the CLI does, it is the operator's tool. `person(login)` is a
user's display name, or for the engine's own actors (`system:…`, which write escalations, plan loads
and deadline recomputations) a label saying what acted; `unit_name(code)` is a unit's name and
`campaign_title(key)` a loaded plan's title. They are the Jinja filters `|person`, `|unit_name` and
`|campaign`, and `find_people(text)` turns what someone typed in a person filter — a name, part of one,
a login or a system label — into the logins it means.
"""
from __future__ import annotations

from flask import g
from flask_babel import force_locale, gettext

from web.context import core, unit_names, users
from workflow.campaigns.loader import SYSTEM_ACTOR as CAMPAIGN_ACTOR
from workflow.directory.staff import OPERATOR
from workflow.escalation.recompute import RECOMPUTE_ACTOR
from workflow.events import SYSTEM_SCHEDULER
from workflow.messages import N_
from workflow.records import SYSTEM_PREFIX

# Every actor the engine writes for itself (a test keeps this complete: grep workflow/ for "system:").
SYSTEM_ACTORS = {
    SYSTEM_SCHEDULER: N_("System (deadline supervision)"),
    CAMPAIGN_ACTOR: N_("System (plan import)"),
    RECOMPUTE_ACTOR: N_("System (calendar recompute)"),
    OPERATOR: N_("System (command line)"),
}
SYSTEM = N_("System")


def people() -> dict[str, str]:
    """Display name by login, once per request."""
    if "people" not in g:
        g.people = {u.login: u.name or u.login for u in users()}
    return g.people


def person(login: str | None) -> str:
    """What a page calls the actor `login`: a display name or a system label ('' for none)."""
    if not login:
        return ""
    if login.startswith(SYSTEM_PREFIX):
        return gettext(SYSTEM_ACTORS.get(login, SYSTEM))
    return people().get(login, login)


def unit_name(code: str | None) -> str:
    return unit_names().get(code, code) if code else ""


def campaign_title(key: str | None) -> str:
    """A loaded plan's title (once per request); the key itself when no plan has it."""
    if not key:
        return ""
    if "campaign_titles" not in g:
        g.campaign_titles = core().campaigns.titles()
    return g.campaign_titles.get(key, key)


def find_people(text: str) -> tuple[str, ...]:
    """The logins a person filter means: the login typed, and everyone whose display name (or system
    label, in either language) contains the text. Nothing found: the text itself, which matches nothing."""
    wanted = text.strip().casefold()
    if not wanted:
        return ()
    found = {login for login, name in people().items() if wanted == login.casefold() or wanted in name.casefold()}
    for login, msgid in SYSTEM_ACTORS.items():
        if wanted == login or any(wanted in gettext_in(lang, msgid).casefold() for lang in ("zh_CN", "en")):
            found.add(login)
    return tuple(sorted(found)) or (text.strip(),)


def gettext_in(locale: str, msgid: str) -> str:
    """A UI message in `locale`, whatever the request's language (filters accept either language)."""
    with force_locale(locale):
        return gettext(msgid)
