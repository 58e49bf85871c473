"""The one recurring job: sweep under the database lease, log what happened, never raise.

The job holds the lease from run to run (renewing it), so one process stays the sweeper while it
lives; the others stand by and take over once its lease expires. Every call is idempotent: the
database refuses a second firing of any rung, so even a misconfigured second sweeper is harmless.
"""
from __future__ import annotations

import logging

from workflow.escalation.service import Escalations
from workflow.escalation.sweep import SweepResult

log = logging.getLogger("rectiflow.scheduler")


class SweepJob:
    """Callable job bound to one process's identity (the lease owner)."""

    def __init__(self, esc: Escalations, owner: str) -> None:
        self.esc, self.owner = esc, owner
        self.lease = esc.lease(owner=owner)
        self.sweeper = esc.sweeper(fired_by=owner)

    def __call__(self) -> SweepResult | None:
        if not self.lease.acquire():
            holder = self.lease.holder()
            log.debug("standing by: %s holds the sweep lease until %s", *(holder or ("?", "?")))
            return None
        result = self.sweeper.sweep(keep_going=self.lease.renew)
        late = sum(1 for f in result.fired if f.late)
        log.info("sweep: fired %d rung(s), %d late%s", len(result.fired), late,
                 "; lease lost, stopped early" if result.stopped else "")
        return result

    def release(self) -> None:
        """Give the lease up at once (on shutdown) so a standby need not wait for it to expire."""
        self.lease.release()
