"""Fixtures of the store contract tests.

  store   a workflow.ports.Store, once per backend (test ids [memory] / [sqlite] / [postgresql]):
          workflow.adapters.memory's MemoryStore, and workflow.adapters.sql's SqlStore on a fresh
          migrated database (`sqlite_url` / `pg_url` of tests/conftest.py), disposed after the test.
"""
from __future__ import annotations

import pytest

BACKENDS = ["memory", "sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS, ids=BACKENDS)
def store(request):
    if request.param == "memory":
        from workflow.adapters.memory.store import MemoryStore

        yield MemoryStore()
        return
    from workflow.adapters.sql.sqlstore import SqlStore, make_engine

    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    sql_store = SqlStore(make_engine(url))
    try:
        yield sql_store
    finally:
        sql_store.dispose()
