"""The demo lifecycle runs on both databases and its audit chain verifies."""
from __future__ import annotations

from rectiflow.demo import walk_rectification
from workflow.audit.verify import verify


def test_demo_lifecycle_closes_and_verifies(app):
    case = walk_rectification(app)
    assert case.state == "closed"
    assert case.version == 8
    with app.store.read() as tx:
        report = verify(tx.iter_events(), tx.case_rows())
    assert report.ok, report.problems
    assert report.events == 8
