"""Helpers shared by the web tests (imported as `webtools`; fixtures live in conftest.py)."""
from __future__ import annotations

import re
from pathlib import Path

from workflow.events import format_time

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "rectiflow-demo"


def make_web(rectiflow, **config):
    from web import create_app

    return create_app(core=rectiflow, config={"TESTING": True, "WTF_CSRF_ENABLED": False, **config})


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, username: str, password: str = PASSWORD):
        return self.client.post("/login", data={"username": username, "password": password})

    def logout(self):
        return self.client.post("/logout")


def session_as(client, rectiflow, login: str) -> None:
    """Log `client` in as `login` without hashing a password (what a successful login stores)."""
    with rectiflow.store.read() as tx:
        user = tx.get_user(login)
    with client.session_transaction() as sess:
        sess["_user_id"] = f"{user.login}:{user.session_token}"
        sess["_fresh"] = True
        sess["login_at"] = sess["seen_at"] = format_time(rectiflow.clock.now())  # web.session_limits


def open_item(rectiflow, title: str = "审批材料不全", unit: str = "xf-sfs-1", **fields):
    values = {"description": "外出审批缺少司法所意见。", "category": "commutation_parole",
              "discovery_channel": "self_report", **fields}
    return rectiflow.cases.open_case("rectification_item", actor="registrar", unit=unit, title=title, fields=values)


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def events_of(rectiflow, case_id):
    return rectiflow.cases.history(case_id)[0]
