"""Login throttling (等保): per-login locks with the time they end, atomic under concurrency, per-address
limits behind a trusted proxy, an aggregated failed-login log; idle and absolute session limits."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from webtools import PASSWORD, AuthActions, make_web

import workflow.directory.staff
from workflow.directory.throttle import Locked


def _failed_rows(app, actor=None):
    entries = app.queries.access_entries(actor=actor, case_id=None, before_seq=None, limit=500)
    return [e for e in entries if e.action == "login" and e.outcome in ("failed", "throttled")]


def test_five_failures_lock_the_login_and_the_right_password_is_told_until_when(app, client, auth, clock):
    for _ in range(5):
        assert auth.login("handler", "wrong-password").status_code == 401
    response = auth.login("handler")  # the right password, during the lock
    assert response.status_code == 429
    # START is 2026-03-02T01:00Z = 09:00 Beijing time; locked for the default 5 minutes
    assert "账号已锁定，请于 09:05 后再试" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    clock.advance(minutes=4, seconds=59)
    assert auth.login("handler").status_code == 429
    clock.advance(seconds=1)
    assert auth.login("handler").status_code == 302


def test_the_lock_time_is_a_setting(app, clock):
    app.logins.policy = replace(app.logins.policy, lock=timedelta(minutes=30))
    for _ in range(5):
        app.logins.login("handler", "wrong-password", "10.0.0.1")
    locked = app.logins.login("handler", PASSWORD, "10.0.0.1")
    assert isinstance(locked, Locked) and (locked.until - clock.now()).total_seconds() == 30 * 60


def test_settings_read_the_lock_minutes_from_the_environment(tmp_path):
    from workflow.bootstrap import throttle_policy
    from workflow.config import Settings
    from workflow.errors import InvalidInput

    s = Settings.from_env({"RECTIFLOW_LOGIN_LOCK_MINUTES": "12", "RECTIFLOW_TRUSTED_PROXIES": "1",
                           "RECTIFLOW_SESSION_IDLE_MINUTES": "10", "RECTIFLOW_SESSION_MAX_HOURS": "4"})
    assert throttle_policy(s).lock.total_seconds() == 12 * 60 and throttle_policy(s).per_login == 5
    assert (s.trusted_proxies, s.session_idle_minutes, s.session_max_hours) == (1, 10, 4)
    assert Settings.from_env({}).login_lock_minutes == 5 and Settings.from_env({}).trusted_proxies == 0
    with pytest.raises(InvalidInput) as refused:
        Settings.from_env({"RECTIFLOW_LOGIN_LOCK_MINUTES": "0"})
    assert refused.value.message.code == "setting.too_small" and "at least 1" in str(refused.value)


def test_a_success_forgets_the_failures(app):
    for _ in range(4):
        app.logins.login("handler", "wrong-password", "10.0.0.1")
    assert app.logins.login("handler", PASSWORD, "10.0.0.1").login == "handler"
    for _ in range(4):
        assert app.logins.login("handler", "wrong-password", "10.0.0.1") is None
    assert app.logins.login("handler", PASSWORD, "10.0.0.1").login == "handler"


def test_concurrent_guesses_compute_at_most_five_hashes(app, monkeypatch):
    """The old check-then-act throttle let 11 of 40 simultaneous guesses reach the hash; now at most 5."""
    real = workflow.directory.staff.check_password
    hashes, lock = [], threading.Lock()
    start = threading.Barrier(40)

    def counting(stored, password):
        with lock:
            hashes.append(password)
        return real(stored, password)

    monkeypatch.setattr(workflow.directory.staff, "check_password", counting)

    def guess(i):
        start.wait()
        return app.logins.login("handler", f"guess-{i}", f"10.0.{i}.1")

    with ThreadPoolExecutor(40) as pool:
        results = list(pool.map(guess, range(40)))
    assert len(hashes) <= 5
    assert sum(isinstance(r, Locked) for r in results) >= 35
    assert isinstance(app.logins.login("handler", PASSWORD, "10.0.0.9"), Locked)


def test_per_address_limit_is_far_higher_and_locks_the_address_not_the_people(app):
    per_login, per_address = app.logins.policy.per_login, app.logins.policy.per_address
    assert per_address >= 10 * per_login
    app.logins.policy = replace(app.logins.policy, per_address=12)
    for i in range(12):  # many logins guessed from one address
        app.logins.login(f"nobody{i}", "wrong-password", "10.9.9.9")
    refused = app.logins.login("handler", PASSWORD, "10.9.9.9")
    assert isinstance(refused, Locked) and refused.scope == "address"
    assert app.logins.login("handler", PASSWORD, "10.1.1.1").login == "handler"  # elsewhere: fine


def test_address_lock_message(app):
    web = make_web(app)
    app.logins.policy = replace(app.logins.policy, per_address=3)
    client = web.test_client()
    for i in range(3):
        AuthActions(client).login(f"x{i}", "wrong-password")
    response = AuthActions(client).login("handler")
    assert response.status_code == 429
    assert "该地址登录失败次数过多，请于 09:05 后再试" in response.get_data(as_text=True)


def test_forwarded_for_is_ignored_without_a_trusted_proxy(app):
    client = make_web(app).test_client()
    for i in range(3):
        client.post("/login", data={"username": "handler", "password": "bad"},
                    headers={"X-Forwarded-For": f"203.0.113.{i}"})
    assert {e.ip for e in _failed_rows(app)} == {"127.0.0.1"}


def test_forwarded_for_is_used_behind_a_trusted_proxy(app):
    app.settings = replace(app.settings, trusted_proxies=1)
    client = make_web(app).test_client()
    for i in range(3):
        client.post("/login", data={"username": f"u{i}", "password": "bad"},
                    headers={"X-Forwarded-For": f"198.51.100.7, 203.0.113.{i}"})  # only the last hop is trusted
    assert {e.ip for e in _failed_rows(app)} == {"203.0.113.0", "203.0.113.1", "203.0.113.2"}


def test_failed_login_rows_are_aggregated_per_minute(app, clock):
    for _ in range(50):  # a flood of guesses at one unknown login from one address
        app.logins.login("ghost", "wrong-password", "10.2.2.2")
    rows = _failed_rows(app, "ghost")
    assert [(r.outcome, r.detail["attempts"]) for r in rows] == [("throttled", 1), ("failed", 1)]
    clock.advance(minutes=1)
    app.logins.login("ghost", "wrong-password", "10.2.2.2")
    rows = _failed_rows(app, "ghost")
    assert len(rows) == 3 and rows[0].outcome == "throttled" and rows[0].detail["attempts"] == 44 + 1
    clock.advance(minutes=5)  # the lock is over: a failure again, its row carries the 4 failures not yet written
    app.logins.login("ghost", "wrong-password", "10.2.2.2")
    rows = _failed_rows(app, "ghost")
    assert len(rows) == 4 and rows[0].outcome == "failed" and rows[0].detail["attempts"] == 4 + 1
    assert sum(r.detail["attempts"] for r in rows) == 52  # every attempt is accounted for, in 4 rows


def test_session_ends_after_idle_time(app, client, auth, clock):
    auth.login("handler")
    clock.advance(minutes=29)
    assert client.get("/").status_code == 200
    clock.advance(minutes=29)  # used a minute ago: still fine
    assert client.get("/").status_code == 200
    clock.advance(minutes=30)
    response = client.get("/")
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert "已连续 30 分钟无操作，会话已结束，请重新登录" in page
    assert client.get("/").status_code == 302  # really logged out


def test_session_ends_after_its_absolute_lifetime(app, client, auth, clock):
    auth.login("handler")
    for _ in range(12 * 4 - 1):  # busy all day, never idle
        clock.advance(minutes=15)
        assert client.get("/").status_code == 200
    clock.advance(minutes=15)
    response = client.get("/")
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"
    assert "登录已满 12 小时" in client.get("/login").get_data(as_text=True)


def test_session_limits_are_settings(app, clock):
    app.settings = replace(app.settings, session_idle_minutes=5)
    client = make_web(app).test_client()
    AuthActions(client).login("handler")
    clock.advance(minutes=5)
    assert client.get("/").status_code == 302


def test_counters_of_made_up_logins_are_forgotten(app, clock):
    from sqlalchemy import func, select

    from workflow.adapters.sql.schema import login_counters

    def rows():
        with app.store.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(login_counters)).scalar()

    for i in range(30):  # each a different made-up login from a different address
        app.logins.login(f"made-up-{i}", "x", f"10.3.{i}.1")
    assert rows() == 90  # per login, per address, per aggregated log key
    clock.advance(minutes=16)
    app.logins.login("handler", PASSWORD, "10.4.4.4")
    assert rows() == 2  # only the fresh attempt's login and address counters are left
    clock.advance(minutes=16)
    for _ in range(4):
        app.logins.login("handler", "wrong-password", "10.4.4.4")
    assert not isinstance(app.logins.login("handler", PASSWORD, "10.4.4.4"), Locked)


def test_the_access_log_page_shows_attempts_and_the_lock(app, as_role):
    for _ in range(8):
        app.logins.login("handler", "wrong-password", "10.5.5.5")
    html = as_role("auditor").get("/audit/access").get_data(as_text=True)
    assert "尝试次数：1" in html and "锁定至：2026-03-02 09:05（账号）" in html


def test_concurrent_guesses_through_the_login_form_compute_at_most_five_hashes(app, monkeypatch):
    """The same race through the web form: 40 simultaneous POSTs, at most 5 reach a password hash."""
    web = make_web(app)
    real = workflow.directory.staff.check_password
    hashes, lock, start = [], threading.Lock(), threading.Barrier(40)

    def counting(stored, password):
        with lock:
            hashes.append(password)
        return real(stored, password)

    monkeypatch.setattr(workflow.directory.staff, "check_password", counting)

    def guess(i):
        client = web.test_client()
        start.wait()
        return client.post("/login", data={"username": "supervisor", "password": f"guess-{i}"}).status_code

    with ThreadPoolExecutor(40) as pool:
        codes = list(pool.map(guess, range(40)))
    assert len(hashes) <= 5 and codes.count(401) == len(hashes) and codes.count(429) == 40 - len(hashes)
