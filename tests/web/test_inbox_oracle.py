"""The inbox against a brute-force filter over every case: every role, tab and filter, page by page.

The demo's cases of every campaign type (green, yellow and red, assigned and not, closed, two
confidential types) are listed through the real queries, following the keyset cursor in small
pages, and compared with a plain Python reading of what each tab means — on SQLite and PostgreSQL.
"""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from workflow.adapters.sql import schema
from workflow.cases.offers import assignee_only
from workflow.definitions.model import STAGES
from workflow.engine.policy import Scope
from workflow.events import format_time
from workflow.read_side import COUNT_CAP, InboxFilter
from workflow.reporting.queries import INBOX_KINDS, build_inbox_query, viewer_for

LOGINS = ("registrar", "handler", "sfs2_handler", "unit_head", "zzb_head", "supervisor", "leader", "auditor")
FILTERS = (InboxFilter(), InboxFilter(types=("clue",)), InboxFilter(types=("rectification_item", "divestment")),
           InboxFilter(stages=("verified",)), InboxFilter(stages=("handled", "closed")), InboxFilter(unit="xf-sfs-1"),
           InboxFilter(unit="xf-lsk"), InboxFilter(light="red"), InboxFilter(light="yellow"),
           InboxFilter(light="green"), InboxFilter(light="none"), InboxFilter(source="self_report"),
           InboxFilter(types=("rectification_item",), stages=("reported", "handled"), unit="xf-sfj", light="red"))
FAR_FUTURE = "9999-12-31T23:59:59.999999Z"


@pytest.fixture(scope="module")
def demo(shared_app):
    from rectiflow.demo import seed_cases, walk_rectification

    seed_cases(shared_app)
    walk_rectification(shared_app)
    with shared_app.store.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(select(schema.cases)).mappings()]
    assert len(rows) > 50
    return shared_app, rows


def expected(app, rows, user, kind, filt, now):
    """The ids a tab should list, in deadline order, by reading every case."""
    with app.store.read() as tx:
        units = tx.units()
    viewer = viewer_for(user, units, app.registry)
    scope = Scope(units, app.roles)
    in_filter_unit = scope.subtree(filt.unit) if filt.unit else None
    out = []
    for r in rows:
        d = app.registry.get(r["type"], r["definition_version"])
        snap = json.loads(r["snapshot"])
        stage = d.states[r["state"]].stage
        if r["type"] not in viewer.types or (filt.types and r["type"] not in filt.types):
            continue
        if stage not in (filt.stages or STAGES):
            continue
        in_scope = viewer.units is None or r["unit"] in viewer.units
        if in_filter_unit is not None and (r["unit"] not in in_filter_unit or not in_scope):
            continue
        light = _light(r["due_at"], (snap.get("deadline") or {}).get("yellow_at"), now, closed=stage == "closed")
        wanted_light = "red" if kind == "overdue" else filt.light  # the overdue tab is red, whatever the filter
        if wanted_light and light != wanted_light:
            continue
        if filt.source and snap.get("fields", {}).get("discovery_channel") != filt.source:
            continue
        if kind == "todo":
            acts = any(user.role in t.roles and r["state"] in t.sources
                       and (not assignee_only(t) or r["assignee"] in (None, user.login)) for t in d.transitions)
            waits = stage != "closed" or d.states[r["state"]].deadline is not None
            mine = r["assignee"] == user.login if user.role == "handler" else in_scope
            if not (acts and waits and mine):
                continue
        elif not in_scope:
            continue
        if kind == "queue" and (r["assignee"] is not None or stage == "closed"):
            continue
        if kind == "overdue" and stage == "closed":
            continue
        out.append(((r["due_at"] or FAR_FUTURE), r["id"]))
    return [cid for _, cid in sorted(out)]


def _light(due_at, yellow_at, now, closed=False):
    if due_at is None or closed:  # a closed case has no light, whatever it still waits for
        return "none"
    if due_at <= now:
        return "red"
    return "yellow" if yellow_at is not None and yellow_at <= now else "green"


def tab_queries(app, user, filt, now):
    with app.store.read() as tx:
        units = tx.units()
    viewer = viewer_for(user, units, app.registry)
    return [build_inbox_query(kind, viewer, app.registry, filt, now, units) for kind in INBOX_KINDS]


def listed(queries, query, page_size=7):
    """Every id of the tab, following the cursor page by page, and the tab's count."""
    seen, after = [], None
    while True:
        page = queries.inbox(query, after=after, limit=page_size)
        seen += [r.id for r in page.rows]
        if page.next_cursor is None:
            return seen, queries.count(query)
        after = page.next_cursor


@pytest.mark.parametrize("login", LOGINS)
def test_every_tab_and_filter_lists_exactly_what_a_full_scan_finds(demo, login):
    app, rows = demo
    queries = app.queries
    with app.store.read() as tx:
        user = tx.get_user(login)
    # (+400 days: every deadline has run out, closed cases' too — which must still show no light)
    for now in (app.clock.now(), app.clock.now() + timedelta(days=9), app.clock.now() + timedelta(days=400)):
        now_text = format_time(now)
        for filt in FILTERS:
            tabs = tab_queries(app, user, filt, now_text)
            wanted = [expected(app, rows, user, kind, filt, now_text) for kind in INBOX_KINDS]
            for kind, query, want in zip(INBOX_KINDS, tabs, wanted):
                got, count = listed(queries, query)
                assert got == want, (login, kind, filt, now_text)
                assert count == min(len(want), COUNT_CAP), (login, kind, filt, now_text)
            # what the page reads: one tab's first page and every tab's count, together
            page, counts = queries.inbox_with_counts(tabs[0], tabs, after=None, limit=7)
            assert [r.id for r in page.rows] == wanted[0][:7]
            assert counts == [min(len(want), COUNT_CAP) for want in wanted], (login, filt, now_text)
            assert queries.counts(tabs, cap=3) == [min(len(want), 3) for want in wanted]  # "3+"


def test_the_oracle_sees_every_kind_of_row(demo):
    """The comparison above is only as good as the data: it must hold each case the tabs tell apart."""
    app, rows = demo
    now = format_time(app.clock.now())
    stages = {app.registry.get(r["type"], r["definition_version"]).states[r["state"]].stage for r in rows}
    lights = {_light(r["due_at"], (json.loads(r["snapshot"]).get("deadline") or {}).get("yellow_at"), now)
              for r in rows}
    assert stages == set(STAGES) and lights == {"red", "yellow", "green", "none"}
    closed_due = [r for r in rows if r["due_at"]
                  and app.registry.get(r["type"], r["definition_version"]).states[r["state"]].stage == "closed"]
    assert closed_due  # a closed case holding a deadline (已移交待回执): once it runs out, still no light
    assert {r["type"] for r in rows} >= {"clue", "public_report", "rectification_item"}
    assert any(r["assignee"] == "handler" for r in rows) and any(r["assignee"] is None for r in rows)
