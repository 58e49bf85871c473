"""The demo campaign (`make run`) in the browser: the supervisor's inbox and the battle map with lights.

These screenshots (test-artifacts/demo-*.png) are the ones the README shows (docs/).
"""
from __future__ import annotations


def test_demo_inbox_shows_lights_and_tabs(page_as, demo_server, shot):
    page = page_as("supervisor", base=demo_server)
    page.wait_for_selector("#inbox-table")
    assert page.locator("#inbox-table tbody tr").count() >= 5
    page.click("#tab-overdue")
    page.wait_for_selector("#inbox-table")
    assert page.locator(".light-red").count() >= 1
    page.click("#tab-todo")
    shot(page, "demo-inbox-supervisor", full=False)


def test_demo_battle_map(page_as, demo_server, shot):
    page = page_as("leader", base=demo_server)
    page.click("#nav-dashboard")
    page.wait_for_selector("#matrix")
    assert page.locator("#matrix tbody tr").count() >= 2
    assert int(page.locator("#kpi-total").inner_text()) >= 50
    shot(page, "demo-dashboard")
