"""Fixtures of the ledger import tests: `app` (tests/conftest.py: SQLite and PostgreSQL, demo directory) and
`counted_app`, the same on a definitions folder that adds a test-only importable type with an integer field."""
from __future__ import annotations

from pathlib import Path

import pytest

COUNTED = Path(__file__).parent / "data" / "counted_finding.yaml"


@pytest.fixture
def counted_app(make_app, database_url, tmp_path):
    from factories import copy_definitions

    from rectiflow.demo import seed_directory

    app = make_app(database_url, definitions=copy_definitions(tmp_path / "definitions", extra=(COUNTED,)))
    seed_directory(app)
    return app
