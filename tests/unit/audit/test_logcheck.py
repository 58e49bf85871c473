"""Naming what changed since a checkpoint, from stored and current leaves (no database)."""
from __future__ import annotations

from workflow.audit.logcheck import ACCESS, EVENT, EntryCheck, check_tree
from workflow.audit.merkle import leaf_hash, root_of


def entries() -> list[EntryCheck]:
    rows = [EntryCheck(i, EVENT, "c1", i + 1, None, leaf_hash(b"c1-%d" % i), None) for i in range(4)]
    rows += [EntryCheck(4 + i, EVENT, "c2", i + 1, None, leaf_hash(b"c2-%d" % i), None) for i in range(3)]
    rows.append(EntryCheck(7, ACCESS, None, None, 42, leaf_hash(b"a42"), None))
    return [EntryCheck(e.position, e.kind, e.case_id, e.version, e.access_seq, e.stored, e.stored) for e in rows]


def gone(e: EntryCheck) -> EntryCheck:
    return EntryCheck(e.position, e.kind, e.case_id, e.version, e.access_seq, e.stored, None)


def changed(e: EntryCheck) -> EntryCheck:
    return EntryCheck(e.position, e.kind, e.case_id, e.version, e.access_seq, e.stored, leaf_hash(b"x"))


ROOT = root_of(e.stored for e in entries())


def versions(have: dict[str, int]):
    return lambda ids: {i: have.get(i, 0) for i in ids}


def test_untouched_is_ok():
    result = check_tree(entries(), 8, ROOT, versions({}))
    assert result.root_ok and result.problems == []


def test_each_change_is_named():
    rows = entries()
    rows[1] = gone(rows[1])  # c1 version 2 deleted from the middle
    rows[5], rows[6] = gone(rows[5]), gone(rows[6])  # c2's tail (2..3)
    rows[7] = changed(rows[7])
    result = check_tree(rows, 8, ROOT, versions({"c1": 4, "c2": 1}))
    assert not result.root_ok
    named = {(p.what, p.case, p.version, p.access_seq) for p in result.problems}
    assert named == {("events_deleted", "c1", 2, None), ("case_truncated", "c2", 2, None),
                     ("access_rewritten", None, None, 42)}


def test_a_whole_case_and_a_rewritten_one():
    rows = entries()
    rows[:4] = [gone(e) for e in rows[:4]]
    rows[5] = changed(rows[5])
    result = check_tree(rows, 8, ROOT, versions({"c2": 3}))
    assert [(p.what, p.case, p.version) for p in result.problems] == [("case_deleted", "c1", 1),
                                                                        ("events_rewritten", "c2", 2)]


def test_the_log_table_itself_edited():
    rows = entries()
    assert check_tree(rows[:6], 8, ROOT, versions({})).problems[0].what == "log"  # entries deleted
    swapped = [rows[1], rows[0], *rows[2:]]
    swapped = [EntryCheck(i, e.kind, e.case_id, e.version, e.access_seq, e.stored, e.current)
               for i, e in enumerate(swapped)]
    [problem] = check_tree(swapped, 8, ROOT, versions({})).problems
    assert problem.what == "log" and "rebuilt" in problem.reason
