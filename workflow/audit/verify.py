"""Audit verification and export: walk every chain, recompute every hash, replay every case.

`verify()` compares three things per case — the chain (versions 1..n, each prev_hash the hash
before, each hash recomputed from content), the database order (global seq rising with version)
and the stored case row (equal to the replay of the events) — and names the first broken link.
"""
from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import IO, TypeVar

from workflow.engine.projection import project_case
from workflow.events import GENESIS_HASH, Event, canonical_json
from workflow.records import CaseState, Problem, Report

BUNDLE_FORMAT = "rectiflow-audit-bundle/1"

E = TypeVar("E")
R = TypeVar("R")


def chain_problem(case_id: str, events: list[Event]) -> Problem | None:
    """The first broken link of one case's chain, or None."""
    prev_hash, prev_seq = GENESIS_HASH, None
    for expected, ev in enumerate(events, start=1):
        if ev.version != expected:
            return Problem(case_id, expected, f"event version {expected} is missing (found {ev.version} next): "
                                              "events were deleted or reordered")
        if ev.prev_hash != prev_hash:
            return Problem(case_id, ev.version, "prev_hash does not match the previous event's hash: "
                                                "the chain was cut or events were reordered")
        if ev.compute_hash() != ev.hash:
            return Problem(case_id, ev.version, "hash does not match the event's content: the event was altered")
        if prev_seq is not None and ev.seq is not None and ev.seq <= prev_seq:
            return Problem(case_id, ev.version, "global sequence runs backwards: events were reordered")
        prev_hash, prev_seq = ev.hash, ev.seq
    return None


def case_problem(case_id: str, events: list[Event], row: CaseState | None) -> Problem | None:
    broken = chain_problem(case_id, events)
    if broken:
        return broken
    if not events:  # the first missing link is version 1
        return Problem(case_id, 1, "the case row has no events: its whole log was deleted")
    if row is None:
        return Problem(case_id, None, "events exist but the case row is missing")
    last = events[-1].version
    if row.version > last:
        return Problem(case_id, last + 1, f"events {last + 1}..{row.version} are missing though the case row is at "
                                          f"version {row.version}: the log was truncated")
    replayed = _replay(case_id, events)
    if isinstance(replayed, Problem):
        return replayed
    if replayed != row:  # dataclass equality, field by field: no copies on the hot path of verify
        diff = sorted(k for k, v in replayed.to_dict().items() if row.to_dict().get(k) != v)
        return Problem(case_id, row.version, f"stored case differs from the replay of its events in "
                                             f"{', '.join(diff)}")
    return None


def _replay(case_id: str, events: list[Event]) -> CaseState | Problem:
    """The replayed case, or the first event replay cannot fold (only a forged, re-hashed chain has one)."""
    try:
        replayed = project_case(events)
    except Exception:
        for n in range(1, len(events) + 1):
            try:
                project_case(events[:n])
            except Exception as err:
                return Problem(case_id, events[n - 1].version, f"the event cannot be replayed "
                                                               f"({type(err).__name__}: {err}): it was forged")
        raise
    assert replayed is not None
    return replayed


def verify(events: Iterable[Event], rows: Iterable[CaseState]) -> Report:
    """Verify streams of events and case rows, both sorted by case id (events then by version)."""
    report = Report()
    for case_id, case_events, row in pair_by_case(events, rows, lambda e: e.case_id, lambda r: r.id):
        report.add(len(case_events), case_problem(case_id, case_events, row))
    return report.sorted()


def pair_by_case(events: Iterable[E], rows: Iterable[R], event_case: Callable[[E], str],
                 row_case: Callable[[R], str]) -> Iterator[tuple[str, list[E], R | None]]:
    """(case id, its events, its row or None) for every case on either side, one case at a time.

    Memory stays flat in the number of cases: a store streams both sides in the same order, so a
    row waits in `pending` only while its events are still to come. Only equality of case ids is
    used (never their order), so a database collation that sorts unlike Python changes nothing.
    """
    pending: dict[str, R] = {}
    row_stream = iter(rows)
    for case_id, group in itertools.groupby(events, key=event_case):
        row = pending.pop(case_id, None)
        while row is None:
            candidate = next(row_stream, None)
            if candidate is None:
                break
            if row_case(candidate) == case_id:
                row = candidate
            else:
                pending[row_case(candidate)] = candidate  # its events come later, or never (a problem)
        yield case_id, list(group), row
    for row in itertools.chain(pending.values(), row_stream):
        yield row_case(row), [], row


def write_bundle(events: Iterator[Event], out: IO[bytes], *, exported_at: str, scope: str) -> tuple[int, str]:
    """Write a JSON Lines bundle; the last line holds the SHA-256 of every line before it."""
    digest = hashlib.sha256()
    count = 0

    def emit(obj: dict[str, object]) -> None:
        line = (canonical_json(obj) + "\n").encode("utf-8")
        digest.update(line)
        out.write(line)

    emit({"format": BUNDLE_FORMAT, "exported_at": exported_at, "scope": scope})
    for ev in events:
        emit(ev.to_dict())
        count += 1
    final = digest.hexdigest()
    out.write((canonical_json({"digest": final, "events": count}) + "\n").encode("utf-8"))
    return count, final
