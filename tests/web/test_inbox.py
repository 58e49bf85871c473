"""Inboxes: who sees what in each tab, filters, deadline order and keyset pages (queries and pages)."""
from __future__ import annotations

import pytest
from webtools import open_item

from workflow.events import format_time
from workflow.read_side import InboxFilter
from workflow.reporting.queries import build_inbox_query, viewer_for

NO_FILTER = InboxFilter()


def inbox(app, login, kind, filt=NO_FILTER, after=None, limit=50):
    with app.store.read() as tx:
        user, units = tx.get_user(login), tx.units()
    query = build_inbox_query(kind, viewer_for(user, units, app.registry), app.registry, filt,
                              format_time(app.clock.now()), units)
    q = app.queries
    return q.inbox(query, after=after, limit=limit), q.count(query)


def ids(page):
    return [r.id for r in page.rows]


def test_todo_holds_what_the_role_can_do_now(app):
    reported = open_item(app, "a")
    verified = open_item(app, "b")
    app.cases.advance(verified.id, "verify", actor="supervisor")
    page, count = inbox(app, "supervisor", "todo")
    assert set(ids(page)) == {reported.id, verified.id} and count == 2
    page, _ = inbox(app, "unit_head", "todo")
    assert ids(page) == [reported.id]  # the unit head verifies, but does not dispatch


def test_closed_cases_leave_the_todo(app):
    from rectiflow.demo import walk_rectification

    closed = walk_rectification(app)
    assert closed.state == "closed"
    assert closed.id not in ids(inbox(app, "supervisor", "todo")[0])  # reopening is possible, not pending
    assert closed.id in ids(inbox(app, "supervisor", "all")[0])


def test_a_handlers_todo_is_what_is_assigned_to_them_and_the_queue_the_rest(app):
    mine, free = open_item(app, "mine"), open_item(app, "free")
    for case in (mine, free):
        app.cases.advance(case.id, "verify", actor="supervisor")
    # 交办 hands the case to its 责任人: it is on their to-do, not in the unit queue
    app.cases.advance(mine.id, "dispatch", actor="supervisor",
                      fields={"measure": "m", "owner": "handler", "rectify_by": "2026-05-01"})
    assert ids(inbox(app, "handler", "todo")[0]) == [mine.id]
    assert ids(inbox(app, "handler", "queue")[0]) == [free.id]


def test_scope_follows_the_unit_tree_and_confidential_types(app):
    here, there = open_item(app, "here", unit="xf-sfs-1"), open_item(app, "there", unit="xf-sfs-2")
    clue = app.cases.open_case("clue", actor="registrar", unit="xf-sfj", title="线索",
                                 fields={"allegation": "a", "subject_name": "s", "discovery_channel": "mass_report"})
    assert set(ids(inbox(app, "handler", "all")[0])) == {here.id}
    assert set(ids(inbox(app, "leader", "all")[0])) == {here.id, there.id, clue.id}
    assert set(ids(inbox(app, "auditor", "all")[0])) == {here.id, there.id, clue.id}


def test_overdue_tab_lists_red_cases_only(app, clock):
    late = open_item(app, "late")
    clock.advance(days=10)
    fresh = open_item(app, "fresh")
    page, count = inbox(app, "supervisor", "overdue")
    assert ids(page) == [late.id] and count == 1
    assert page.rows[0].light == "red"
    assert {r.id: r.light for r in inbox(app, "supervisor", "all")[0].rows}[fresh.id] == "green"


@pytest.mark.parametrize("light", ["red", "yellow", "green"])
def test_light_filter(app, clock, light):
    red = open_item(app, "red")  # Mon 03-02: due at the end of Mon 03-09 (5 working days)
    clock.advance(days=2)
    yellow = open_item(app, "yellow")  # Wed 03-04: due at the end of Wed 03-11, yellow 2 working days before
    clock.advance(days=6)
    green = open_item(app, "green")  # Tue 03-10, now
    expected = {"red": red.id, "yellow": yellow.id, "green": green.id}[light]
    assert ids(inbox(app, "supervisor", "all", InboxFilter(light=light))[0]) == [expected]


def test_type_stage_unit_and_source_filters(app):
    a = open_item(app, "a", unit="xf-sfs-1", discovery_channel="inspection")
    b = open_item(app, "b", unit="xf-sfs-2")
    app.cases.advance(b.id, "verify", actor="supervisor")
    assert ids(inbox(app, "supervisor", "all", InboxFilter(stages=("verified",)))[0]) == [b.id]
    assert ids(inbox(app, "supervisor", "all", InboxFilter(unit="xf-sfs-1"))[0]) == [a.id]
    assert ids(inbox(app, "supervisor", "all", InboxFilter(source="inspection"))[0]) == [a.id]
    assert ids(inbox(app, "supervisor", "all", InboxFilter(types=("clue",)))[0]) == []
    assert ids(inbox(app, "handler", "all", InboxFilter(unit="xf-sfs-2"))[0]) == []  # outside the handler's scope


def test_pages_follow_the_deadline_order_without_gaps_or_repeats(app, clock):
    opened = []
    for i in range(7):
        opened.append(open_item(app, f"case {i}", unit=["xf-sfs-1", "xf-sfs-2"][i % 2]).id)
        clock.advance(hours=30)
    seen, after = [], None
    while True:
        page, count = inbox(app, "supervisor", "all", after=after, limit=3)
        seen += ids(page)
        if page.next_cursor is None:
            break
        after = page.next_cursor
    # earliest deadline first (ties by id), every case exactly once
    assert seen == sorted(opened, key=lambda cid: (app.cases.get(cid).deadline["due_at"], cid))
    assert count == 7


def test_inbox_page_renders_tabs_counts_and_rows(app, as_role, clock):
    case = open_item(app, "社区矫正请假材料")
    html = as_role("supervisor").get("/").get_data(as_text=True)
    assert 'id="tab-todo"' in html and 'id="tab-queue"' in html and 'id="tab-overdue"' in html
    assert f'data-case="{case.id}"' in html and "社区矫正请假材料" in html
    html = as_role("handler").get("/?tab=queue").get_data(as_text=True)
    assert 'class="claim"' in html
    assert 'id="tab-overdue"' not in html


def test_admin_home_has_no_case_inbox(as_role):
    html = as_role("admin").get("/").get_data(as_text=True)
    assert 'id="inbox-table"' not in html and "/admin/" in html


def test_a_malformed_cursor_gives_the_first_page(app):
    case = open_item(app)
    assert ids(inbox(app, "supervisor", "all", after="'; drop table cases; --")[0]) == [case.id]


def test_the_queue_offers_to_assign_each_case_to_the_people_covering_its_unit(app, as_role):
    import re

    app.directory.add_user("h2", role="handler", unit="xf-sfs-2", name="平岗所 二号", password="rectiflow-demo")
    here, there = open_item(app, "here", unit="xf-sfs-1"), open_item(app, "there", unit="xf-sfs-2")
    html = as_role("supervisor").get("/?tab=queue").get_data(as_text=True)

    def offered(case):
        row = re.search(rf'<tr [^>]*data-case="{case.id}">(.*?)</tr>', html, re.S).group(1)
        return set(re.findall(r'<option value="([^"]+)"', row))

    assert offered(here) == {"handler", "unit_head"} and offered(there) == {"h2"}
    todo = as_role("supervisor").get("/?tab=todo").get_data(as_text=True)
    assert 'name="assignee"' not in todo.partition('id="inbox-table"')[2]  # no row's own assign (the bulk bar has one)
