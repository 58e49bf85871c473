"""The escalation sweep: fire every due rung exactly once, and the lease that lets one process sweep.

A sweep reads candidates from the ``next_escalation_at`` index only, in rounds of ``batch`` cases,
so its cost follows the number of due rungs, not of open cases. It fires them set-wise, up to
``per_transaction`` cases per unit of work (workflow.escalation.set_firing): one statement locks
the set (PostgreSQL: SKIP LOCKED, so a case another sweeper or a handler holds is passed over, not
waited for; SQLite: the write lock), each case's next due rung is planned in Python from its
locked row, and the firing rows — whose primary key (case, deadline instance, rung) refuses a
second firing — the in-app alerts, the ``escalated`` events (each on its own case's hash chain)
and the case rows (only over the version each was locked at) are written with one statement per
table. The commit makes the set durable at once; a crash before it leaves none of it — every firing
lands with its event or not at all.

If anything in a set fails, none of it was written, and the set runs again case by case: one
`FireRung` step per case in one unit of work, each case in its own savepoint. A case with nothing
due, or busy, is undone alone and passed over; a case that fails is undone alone, what fired before
it commits and the error goes up (as when each rung had its own transaction). A set holds its
cases' row locks (PostgreSQL) or the write lock (SQLite) until it commits (BENCHMARKS.md: the
sweep), which a user's change to one of those cases waits out. Rungs of one case fire in ladder
order, one per round; a rung that fires long after it fell due (scheduler downtime) is marked late
and keeps its due time.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from workflow.cases.notices import alert_rows, alert_targets
from workflow.cases.service import CaseService
from workflow.cases.unit_of_work import Change, StepContext, UnitOfWork
from workflow.errors import ConcurrencyConflict
from workflow.escalation.ladders import due_rungs, escalation_payload
from workflow.escalation.set_firing import Firing, fire_set, firing_row
from workflow.events import ESCALATED, SYSTEM_SCHEDULER, format_time
from workflow.ports import Clock, Store

LEASE_NAME = "escalation-sweep"
DEFAULT_LATE_AFTER = timedelta(minutes=5)
DEFAULT_PER_TRANSACTION = 200  # cases per set-wise transaction (BENCHMARKS.md: the sweep)


class LeaseHeld(ConcurrencyConflict):
    def __init__(self, name: str, holder: tuple[str, str] | None) -> None:
        who, until = holder or ("another process", "?")
        super().__init__("sweep.lease_held", holder=who, lease=name, until=until)


class _NothingToFire(Exception):
    """Raised inside the firing transaction to roll it back: nothing is (any longer) due."""


@dataclass
class SweepResult:
    fired: list[Firing] = field(default_factory=list)
    passed_over: set[str] = field(default_factory=set)  # busy elsewhere or nothing due after all
    stopped: bool = False  # the lease was lost mid-sweep

    def to_dict(self) -> dict[str, Any]:
        return {"fired": [f.to_dict() for f in self.fired], "count": len(self.fired)}


class FireRung:
    """Fire the case's next due rung: its firing row (refused if fired already), alerts, the event.

    One per case: after the change, `payload` holds what was recorded.
    """

    def __init__(self, now: datetime, late_after: timedelta, fired_by: str) -> None:
        self.now, self.late_after, self.fired_by = now, late_after, fired_by
        self.payload: dict[str, Any] = {}

    def decide(self, ctx: StepContext) -> Change:
        case, tx = ctx.case, ctx.tx
        due = due_rungs(case.deadline, self.now)
        if not due or case.deadline is None:
            raise _NothingToFire(case.id)
        rung = due[0]
        targets = alert_targets(tx, ctx.work.registry.roles, ctx.definition, case, rung["notify"])
        payload = self.payload = escalation_payload(case.deadline, rung, now=self.now, late_after=self.late_after,
                                                    targets=targets)
        if not tx.add_firing(firing_row(case.id, case.version + 1, payload, self.fired_by)):
            raise _NothingToFire(case.id)  # fired already by someone else: the key said no
        tx.add_alerts(alert_rows(case, targets, kind="escalation", at=payload["fired_at"], level=payload["level"],
                                 rung=payload["rung"], due_at=payload["due_at"], late=payload["late"]))
        return Change(ESCALATED, payload)


class EscalationSweeper:
    def __init__(self, cases: CaseService, store: Store, *, fired_by: str = SYSTEM_SCHEDULER,
                 batch: int = 200, late_after: timedelta = DEFAULT_LATE_AFTER,
                 per_transaction: int = DEFAULT_PER_TRANSACTION) -> None:
        if per_transaction < 1:
            raise ValueError("per_transaction must be at least 1")
        self.cases, self.store = cases, store
        self.fired_by, self.batch, self.late_after = fired_by, batch, late_after
        self.per_transaction = per_transaction

    def sweep(self, *, keep_going: Callable[[], bool] = lambda: True) -> SweepResult:
        """Fire everything due at the clock's current instant; `keep_going` is asked between rounds."""
        now = self.cases.clock.now()
        result = SweepResult()
        while True:
            with self.store.read() as tx:
                ids = tx.due_case_ids(format_time(now), self.batch, result.passed_over)
            if not ids:
                return result
            if not keep_going():
                result.stopped = True
                return result
            # One rung per case per round keeps every case's rungs in order.
            for start in range(0, len(ids), self.per_transaction):
                self._fire_set(ids[start:start + self.per_transaction], now, result)

    def _fire_set(self, case_ids: list[str], now: datetime, result: SweepResult) -> None:
        """The next rung of each case set-wise (workflow.escalation.set_firing), in one unit of work; if that
        fails, none of it was written, and the set runs again case by case to isolate the case at fault."""
        try:
            with self.cases.begin() as work:
                fired, passed = fire_set(work, case_ids, now=now, late_after=self.late_after,
                                         fired_by=self.fired_by)
        except Exception:  # whatever it was, the per-case run below meets it again, alone
            self._fire_batch(case_ids, now, result)
            return
        result.fired.extend(fired)
        result.passed_over.update(passed)

    def _fire_batch(self, case_ids: list[str], now: datetime, result: SweepResult) -> None:
        """The next rung of each case, one by one in savepoints of one unit of work; reported in `result` once
        it has committed (a failing set's second run)."""
        fired: list[Firing] = []
        passed: list[str] = []
        failure: Exception | None = None
        try:
            with self.cases.begin() as work:
                for case_id in case_ids:
                    try:
                        with work.savepoint():
                            fired.append(self._fire_in(work, case_id, now))
                    except (_NothingToFire, ConcurrencyConflict):  # covers CaseBusy: another sweeper has it
                        passed.append(case_id)
                    except Exception as err:
                        failure = err
                        break
        except ConcurrencyConflict:  # the database was busy (StoreBusy): nothing of this batch was written
            result.passed_over.update(case_ids)
            return
        result.fired.extend(fired)
        result.passed_over.update(passed)
        if failure is not None:
            # What fired before it is committed, as when each rung had its own transaction; the sweep stops.
            raise failure

    def _fire_in(self, work: UnitOfWork, case_id: str, now: datetime) -> Firing:
        """Fire the case's next due rung in `work`; _NothingToFire when none is (any longer) due."""
        step = FireRung(now, self.late_after, self.fired_by)
        work.change(case_id, SYSTEM_SCHEDULER, step, system_actor=True, skip_locked=True)
        return Firing.of(case_id, step.payload)


