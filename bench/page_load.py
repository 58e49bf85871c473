"""How fast the case page is in a real browser (issue 16: a first load ≤ 300 KB, interactive in ≤ 1 s).

    python -m bench.page_load                 # 15 rounds of each figure, results in bench/results/page_load.json
    python -m bench.page_load --rounds 5 --out /tmp/results

`rectiflow serve --demo` (waitress, the demo campaign of `make run`, on a fresh SQLite file) runs as its own
process; Debian's Chromium (Playwright, headless, as in tests/browser) measures, on the local loopback:

- cold case page: a new browser context (empty cache) holding a logged-in session opens a case page; the
  Navigation Timing entry gives time to first byte, DOMContentLoaded (interactive) and load; the bytes are
  the headers and bodies of every response;
- warm case page: the same context opens another case page (the hashed static files come from its cache);
- diagram: from the click on 流程图 to the drawn SVG, cold (mermaid's module and its chunks are fetched then),
  and the bytes that fetches;
- registration round trip: a registrar fills the new-case form; from the click on 登记 to the new case page's
  load event (the POST, the redirect, the page and its assets).

Not part of `make bench`/`bench-quick` (a browser on a shared machine is too noisy for bench.check); run it
by hand and copy the figures to BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.common import DEFAULT_OUT, log, machine

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PASSWORD = "rectiflow-demo"
NOW = "2026-04-15T01:00:00Z"  # the demo's Wednesday, as the browser tests' demo server
NAVIGATION = """() => { const n = performance.getEntriesByType('navigation')[0];
  return {ttfb: n.responseStart - n.startTime, dcl: n.domContentLoadedEventEnd - n.startTime,
          load: n.loadEventEnd - n.startTime}; }"""


def serve(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    exe = str(Path(sys.executable).with_name("rectiflow"))
    env = {**os.environ, "RECTIFLOW_DATABASE_URL": f"sqlite:///{folder / 'rectiflow.db'}",
           "RECTIFLOW_INSTANCE": str(folder / "instance"), "RECTIFLOW_NOW": NOW}
    for args in (["db", "upgrade"], ["definitions", "load"]):
        subprocess.run([exe, *args], env=env, check=True, capture_output=True)
    from bench.web import free_port

    port = free_port()
    with (folder / "server.log").open("wb") as sink:
        proc = subprocess.Popen([exe, "serve", "--demo", "--no-scheduler", "--port", str(port)], env=env,
                                stdout=sink, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        try:
            urllib.request.urlopen(base + "/login", timeout=5).read()
            return proc, base
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"rectiflow serve did not come up: see {folder / 'server.log'}") from None
            time.sleep(0.5)


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"median": round(statistics.median(ordered), 1),
            "p95": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 1),
            "max": round(ordered[-1], 1), "samples": len(ordered)}


def measure(base: str, rounds: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            return _measure(browser, base, rounds)
        finally:
            browser.close()


def _login(browser: Any, base: str, login: str) -> Any:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("#username", login)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#who")
    state = context.storage_state()
    context.close()
    return state


def _case_ids(browser: Any, base: str, session: Any, n: int) -> list[str]:
    context = browser.new_context(storage_state=session)
    page = context.new_page()
    page.goto(base + "/?tab=all")
    hrefs = page.eval_on_selector_all("a[href^='/cases/c']", "links => links.map(a => a.getAttribute('href'))")
    context.close()
    ids = list(dict.fromkeys(h.split("/")[2] for h in hrefs))
    if len(ids) < 2:
        raise RuntimeError("the demo inbox lists fewer than two cases")
    return (ids * (n // len(ids) + 2))[: n + 1]


def _kb(requests: list[Any]) -> float:
    """Kilobytes on the wire: the headers and (encoded) bodies of the responses."""
    return sum(s["responseHeadersSize"] + max(s["responseBodySize"], 0) for s in (r.sizes() for r in requests)) / 1024


def _measure(browser: Any, base: str, rounds: int) -> dict[str, Any]:
    session = _login(browser, base, "supervisor")
    ids = _case_ids(browser, base, session, rounds)
    cold: dict[str, list[float]] = {"ttfb": [], "dcl": [], "load": [], "kb": []}
    warm: dict[str, list[float]] = {"ttfb": [], "dcl": [], "load": []}
    diagram: list[float] = []
    diagram_kb: list[float] = []
    for i in range(rounds):
        context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN", storage_state=session)
        page = context.new_page()
        finished: list[Any] = []
        page.on("requestfinished", lambda request: finished.append(request))  # noqa: PLW0108 (Playwright cannot wrap a builtin)
        page.goto(f"{base}/cases/{ids[i]}", wait_until="load")
        for key, value in page.evaluate(NAVIGATION).items():
            cold[key].append(value)
        cold["kb"].append(_kb(finished))
        before = len(finished)
        t0 = time.perf_counter()
        page.click("#diagram-toggle")
        page.wait_for_selector("body[data-diagrams='drawn']", timeout=60000)
        diagram.append((time.perf_counter() - t0) * 1000)
        page.wait_for_load_state("networkidle")
        diagram_kb.append(_kb(finished[before:]))
        page.goto(f"{base}/cases/{ids[i + 1]}", wait_until="load")
        for key, value in page.evaluate(NAVIGATION).items():
            warm[key].append(value)
        context.close()
    registrar = _login(browser, base, "registrar")
    register: list[float] = []
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN", storage_state=registrar)
    page = context.new_page()
    for i in range(rounds):
        page.goto(f"{base}/cases/new?type=rectification_item")
        page.fill("#n-title", f"基准测试登记的问题 {i}")
        page.select_option("#n-unit", index=1)
        page.fill("#n-description", "基准测试：登记到案件页面的往返时间。")
        page.select_option("#n-category", "commutation_parole")
        page.select_option("#n-discovery_channel", "self_report")
        t0 = time.perf_counter()
        with page.expect_navigation(url=lambda url: "/cases/c" in url, wait_until="load"):
            page.click("#register")
        register.append((time.perf_counter() - t0) * 1000)
    context.close()
    return {"cold_case_page_ms": {k: summary(v) for k, v in cold.items() if k != "kb"},
            "cold_case_page_kb": summary(cold["kb"]),
            "warm_case_page_ms": {k: summary(v) for k, v in warm.items()},
            "open_diagram_cold_ms": summary(diagram), "open_diagram_kb": summary(diagram_kb),
            "register_to_case_page_ms": summary(register)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.page_load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print("Debian's chromium is missing (make browser installs it)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="rectiflow-page-load-") as tmp:
        proc, base = serve(Path(tmp))
        try:
            results = measure(base, args.rounds)
        finally:
            proc.terminate()
            proc.wait(timeout=15)
    results = {"machine": machine(), "rounds": args.rounds, "server": "rectiflow serve --demo (waitress, SQLite)",
               **results}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "page_load.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    for key, value in results.items():
        if key not in ("machine", "rounds", "server"):
            log(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
