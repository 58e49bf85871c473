"""`python -m bench` — run the benchmarks and write bench/results/*.json, summary.json and run.json.

    python -m bench --quick            # about a minute: small N (what `make bench-quick` and CI run)
    python -m bench --full             # the figures of BENCHMARKS.md: 100k and 1M cases (hours)
    python -m bench --quick --only engine,replay --sizes 5000 --out /tmp/results

A benchmark that fails is reported and the others still run; the exit status is 1 if any failed.
A run never changes the committed figures (bench/baseline/summary.json): `python -m bench.baseline DIR`
promotes a full run's results folder on purpose (BENCHMARKS.md, "The committed summary").
"""
from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import pg
from bench.baseline import load_average, now, record_run
from bench.common import DEFAULT_OUT, SUMMARY_KEYS, Config, banner, log, machine, put_summary

# The Merkle log's dataset in the full run: 20,000 generated cases (154,912 events) ×7 = just over a
# million events (1,084,384), replicated as the million-case dataset is (bench.replicate).
MERKLE_CASES = 140_000  # bench.merkle_log.MERKLE_BASE ×7
STEPS = ("engine", "replay", "readside", "sweep", "web", "profiles", "ledger", "merkle")
# Which summary keys each step owns (marked failed if the step crashes).
OWNS = {"engine": ("engine_vs_raw", "engine_vs_spiffworkflow", "engine_vs_naive_transitions"),
        "replay": ("replay_ms", "verify_events_per_s"), "readside": ("inbox_p95_ms", "dashboard_asof_ms", "search_p95_ms"),
        "sweep": ("sweep_ms",), "web": ("web_vs_bare_flask", "server_rss_mb"), "profiles": (),
        "ledger": ("ledger_import_rows_per_s",), "merkle": ("checkpoint_s", "merkle_verify_entries_per_s",
                                                                   "checkpoint_incremental_s",
                                                                   "verify_with_merkle_events_per_s")}


def config(args: argparse.Namespace) -> Config:
    out = Path(args.out).resolve()
    cfg = Config(out=out, quick=not args.full, seed=args.seed, postgres=not args.no_postgres,
                 dashboard=not args.no_dashboard,
                 work=Path(args.work).resolve() if args.work else DEFAULT_OUT.parent / ".work")
    if args.full:
        cfg.throughput_cases, cfg.dataset_sizes, cfg.web_seconds, cfg.replay_events = 1000, (100_000, 1_000_000), 20, 1000
        cfg.sweep_open_cases = 1_000_000
        cfg.merkle_cases = MERKLE_CASES
    else:
        cfg.throughput_cases, cfg.dataset_sizes, cfg.web_seconds, cfg.replay_events = 60, (1000,), 3, 1000
    if args.tiny:  # the CI smoke test: everything runs, nothing is big
        cfg.throughput_cases, cfg.dataset_sizes, cfg.web_seconds, cfg.replay_events = 6, (120,), 1, 40
    if args.sizes:
        cfg.dataset_sizes = tuple(int(s) for s in args.sizes.split(","))
    if args.cases:
        cfg.throughput_cases = args.cases
    if args.merkle_cases is not None:
        cfg.merkle_cases = args.merkle_cases
    if args.sweep_open is not None:
        cfg.sweep_open_cases = args.sweep_open
    return cfg


def datasets(cfg: Config, cluster: Any) -> list[tuple[int, str, str, dict[str, Any]]]:
    from bench.datasets import copy_to_postgres, sqlite_dataset

    out = []
    for n in cfg.dataset_sizes:
        url, info = sqlite_dataset(cfg, n)
        out.append((n, "sqlite", url, info))
        if cluster is not None:
            out.append((n, "postgresql", copy_to_postgres(url, cluster, n, cfg.seed, cfg.work / "pg-instance"), info))
    return out


