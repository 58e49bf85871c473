"""`rectiflow serve --workers 2` as a real process: gunicorn's two workers honour one login session,
both serve, exactly one of them sweeps, and a stop (SIGTERM, or Ctrl-C's SIGINT to the whole group)
ends everything cleanly and hands the sweep lease back."""
from __future__ import annotations

import http.client
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from webtools import REPO

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="gunicorn serves on Linux only")
ACCESS = "--access-logfile - --access-logformat 'served-by=%(p)s %(m)s %(U)s %(s)s'"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(database_url: str, tmp_path, port: int) -> tuple[subprocess.Popen[bytes], object]:
    env = {**os.environ, "RECTIFLOW_DATABASE_URL": database_url, "RECTIFLOW_DEFINITIONS": str(REPO / "definitions"),
           "RECTIFLOW_INSTANCE": str(tmp_path / "instance"), "RECTIFLOW_SCHEDULER_INTERVAL": "1",
           "GUNICORN_CMD_ARGS": ACCESS,
           # this checkout's code, not whatever `rectiflow` is installed (see the helper notes)
           "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)}
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "rectiflow", "serve", "--workers", "2", "--threads", "4",
                             "--port", str(port), "--demo"], env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)  # its own process group, as a terminal's Ctrl-C would reach
    return proc, log


def _wait_until_serving(proc: subprocess.Popen[bytes], port: int, tmp_path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, (tmp_path / "serve.log").read_text()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=10) as page:
                if page.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("not serving after 120 s:\n" + (tmp_path / "serve.log").read_text())


def _log_in(port: int) -> str:
    """Log in once through the form (CSRF token included); the Cookie header to replay."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"http://127.0.0.1:{port}/login", timeout=30).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token, page
    form = {"username": "handler", "password": "rectiflow-demo", "csrf_token": token.group(1)}
    opener.open(f"http://127.0.0.1:{port}/login", data=urllib.parse.urlencode(form).encode(), timeout=30).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def _inbox(port: int, cookie: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)  # a new connection each time
    try:
        conn.request("GET", "/", headers={"Cookie": cookie})
        answer = conn.getresponse()
        return answer.status, answer.read().decode()
    finally:
        conn.close()


def _lease(database_url: str) -> tuple[str, datetime] | None:
    from sqlalchemy import text

    from workflow.adapters.sql.sqlstore import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT owner, expires_at FROM scheduler_leases "
                                    "WHERE name = 'escalation-sweep'")).first()
    finally:
        engine.dispose()
    if row is None:
        return None
    return row[0], datetime.fromisoformat(row[1].replace("Z", "+00:00"))


def _workers_of(master: int) -> set[int]:
    children = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    stat = fh.read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                children.add(int(entry))
    return children


@pytest.mark.parametrize("stop", ["SIGTERM", "SIGINT"])
def test_two_workers_share_one_session_and_one_sweeper(database_url, tmp_path, stop):
    port = _free_port()
    proc, log = _start(database_url, tmp_path, port)
    try:
        _wait_until_serving(proc, port, tmp_path)
        workers = _workers_of(proc.pid)
        assert len(workers) == 2
        cookie = _log_in(port)

        # many requests with the one session cookie, several at a time so that both workers take some
        with ThreadPoolExecutor(6) as pool:
            pages = list(pool.map(lambda _: _inbox(port, cookie), range(60)))
        assert [status for status, _ in pages] == [200] * 60  # a refused session would be a 302 to /login
        assert all("李强" in body for _, body in pages)  # the handler's own inbox, by their name

        # one sweeper: the same live lease holder, one of the workers, over several 1-second sweep intervals
        holders = set()
        for _ in range(8):
            holder = _lease(database_url)
            assert holder is not None and holder[1] > datetime.now(UTC)  # held (and renewed) all along
            holders.add(holder[0])
            time.sleep(0.5)
        assert len(holders) == 1
        sweeper = int(holders.pop().split(":")[1])
        assert sweeper in workers
    finally:
        if stop == "SIGTERM":
            proc.send_signal(signal.SIGTERM)
        else:
            os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the master and its workers alike
        try:
            code = proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            log.close()  # type: ignore[attr-defined]
    output = (tmp_path / "serve.log").read_text()
    assert code == 0, output
    assert "Traceback" not in output and "error:" not in output, output
    served_by = {int(pid) for pid, path in re.findall(r"served-by=<(\d+)> GET (\S+) 200", output) if path == "/"}
    assert served_by == workers  # both worker processes served the session's requests
    swept = {int(pid) for pid in re.findall(r"rectiflow\.scheduler\[(\d+)\] INFO sweep: fired", output)}
    assert swept == {sweeper}  # and only the lease holder ever swept
    released = _lease(database_url)
    assert released is not None and released[1] <= datetime.now(UTC)  # the lease was handed back at the stop


def test_processes_starting_together_end_with_one_session_key(tmp_path):
    """Whoever creates the instance key first wins; every other starter reads that key, whole, never its own."""
    from web import _instance_secret

    instance = tmp_path / "instance"
    with ThreadPoolExecutor(16) as pool:
        keys = set(pool.map(lambda _: _instance_secret(instance), range(64)))
    assert len(keys) == 1 and len(keys.pop()) == 64
    assert [p.name for p in instance.iterdir()] == ["secret_key"]  # no draft left behind


def test_a_crashed_sweeper_is_replaced_within_the_lease(database_url, tmp_path):
    """kill -9 of the sweeping worker: its lease runs out (3 intervals, at least 30 s) and another worker — the
    standby, or the replacement gunicorn starts — sweeps from then on."""
    from workflow.escalation.service import lease_ttl

    port = _free_port()
    proc, log = _start(database_url, tmp_path, port)
    try:
        _wait_until_serving(proc, port, tmp_path)
        deadline = time.monotonic() + 30
        while (holder := _lease(database_url)) is None and time.monotonic() < deadline:
            time.sleep(0.3)
        assert holder is not None
        crashed = int(holder[0].split(":")[1])
        os.kill(crashed, signal.SIGKILL)
        limit = time.monotonic() + lease_ttl(1).total_seconds() + 20  # the lease, then a standby's next run
        while time.monotonic() < limit:
            now = _lease(database_url)
            if now is not None and now[0] != holder[0] and now[1] > datetime.now(UTC):
                break
            time.sleep(0.5)
        assert now is not None and now[0] != holder[0], "no other worker took the sweep over"
        successor = int(now[0].split(":")[1])
        assert successor in _workers_of(proc.pid) and successor != crashed
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            log.close()  # type: ignore[attr-defined]
    output = (tmp_path / "serve.log").read_text()
    assert code == 0 and "Traceback" not in output, output
