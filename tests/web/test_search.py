"""Keyword search on the inbox (`/?q=`): what it finds, what it never shows, with the filters, kept current."""
from __future__ import annotations

import pytest
from test_inbox import ids, inbox
from webtools import open_item

from workflow.read_side import InboxFilter
from workflow.search_terms import query_terms


def search(app, login, words, kind="all", **filters):
    return ids(inbox(app, login, kind, InboxFilter(text=words, **filters))[0])


def test_finds_by_one_two_and_more_chinese_characters_and_ascii(app):
    leave = open_item(app, "社区矫正对象请假审批", description="未经批准外出三天，编号 AB-2031。")
    other = open_item(app, "档案管理不规范", description="卷宗缺页。")
    assert search(app, "supervisor", "请假") == [leave.id]  # two characters: a word of the title
    assert search(app, "supervisor", "外出") == [leave.id]  # of the description
    assert search(app, "supervisor", "社区矫正") == [leave.id]
    assert search(app, "supervisor", "未经批准外出") == [leave.id]
    assert search(app, "supervisor", "卷") == [other.id]  # one character
    assert search(app, "supervisor", "页") == [other.id]  # one character at the end of a text
    assert search(app, "supervisor", "ab") == [leave.id]  # an ASCII word, any case, typed in part
    assert search(app, "supervisor", "2031") == [leave.id]
    assert sorted(search(app, "supervisor", "规")) == [other.id]


def test_matches_only_contiguous_text(app):
    open_item(app, "社区，矫正", description="请假 外出")
    assert search(app, "supervisor", "区矫") == []  # the comma separates them
    assert search(app, "supervisor", "假外") == []
    assert search(app, "supervisor", "矫正请假") == []  # title and description are separate texts
    assert search(app, "supervisor", "考核") == []
    assert search(app, "supervisor", "！？") == []  # no letter at all: nothing, not everything


def test_never_shows_a_case_outside_the_users_scope_or_a_confidential_type(app):
    here = open_item(app, "请假审批 本所", unit="xf-sfs-1")
    there = open_item(app, "请假审批 外所", unit="xf-sfs-2")
    clue = app.cases.open_case("clue", actor="registrar", unit="xf-sfj", title="请假审批线索",
                               fields={"allegation": "违规批准请假", "subject_name": "某某",
                                       "discovery_channel": "mass_report"})
    assert set(search(app, "handler", "请假")) == {here.id}  # another unit's and the confidential clue: never
    assert search(app, "handler", "外所") == []
    assert search(app, "handler", "线索") == []
    assert set(search(app, "leader", "请假")) == {here.id, there.id, clue.id}
    assert search(app, "leader", "某某") == [clue.id]  # the subject's name is searchable for who may see it


def test_combines_with_the_filters_and_tabs(app):
    a = open_item(app, "请假审批", unit="xf-sfs-1", discovery_channel="inspection")
    b = open_item(app, "请假审批", unit="xf-sfs-2")
    app.cases.advance(b.id, "verify", actor="supervisor")
    assert search(app, "supervisor", "请假", unit="xf-sfs-1") == [a.id]
    assert search(app, "supervisor", "请假", stages=("verified",)) == [b.id]
    assert search(app, "supervisor", "请假", source="inspection") == [a.id]
    assert search(app, "supervisor", "请假", types=("clue",)) == []
    assert set(search(app, "supervisor", "请假", kind="todo")) == {a.id, b.id}
    assert inbox(app, "supervisor", "all", InboxFilter(text="请假"))[1] == 2


def test_index_follows_a_field_edit_in_the_same_change(app):
    case = open_item(app, "档案问题", description="卷宗缺页。")
    edited = app.cases.update_fields(case.id, actor="supervisor", fields={"description": "请假记录不全。"})
    assert search(app, "supervisor", "请假") == [case.id]
    assert search(app, "supervisor", "缺页") == []
    assert search(app, "supervisor", "档案") == [case.id]
    events = app.cases.history(case.id)[0]
    assert events[-1].version == edited.version  # one change, one event


def test_many_matches_walk_the_tab_in_deadline_order(app, monkeypatch):
    """Above the threshold the tab's seeks test each row against the index: same answers, same pages."""
    from workflow.adapters.sql import sqlqueries

    opened = [open_item(app, f"请假 {i}").id for i in range(5)]
    open_item(app, "档案")
    few = inbox(app, "supervisor", "all", InboxFilter(text="请假"), limit=2)
    monkeypatch.setattr(sqlqueries, "SEARCH_FOUND_MAX", 1)
    many = inbox(app, "supervisor", "all", InboxFilter(text="请假"), limit=2)
    assert ids(many[0]) == ids(few[0]) and many[1] == few[1] == 5
    seen, after = [], None
    while True:
        page, _ = inbox(app, "handler", "all", InboxFilter(text="请假"), after=after, limit=2)
        seen += ids(page)
        if page.next_cursor is None:
            break
        after = page.next_cursor
    assert sorted(seen) == sorted(opened) and len(seen) == len(set(seen))


