"""The escalation feature as one object: the sweeper and its lease, supervision, recompute, the bulletin.

Built once by workflow.bootstrap for the CLI, the scheduler and the web UI, so all three sweep,
flag and recompute the same way on the same database, calendar and clock.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from workflow.cases.service import CaseService
from workflow.escalation.bulk import BulkActions
from workflow.escalation.deadline_policy import DeadlinePolicy
from workflow.escalation.recompute import recompute_deadlines
from workflow.escalation.supervision import Supervision
from workflow.escalation.sweep import DEFAULT_LATE_AFTER, EscalationSweeper, Lease
from workflow.ports import Clock, Store


def lease_ttl(interval_seconds: int) -> timedelta:
    """Long enough to survive a missed run or two, short enough for a standby to take over soon."""
    return timedelta(seconds=max(3 * interval_seconds, 30))


def late_after(interval_seconds: int) -> timedelta:
    """A firing later than this after its due time was delayed by downtime, not by the interval."""
    return max(DEFAULT_LATE_AFTER, timedelta(seconds=2 * interval_seconds))


class Escalations:
    def __init__(self, cases: CaseService, store: Store, policy: DeadlinePolicy, *, interval: int,
                 lease_clock: Clock) -> None:
        self.cases, self.store, self.policy = cases, store, policy
        self.interval, self.lease_clock = interval, lease_clock
        self.supervision = Supervision(cases, store)
        self.bulk = BulkActions(cases, self.supervision)  # bulk actions on inbox rows (web and CLI)

    def sweeper(self, *, fired_by: str, batch: int = 200) -> EscalationSweeper:
        return EscalationSweeper(self.cases, self.store, fired_by=fired_by, batch=batch,
                                 late_after=late_after(self.interval))

    def lease(self, *, owner: str, ttl: timedelta | None = None) -> Lease:
        """The sweep lease, on its own (real) clock: see workflow.escalation.sweep.Lease."""
        return Lease(self.store, owner=owner, ttl=ttl or lease_ttl(self.interval), clock=self.lease_clock)

    def recompute(self, *, requested_by: str, other_versions: bool = False) -> list[dict[str, Any]]:
        return recompute_deadlines(self.cases, self.policy, requested_by=requested_by, other_versions=other_versions)

    def bulletin(self, since: str | None = None) -> list[dict[str, Any]]:
        """Cases a ladder put on the bulletin list (通报), oldest first."""
        with self.store.read() as tx:
            return tx.bulletin(since)

    def firings(self, case_id: str | None = None) -> list[dict[str, Any]]:
        """Every rung fired (of one case, or all), in firing order."""
        with self.store.read() as tx:
            return tx.firings(case_id)
