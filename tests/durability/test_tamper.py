"""Tampering: the database refuses edits of the audit log, and `audit verify` names every forgery.

With the protective triggers in place, UPDATE, DELETE (and TRUNCATE on PostgreSQL) of case_events
fail inside the database. A database owner can drop those triggers; then every kind of edit —
an event's payload, actor or time, a deleted event, two events swapped, a cut-off tail, a case
whose log is gone, an edited or missing case row, a consistently re-hashed forgery, unreadable
data — must be reported by `audit verify` (Python API and `rectiflow audit verify --json`, exit 1)
with the right case, the first broken version and a reason a person can act on, while untouched
cases are not reported.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest
from cli_process import run_cli
from factories import delete_case_row, event_count, raw_execute
from sqlalchemy import exc

from rectiflow.demo import walk_rectification
from workflow.audit.verify import verify
from workflow.events import Event, canonical_json


def drop_guards(url: str) -> None:
    """What a database owner can do: remove the append-only triggers."""
    if url.startswith("sqlite"):
        raw_execute(url, "DROP TRIGGER case_events_no_update", "DROP TRIGGER case_events_no_delete")
    else:
        names = [r[0] for r in raw_execute(url, "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
                                                "AND tgrelid = 'case_events'::regclass")]
        assert names, "no protective trigger found on case_events"
        raw_execute(url, *[f'DROP TRIGGER "{name}" ON case_events' for name in names])


def rows_of(url: str, case_id: str) -> list[dict[str, Any]]:
    result = raw_execute(url, "SELECT * FROM case_events WHERE case_id = :c ORDER BY version", params=[{"c": case_id}])
    return [dict(r._mapping) for r in result]


def set_event(url: str, case_id: str, at_version: int, **values: Any) -> None:
    assignments = ", ".join(f"{k} = :{k}" for k in values)
    raw_execute(url, f"UPDATE case_events SET {assignments} WHERE case_id = :where_case AND version = :where_version",
                params=[{**values, "where_case": case_id, "where_version": at_version}])


def delete_events(url: str, case_id: str, versions: list[int] | None = None) -> None:
    if versions is None:
        raw_execute(url, "DELETE FROM case_events WHERE case_id = :c", params=[{"c": case_id}])
    for v in versions or []:
        raw_execute(url, "DELETE FROM case_events WHERE case_id = :c AND version = :v", params=[{"c": case_id, "v": v}])


def edited_payload(url: str, case_id: str, version: int) -> str:
    payload = json.loads(rows_of(url, case_id)[version - 1]["payload"])
    payload["comment"] = "改过的说明 (edited afterwards)"
    return canonical_json(payload)


def swap_versions(url: str, case_id: str, a: int, b: int) -> None:
    set_event(url, case_id, a, version=-1)
    set_event(url, case_id, b, version=a)
    set_event(url, case_id, -1, version=b)


CONTENT = ("version", "at", "actor", "action", "from_state", "to_state", "payload", "definition",
           "definition_version", "prev_hash", "hash")


def swap_contents(url: str, case_id: str, a: int, b: int) -> None:
    """Both rows keep their global seq but trade everything else: the seq order now runs backwards."""
    rows = rows_of(url, case_id)
    first, second = rows[a - 1], rows[b - 1]
    for seq, source, temp_version in ((first["seq"], second, -1), (second["seq"], first, None)):
        values = {k: source[k] for k in CONTENT}
        if temp_version is not None:
            values["version"] = temp_version
        assignments = ", ".join(f"{k} = :{k}" for k in values)
        raw_execute(url, f"UPDATE case_events SET {assignments} WHERE seq = :seq", params=[{**values, "seq": seq}])
    set_event(url, case_id, -1, version=b)


def rehash_from(url: str, case_id: str, version: int, change: Callable[[Event], Event]) -> None:
    """A careful forger: change one event and recompute every hash after it, so the chain is whole."""
    from workflow.adapters.sql.case_rows import event_from_row

    prev = None
    for row in rows_of(url, case_id):
        ev = event_from_row(row)
        if ev.version < version:
            prev = ev.hash
            continue
        if ev.version == version:
            ev = change(ev)
        ev = replace(ev, prev_hash=prev or ev.prev_hash).sealed()
        set_event(url, case_id, ev.version, actor=ev.actor, action=ev.action,
                  payload=canonical_json(dict(ev.payload)), prev_hash=ev.prev_hash, hash=ev.hash)
        prev = ev.hash


def edit_snapshot(url: str, case_id: str, **changes: Any) -> None:
    rows = raw_execute(url, "SELECT snapshot FROM cases WHERE id = :c", params=[{"c": case_id}])
    snapshot = {**json.loads(rows[0][0]), **changes}
    raw_execute(url, "UPDATE cases SET snapshot = :s WHERE id = :c",
                params=[{"s": canonical_json(snapshot), "c": case_id}])


@dataclass(frozen=True)
class Tamper:
    name: str
    apply: Callable[[str, str, int], None]  # (url, case id, number of events)
    version: Callable[[int], int | None]  # the first broken version, given the number of events
    words: tuple[str, ...]  # what the reason must say (any of them)


TAMPERS = [
    Tamper("edit payload", lambda u, c, n: set_event(u, c, 3, payload=edited_payload(u, c, 3)), lambda n: 3,
           ("altered",)),
    Tamper("edit actor", lambda u, c, n: set_event(u, c, 3, actor="leader"), lambda n: 3, ("altered",)),
    Tamper("edit time", lambda u, c, n: set_event(u, c, 4, at="2026-03-01T00:00:00.000000Z"), lambda n: 4,
           ("altered",)),
    Tamper("edit action", lambda u, c, n: set_event(u, c, 2, action="commented"), lambda n: 2, ("altered",)),
    Tamper("delete a middle event", lambda u, c, n: delete_events(u, c, [3]), lambda n: 3, ("missing", "deleted")),
    Tamper("delete the first event", lambda u, c, n: delete_events(u, c, [1]), lambda n: 1, ("missing", "deleted")),
    Tamper("swap two versions", lambda u, c, n: swap_versions(u, c, 3, 4), lambda n: 3, ("reordered",)),
    Tamper("swap two rows' contents", lambda u, c, n: swap_contents(u, c, 3, 4), lambda n: 4, ("reordered",)),
    Tamper("truncate the tail", lambda u, c, n: delete_events(u, c, [n - 1, n]), lambda n: n - 1, ("truncated",)),
    Tamper("truncate the last event", lambda u, c, n: delete_events(u, c, [n]), lambda n: n, ("truncated",)),
    Tamper("delete every event", lambda u, c, n: delete_events(u, c), lambda n: 1, ("no events",)),
    Tamper("edit the case row's snapshot", lambda u, c, n: edit_snapshot(u, c, title="另一个标题"), lambda n: n,
           ("differs",)),
    Tamper("edit the case row's state column",
           lambda u, c, n: raw_execute(u, "UPDATE cases SET state = 'reported' WHERE id = :c", params=[{"c": c}]),
           lambda n: n, ("differs",)),
    Tamper("edit the case row's assignee column",
           lambda u, c, n: raw_execute(u, "UPDATE cases SET assignee = 'leader' WHERE id = :c", params=[{"c": c}]),
           lambda n: n, ("differs",)),
    Tamper("edit the case row's due date column",
           lambda u, c, n: raw_execute(u, "UPDATE cases SET due_at = '2099-01-01T00:00:00.000000Z' WHERE id = :c",
                                       params=[{"c": c}]), lambda n: n, ("differs",)),
    Tamper("delete the case row",
           lambda u, c, n: delete_case_row(u, c), lambda n: None,
           ("row is missing",)),
    Tamper("re-hash the chain after editing an event",
           lambda u, c, n: rehash_from(u, c, 2, lambda ev: replace(ev, actor="leader")), lambda n: n,
           ("differs",)),
    Tamper("re-hash the chain with an action nobody knows",
           lambda u, c, n: rehash_from(u, c, 2, lambda ev: replace(ev, action="forged")), lambda n: 2,
           ("replay",)),
    Tamper("re-hash the chain with a payload replay cannot read",
           lambda u, c, n: rehash_from(u, c, 1, lambda ev: replace(ev, payload={})), lambda n: 1, ("replay",)),
    Tamper("payload that is not JSON", lambda u, c, n: set_event(u, c, 5, payload="{not json"), lambda n: 5,
           ("altered",)),
    Tamper("payload that is JSON but not an object", lambda u, c, n: set_event(u, c, 5, payload="[1, 2]"),
           lambda n: 5, ("altered",)),
]


def forge(app: Any, url: str) -> tuple[dict[str, tuple[str, int]], list[str]]:
    """One closed-out case per kind of tampering, plus untouched ones; then the forgeries."""
    untouched = [walk_rectification(app).id for _ in range(2)]
    victims = {}
    for tamper in TAMPERS:
        case = walk_rectification(app)
        victims[tamper.name] = (case.id, case.version)
    drop_guards(url)
    for tamper in TAMPERS:
        case_id, n = victims[tamper.name]
        tamper.apply(url, case_id, n)
    return victims, untouched


def assert_reports_every_forgery(result: dict[str, Any], victims: dict[str, tuple[str, int]],
                                 untouched: list[str]) -> None:
    assert result["ok"] is False
    assert result["cases"] == len(victims) + len(untouched)
    by_case = {p["case"]: p for p in result["problems"]}
    assert len(by_case) == len(result["problems"]), "one problem per broken case: its first broken link"
    for tamper in TAMPERS:
        case_id, n = victims[tamper.name]
        problem = by_case.get(case_id)
        assert problem is not None, f"{tamper.name}: not reported"
        assert problem["version"] == tamper.version(n), f"{tamper.name}: {problem}"
        assert any(word in problem["reason"] for word in tamper.words), f"{tamper.name}: {problem['reason']!r}"
    assert not set(untouched) & set(by_case), "an untouched case was reported"


def test_verify_reports_every_forgery_with_case_version_and_reason(app, database_url, instance_dir):
    victims, untouched = forge(app, database_url)

    with app.store.read() as tx:
        report = verify(tx.iter_events(), tx.case_rows())
    assert_reports_every_forgery(report.to_dict(), victims, untouched)

    result = run_cli(database_url, instance_dir, "audit", "verify", "--json")
    assert result.code == 1, result
    assert "Traceback" not in result.stderr
    assert_reports_every_forgery(result.json(), victims, untouched)
    # --case narrows the walk to one case and still names it; an untouched case verifies.
    case_id, _ = victims["delete a middle event"]
    one = run_cli(database_url, instance_dir, "audit", "verify", "--case", case_id, "--json")
    assert one.code == 1 and [(p["case"], p["version"]) for p in one.json()["problems"]] == [(case_id, 3)]
    clean = run_cli(database_url, instance_dir, "audit", "verify", "--case", untouched[0], "--json")
    assert clean.code == 0 and clean.json()["ok"] is True, clean


REFUSED = [
    "UPDATE case_events SET actor = 'forger'",
    "UPDATE case_events SET payload = '{}' WHERE version = 1",
    "DELETE FROM case_events",
    "DELETE FROM case_events WHERE version = 2",
]


def test_the_database_refuses_to_change_the_audit_log(app, database_url, backend):
    case = walk_rectification(app)
    statements = REFUSED + (["TRUNCATE case_events"] if backend == "postgresql" else [])  # SQLite has no TRUNCATE
    for sql in statements:
        with pytest.raises(exc.DatabaseError) as refused:
            raw_execute(database_url, sql)
        assert "append-only" in str(refused.value), sql
    assert event_count(database_url) == case.version
    with app.store.read() as tx:
        assert verify(tx.iter_events(), tx.case_rows()).ok
