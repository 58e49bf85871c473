"""Fixtures of the durability tests (property, concurrency, crash, tamper, layering).

`shared_app` is one seeded engine per backend for a whole test module: seeding the demo directory
hashes eight passwords with Argon2 (seconds), and these modules need dozens of engines otherwise.
Tests that share it only look at their own cases (or at before/after differences), so they stay
independent; a lock or a half-written row left behind by one test would fail the next — which is
a finding, not noise.

The Hypothesis profile lives in tests/strategies.py (registered there, never loaded globally, so
other test folders keep their own settings); tests opt in with `settings.get_profile(DURABILITY_PROFILE)`.
"""
from __future__ import annotations

import shutil
import uuid

import pytest
from factories import DEFINITIONS, START


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared_backend(request) -> str:
    if request.param == "postgresql":
        request.getfixturevalue("pg_cluster")  # skips (or aborts the run) like the suite's own `backend`
    return request.param


@pytest.fixture(scope="module")
def shared_url(request, shared_backend, tmp_path_factory):
    """A fresh migrated database for the module, on `shared_backend`."""
    if shared_backend == "sqlite":
        path = tmp_path_factory.mktemp("durability") / "rectiflow.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    cluster = request.getfixturevalue("pg_cluster")
    name = f"d_{uuid.uuid4().hex}"
    cluster.create_database(name, template=request.getfixturevalue("pg_template"))
    try:
        yield cluster.url(name)
    finally:
        cluster.drop_database(name)


@pytest.fixture(scope="module")
def shared_instance(tmp_path_factory):
    return tmp_path_factory.mktemp("durability-instance")


@pytest.fixture(scope="module")
def shared_app(shared_url, shared_instance):
    """The engine on `shared_url` with the demo directory, its own FixedClock at the suite's START."""
    from rectiflow.demo import seed_directory
    from workflow.bootstrap import build
    from workflow.clock import FixedClock
    from workflow.config import Settings

    settings = Settings(database_url=shared_url, definitions_dir=DEFINITIONS, instance_dir=shared_instance)
    app = build(settings, clock=FixedClock(START))
    assert not app.warnings, app.warnings
    seed_directory(app)
    yield app
    app.close()


@pytest.fixture
def instance_dir(tmp_path):
    """The instance directory `make_app` uses (attachments live here), for CLI runs on the same data."""
    path = tmp_path / "instance"
    path.mkdir(exist_ok=True)
    return path
