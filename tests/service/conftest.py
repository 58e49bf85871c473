"""Fixtures of the service and versioning tests: an engine on a private copy of the definitions.

  defs_dir          the repo's definitions plus tests/service/data/ledger_item.yaml (a test-only type)
  make_ledger_app   make_ledger_app(url, definitions=defs_dir, **settings) -> Application (clock: `clock`)
  ledger_app        make_ledger_app(database_url) with the demo units and users: SQLite and PostgreSQL
"""
from __future__ import annotations

from pathlib import Path

import pytest
from factories import LEDGER, copy_definitions, seed_directory


@pytest.fixture
def defs_dir(tmp_path) -> Path:
    return copy_definitions(tmp_path / "definitions", extra=(LEDGER,))


@pytest.fixture
def make_ledger_app(make_app, defs_dir):
    def _make(url: str, *, definitions: Path | None = None, **options):
        return make_app(url, definitions=definitions or defs_dir, **options)

    return _make


@pytest.fixture
def ledger_app(make_ledger_app, database_url):
    app = make_ledger_app(database_url)
    seed_directory(app)
    return app