class Lease:
    """A named lease in the database: at most one owner until it expires; renewed while sweeping.

    The lease runs on its own (real) clock: a drill with RECTIFLOW_NOW must not lock out, or be
    locked out by, a scheduler running in real time.
    """

    def __init__(self, store: Store, *, owner: str, ttl: timedelta, clock: Clock, name: str = LEASE_NAME) -> None:
        self.store, self.owner, self.ttl, self.clock, self.name = store, owner, ttl, clock, name

    def acquire(self) -> bool:
        """Take or renew the lease; False when another owner holds an unexpired one."""
        now = self.clock.now()
        with self.store.write() as tx:
            return tx.take_lease(self.name, self.owner, format_time(now), format_time(now + self.ttl))

    renew = acquire

    def release(self) -> None:
        with self.store.write() as tx:
            tx.release_lease(self.name, self.owner, format_time(self.clock.now()))

    def holder(self) -> tuple[str, str] | None:
        with self.store.read() as tx:
            return tx.lease_holder(self.name)


def sweep_under_lease(sweeper: EscalationSweeper, lease: Lease, *, release: bool = True) -> SweepResult:
    """One sweep while holding the lease (LeaseHeld if another process has it)."""
    if not lease.acquire():
        raise LeaseHeld(lease.name, lease.holder())
    try:
        return sweeper.sweep(keep_going=lease.renew)
    finally:
        if release:
            lease.release()
