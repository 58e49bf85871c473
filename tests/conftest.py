"""Shared pytest fixtures for the rectiflow test suite."""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from pathlib import Path

import pytest
from factories import REPO, START
from pgcluster import ThrowawayCluster

# ===========================================================================
# Database fixtures: every test that needs a database runs on SQLite and on
# PostgreSQL 15.
#
#   backend       "sqlite" / "postgresql" (test ids [sqlite] / [postgresql]);
#                 a test that uses it (directly or through database_url) runs
#                 once per backend.
#   database_url  SQLAlchemy URL of a fresh, fully migrated, empty database
#                 for `backend`, private to the test and thrown away after it.
#   sqlite_url    The same, SQLite only, for tests that need just a database.
#   pg_url        The same, PostgreSQL only (skipped, or the session aborted,
#                 like every PostgreSQL test when the cluster is unavailable).
#   pg_cluster    The session's ThrowawayCluster (tests/pgcluster.py).
#   pg_template / sqlite_template
#                 The migrated template database (session-scoped); tests
#                 normally use database_url / sqlite_url instead.
#
# The schema is migrated once per session into a template
# (workflow.adapters.sql.sqlstore.upgrade_database) and every test gets a copy:
# a file copy for SQLite, CREATE DATABASE ... TEMPLATE for PostgreSQL.
#
# RECTIFLOW_TEST_POSTGRES decides about PostgreSQL:
#   unset / "auto"  run the PostgreSQL tests if `initdb` is on PATH,
#                   otherwise skip them (with the reason);
#   "0"             skip the PostgreSQL tests;
#   "required"      PostgreSQL must work: the session aborts if the cluster
#                   cannot start, and fails unless PostgreSQL tests ran and
#                   none of them was skipped (this is what .ci/run uses).
# ===========================================================================

POSTGRES_ENV = "RECTIFLOW_TEST_POSTGRES"
PG_TEMPLATE_DB = "rectiflow_template"


def _postgres_mode() -> str:
    mode = os.environ.get(POSTGRES_ENV, "auto").strip().lower() or "auto"
    if mode not in {"auto", "0", "required"}:
        raise pytest.UsageError(f"{POSTGRES_ENV} must be 'auto', '0' or 'required', not {mode!r}")
    return mode


def _upgrade_database(url: str) -> None:
    # Imported here, not at module level, so that collecting tests never
    # depends on the storage adapter.
    from workflow.adapters.sql.sqlstore import upgrade_database

    upgrade_database(url)


@pytest.fixture(scope="session")
def pg_cluster():
    """The session's throwaway PostgreSQL 15 cluster; skips (or aborts the
    session, see RECTIFLOW_TEST_POSTGRES) when PostgreSQL is unavailable."""
    mode = _postgres_mode()
    if mode == "0":
        pytest.skip(f"PostgreSQL tests disabled ({POSTGRES_ENV}=0)")
    if shutil.which("initdb") is None:
        reason = "PostgreSQL not available: `initdb` is not on PATH"
        if mode == "required":
            pytest.exit(f"{reason}, but {POSTGRES_ENV}=required", returncode=1)
        pytest.skip(f"{reason} (set {POSTGRES_ENV}=0 to silence, =required to insist)")

    cluster = ThrowawayCluster()
    try:
        cluster.start()
    except Exception as exc:  # ClusterError carries initdb's output / the server log
        if mode == "required":
            pytest.exit(f"could not start the PostgreSQL test cluster:\n{exc}", returncode=1)
        raise
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:
    """Path of a migrated SQLite database that tests get copies of."""
    import sqlite3
    from contextlib import closing

    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    _upgrade_database(f"sqlite:///{path}")
    # If the migration left the database in WAL mode, move everything into
    # the main file so that copying that one file copies the whole database.
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return str(path)


@pytest.fixture(scope="session")
def pg_template(pg_cluster: ThrowawayCluster) -> str:
    """Name of a migrated PostgreSQL database that tests get copies of."""
    pg_cluster.create_database(PG_TEMPLATE_DB)
    _upgrade_database(pg_cluster.url(PG_TEMPLATE_DB))
    # CREATE DATABASE ... TEMPLATE fails while anyone is connected to the
    # template: close what the migration left open (e.g. a pooled
    # connection) and refuse new connections from now on.
    with pg_cluster.connect() as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            (PG_TEMPLATE_DB,),
        )
        conn.execute(f"ALTER DATABASE {PG_TEMPLATE_DB} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false")
    return PG_TEMPLATE_DB


@pytest.fixture(params=["sqlite", "postgresql"], ids=["sqlite", "postgresql"])
def backend(request) -> str:
    """The database backend under test; PostgreSQL is skipped when unavailable."""
    if request.param == "postgresql":
        request.getfixturevalue("pg_cluster")
    return request.param


