"""Fixtures for the web UI tests: the Flask app on the engine fixtures, clients, logins, a case.

    web_app      create_app() on `app` (SQLite and PostgreSQL), CSRF off (CSRF tests build their own)
    client       its test client; `auth` logs in through the real form, `as_role` sets the session directly
    rect_case    a rectification_item case in xf-sfs-1 (the handler's and unit head's unit), state reported
    shared_app   one seeded engine per backend for a whole module (the big route × role matrix)
Helpers (make_web, session_as, open_item, …) are in webtools.py.
"""
from __future__ import annotations

from datetime import UTC

import pytest
from webtools import REPO, AuthActions, make_web, open_item, session_as


# ---- a fast `app`: the seeded directory is copied from a per-session template -------------------
# (The suite-wide `app` hashes eight passwords and parses every definition for every test; the
# web tests need dozens of fresh engines, so they copy a database seeded once per session.)
def _seed(url: str, instance) -> None:
    from datetime import datetime

    from rectiflow.demo import seed_directory
    from workflow.bootstrap import build
    from workflow.clock import FixedClock
    from workflow.config import Settings

    rf = build(Settings(database_url=url, definitions_dir=REPO / "definitions", instance_dir=instance),
               clock=FixedClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC)))
    seed_directory(rf)
    rf.close()


@pytest.fixture(scope="session")
def seeded_sqlite(sqlite_template, tmp_path_factory):
    import shutil
    import sqlite3
    from contextlib import closing

    folder = tmp_path_factory.mktemp("web-seeded")
    path = folder / "seeded.db"
    shutil.copyfile(sqlite_template, path)
    _seed(f"sqlite:///{path}", folder / "instance")
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture(scope="session")
def seeded_pg(pg_cluster, pg_template, tmp_path_factory):
    name = "web_seeded_template"
    pg_cluster.create_database(name, template=pg_template)
    _seed(pg_cluster.url(name), tmp_path_factory.mktemp("web-seeded-pg") / "instance")
    return name


@pytest.fixture
def app(request, backend, tmp_path, clock):
    """A fresh database with the demo directory (units, one user per role) on each backend."""
    import shutil
    import uuid

    from workflow.bootstrap import build
    from workflow.config import Settings

    if backend == "sqlite":
        shutil.copyfile(request.getfixturevalue("seeded_sqlite"), tmp_path / "web.db")
        url, cleanup = f"sqlite:///{tmp_path / 'web.db'}", None
    else:
        cluster = request.getfixturevalue("pg_cluster")
        name = f"t_{uuid.uuid4().hex}"
        cluster.create_database(name, template=request.getfixturevalue("seeded_pg"))
        url, cleanup = cluster.url(name), (lambda: cluster.drop_database(name))
    settings = Settings(database_url=url, definitions_dir=REPO / "definitions", instance_dir=tmp_path / "instance")
    rectiflow = build(settings, clock=clock, sync=False)
    yield rectiflow
    rectiflow.close()
    if cleanup:
        cleanup()


@pytest.fixture
def web_app(app):
    return make_web(app)


@pytest.fixture
def client(web_app):
    return web_app.test_client()


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def as_role(client, app):
    def _as(login: str):
        session_as(client, app, login)
        return client

    return _as


@pytest.fixture
def rect_case(app):
    return open_item(app)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"], ids=["sqlite", "postgresql"])
def shared_app(request, tmp_path_factory):
    """One seeded engine per backend for a whole module (for the big read-mostly matrix)."""
    import shutil
    import uuid
    from datetime import datetime

    from rectiflow.demo import seed_directory
    from workflow.bootstrap import build
    from workflow.clock import FixedClock
    from workflow.config import Settings


    tmp = tmp_path_factory.mktemp("shared-web")
    if request.param == "sqlite":
        shutil.copyfile(request.getfixturevalue("sqlite_template"), tmp / "db.sqlite")
        url, cleanup = f"sqlite:///{tmp / 'db.sqlite'}", None
    else:
        cluster = request.getfixturevalue("pg_cluster")
        name = f"t_{uuid.uuid4().hex}"
        cluster.create_database(name, template=request.getfixturevalue("pg_template"))
        url, cleanup = cluster.url(name), (lambda: cluster.drop_database(name))
    settings = Settings(database_url=url, definitions_dir=REPO / "definitions", instance_dir=tmp / "instance")
    rectiflow = build(settings, clock=FixedClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC)))
    seed_directory(rectiflow)
    yield rectiflow
    rectiflow.close()
    if cleanup:
        cleanup()
