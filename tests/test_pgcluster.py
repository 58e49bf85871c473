"""The database fixtures themselves: the PostgreSQL cluster and fresh databases."""

import uuid

import pytest
import sqlalchemy as sa


def test_cluster_runs_postgresql_15(pg_cluster):
    with pg_cluster.connect() as conn:
        version = conn.execute("SELECT version()").fetchone()[0]
        version_num = int(conn.execute("SHOW server_version_num").fetchone()[0])
    assert version.startswith("PostgreSQL 15"), version
    assert version_num // 10000 == 15


def _table_names(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_databases_from_the_template_are_isolated(pg_cluster, pg_template):
    first, second = (f"t_{uuid.uuid4().hex}" for _ in range(2))
    pg_cluster.create_database(first, template=pg_template)
    pg_cluster.create_database(second, template=pg_template)
    try:
        migrated = _table_names(pg_cluster.url(first))
        assert migrated, "the template database has no tables: was it migrated?"
        assert _table_names(pg_cluster.url(second)) == migrated

        with pg_cluster.connect(first) as conn:
            conn.execute("CREATE TABLE isolation_probe (id integer)")
            conn.execute("INSERT INTO isolation_probe VALUES (1)")
        assert "isolation_probe" in _table_names(pg_cluster.url(first))
        assert "isolation_probe" not in _table_names(pg_cluster.url(second))
    finally:
        pg_cluster.drop_database(first)
        pg_cluster.drop_database(second)


# Run twice per backend: the second run would see the first one's probe
# table if database_url handed out anything but a fresh copy of the template.
@pytest.mark.parametrize("run", [1, 2])
def test_database_url_is_fresh_and_migrated(backend, database_url, run):
    assert database_url.startswith("sqlite:///" if backend == "sqlite" else "postgresql+psycopg://")
    engine = sa.create_engine(database_url)
    try:
        tables = set(sa.inspect(engine).get_table_names())
        assert tables, "database_url points at a database without tables: was it migrated?"
        assert "fixture_probe" not in tables
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE fixture_probe (run integer)"))
            conn.execute(sa.text("INSERT INTO fixture_probe VALUES (:run)"), {"run": run})
    finally:
        engine.dispose()


def test_sqlite_url_is_a_private_file(sqlite_url, tmp_path):
    assert sqlite_url == f"sqlite:///{tmp_path / 'rectiflow.db'}"
    assert _table_names(sqlite_url)
