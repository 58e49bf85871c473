"""Replicated benchmark datasets (bench.replicate): a base of 200 generated cases copied ×3.

The copies must be data the product accepts as its own — `rectiflow audit verify` passes, on
SQLite and after the COPY into PostgreSQL — and must live in new counties: every unit, login
and case id of a copy is its own, while its histories are the base's (same times, same steps).
"""
from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

import rectiflow.common as cli_common
from bench import dataset, datasets
from bench.common import DEFINITIONS, Config
from bench.replicate import CountyMap, copy_id
from rectiflow.cli import main as cli_main

BASE, COPIES = 200, 3


@pytest.fixture(scope="module")
def replicated(tmp_path_factory):
    """(url, marker info, work dir) of the 600-case dataset made as `make bench` makes the million."""
    work = tmp_path_factory.mktemp("bench-work")
    cfg = Config(work=work)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(datasets, "REPLICATE_FROM", BASE)
        url, info = datasets.sqlite_dataset(cfg, BASE * COPIES)
    return url, info, cfg


def verify(url: str, tmp_path: Path) -> dict:
    """`rectiflow audit verify --json` on `url`, in-process (its engine disposed of afterwards)."""
    built = []

    def build(*args, **kwargs):
        built.append(real_build(*args, **kwargs))
        return built[-1]

    real_build = cli_common.build
    env = {"RECTIFLOW_DATABASE_URL": url, "RECTIFLOW_INSTANCE": str(tmp_path),
           "RECTIFLOW_DEFINITIONS": str(DEFINITIONS)}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cli_common, "build", build)
        try:
            result = CliRunner().invoke(cli_main, ["audit", "verify", "--json"], env=env,
                                        catch_exceptions=False)
        finally:
            for app in built:
                app.close()
    return json.loads(result.stdout)


def rows(url: str, query: str) -> list[tuple]:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        return conn.execute(query).fetchall()


def test_audit_verify_passes_on_the_replicated_database(replicated, tmp_path):
    url, info, _cfg = replicated
    report = verify(url, tmp_path)
    assert report["ok"], report["problems"][:3]
    assert report["cases"] == BASE * COPIES == info["cases"]
    assert report["events"] == info["events"] == COPIES * info["base"]["events"]


def test_each_copy_lives_in_its_own_counties_with_fresh_ids(replicated):
    url, _info, _cfg = replicated
    per_county = Counter(unit.split("-")[0] for (unit,) in rows(url, "SELECT unit FROM cases"))
    assert per_county == {dataset.county(i): BASE for i in range(COPIES)}
    ids = [i for (i,) in rows(url, "SELECT id FROM cases")]
    assert len(set(ids)) == len(ids) == BASE * COPIES
    # Nothing of a copy names another county: actors, assignees, units inside payloads and snapshots.
    for case_id, unit, assignee, snapshot in rows(url, "SELECT id, unit, assignee, snapshot FROM cases"):
        county = unit.split("-")[0]
        others = [dataset.county(i) for i in range(COPIES) if dataset.county(i) != county]
        assert assignee is None or assignee.startswith(county + "-")
        assert not any(f'"{k}' in snapshot for k in others), (case_id, snapshot)
        assert f'"id":"{case_id}"' in snapshot
    for case_id, actor, payload, unit in rows(url, "SELECT e.case_id, e.actor, e.payload, c.unit FROM case_events e "
                                                   "JOIN cases c ON c.id = e.case_id"):
        county = unit.split("-")[0]
        assert actor.startswith(county + "-"), (case_id, actor)
        assert not any(f'"{dataset.county(i)}' in payload for i in range(COPIES) if dataset.county(i) != county)


