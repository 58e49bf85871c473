"""Profiles (pyinstrument) of the slowest paths: a case lifecycle through the engine, `audit verify`, the inbox page.

Writes `<out>/profiles/<name>.txt` (call tree) and `<name>.flat.txt` (where the time is spent,
by function) so BENCHMARKS.md can point at the hot spots and the fixes they led to.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import Config, banner, fresh_file, log, sqlite_url, write_result


def profile(name: str, fn: Callable[[], Any], out: Path) -> dict[str, Any]:
    try:
        from pyinstrument import Profiler
    except ImportError:
        return {"status": "not available", "reason": "pyinstrument is not installed (pip install -e '.[bench]')"}
    profiler = Profiler(interval=0.0005)
    profiler.start()
    fn()
    session = profiler.stop()
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.txt").write_text(profiler.output_text(unicode=True, color=False, show_all=False))
    flat = profiler.output_text(unicode=True, color=False, flat=True, time="percent_of_total")
    (out / f"{name}.flat.txt").write_text(flat)
    top = [line.strip() for line in flat.splitlines() if "%" in line][:12]
    log(f"{name}: {session.duration:.2f} s profiled; top: " + "; ".join(top[:4]))
    return {"seconds": round(session.duration, 3), "top": top, "files": [f"profiles/{name}.txt", f"profiles/{name}.flat.txt"]}


def inbox_page(url: str, cfg: Config, requests: int) -> Callable[[], Any] | None:
    """The web inbox page of a handler, rendered `requests` times through Flask's test client."""
    try:
        from web import create_app
    except ImportError:
        return None
    from bench.generate import make_app

    rf = make_app(url, cfg.work / "profile-web-instance")
    app = create_app(core=rf)
    app.config["WTF_CSRF_ENABLED"] = False  # the test client posts the login form directly
    client = app.test_client()
    client.post("/login", data={"username": "k000-sfs-1-handler1", "password": "rectiflow-demo"})
    if client.get("/").status_code != 200:
        return None

    def pages() -> None:
        for _ in range(requests):
            client.get("/")

    return pages


def run(cfg: Config, dataset_url: str | None = None) -> dict[str, Any]:
    from bench.engine_throughput import RectiflowVariant, drive

    banner("profiles (pyinstrument)")
    out = cfg.path("profiles")
    work = cfg.work / "profiles"
    variant = RectiflowVariant(sqlite_url(fresh_file(work / "engine.db")), "NORMAL", work / "instance")
    drive(variant, 0, 5)  # warm caches before profiling
    results: dict[str, Any] = {}
    try:
        results["engine_lifecycle"] = profile("engine_lifecycle", lambda: drive(variant, 5, cfg.throughput_cases), out)

        def verify() -> None:
            from workflow.audit.verify import verify as audit_verify

            with variant.app.store.read() as tx:
                report = audit_verify(tx.iter_events(), tx.case_rows())
            assert report.ok, report.problems[:3]

        results["audit_verify"] = profile("audit_verify", verify, out)
        pages = inbox_page(dataset_url, cfg, 10 if cfg.quick else 50) if dataset_url else None
        if pages is None:
            results["inbox_page"] = {"status": "not available", "reason": "no web UI or no dataset"}
        else:
            results["inbox_page"] = profile("inbox_page", pages, out)
    finally:
        variant.close()
    write_result(cfg, "profiles", results)
    return results
