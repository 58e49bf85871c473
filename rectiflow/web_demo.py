"""The demo behind `make run` / `rectiflow serve --demo`: units, one user per role and the campaign's cases.

The cases come from `rectiflow.demo.seed_cases` (every shipped case type at past instants, the
Xifeng plan's measures), so the inboxes and the battle map show green, yellow and red lights,
closed cases and a returned one.
"""
from __future__ import annotations

from typing import Any

from rectiflow import demo
from workflow.bootstrap import Application


def seed_demo(app: Application) -> dict[str, Any]:
    """Seed everything when the database is empty; report what was done."""
    if not demo.is_empty(app):
        return {"seeded": False, "cases": 0}
    demo.seed_directory(app)
    demo.walk_rectification(app, days=demo.WALK_DAYS)
    demo.seed_cases(app)
    return {"seeded": True, "cases": app.cases.count()}