def test_a_copied_case_has_the_base_case_history_in_the_new_county(replicated):
    url, _info, _cfg = replicated
    base_id = rows(url, "SELECT case_id FROM case_events GROUP BY case_id ORDER BY count(*) DESC LIMIT 1")[0][0]
    names = CountyMap(1, 2)
    query = "SELECT version, at, actor, action, from_state, to_state, payload FROM case_events WHERE case_id = '{}' " \
            "ORDER BY version"
    base, copy = rows(url, query.format(base_id)), rows(url, query.format(copy_id(base_id, 2)))
    assert len(copy) == len(base) > 3
    for b, c in zip(base, copy):
        assert c[:2] == b[:2] and c[3:6] == b[3:6]  # same version, instant, action and states
        assert c[2] == names.name(b[2]) != b[2]
        assert json.loads(c[6]) == names.value(json.loads(b[6]))
    stage = "SELECT stage, state, version, due_at FROM cases WHERE id = '{}'"
    assert rows(url, stage.format(copy_id(base_id, 2))) == rows(url, stage.format(base_id))


def test_rows_derived_per_case_are_copied_with_the_case(replicated):
    """Other tables keyed by case (the battle map's timeline, escalation firings, …): the copy's rows are the
    base case's, with its id and names — its events are the base's at the same instants."""
    url, _info, _cfg = replicated
    tables = [name for (name,) in rows(url, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN "
                                            "('cases', 'case_events', 'access_log', 'alerts') "
                                            "AND name NOT LIKE 'case_search%'")
              if any(col[1] == "case_id" for col in rows(url, f"PRAGMA table_info({name})"))]
    names, first_county = CountyMap(1, 2), base_ids(url)
    for table in tables:
        cols = [col[1] for col in rows(url, f"PRAGMA table_info({table})")]
        everything = rows(url, f"SELECT * FROM {table}")
        base = [r for r in everything if dict(zip(cols, r))["case_id"] in first_county]
        assert len(everything) == COPIES * len(base), table
        copied = {tuple(names.name(v) if isinstance(v, str) else v for v in r[:cols.index("case_id")]) +
                  (copy_id(r[cols.index("case_id")], 2),) +
                  tuple(names.name(v) if isinstance(v, str) else v for v in r[cols.index("case_id") + 1:])
                  for r in base}
        assert copied <= set(everything), table


def test_every_case_is_indexed_for_search(replicated):
    """The keyword index is built anew over the base and its copies (its rows have numbers of their own)."""
    url, _info, _cfg = replicated
    assert rows(url, "SELECT count(*) FROM case_search_docs") == rows(url, "SELECT count(*) FROM cases")
    assert rows(url, "SELECT count(*) FROM case_search") == rows(url, "SELECT count(*) FROM cases")


def base_ids(url: str) -> set[str]:
    return {i for (i,) in rows(url, f"SELECT id FROM cases WHERE unit LIKE '{dataset.county(0)}%'")}


def test_the_directory_holds_every_county_of_the_copies(replicated):
    url, _info, _cfg = replicated
    units, users = dataset.directory(0, counties=COPIES)
    assert {u for (u,) in rows(url, "SELECT code FROM units")} == {u.code for u in units}
    assert {u for (u,) in rows(url, "SELECT login FROM users")} == {u.login for u in users}


def test_the_marker_makes_the_next_run_reuse_the_dataset(replicated):
    url, info, cfg = replicated
    path = Path(url.removeprefix("sqlite:///"))
    before = path.stat().st_mtime_ns
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(datasets, "REPLICATE_FROM", BASE)
        again, reused = datasets.sqlite_dataset(cfg, BASE * COPIES)
    assert (again, reused) == (url, info)
    assert info["replicated_from"] == BASE
    assert info["stages"] == {stage: n * COPIES for stage, n in info["base"]["stages"].items()}
    assert path.stat().st_mtime_ns == before


