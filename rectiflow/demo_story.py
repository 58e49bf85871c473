"""Acting in the past for the demo: a story runs the case service on a clock set back some days.

`story(app, days_ago)` sets the service's clock back while a demo story runs; `Story.later(days)`
moves it on, never beyond the app's "now", so deadlines and lights fall where they would have.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from workflow.bootstrap import Application
from workflow.cases.validation import Attachment
from workflow.clock import FixedClock


def doc(name: str) -> Attachment:
    return Attachment("evidence", name, f"{name}（演示材料）".encode())


class Story:
    """Acts on the app's service at a past instant; `later(days)` moves on, never beyond now."""

    def __init__(self, app: Application, clock: FixedClock, now: Any) -> None:
        self.app, self.s, self.clock, self.now = app, app.cases, clock, now

    def later(self, days: float = 1) -> None:
        self.clock.set(min(self.clock.now() + timedelta(days=days), self.now))

    def date(self, days_from_now: int) -> str:
        return (self.now + timedelta(days=days_from_now)).date().isoformat()


@contextmanager
def story(app: Application, days_ago: float) -> Iterator[Story]:
    real, now = app.cases.clock, app.clock.now()
    clock = FixedClock(now - timedelta(days=days_ago))
    app.cases.clock = clock
    try:
        yield Story(app, clock, now)
    finally:
        app.cases.clock = real
