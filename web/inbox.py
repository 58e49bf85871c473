"""Inboxes at `/`: to do, the unit queue (claim / assign / return), overdue and escalated, all cases.

Each tab is one read-model query (index seeks, keyset pages); the page and every tab's capped
count are read together; rows are sorted by deadline with the traffic light on every row.
"""
from __future__ import annotations

from flask import Blueprint, render_template, request

from web.access import ACTORS, ASSIGNERS, CASE_READERS
from web.context import me, now_text, queries, rf, scope, unit_names, units, viewer
from workflow.definitions.model import STAGES
from workflow.reporting.queries import COUNT_CAP, INBOX_KINDS, LIGHTS, PAGE_SIZE, InboxFilter, build_inbox_query

bp = Blueprint("inbox", __name__)

TAB_ROLES = {
    "todo": ACTORS,
    "queue": ASSIGNERS,
    "overdue": frozenset({"supervisor", "leader", "unit_head", "auditor", "registrar"}),
    "all": CASE_READERS,
}


def tabs_for(role: str) -> list[str]:
    return [k for k in INBOX_KINDS if role in TAB_ROLES[k]]


def read_filter() -> InboxFilter:
    args = request.args
    types = tuple(t for t in args.getlist("type") if t in rf().registry.names())
    stages = tuple(s for s in args.getlist("stage") if s in STAGES)
    light = args.get("light") if args.get("light") in LIGHTS else None
    unit = args.get("unit") if args.get("unit") in unit_names() else None
    source = (args.get("source") or "")[:64] or None
    return InboxFilter(types, stages, unit, light, source)


@bp.route("/")
def index() -> str:
    user = me()
    tabs = tabs_for(user.role)
    if not tabs:  # administrators have no case inboxes
        return render_template("inbox/admin_home.html")
    tab = request.args.get("tab") if request.args.get("tab") in tabs else tabs[0]
    filt = read_filter()
    now = now_text()
    v, reg, all_units = viewer(), rf().registry, units()
    counted = [build_inbox_query(k, v, reg, filt, now, all_units) for k in tabs]
    page, found = queries().inbox_with_counts(counted[tabs.index(tab)], counted, after=request.args.get("after"),
                                              limit=PAGE_SIZE)
    counts = dict(zip(tabs, found))
    return render_template(
        "inbox/index.html", tab=tab, tabs=tabs, page=page, counts=counts, cap=COUNT_CAP, filt=filt,
        definitions={d.name: d for d in reg.all_latest()}, unit_names=unit_names(),
        scope_units=_scope_units(), sources=_sources(), assignees=_assignees(tab, page.rows),
        args={k: v for k, v in request.args.items(multi=True) if k != "after"})


def _scope_units() -> list[tuple[str, str]]:
    covered = viewer().units
    return [(u.code, u.name) for u in units() if covered is None or u.code in covered]


def _sources() -> list[tuple[str, object]]:
    seen: dict[str, object] = {}
    for d in rf().registry.all_latest():
        spec = d.fields.get("discovery_channel")
        for c in spec.choices if spec else ():
            seen.setdefault(c.value, c.label)
    return list(seen.items())


def _assignees(tab: str, rows: list) -> dict[str, list[tuple[str, str]]]:  # type: ignore[type-arg]
    """For each unassigned row of the queue, the people who could be given the case (handlers and unit
    heads covering it) — the only rows the page offers an "Assign" for."""
    rows = [r for r in rows if r.assignee is None] if tab == "queue" else []
    if me().role not in ("registrar", "supervisor", "unit_head") or not rows:
        return {}
    with rf().store.read() as tx:
        people = [u for u in tx.users() if u.active and u.role in ("handler", "unit_head")]
    by_unit: dict[str, list[tuple[str, str]]] = {}
    for unit in {r.unit for r in rows}:  # a page holds a few units: who covers each, worked out once
        above = set(scope().chain(unit))
        by_unit[unit] = [(u.login, u.name) for u in people if u.unit is None or u.unit in above]
    return {r.id: by_unit[r.unit] for r in rows}