def test_the_postgresql_copy_verifies_with_the_same_events(replicated, pg_cluster, tmp_path):
    url, info, cfg = replicated
    pg_url = datasets.copy_to_postgres(url, pg_cluster, BASE * COPIES, cfg.seed, tmp_path / "instance")
    try:
        report = verify(pg_url, tmp_path)
        assert report["ok"], report["problems"][:3]
        assert (report["cases"], report["events"]) == (BASE * COPIES, info["events"])
        with pg_cluster.connect(pg_url.rsplit("/", 1)[1]) as conn:
            pg_hashes = [h for (h,) in conn.execute("SELECT hash FROM case_events ORDER BY seq")]
            pg_users = conn.execute("SELECT login, active, session_token FROM users ORDER BY login").fetchall()
        assert pg_hashes == [h for (h,) in rows(url, "SELECT hash FROM case_events ORDER BY seq")]
        assert pg_users == [(lg, bool(a), tok) for lg, a, tok in
                            rows(url, "SELECT login, active, session_token FROM users ORDER BY login")]
    finally:
        pg_cluster.drop_database(pg_url.rsplit("/", 1)[1])


def test_the_replicated_database_keeps_the_migrations_indexes_and_wal(replicated):
    url, _info, cfg = replicated
    base = cfg.work / "datasets" / f"cases-{BASE}-seed{cfg.seed}.db"
    schema = "SELECT type, name, sql FROM sqlite_master ORDER BY type, name"
    assert rows(url, schema) == rows(f"sqlite:///{base}", schema)
    assert rows(url, "PRAGMA journal_mode") == [("wal",)]


def test_the_battle_map_timeline_of_the_copies_is_the_one_their_events_call_for(replicated):
    from sqlalchemy import create_engine

    from workflow.adapters.sql import timeline

    url, _info, _cfg = replicated
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert timeline.problems(conn) == []
            assert conn.exec_driver_sql("SELECT count(DISTINCT case_id) FROM case_timeline").scalar() == BASE * COPIES
    finally:
        engine.dispose()


def test_the_sweep_dataset_copies_only_open_cases_and_verifies(replicated, tmp_path):
    """`sqlite_open_dataset`: the base whole plus copies of its open cases, as many as make the count asked
    for — what the sweep benchmark measures "1M open cases" on; the product accepts it as its own."""
    _url, _info, cfg = replicated
    base_url = f"sqlite:///{cfg.work / 'datasets' / f'cases-{BASE}-seed{cfg.seed}.db'}"
    (base_open,), = rows(base_url, "SELECT count(*) FROM cases WHERE stage <> 'closed'")
    assert 0 < base_open < BASE
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(datasets, "REPLICATE_FROM", BASE)
        url, info = datasets.sqlite_open_dataset(cfg, 2 * base_open + 1)  # needs three lots of open cases
    assert info["copies"] == 3 and info["open_cases"] == 3 * base_open
    assert rows(url, "SELECT count(*) FROM cases WHERE stage <> 'closed'") == [(3 * base_open,)]
    assert rows(url, "SELECT count(*) FROM cases") == [(BASE + 2 * base_open,)] == [(info["cases"],)]
    copies = rows(url, f"SELECT stage FROM cases WHERE unit NOT LIKE '{dataset.county(0)}%'")
    assert len(copies) == 2 * base_open and ("closed",) not in copies
    report = verify(url, tmp_path)
    assert report["ok"], report["problems"][:3]
    assert (report["cases"], report["events"]) == (info["cases"], info["events"])


def test_the_full_run_sweeps_the_open_dataset_instead_of_the_larger_ones(replicated):
    from bench.__main__ import sweep_datasets

    url, info, cfg = replicated
    small = (BASE, "sqlite", f"sqlite:///{cfg.work / 'datasets' / f'cases-{BASE}-seed{cfg.seed}.db'}", {})
    data = [small, (BASE * COPIES, "sqlite", url, info)]
    assert sweep_datasets(cfg, None, data) == data  # no open dataset asked for: the sizes' datasets
    cfg.sweep_open_cases = 2
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(datasets, "REPLICATE_FROM", BASE)
            chosen = sweep_datasets(cfg, None, data)
    finally:
        cfg.sweep_open_cases = 0
    assert [d[:2] for d in chosen] == [(BASE, "sqlite"), (chosen[1][3]["cases"], "sqlite")]
    assert chosen[1][3]["open_only"] and chosen[1][2].endswith(f"open-2-seed{cfg.seed}.db")
