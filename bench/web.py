"""The web UI under 50 concurrent clients vs a bare Flask "hello" route served the same way.

`rectiflow serve --no-scheduler` runs on a generated dataset as its own process, as it is deployed:
one gunicorn worker process per CPU (8 threads each); where gunicorn cannot run, one waitress
process with 8 threads. A logged-in client's cookie is replayed by wrk (50 connections, 2 threads)
against the inbox page `/` and a case page `/cases/<id>`. The baseline is a one-route Flask app on
the same server with the same workers and threads, in the same run. Figures: requests/s, p50/p95
latency, errors (non-2xx, socket errors, timeouts). Memory: the peak RSS (VmHWM) of each worker
process after the load (server_rss_mb: the largest worker), the master's, and their sum.
"""
from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from bench.common import Config, banner, log, not_available, peak_rss_mb, put_summary, write_result

THREADS = 8  # per worker process
RSS_BY_CASES: dict[int, float] = {}  # server peak RSS per dataset size, to show it stays flat
LUA = """
done = function(summary, latency, requests)
  io.write(string.format("BENCH p50_us=%d p95_us=%d p99_us=%d requests=%d non2xx=%d connect=%d read=%d write=%d timeout=%d\\n",
    latency:percentile(50), latency:percentile(95), latency:percentile(99), summary.requests,
    summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
"""
HELLO = """
import sys, waitress
from flask import Flask
app = Flask("hello")
@app.route("/")
def hello():
    return "hello"
if __name__ == "__main__":
    waitress.serve(app, host="127.0.0.1", port=int(sys.argv[1]), threads=int(sys.argv[2]), ident="hello")
"""


def workers() -> int:
    """Worker processes, as `rectiflow serve` chooses them: one per CPU with gunicorn, else one.
    BENCH_WEB_WORKERS=1 measures the one-process waitress server instead (for a comparison)."""
    from rectiflow.serve_workers import unavailable

    return 1 if unavailable() else int(os.environ.get("BENCH_WEB_WORKERS") or os.cpu_count() or 1)


def serve_hello(port: int, work: Path, n_workers: int) -> subprocess.Popen[bytes]:
    """The bare Flask route on the server rectiflow runs on, with the same workers and threads."""
    (work / "hello_app.py").write_text(HELLO)
    if n_workers == 1:
        cmd = [sys.executable, str(work / "hello_app.py"), str(port), str(THREADS)]
    else:
        cmd = [sys.executable, "-m", "gunicorn", "--chdir", str(work), "--workers", str(n_workers), "--threads",
               str(THREADS), "--worker-class", "gthread", "--bind", f"127.0.0.1:{port}", "--no-control-socket",
               "hello_app:app"]
    with (work / "hello.log").open("wb") as sink:
        return subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT)


def pss_mb(pid: int) -> float:
    """Proportional set size now (shared pages split among the processes sharing them): what a worker
    really adds, since pages inherited from the master are shared until written."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return float("nan")


def server_cpu_s(master: int) -> float:
    """CPU seconds (user + system) used so far by the server: the master and its worker processes.
    Per request, this is what a page costs the server whatever else the machine is doing."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(entry.name) == master or int(fields[1]) == master:
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def measured(url: str, cfg: Config, cookie: str | None, work: Path, server: subprocess.Popen[bytes]) -> dict[str, Any]:
    """wrk's figures plus the server's CPU per request over the same run, after one second of warm-up (every
    worker compiles its templates and fills its caches on its first requests: not what a page costs)."""
    wrk(url, 1, cfg.web_clients, cookie, work)
    before = server_cpu_s(server.pid)
    figures = wrk(url, cfg.web_seconds, cfg.web_clients, cookie, work)
    cpu = server_cpu_s(server.pid) - before
    figures["server_cpu_ms_per_request"] = round(1000 * cpu / max(figures["requests"], 1), 2)
    return figures


def worker_rss_mb(master: int) -> dict[int, float]:
    """Peak RSS of each worker process (the server's children)."""
    rss = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                rss[int(entry.name)] = round(peak_rss_mb(int(entry.name)), 1)
    return rss


