"""The pages issue 14's web work changed, at a desk (1440×900) and on a phone (390×844), in Chinese: the history
page's integrity check (green against a signed checkpoint; red after `UPDATE cases SET state`), and the security
administrator's view of locked accounts (the list on the roles page, the unlock on a user's page).

Screenshots go to test-artifacts/screen-<page>-<desk|phone>.png; a page that makes a phone scroll sideways fails.
"""
from __future__ import annotations

import pytest
from factories import raw_execute
from test_screens import VIEWPORTS

LOCKED = "t-locked"


@pytest.fixture(scope="module")
def checked_cases(engine, tmp_path_factory):
    """Two walked cases covered by a signed checkpoint; the second one's row rewritten afterwards."""
    from rectiflow.demo import walk_rectification
    from workflow.bootstrap import audit_keygen

    private, _, _ = audit_keygen(tmp_path_factory.mktemp("keys"), "bureau-audit")
    engine.checkpoints.key_path = private
    good, bad = walk_rectification(engine), walk_rectification(engine)
    engine.checkpoints.checkpoint()
    raw_execute(engine.settings.database_url, "UPDATE cases SET state = 'reported' WHERE id = :c",
                params=[{"c": bad.id}])
    return {"good": good.id, "bad": bad.id}


@pytest.fixture
def locked(engine):
    """An account locked by five failed logins (locked again if an earlier test moved the clock past it)."""
    if engine.directory.user(LOCKED) is None:
        engine.directory.add_user(LOCKED, role="handler", unit="xf-sfs-1", name="王五（示例）")
    if LOCKED not in engine.logins.locked_logins():
        for _ in range(engine.logins.policy.per_login):
            engine.logins.login(LOCKED, "wrong-password", "10.9.9.9")
    return LOCKED


PAGES = [  # (name, login, path)
    ("history-check-ok", "auditor", "/cases/{good}/history"),
    ("history-check-bad", "auditor", "/cases/{bad}/history"),
    ("security-admin-locks", "security_admin", "/admin/"),
    ("security-admin-locked-user", "security_admin", f"/admin/users/{LOCKED}"),
]


@pytest.mark.parametrize("name, login, path", PAGES, ids=[p[0] for p in PAGES])
def test_audit_check_and_unlock_pages_fit(page_as, server, shot, checked_cases, locked, name, login, path):
    page = page_as(login)
    for size, (width, height) in VIEWPORTS.items():
        page.set_viewport_size({"width": width, "height": height})
        response = page.goto(server + path.format(**checked_cases))
        assert response is not None and response.status == 200
        page.wait_for_load_state("networkidle")
        shot(page, f"screen-{name}-{size}")
        part = "#audit-check" if name.startswith("history") else "main"
        if page.query_selector(part):  # the changed part alone, legible at its real size
            page.locator(part).first.screenshot(path=str(shot(page, f"screen-{name}-{size}-part", full=False)))
        sideways = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert sideways <= 1, f"{name} on a {size}: {sideways}px of sideways scrolling"
    text = page.inner_text("main") if page.query_selector("main") else page.inner_text("body")
    if name == "history-check-ok":
        assert "完整性核查通过" in text and "已证明纳入检查点" in text
    elif name == "history-check-bad":
        assert "完整性核查未通过" in text and "状态" in text
    else:
        assert "锁定至 09:05" in text or "09:05（北京时间）" in text
