"""Keyword search against a brute-force reading of every case: every role, tab and a few filters, with words.

The demo's cases have been assigned, moved through their states and closed after they were indexed; each
tab under a search must list exactly the cases of the tab (test_inbox_oracle's reading) that hold the
words, in deadline order, page by page — with both plans of a page (the matches read from the index and
sorted, or the tab walked testing each row) — and count them as the tabs do.
"""
from __future__ import annotations

import json
import unicodedata
from collections import Counter

import pytest
from sqlalchemy import select
from test_inbox_oracle import FILTERS, LOGINS, expected, listed, tab_queries

from workflow.adapters.sql import schema
from workflow.events import format_time
from workflow.read_side import COUNT_CAP, InboxFilter
from workflow.reporting.queries import INBOX_KINDS
from workflow.search_terms import SEPARATOR, searchable_texts, text_fields


@pytest.fixture(scope="module")
def demo(shared_app):
    from rectiflow.demo import seed_cases, walk_rectification

    seed_cases(shared_app)
    walk_rectification(shared_app)
    with shared_app.store.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(select(schema.cases)).mappings()]
    return shared_app, rows


def _texts(app, row):
    d = app.registry.get(row["type"], row["definition_version"])
    fields = json.loads(row["snapshot"]).get("fields") or {}
    texts = searchable_texts(row["title"], fields, text_fields(d.fields))
    return SEPARATOR.join(unicodedata.normalize("NFKC", t).lower() for t in texts)


def _words(app, rows):
    """Words the demo holds: a common and a rarer two-character word, and one character."""
    counts = Counter(text[i:i + 2] for r in rows for text in [_texts(app, r)] for i in range(len(text) - 1)
                     if all("\u4e00" <= ch <= "\u9fff" for ch in text[i:i + 2]))
    common = counts.most_common()
    return (common[0][0], common[len(common) // 3][0], common[1][0][0])


@pytest.mark.parametrize("walk", [False, True], ids=["read", "walk"])
@pytest.mark.parametrize("login", LOGINS)
def test_every_tab_with_words_lists_exactly_the_cases_that_hold_them(demo, login, walk, monkeypatch):
    from workflow.adapters.sql import sqlqueries

    app, rows = demo
    if walk:  # every page walks the tab testing each row; counts still read the index
        monkeypatch.setattr(sqlqueries, "SEARCH_FOUND_MAX", 1)
    with app.store.read() as tx:
        user = tx.get_user(login)
    now = format_time(app.clock.now())
    holding = {r["id"]: _texts(app, r) for r in rows}
    listed_any = 0
    for words in _words(app, rows):
        for base in (InboxFilter(), *FILTERS[1:7]):
            filt = InboxFilter(**{**base.__dict__, "text": words})
            tabs = tab_queries(app, user, filt, now)
            wanted = [[cid for cid in expected(app, rows, user, kind, base, now) if words in holding[cid]]
                      for kind in INBOX_KINDS]
            for kind, query, want in zip(INBOX_KINDS, tabs, wanted):
                got, count = listed(app.queries, query)
                assert got == want, (login, kind, base, words)
                assert count == min(len(want), COUNT_CAP), (login, kind, base, words)
            page, counts = app.queries.inbox_with_counts(tabs[0], tabs, after=None, limit=7)
            assert [r.id for r in page.rows] == wanted[0][:7]
            assert counts == [min(len(want), COUNT_CAP) for want in wanted]
            listed_any += sum(map(len, wanted))
    assert listed_any  # the words are the demo's own: every login finds some case by them


def test_the_documents_kept_with_each_change_are_the_ones_a_fresh_fill_writes(demo):
    """After edits, assignments, transitions and closings, each case's document equals the one the index's
    fill (migration search_0001, the benchmarks' bulk load) builds from the case row."""
    from workflow.adapters.sql import search_index

    app, _rows = demo
    pg = app.store.engine.dialect.name == "postgresql"
    read = ("SELECT case_id, terms::text FROM case_search ORDER BY case_id" if pg else
            "SELECT d.case_id, s.body FROM case_search s JOIN case_search_docs d ON d.doc = s.rowid ORDER BY 1")
    with app.store.engine.begin() as conn:
        kept = conn.exec_driver_sql(read).all()
        conn.exec_driver_sql("DELETE FROM case_search")
        if not pg:
            conn.exec_driver_sql("DELETE FROM case_search_docs")
        search_index.fill(conn)
        fresh = conn.exec_driver_sql(read).all()
    assert len(kept) == len(fresh) > 50
    assert kept == fresh
