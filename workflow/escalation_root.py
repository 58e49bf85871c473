"""Wiring of the escalation feature onto a built engine (the composition root's companion).

``escalations(app)`` gives the CLI, the scheduler and the web UI the same sweeper, lease,
supervision (flags, alerts) and recompute on the engine's database, calendar and clock.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from workflow.adapters.sql.escalation_sql import SqlEscalations, SqlLeases
from workflow.bootstrap import Rectiflow
from workflow.clock import SystemClock
from workflow.escalation.deadline_policy import DeadlinePolicy
from workflow.ports import Clock
from workflow.escalation.recompute import recompute_deadlines
from workflow.escalation.supervision import Supervision
from workflow.escalation.sweep import DEFAULT_LATE_AFTER, EscalationSweeper, Lease


def lease_ttl(interval_seconds: int) -> timedelta:
    """Long enough to survive a missed run or two, short enough for a standby to take over soon."""
    return timedelta(seconds=max(3 * interval_seconds, 30))


def late_after(interval_seconds: int) -> timedelta:
    """A firing later than this after its due time was delayed by downtime, not by the interval."""
    return max(DEFAULT_LATE_AFTER, timedelta(seconds=2 * interval_seconds))


@dataclass
class Escalations:
    app: Rectiflow
    store: SqlEscalations
    leases: SqlLeases
    supervision: Supervision
    policy: DeadlinePolicy
    lease_clock: Clock

    def sweeper(self, *, fired_by: str, batch: int = 200) -> EscalationSweeper:
        return EscalationSweeper(self.app.service, self.store, fired_by=fired_by, batch=batch,
                                 late_after=late_after(self.app.settings.scheduler_interval))

    def lease(self, *, owner: str, ttl: timedelta | None = None) -> Lease:
        ttl = ttl or lease_ttl(self.app.settings.scheduler_interval)
        return Lease(self.leases, owner=owner, ttl=ttl, clock=self.lease_clock)

    def recompute(self, *, requested_by: str, other_versions: bool = False) -> list[dict[str, Any]]:
        return recompute_deadlines(self.app.service, self.policy, self.store.cases_with_deadlines(),
                                   requested_by=requested_by, other_versions=other_versions)


def escalations(app: Rectiflow, *, lease_clock: Clock | None = None) -> Escalations:
    store = SqlEscalations(app.store)
    return Escalations(app, store, SqlLeases(app.store), Supervision(app.service, store),
                       DeadlinePolicy(app.calendar), lease_clock or SystemClock())