def sweep_datasets(cfg: Config, cluster: Any, data: list[tuple[int, str, str, dict[str, Any]]]
                   ) -> list[tuple[int, str, str, dict[str, Any]]]:
    """What the sweep runs on: with `sweep_open_cases`, the datasets smaller than the base plus one with that
    many open cases (the issue's "1M open cases": the replicated million has only 412,150)."""
    if not cfg.sweep_open_cases:
        return data
    from bench.datasets import REPLICATE_FROM, copy_to_postgres, sqlite_open_dataset

    url, info = sqlite_open_dataset(cfg, cfg.sweep_open_cases)
    out = [d for d in data if d[0] <= REPLICATE_FROM] + [(info["cases"], "sqlite", url, info)]
    if cluster is not None:
        # The read side has run (STEPS order) and nothing after the sweep reads PostgreSQL: the larger
        # datasets' copies go before the open one is made (a million-case copy is ~13 GB of disk).
        for n, db, pg_url, _info in data:
            if n > REPLICATE_FROM and db == "postgresql":
                name = pg_url.rsplit("/", 1)[1]
                cluster.drop_database(name)
                log(f"dropped the PostgreSQL copy {name} (nothing after the read side reads it)")
        pg_url = copy_to_postgres(url, cluster, info["cases"], cfg.seed, cfg.work / "pg-instance",
                                  name=f"open_{cfg.sweep_open_cases}_seed{cfg.seed}")
        out.append((info["cases"], "postgresql", pg_url, info))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small N, about a minute (default)")
    size.add_argument("--full", action="store_true", help="100k and 1M cases")
    parser.add_argument("--tiny", action="store_true", help="smallest possible N (smoke test)")
    parser.add_argument("--only", default=",".join(STEPS), help=f"comma-separated subset of {','.join(STEPS)}")
    parser.add_argument("--sizes", default="", help="dataset sizes, e.g. 1000,100000")
    parser.add_argument("--sweep-open", type=int, default=None,
                        help="sweep a dataset with this many open cases (--full: 1000000; 0: the --sizes datasets)")
    parser.add_argument("--merkle-cases", type=int, default=None,
                        help=f"the Merkle log's own dataset (--full: {MERKLE_CASES:,} cases, ~1M events; "
                             "0: the --sizes datasets)")
    parser.add_argument("--cases", type=int, default=0, help="cases per variant in the throughput benchmark")
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    parser.add_argument("--work", default="", help="scratch directory (databases); default bench/.work")
    parser.add_argument("--seed", type=int, default=20260302)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-dashboard", action="store_true", help="readside: the inbox figures only")
    args = parser.parse_args(argv)
    cfg = config(args)
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(only) - set(STEPS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    cfg.out.mkdir(parents=True, exist_ok=True)
    preset = "full" if args.full else "tiny" if args.tiny else "quick"
    print(f"rectiflow benchmarks ({preset}), results in {cfg.out}")
    print(json.dumps(machine(), ensure_ascii=False))
    started_at, load_at_start = now(), load_average()
    failed = run_steps(cfg, only)
    record_run(cfg, preset, sys.argv[1:] if argv is None else list(argv), started_at, load_at_start, failed)
    banner("summary")
    summary = json.loads((cfg.out / "summary.json").read_text()) if (cfg.out / "summary.json").exists() else {}
    for key in SUMMARY_KEYS:
        entry = summary.get(key, {})
        log(f"{key:<28} {entry.get('value')!s:>12}  n={entry.get('n')} db={entry.get('db')} "
            f"{entry.get('status', '')} {entry.get('reason', '')}".rstrip())
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
    elif preset == "full":
        print(f"to make these the committed figures: python -m bench.baseline {cfg.out} (BENCHMARKS.md)")
    return 1 if failed else 0


def run_steps(cfg: Config, only: list[str]) -> list[str]:
    from bench import engine_throughput, ledger_import, merkle_log, profiles, readside, replay_verify, sweep, web

    failed: list[str] = []
    need_data = any(s in only for s in ("replay", "readside", "sweep", "web", "merkle"))
    use_pg = cfg.postgres and pg.available() is None
    cluster_cm = pg.cluster() if (use_pg and any(s in only for s in ("readside", "sweep", "merkle"))) else None
    cluster = cluster_cm.__enter__() if cluster_cm else None
    try:
        data: list[tuple[int, str, str, dict[str, Any]]] = []
        if need_data and not _guard("datasets", lambda: data.extend(datasets(cfg, cluster)), cfg, failed, STEPS[1:]):
            only = [s for s in only if s in ("engine", "profiles")]
        sqlite_data = [d for d in data if d[1] == "sqlite"]
        actions: dict[str, Callable[[], Any]] = {
            "engine": lambda: engine_throughput.run(cfg),
            "replay": lambda: replay_verify.run(cfg, {n: url for n, _db, url, _i in sqlite_data}),
            "readside": lambda: readside.run(cfg, data),
            "sweep": lambda: sweep.run(cfg, sweep_datasets(cfg, cluster, data)),
            "web": lambda: [web.run(cfg, d) for d in sqlite_data],
            "profiles": lambda: profiles.run(cfg, sqlite_data[-1][2] if sqlite_data else None),
            "ledger": lambda: ledger_import.run(cfg),
            "merkle": lambda: merkle_log.run(cfg, {n: url for n, _db, url, _i in sqlite_data}, cluster),
        }
        for step in STEPS:
            if step in only:
                _guard(step, actions[step], cfg, failed, (step,))
    finally:
        if cluster_cm:
            cluster_cm.__exit__(None, None, None)
    return failed


def _guard(name: str, fn: Callable[[], Any], cfg: Config, failed: list[str], steps: tuple[str, ...]) -> bool:
    try:
        fn()
        return True
    except Exception as err:  # one broken benchmark must not hide the others' figures
        traceback.print_exc()
        failed.append(name)
        for step in steps:
            for key in OWNS.get(step, ()):
                put_summary(cfg, key, None, None, None, status="failed", reason=f"{type(err).__name__}: {err}"[:300])
        return False


if __name__ == "__main__":
    sys.exit(main())