@pytest.fixture
def database_url(request, backend: str) -> str:
    """URL of a fresh, migrated, empty database for `backend`, private to this test."""
    return request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url")


@pytest.fixture
def pg_url(pg_cluster: ThrowawayCluster, pg_template: str):
    """URL of a fresh, migrated, empty PostgreSQL database, private to this test."""
    name = f"t_{uuid.uuid4().hex}"
    pg_cluster.create_database(name, template=pg_template)
    try:
        yield pg_cluster.url(name)
    finally:
        pg_cluster.drop_database(name)  # WITH (FORCE): also ends leftover sessions


@pytest.fixture
def sqlite_url(sqlite_template: str, tmp_path) -> str:
    """URL of a fresh, migrated, empty SQLite database, private to this test."""
    path = tmp_path / "rectiflow.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


# -- RECTIFLOW_TEST_POSTGRES=required: no green run without PostgreSQL ------


class _PostgresRequiredCheck:
    """Fails the session unless PostgreSQL tests ran, passed and none was skipped."""

    def __init__(self) -> None:
        self.postgres_nodeids: set[str] = set()
        self.passed = 0
        self.skipped: list[str] = []
        self.problem: str | None = None

    @staticmethod
    def is_postgres_test(item: pytest.Item) -> bool:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("backend") == "postgresql":
            return True
        return "pg_cluster" in getattr(item, "fixturenames", ())

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self.postgres_nodeids.update(item.nodeid for item in items if self.is_postgres_test(item))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.nodeid not in self.postgres_nodeids and "[postgresql" not in report.nodeid:
            return
        if report.skipped and not hasattr(report, "wasxfail"):  # xfail is not a skip
            self.skipped.append(report.nodeid)
        elif report.when == "call" and report.passed:
            self.passed += 1

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if session.config.option.collectonly:
            return
        problems = []
        if self.passed == 0:
            problems.append("no PostgreSQL test passed")
        if self.skipped:
            problems.append(
                f"{len(self.skipped)} PostgreSQL test(s) skipped, e.g. " + ", ".join(self.skipped[:3])
            )
        if problems:
            self.problem = f"{POSTGRES_ENV}=required, but " + "; ".join(problems)
            if session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
                session.exitstatus = pytest.ExitCode.TESTS_FAILED
            if session.config.pluginmanager.get_plugin("terminalreporter") is None:
                print(self.problem, file=sys.stderr)

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.problem:
            terminalreporter.write_sep("!", self.problem, red=True, bold=True)


def pytest_configure(config: pytest.Config) -> None:
    # If you need pytest_configure for something else, add it here: a second
    # definition further down this file would silently replace this one.
    if _postgres_mode() == "required":
        config.pluginmanager.register(_PostgresRequiredCheck(), "rectiflow-postgres-required")


# ===========================================================================
# (end of the database fixtures)
# ===========================================================================


# ===========================================================================
# Engine fixtures, built on database_url / sqlite_url.
#
#   clock        a FixedClock at 2026-03-02 09:00 Beijing time (a Monday);
#                move it with clock.advance(days=…) / clock.set(…).
#   make_app     make_app(url, definitions=None, expect_warnings=False, **settings)
#                -> workflow.bootstrap.Application on the repo's definitions (or the
#                folder given), an instance dir under tmp_path and `clock`.
#   app          make_app(database_url) with the demo directory seeded (units
#                and one user per role, see rectiflow/demo.py): runs on both
#                backends.
#   sqlite_app   the same on SQLite only.
# ===========================================================================


@pytest.fixture
def clock():
    from workflow.clock import FixedClock

    return FixedClock(START)


@pytest.fixture
def make_app(tmp_path, clock):
    from workflow.bootstrap import build
    from workflow.config import Settings

    built = []

    def _make(url: str, *, definitions: Path | None = None, expect_warnings: bool = False, **settings_overrides):
        settings = Settings(database_url=url, definitions_dir=definitions or REPO / "definitions",
                            instance_dir=tmp_path / "instance", **settings_overrides)
        app = build(settings, clock=clock)
        if not expect_warnings:
            assert not app.warnings, app.warnings
        built.append(app)
        return app

    yield _make
    for app in built:
        app.close()


def _seeded(app):
    from rectiflow.demo import seed_directory

    seed_directory(app)
    return app


@pytest.fixture
def app(make_app, database_url):
    return _seeded(make_app(database_url))


@pytest.fixture
def sqlite_app(make_app, sqlite_url):
    return _seeded(make_app(sqlite_url))