# ---- the page ---------------------------------------------------------------------------------
def test_the_search_box_keeps_the_words_and_says_when_nothing_is_found(app, client, as_role):
    case = open_item(app, "社区矫正对象请假审批")
    as_role("supervisor")
    html = client.get("/?q=请假").get_data(as_text=True)
    assert "搜索标题、当事人、情况描述" in html
    assert 'value="请假"' in html and case.id in html
    html = client.get("/?q=考核&tab=all").get_data(as_text=True)
    assert "未找到与“考核”相符的案件。" in html and case.id not in html


def test_pages_keep_the_words(app, client, as_role):
    for i in range(55):
        open_item(app, f"请假 {i}")
    open_item(app, "档案")
    as_role("supervisor")
    html = client.get("/?q=请假&tab=all").get_data(as_text=True)
    assert "q=%E8%AF%B7%E5%81%87" in html.split('id="next-page"')[0].rsplit("<a", 1)[1]
    assert "q=%E8%AF%B7%E5%81%87" in html.split('id="tab-todo"')[0].rsplit("<a", 1)[1]  # the tabs keep them too


@pytest.mark.parametrize("words", ["请假\x1b\x07\u200b审批", "  请假\t审批  "])  # (a NUL is refused before any view)
def test_control_characters_are_dropped(app, client, as_role, words):
    case = open_item(app, "请假 审批")
    as_role("supervisor")
    response = client.get("/", query_string={"q": words, "tab": "all"})
    assert response.status_code == 200 and case.id in response.get_data(as_text=True)
    assert 'value="请假 审批"' in response.get_data(as_text=True)


def test_absurd_words_are_a_400_with_a_message(client, as_role):
    as_role("supervisor")
    response = client.get("/", query_string={"q": "请" * 500})
    assert response.status_code == 400
    assert "搜索词过长" in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_query_terms_are_a_phrase_of_bigrams():
    assert query_terms("社区矫正").terms == ("社区", "区矫", "矫正")
    assert query_terms("区") == query_terms(" 区 ")
    assert query_terms("区").prefix


def test_the_migration_indexes_the_cases_already_there(app):
    """search_0001 on a database that holds cases (upgraded from the previous head) fills the index."""
    from alembic import command
    from alembic.config import Config

    from workflow.adapters.sql.sqlstore import MIGRATIONS, upgrade_database

    case = open_item(app, "社区矫正对象请假审批", description="未经批准外出。")
    url = app.settings.database_url
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    with app.store.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "ledger_0001")  # back to the previous head of the line: no index at all
        conn.commit()
        tables = conn.exec_driver_sql("SELECT count(*) FROM alembic_version WHERE version_num = 'search_0001'")
        assert tables.scalar_one() == 0
    upgrade_database(url, app.store.engine)
    assert search(app, "supervisor", "外出") == [case.id]
    assert search(app, "supervisor", "请假审批") == [case.id]
    later = open_item(app, "档案请假")  # and new cases are indexed after it
    assert set(search(app, "supervisor", "请假")) == {case.id, later.id}


def test_tab_counts_under_a_search_stop_at_the_search_cap(app, client, as_role, monkeypatch):
    import web.inbox

    monkeypatch.setattr(web.inbox, "SEARCH_COUNT_CAP", 2)
    for i in range(3):
        open_item(app, f"请假 {i}")
    as_role("supervisor")
    html = client.get("/?q=请假&tab=all").get_data(as_text=True)
    assert '<span class="count">2+</span>' in html.split('id="tab-all"')[1].split("</a>")[0]
    html = client.get("/?tab=all").get_data(as_text=True)  # without words: the usual cap
    assert '<span class="count">3</span>' in html.split('id="tab-all"')[1].split("</a>")[0]


def test_a_walk_over_many_matches_finds_the_same_cases_after_the_migration_fills_the_index(app, monkeypatch):
    """The walk tests each row by its document number (SQLite: the case row's rowid): the numbers the
    migration's fill gives (cases in id order) must be the ones the walk looks up, whatever order the
    cases were opened in, and so must a re-indexed edit's."""
    from alembic import command
    from alembic.config import Config

    from workflow.adapters.sql import sqlqueries
    from workflow.adapters.sql.sqlstore import MIGRATIONS, upgrade_database

    opened = [open_item(app, title).id for title in ("乙请假", "甲档案", "丙请假销假", "丁档案", "戊请假")]
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", app.settings.database_url.replace("%", "%%"))
    with app.store.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "ledger_0001")
        conn.commit()
    upgrade_database(app.settings.database_url, app.store.engine)
    app.cases.update_fields(opened[1], actor="supervisor", fields={"description": "请假记录不全。"})
    monkeypatch.setattr(sqlqueries, "SEARCH_FOUND_MAX", 1)  # every search below walks
    assert set(search(app, "supervisor", "请假")) == {opened[0], opened[1], opened[2], opened[4]}
    assert set(search(app, "supervisor", "档案")) == {opened[1], opened[3]}
    assert search(app, "supervisor", "销假") == [opened[2]]
    assert inbox(app, "supervisor", "all", InboxFilter(text="请假"))[1] == 4
