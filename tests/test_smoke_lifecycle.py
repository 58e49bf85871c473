"""The demo lifecycle runs on both databases and its audit chain verifies."""
from __future__ import annotations

from rectiflow.demo import walk_rectification
from workflow.audit.verify import verify


def test_demo_lifecycle_closes_and_verifies(app):
    case = walk_rectification(app)
    assert case.state == "closed"
    assert case.version == 10
    # the second round kept the first round's record and added the policy; the return was answered
    assert [f["name"] for f in case.fields["evidence"]] == ["复核记录.txt", "复核制度.txt"]
    assert case.fields["result"] == "补充制度文件" and "return_reason" not in case.fields
    with app.store.read() as tx:
        report = verify(tx.iter_events(), tx.case_rows())
    assert report.ok, report.problems
    assert report.events == 10
