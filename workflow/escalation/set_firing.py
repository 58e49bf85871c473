"""Fire the next due rung of a set of cases set-wise, in one unit of work.

What `FireRung` (workflow.escalation.sweep) does for one case, done for a few hundred at once:
lock every case of the set in one statement (PostgreSQL: FOR UPDATE SKIP LOCKED, so concurrent
sweepers take disjoint cases; SQLite: the write lock the transaction already holds), plan each
case's rung in Python from the locked rows, then write the whole set with one statement per table:
the firing rows (whose primary key refuses a rung fired already — such a case is passed over and
nothing else of it is written), the alerts, the ``escalated`` events and the case rows (only over
the version each was locked at). Each case gets one event per set, sealed on that case's own head
hash, so every case's chain stays a chain. Nothing commits before the unit of work does: a crash
leaves the whole set undone. Whatever goes wrong raises out of `fire_set` and the caller
(EscalationSweeper) runs the set again case by case, each in a savepoint, to isolate a bad case.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from workflow.cases.notices import Before, alert_rows, eligible_targets, handover_rows
from workflow.cases.unit_of_work import UnitOfWork, case_texts
from workflow.definitions.model import Definition
from workflow.definitions.roles import READ_ALL
from workflow.engine.projection import apply
from workflow.escalation.ladders import due_rungs, escalation_payload
from workflow.events import ESCALATED, SYSTEM_SCHEDULER, Event, format_time, parse_time
from workflow.ports import WriteTx
from workflow.records import CaseState, Unit, User


@dataclass(frozen=True)
class Firing:
    case: str
    rung: str
    level: int
    due_at: str
    fired_at: str
    late: bool
    targets: tuple[str, ...]
    deadline_key: str
    bulletin: bool

    @classmethod
    def of(cls, case_id: str, p: dict[str, Any]) -> Firing:
        return cls(case_id, p["rung"], p["level"], p["due_at"], p["fired_at"], p["late"], tuple(p["targets"]),
                   p["deadline_key"], p["bulletin"])

    def to_dict(self) -> dict[str, Any]:
        return {"case": self.case, "rung": self.rung, "level": self.level, "due_at": self.due_at,
                "targets": list(self.targets), "late": self.late, "fired_at": self.fired_at,
                "deadline_key": self.deadline_key, "bulletin": self.bulletin}


def firing_row(case_id: str, event_version: int, p: dict[str, Any], fired_by: str) -> dict[str, Any]:
    return {"case_id": case_id, "deadline_key": p["deadline_key"], "rung": p["rung"], "level": p["level"],
            "bulletin": p["bulletin"], "due_at": p["due_at"], "fired_at": p["fired_at"], "late": p["late"],
            "event_version": event_version, "fired_by": fired_by}


class _AlertTargets:
    """workflow.cases.notices.alert_targets with its two reads shared by the cases of one set: the
    candidates depend only on the unit, the assignee (when alerted) and the roles alerted anywhere,
    and the directory cannot change inside the transaction."""

    def __init__(self, tx: WriteTx, work: UnitOfWork) -> None:
        self.tx, self.roles = tx, work.registry.roles
        self._seen: dict[tuple[str, str | None, tuple[str, ...]], tuple[list[Unit], list[User]]] = {}
        self._found: dict[tuple[Any, ...], list[str]] = {}  # the answer, for cases alike in all it reads

    def of(self, defn: Definition, case: CaseState, notify: Iterable[str]) -> list[str]:
        wanted = sorted(set(notify))
        assignee = case.assignee if "assignee" in wanted else None
        anywhere = tuple(r for r in wanted if self.roles.may(r, READ_ALL))
        key = (case.unit, assignee, anywhere)
        found = self._seen.get(key)
        if found is None:
            found = self._seen[key] = (self.tx.unit_chain(case.unit), self.tx.alert_candidates(
                case.unit, roles_anywhere=list(anywhere), login=assignee))
        alike = (*key, defn.name, defn.version, case.assignee, *wanted)
        answer = self._found.get(alike)
        if answer is None:
            chain, candidates = found
            answer = self._found[alike] = eligible_targets(candidates, chain, self.roles, defn, case, wanted)
        return list(answer)


def fire_set(work: UnitOfWork, case_ids: Sequence[str], *, now: datetime, late_after: timedelta,
             fired_by: str) -> tuple[list[Firing], list[str]]:
    """(what fired, the cases passed over: busy elsewhere, gone, nothing due, or fired already)."""
    tx = work.tx
    locked = tx.lock_cases(case_ids)
    passed = [i for i in case_ids if i not in locked]
    targets = _AlertTargets(tx, work)
    planned: list[tuple[CaseState, Definition, dict[str, Any]]] = []
    for case_id in case_ids:
        case = locked.get(case_id)
        if case is None:
            continue
        due = due_rungs(case.deadline, now)
        if not due or case.deadline is None:
            passed.append(case_id)
            continue
        defn = work.registry.get(case.type, case.definition_version)
        rung = due[0]
        payload = escalation_payload(case.deadline, rung, now=now, late_after=late_after,
                                     targets=targets.of(defn, case, rung["notify"]))
        planned.append((case, defn, payload))
    inserted = tx.add_firings([firing_row(c.id, c.version + 1, p, fired_by) for c, _d, p in planned])
    fired: list[Firing] = []
    events: list[Event] = []
    changes: list[tuple[CaseState, str, int, tuple[str, ...] | None]] = []
    with tx.deferred_alerts():
        for case, defn, p in planned:
            if case.id not in inserted:  # fired already by someone else: the key said no
                passed.append(case.id)
                continue
            tx.add_alerts(alert_rows(case, p["targets"], kind="escalation", at=p["fired_at"], level=p["level"],
                                     rung=p["rung"], due_at=p["due_at"], late=p["late"]))
            version, before, texts_before = case.version, Before.of(case), case_texts(defn, case)
            event = _event(case, p, work.now)
            new = apply(case, event)  # folded in place: the case was loaded for this transaction alone
            after = case_texts(defn, new)
            changes.append((new, defn.states[new.state].stage, version, after if after != texts_before else None))
            rows = handover_rows(tx, work.registry.roles, defn, before, new, ESCALATED, p, SYSTEM_SCHEDULER,
                                 event.at)
            if rows:
                tx.add_alerts(rows)
            events.append(event)
            fired.append(Firing.of(case.id, p))
        tx.append_events(events)
        tx.update_cases(changes)
    return fired, passed


def _event(case: CaseState, payload: dict[str, Any], now: datetime) -> Event:
    """The ``escalated`` event on the case's chain, as UnitOfWork.change seals one (time never runs backwards)."""
    at = max(now, parse_time(case.updated_at)) if case.updated_at else now
    return Event(case.id, case.version + 1, format_time(at), SYSTEM_SCHEDULER, ESCALATED, None, None, payload,
                 case.type, case.definition_version, case.head_hash).sealed()
