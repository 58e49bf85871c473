"""`audit verify` on raw rows and in worker processes reports exactly what the full check reports.

`rectiflow audit verify` checks cases straight from the DB-API rows (workflow.adapters.sql.audit_rows)
and cuts the cases into ranges checked by parallel processes (workflow.adapters.sql.audit_scan). Both
are shortcuts over the full check (workflow.audit.verify.verify over Events and stored case rows): for
every kind of tampering, for any number of processes and ranges, the report must be the same —
same cases, same events, same problems in the same order. The hash it rebuilds from a row must be
Event.compute_hash, byte for byte, for any event.
"""
from __future__ import annotations

import hashlib
import json
from itertools import pairwise

from cli_process import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import DURABILITY_PROFILE
from test_tamper import assert_reports_every_forgery, drop_guards, forge, rows_of, set_event

from rectiflow.demo import walk_rectification
from workflow.adapters.sql.audit_rows import EVENT_COLUMNS, stored_event_hash
from workflow.adapters.sql.audit_scan import case_ranges, verify_database
from workflow.adapters.sql.case_rows import event_to_row
from workflow.adapters.sql.sqlstore import make_engine
from workflow.audit.verify import verify
from workflow.events import GENESIS_HASH, Event, canonical_json


def full_check(app):
    with app.store.read() as tx:
        return verify(tx.iter_events(), tx.case_rows()).to_dict()


def test_rows_and_processes_report_every_forgery_as_the_full_check_does(app, database_url, instance_dir):
    victims, untouched = forge(app, database_url)
    expected = full_check(app)
    assert_reports_every_forgery(expected, victims, untouched)

    # One range in this process; then many small ranges over 1, 2 and 3 worker processes.
    assert verify_database(database_url, jobs=1).to_dict() == expected
    for jobs in (1, 2, 3):
        assert verify_database(database_url, jobs=jobs, min_cases_per_job=1).to_dict() == expected, jobs
    for jobs in ("1", "2"):
        cli = run_cli(database_url, instance_dir, "audit", "verify", "--jobs", jobs, "--json")
        assert cli.code == 1 and cli.json() == expected, cli
    # One case: its problem alone, whatever the number of processes.
    case_id, _ = victims["swap two versions"]
    one = verify_database(database_url, case_id=case_id, jobs=2).to_dict()
    assert one["cases"] == 1 and [p for p in expected["problems"] if p["case"] == case_id] == one["problems"]


def test_ranges_cover_every_case_once_in_order(app, database_url):
    for _ in range(7):
        walk_rectification(app)
    with app.store.read() as tx:
        cases = tx.all_case_ids()
    engine = make_engine(database_url)
    try:
        ranges = case_ranges(engine, jobs=2, min_cases_per_job=1)
        assert case_ranges(engine, jobs=2, min_cases_per_job=len(cases)) == [(None, None)], "too few for two"
    finally:
        engine.dispose()
    assert ranges[0][0] is None and ranges[-1][1] is None and len(ranges) > 2
    assert all(a[1] == b[0] for a, b in pairwise(ranges)), "each range starts where the last ended"
    inside = [[c for c in cases if (lo is None or c >= lo) and (hi is None or c < hi)] for lo, hi in ranges]
    assert sorted(c for part in inside for c in part) == cases and all(inside)


def test_a_payload_rewritten_in_other_json_is_judged_as_the_full_check_judges_it(app, database_url):
    """The hash covers the payload's content. Rewriting its text in another JSON spelling keeps the
    content (and passes, as it always did); re-hashing the event over that other spelling is a forgery."""
    same, rehashed, clean = (walk_rectification(app) for _ in range(3))
    drop_guards(database_url)
    for case, version in ((same, 2), (rehashed, 3)):
        row = rows_of(database_url, case.id)[version - 1]
        spaced = json.dumps(json.loads(row["payload"]), ensure_ascii=True, indent=1, sort_keys=False)
        assert spaced != row["payload"]
        values = {"payload": spaced}
        if case is rehashed:  # what a forger who hashes the stored text (not its canonical form) would write
            content = {k: row[k] for k in EVENT_COLUMNS if k not in ("hash", "seq")}
            values["hash"] = hashlib.sha256(
                canonical_json({**content, "payload": "@"}).replace('"@"', spaced).encode()).hexdigest()
        set_event(database_url, case.id, version, **values)
    expected = full_check(app)
    assert [(p["case"], p["version"]) for p in expected["problems"]] == [(rehashed.id, 3)]
    assert "altered" in expected["problems"][0]["reason"] and expected["cases"] == 3
    assert verify_database(database_url, jobs=2, min_cases_per_job=1).to_dict() == expected
    assert clean.id not in str(expected)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3), max_leaves=12)


@settings(settings.get_profile(DURABILITY_PROFILE), max_examples=200)
@given(text=st.text(), state=st.none() | st.text(), payload=st.dictionaries(st.text(), json_values, max_size=4),
       number=st.integers(min_value=1, max_value=2**40))
def test_the_hash_rebuilt_from_a_row_is_the_events_own(text, state, payload, number):
    event = Event(case_id=text or "c", version=number, at=text, actor=text + '"\\', action=text, from_state=state,
                  to_state=None if state is None else state + "\n", payload=payload, definition=text,
                  definition_version=number + 1, prev_hash=GENESIS_HASH, seq=number)
    stored = {**event_to_row(event), "seq": event.seq}
    row = tuple(stored[c] for c in EVENT_COLUMNS)
    assert stored_event_hash(row, json.loads(row[EVENT_COLUMNS.index("payload")])) == event.compute_hash()
