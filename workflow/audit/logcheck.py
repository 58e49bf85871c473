"""Does the database still hold exactly the tree a checkpoint signed? Recompute it and, if not, say what changed.

The store streams the log's positions below the checkpoint's size with two leaves each: the one
stored when the record was sequenced and the one of the record as it is now (None when the record
is gone). The root over the *current* leaves must equal the checkpoint's root; that alone proves
nothing was removed, rewritten or reordered. When it does not, the differences are named per case
(all its events gone; its tail cut off; events rewritten, e.g. re-chained) and per access-log row;
if every record still matches its stored leaf, the log table itself was edited.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from workflow.audit.merkle import RootBuilder

EVENT, ACCESS = "event", "access"


@dataclass(frozen=True)
class EntryCheck:
    position: int
    kind: str
    case_id: str | None
    version: int | None
    access_seq: int | None
    stored: bytes
    current: bytes | None  # None: the record is gone


@dataclass(frozen=True)
class LogProblem:
    """One thing that changed since a checkpoint (a case, an access-log row, the log itself)."""

    what: str  # case_deleted, case_truncated, events_deleted, events_rewritten, access_deleted, access_rewritten, log
    reason: str
    case: str | None = None
    version: int | None = None
    access_seq: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {"what": self.what, "case": self.case, "version": self.version, "access_seq": self.access_seq,
                "reason": self.reason}


@dataclass
class TreeCheck:
    size: int
    root_ok: bool
    problems: list[LogProblem] = field(default_factory=list)


def check_tree(entries: Iterable[EntryCheck], size: int, root: bytes,
               event_versions: Callable[[Collection[str]], dict[str, int]]) -> TreeCheck:
    """Compare the tree of the current records (positions < size) with `root`; name what differs."""
    builder = RootBuilder()
    missing: dict[str, list[int]] = {}
    rewritten: dict[str, list[int]] = {}
    access_missing: list[int] = []
    access_rewritten: list[int] = []
    gaps: list[int] = []
    for entry in entries:
        if entry.position != builder.size:
            gaps.append(builder.size)
        builder.append(entry.current if entry.current is not None else entry.stored)
        if entry.kind == EVENT and entry.case_id is not None and entry.version is not None:
            if entry.current is None:
                missing.setdefault(entry.case_id, []).append(entry.version)
            elif entry.current != entry.stored:
                rewritten.setdefault(entry.case_id, []).append(entry.version)
        elif entry.access_seq is not None:
            if entry.current is None:
                access_missing.append(entry.access_seq)
            elif entry.current != entry.stored:
                access_rewritten.append(entry.access_seq)
    problems = _named(missing, rewritten, access_missing, access_rewritten, event_versions)
    ok = builder.size == size and not gaps and builder.root() == root and not problems
    # A removed record is replaced by its stored leaf above, so the root may still match: never ok with a problem.
    if not ok and not problems:
        problems.append(LogProblem("log", _log_reason(builder.size, size, gaps)))
    return TreeCheck(size, ok, problems)


def _log_reason(found: int, size: int, gaps: list[int]) -> str:
    if found < size:
        return (f"the log holds {found} of the checkpoint's {size} entries: log entries were deleted "
                f"(first missing position {gaps[0] if gaps else found})")
    if gaps:
        return f"log entries are missing at position {gaps[0]}: the log table was edited"
    return ("the root differs from the checkpoint's though every record matches its log entry: the log table "
            "was rebuilt (records removed or reordered along with their entries)")


def _named(missing: dict[str, list[int]], rewritten: dict[str, list[int]], access_missing: list[int],
           access_rewritten: list[int],
           event_versions: Callable[[Collection[str]], dict[str, int]]) -> list[LogProblem]:
    problems: list[LogProblem] = []
    now = event_versions(sorted(missing)) if missing else {}
    for case_id, versions in sorted(missing.items()):
        first, last, have = min(versions), max(versions), now.get(case_id, 0)
        if have == 0:
            problems.append(LogProblem("case_deleted", f"the whole case is gone: its {len(versions)} logged "
                                       f"event(s) 1..{last} were deleted", case_id, first))
        elif first > have:
            problems.append(LogProblem("case_truncated", f"the case's tail was cut off: events {first}..{last} "
                                       f"were deleted (it now ends at version {have})", case_id, first))
        else:
            problems.append(LogProblem("events_deleted", f"logged event(s) {_span(versions)} were deleted",
                                       case_id, first))
    for case_id, versions in sorted(rewritten.items()):
        if case_id in missing:
            continue  # one problem per case: the deletion is named, the rest follows from it
        problems.append(LogProblem("events_rewritten", f"event(s) {_span(versions)} differ from what was logged: "
                                   "rewritten (the chain was re-hashed)", case_id, min(versions)))
    problems += [LogProblem("access_deleted", f"access-log row {seq} was deleted", access_seq=seq)
                 for seq in sorted(access_missing)]
    problems += [LogProblem("access_rewritten", f"access-log row {seq} differs from what was logged",
                            access_seq=seq) for seq in sorted(access_rewritten)]
    return problems


def _span(versions: list[int]) -> str:
    lo, hi = min(versions), max(versions)
    return str(lo) if lo == hi else f"{lo}..{hi}"
