"""Helpers shared by the campaign tests."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from workflow.audit.verify import verify
from workflow.cases.validation import Attachment

REPO = Path(__file__).resolve().parents[2]


def verify_all(app: Any) -> Any:
    """Every chain verifies and every case row equals the replay of its events."""
    with app.store.read() as tx:
        report = verify(tx.iter_events(), tx.case_rows())
    assert report.ok, report.problems
    return report


def file(field: str, name: str = "材料.txt", text: str = "佐证") -> Attachment:
    return Attachment(field, name, text.encode())


def linked(app: Any, case: Any, relation: str | None = None) -> list[Any]:
    """The cases `case` opened (optionally of one relation), read back from the store."""
    return [app.cases.get(link["case"]) for link in case.links
            if link["direction"] == "opened" and (relation is None or link["relation"] == relation)]


def events_of(app: Any, case_id: str) -> list[Any]:
    return app.cases.history(case_id)[0]