def missing() -> str | None:
    try:
        import waitress  # noqa: F401

        import web  # noqa: F401
    except ImportError as err:
        return f"the web UI (issue 4: web package, waitress) is not installed: {err}"
    if shutil.which("wrk") is None:
        return "wrk is not installed (make bench installs it with apt-get)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with status {proc.returncode} (see its log in the work directory)")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def login(port: int, user: str, password: str) -> str:
    """Log in through the form (CSRF token included); return the Cookie header to replay."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"http://127.0.0.1:{port}/login", timeout=30).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    form = {"username": user, "password": password, **({"csrf_token": token.group(1)} if token else {})}
    opener.open(f"http://127.0.0.1:{port}/login", data=urllib.parse.urlencode(form).encode(), timeout=30).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    check = opener.open(f"http://127.0.0.1:{port}/", timeout=30)
    if "/login" in check.geturl():
        raise RuntimeError(f"could not log in as {user}")
    return cookie


def wrk(url: str, seconds: int, clients: int, cookie: str | None, work: Path) -> dict[str, Any]:
    script = work / "report.lua"
    script.write_text(LUA)
    # A generous timeout: a request wrk gives up on stays queued in the server, and its replacement
    # joins the queue too — with a short timeout a slow page snowballs into a backlog.
    cmd = ["wrk", "-t", "2", "-c", str(clients), "-d", f"{seconds}s", "--timeout", "60s", "-s", str(script), url]
    if cookie:
        cmd[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    nums = dict(re.findall(r"(\w+)=(\d+)", out.split("BENCH", 1)[1]))
    errors = sum(int(nums[k]) for k in ("non2xx", "connect", "read", "write", "timeout"))
    return {"requests_per_s": round(rps, 1), "p50_ms": int(nums["p50_us"]) / 1000, "p95_ms": int(nums["p95_us"]) / 1000,
            "p99_ms": int(nums["p99_us"]) / 1000, "requests": int(nums["requests"]), "errors": errors,
            "errors_detail": {k: int(nums[k]) for k in ("non2xx", "connect", "read", "write", "timeout")}}


def settle(port: int, timeout: float = 900) -> float:
    """Seconds until the server answers a fresh request, i.e. until its queue from the last run drained."""
    t0 = time.perf_counter()
    urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=timeout).read()
    return round(time.perf_counter() - t0, 1)


def serve_rectiflow(url: str, port: int, instance: Path, log_file: Path, n_workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "RECTIFLOW_DATABASE_URL": url, "RECTIFLOW_INSTANCE": str(instance),
           "RECTIFLOW_NOW": "2026-04-01T02:00:00Z"}
    # The server's log goes to a file: a pipe nobody reads fills up under load (waitress warns about
    # its queue depth on every request) and then blocks the server's main loop for good.
    with log_file.open("wb") as sink:  # `python -m rectiflow`: this checkout's code, like the rest of the run
        return subprocess.Popen([sys.executable, "-m", "rectiflow", "serve", "--no-scheduler", "--port", str(port),
                                 "--workers", str(n_workers), "--threads", str(THREADS)],
                                env=env, stdout=sink, stderr=subprocess.STDOUT)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run(cfg: Config, dataset: tuple[int, str, str, dict[str, Any]] | None) -> dict[str, Any]:
    banner(f"web: {cfg.web_clients} concurrent clients vs a bare Flask route")
    reason = missing() or (None if dataset else "no generated dataset")
    if reason:
        for key in ("web_vs_bare_flask", "server_rss_mb"):
            not_available(cfg, key, reason)
        write_result(cfg, "web", {"status": "not available", "reason": reason})
        return {}
    n, db, url, _info = dataset  # type: ignore[misc]
    work = cfg.work / "web"
    work.mkdir(parents=True, exist_ok=True)
    n_workers = workers()
    results: dict[str, Any] = {"cases": n, "db": db, "clients": cfg.web_clients, "seconds": cfg.web_seconds,
                               "server": "gunicorn gthread" if n_workers > 1 else "waitress",
                               "server_workers": n_workers, "server_threads": THREADS, "tool": "wrk"}
    port = free_port()
    hello = serve_hello(port, work, n_workers)
    try:
        wait_up(port, hello)
        results["bare_flask"] = measured(f"http://127.0.0.1:{port}/", cfg, None, work, hello)
    finally:
        stop(hello)
    port = free_port()
    server = serve_rectiflow(url, port, cfg.work / "web-instance", work / "server.log", n_workers)
    try:
        wait_up(port, server)
        cookie = login(port, "k000-sfs-1-handler1", "rectiflow-demo")
        case_id = _a_case(url)
        results["rss_mb_idle"] = max(worker_rss_mb(server.pid).values(), default=round(peak_rss_mb(server.pid), 1))
        results["inbox_page"] = measured(f"http://127.0.0.1:{port}/", cfg, cookie, work, server)
        results["inbox_page"]["drain_s"] = settle(port)  # requests wrk left queued in the server
        results["case_page"] = measured(f"http://127.0.0.1:{port}/cases/{case_id}", cfg, cookie, work, server)
        results["case_page"]["drain_s"] = settle(port)
        master, per_worker = round(peak_rss_mb(server.pid), 1), worker_rss_mb(server.pid)
        # Per worker process (the budget is per worker); with one process, that process itself.
        results["server_peak_rss_mb"] = max(per_worker.values(), default=master)
        results["rss_mb_by_process"] = {"master": master, "workers": list(per_worker.values()),
                                        "total": round(master + sum(per_worker.values()), 1),
                                        "pss_now_total": round(sum(pss_mb(p) for p in (server.pid, *per_worker)), 1)}
    finally:
        stop(server)
    for name in ("bare_flask", "inbox_page", "case_page"):
        r = results[name]
        log(f"{name:<11} {r['requests_per_s']:>8,.0f} req/s  p50 {r['p50_ms']:>7.1f} ms  p95 {r['p95_ms']:>7.1f} ms  "
            f"errors {r['errors']}  server CPU {r['server_cpu_ms_per_request']:.2f} ms/request")
    ratio = results["inbox_page"]["requests_per_s"] / results["bare_flask"]["requests_per_s"]
    results["inbox_vs_bare_flask"] = round(ratio, 3)
    log(f"inbox page / bare Flask = {ratio:.3f} ({results['server']}, {n_workers} worker(s) × {THREADS} threads); "
        f"peak RSS per worker {results['server_peak_rss_mb']} MB, all processes {results['rss_mb_by_process']}")
    put_summary(cfg, "web_vs_bare_flask", ratio, n, db, server=results["server"], workers=n_workers,
                threads=THREADS, inbox_cpu_ms=results["inbox_page"]["server_cpu_ms_per_request"],
                case_cpu_ms=results["case_page"]["server_cpu_ms_per_request"], inbox_p95_ms=results["inbox_page"]["p95_ms"],
                inbox_errors=results["inbox_page"]["errors"], case_page_rps=results["case_page"]["requests_per_s"],
                case_p95_ms=results["case_page"]["p95_ms"], case_errors=results["case_page"]["errors"])
    RSS_BY_CASES[n] = results["server_peak_rss_mb"]
    put_summary(cfg, "server_rss_mb", results["server_peak_rss_mb"], n, db, idle_mb=results["rss_mb_idle"],
                peak_by_cases=dict(RSS_BY_CASES), workers=n_workers, by_process=results["rss_mb_by_process"])
    write_result(cfg, f"web_{n}", results)
    return results


def _a_case(url: str) -> str:
    """An open case of the logged-in handler's unit (what they would click in their inbox)."""
    from sqlalchemy import text

    from workflow.adapters.sql.sqlstore import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT id FROM cases WHERE unit = 'k000-sfs-1' AND stage <> 'closed' "
                                     "ORDER BY id LIMIT 1")).scalar_one()
    finally:
        engine.dispose()
