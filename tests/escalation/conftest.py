"""Fixtures of the escalation tests: an engine on a private copy of the definitions, on both backends.

  defs        a definitions folder: roles, calendar, rectification_item, clue and test-only types
  esc_app     the engine (demo units and users seeded) on `database_url` (SQLite and PostgreSQL)
  sqlite_esc_app  the same on SQLite only
  esc         esc_app.escalations with a fixed lease clock (`lease_clock`)
"""
from __future__ import annotations

from pathlib import Path

import pytest
from factories import START, copy_definitions, seed_directory

HERE = Path(__file__).resolve().parent
# The shipped case types this feature tests, and the roles; copy_definitions adds the calendars. A private
# copy keeps these tests independent of unrelated definition files being edited.
SHIPPED = ("roles.yaml", "rectification_item.yaml", "clue.yaml")
TEST_TYPES = (HERE / "data" / "loop_restart.yaml", HERE / "data" / "secret_item.yaml")


@pytest.fixture
def defs(tmp_path) -> Path:
    return copy_definitions(tmp_path / "definitions", only=SHIPPED, extra=TEST_TYPES)


@pytest.fixture
def lease_clock():
    from workflow.clock import FixedClock

    return FixedClock(START)


@pytest.fixture
def make_esc_app(make_app, defs):
    def _make(url: str, *, seed: bool = True, definitions: Path | None = None, **settings):
        app = make_app(url, definitions=definitions or defs, **settings)
        if seed:
            seed_directory(app)
        return app

    return _make


@pytest.fixture
def esc_app(make_esc_app, database_url):
    return make_esc_app(database_url)


@pytest.fixture
def sqlite_esc_app(make_esc_app, sqlite_url):
    return make_esc_app(sqlite_url)


@pytest.fixture
def esc(esc_app, lease_clock):
    esc_app.escalations.lease_clock = lease_clock
    return esc_app.escalations


@pytest.fixture
def sqlite_esc(sqlite_esc_app, lease_clock):
    sqlite_esc_app.escalations.lease_clock = lease_clock
    return sqlite_esc_app.escalations

