"""audit.verify works one case at a time over streams, and still names orphans on either side."""
from __future__ import annotations

from workflow.audit.verify import verify
from workflow.engine.projection import project_case
from workflow.events import GENESIS_HASH, OPENED, Event


def _case(case_id: str, title: str = "t") -> list[Event]:
    payload = {"title": title, "unit": "u", "fields": {}, "definition_hash": "h", "attachments": [], "links": []}
    return [Event(case_id, 1, "2026-03-02T01:00:00.000000Z", "registrar", OPENED, None, "reported", payload,
                  "rectification_item", 1, GENESIS_HASH).sealed()]


def _stream(items):
    # A one-shot generator: verify must not need to go over its input twice.
    yield from items


def test_streams_of_many_cases_verify_and_count():
    logs = [_case(f"c{i:03d}") for i in range(50)]
    rows = [project_case(log) for log in logs]
    report = verify(_stream(e for log in logs for e in log), _stream(rows))
    assert report.ok
    assert (report.cases, report.events) == (50, 50)


def test_rows_without_events_and_events_without_rows_are_named_in_case_order():
    logs = [_case(f"c{i}") for i in range(4)]
    rows = [project_case(log) for log in logs]
    events = [e for log in (logs[0], logs[2], logs[3]) for e in log]  # c1's log is gone
    report = verify(_stream(events), _stream([rows[0], rows[1], rows[2]]))  # c3's row is gone
    assert [(p.case, p.reason.split(":")[0]) for p in report.problems] == [
        ("c1", "the case row has no events"), ("c3", "events exist but the case row is missing")]
    assert report.cases == 4


def test_a_row_that_differs_from_its_replay_is_reported():
    log = _case("c1")
    row = project_case(_case("c1", title="edited"))
    report = verify(_stream(log), _stream([row]))
    assert not report.ok
    assert "title" in report.problems[0].reason
