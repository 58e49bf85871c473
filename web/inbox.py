"""Inboxes at `/`: to do, the unit queue (claim / assign / return), overdue and escalated, all cases.

Each tab is one read-model query (index seeks, keyset pages); the page and every tab's capped
count are read together; rows are sorted by deadline with the traffic light on every row.
`?q=` searches the titles and free-text fields (workflow.search_terms) within the same tab, scope
and filters.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from web.bulk import assignable_people, offered_actions
from web.context import core, me, now_text, queries, scope, unit_names, units, users, viewer
from web.inputs import BadInput
from workflow.definitions.model import STAGES
from workflow.definitions.roles import ACT, ASSIGN, BE_ASSIGNED, CLAIM, READ, READ_ALL, SEE_OVERDUE, RoleBook
from workflow.directory.saved_filters import FILTER_NAMES
from workflow.read_side import COUNT_CAP, SEARCH_COUNT_CAP, InboxFilter
from workflow.reporting.queries import INBOX_KINDS, LIGHTS, PAGE_SIZE, InboxKind, build_inbox_query
from workflow.search_terms import QUERY_LIMIT, clean_query

bp = Blueprint("inbox", __name__)

# The capabilities (definitions/roles.yaml) that show each tab.
TAB_CAPABILITIES = {
    "todo": (ACT,),
    "queue": (CLAIM,),
    "overdue": (SEE_OVERDUE,),
    "all": (READ, READ_ALL),
}


def tabs_for(roles: RoleBook, role: str) -> list[InboxKind]:
    """The inbox tabs `role` sees, in order."""
    return [k for k in INBOX_KINDS if any(roles.may(role, c) for c in TAB_CAPABILITIES[k])]


def read_filter() -> InboxFilter:
    args = request.args
    types = tuple(t for t in args.getlist("type") if t in core().registry.names())
    stages = tuple(s for s in args.getlist("stage") if s in STAGES)
    light = args.get("light") if args.get("light") in LIGHTS else None
    unit = args.get("unit") if args.get("unit") in unit_names() else None
    source = (args.get("source") or "")[:64] or None
    campaign = args.get("campaign") if args.get("campaign") in campaign_titles() else None
    return InboxFilter(types, stages, unit, light, source, search_words(), campaign)


def campaign_titles() -> dict[str, str]:
    """Each loaded campaign's title by its key (a page shows the title, never the key)."""
    return core().campaigns.titles()


def search_words() -> str | None:
    """The search box's words (control characters dropped, spaces folded); a 400 when absurdly long."""
    words = clean_query(request.args.get("q") or "")
    if len(words) > QUERY_LIMIT:
        raise BadInput(_("The search words are too long (at most %(n)d characters).", n=QUERY_LIMIT))
    return words or None


@bp.route("/")
def index() -> str:
    user = me()
    tabs = tabs_for(core().roles, user.role)
    if not tabs:  # administrators have no case inboxes
        return render_template("inbox/admin_home.html")
    chosen = request.args.get("tab")
    tab = chosen if chosen in tabs else tabs[0]
    filt = read_filter()
    now = now_text()
    v, reg, all_units = viewer(), core().registry, units()
    counted = [build_inbox_query(k, v, reg, filt, now, all_units) for k in tabs]
    cap = SEARCH_COUNT_CAP if filt.text else COUNT_CAP
    page, found = queries().inbox_with_counts(counted[tabs.index(tab)], counted, after=request.args.get("after"),
                                              limit=PAGE_SIZE, cap=cap)
    counts = dict(zip(tabs, found))
    return render_template(
        "inbox/index.html", tab=tab, tabs=tabs, page=page, counts=counts, cap=cap, filt=filt,
        definitions={d.name: d for d in reg.all_latest()}, unit_names=unit_names(),
        scope_units=_scope_units(), sources=_sources(), assignees=_assignees(tab, page.rows),
        campaigns=campaign_titles(),
        args={k: v for k, v in request.args.items(multi=True) if k != "after"},
        bulk_actions=offered_actions(), bulk_people=assignable_people(),
        saved_filters=core().saved_filters.of(user.login), saveable_query=_saveable_query())


def _saveable_query() -> str:
    """The current query string without the pager's cursor, if it filters anything (else nothing to save)."""
    kept = [(k, v) for k, v in request.args.items(multi=True) if k in FILTER_NAMES and v]
    return urlencode(kept) if any(k != "tab" for k, _v in kept) else ""


def _scope_units() -> list[tuple[str, str]]:
    covered = viewer().units
    return [(u.code, u.name) for u in units() if covered is None or u.code in covered]


def _sources() -> list[tuple[str, object]]:
    seen: dict[str, object] = {}
    for d in core().registry.all_latest():
        spec = d.fields.get("discovery_channel")
        for c in spec.choices if spec else ():
            seen.setdefault(c.value, c.label)
    return list(seen.items())


def _assignees(tab: str, rows: list) -> dict[str, list[tuple[str, str]]]:
    """For each unassigned row of the queue, the people who could be given the case (a role with
    `be_assigned`, covering its unit) — the only rows the page offers an "Assign" for."""
    rows = [r for r in rows if r.assignee is None] if tab == "queue" else []
    roles = core().roles
    if not roles.may(me().role, ASSIGN) or not rows:
        return {}
    people = [u for u in users() if u.active and roles.may(u.role, BE_ASSIGNED)]
    by_unit: dict[str, list[tuple[str, str]]] = {}
    for unit in {r.unit for r in rows}:  # a page holds a few units: who covers each, worked out once
        by_unit[unit] = [(u.login, u.name) for u in people if scope().covers(u, unit)]
    return {r.id: by_unit[r.unit] for r in rows}
