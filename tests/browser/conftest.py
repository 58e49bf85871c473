"""Browser tests: the real app on waitress in a thread, driven by Debian's headless Chromium via Playwright.

    server      (session) base URL of `rectiflow serve`'s app on a free loopback port, on a fresh
                SQLite database with the demo directory; its engine runs on `server_clock`
    browser     (session) Chromium from /usr/bin/chromium (never a downloaded browser)
    page_as     page_as(login) -> a new page, logged in through the login form
    shot        shot(page, name) saves test-artifacts/<name>.png
"""
from __future__ import annotations

import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PASSWORD = "rectiflow-demo"


@pytest.fixture(scope="session")
def server_clock():
    from workflow.clock import FixedClock

    return FixedClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))  # Monday 09:00 in Beijing


@pytest.fixture(scope="session")
def engine(sqlite_template, tmp_path_factory, server_clock):
    from rectiflow.demo import seed_directory
    from workflow.bootstrap import build
    from workflow.config import Settings

    folder = tmp_path_factory.mktemp("browser")
    shutil.copyfile(sqlite_template, folder / "rectiflow.db")
    settings = Settings(database_url=f"sqlite:///{folder / 'rectiflow.db'}", definitions_dir=REPO / "definitions",
                        instance_dir=folder / "instance")
    rectiflow = build(settings, clock=server_clock)
    seed_directory(rectiflow)
    yield rectiflow
    rectiflow.close()


def serve_in_thread(rectiflow):
    """The app on waitress (as `rectiflow serve` runs it) on a free loopback port: (url, stop)."""
    from waitress import create_server

    from web import create_app

    srv = create_server(create_app(core=rectiflow), host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()

    def stop() -> None:
        srv.close()
        thread.join(timeout=5)

    return f"http://127.0.0.1:{srv.effective_port}", stop


@pytest.fixture(scope="session")
def server(engine):
    url, stop = serve_in_thread(engine)
    yield url
    stop()


@pytest.fixture(scope="session")
def demo_server(sqlite_template, tmp_path_factory):
    """A second server on the demo campaign (`make run`'s data), as of Wednesday 2026-04-15."""
    from rectiflow.web_demo import seed_demo
    from workflow.bootstrap import build
    from workflow.clock import FixedClock
    from workflow.config import Settings

    folder = tmp_path_factory.mktemp("browser-demo")
    shutil.copyfile(sqlite_template, folder / "rectiflow.db")
    settings = Settings(database_url=f"sqlite:///{folder / 'rectiflow.db'}", definitions_dir=REPO / "definitions",
                        instance_dir=folder / "instance")
    rectiflow = build(settings, clock=FixedClock(datetime(2026, 4, 15, 1, 0, tzinfo=UTC)))
    seed_demo(rectiflow)
    url, stop = serve_in_thread(rectiflow)
    yield url
    stop()
    rectiflow.close()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    pw.stop()


@pytest.fixture
def page_as(browser, server):
    contexts = []

    def _open(login: str | None, lang: str | None = None, base: str = server):
        context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto(base + "/login")
        if lang:
            page.click(f"#lang-{lang}")
        if login:
            page.fill("#username", login)
            page.fill("#password", PASSWORD)
            page.click("#login-submit")
            page.wait_for_selector("#who")
        return page

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def shot():
    ARTIFACTS.mkdir(exist_ok=True)

    def _shot(page, name: str, full: bool = True) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full)
        return path

    return _shot
