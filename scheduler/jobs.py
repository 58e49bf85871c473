"""The one recurring job: sweep under the database lease, log what happened, never raise.

The job holds the lease from run to run (renewing it), so one process stays the sweeper while it
lives; the others stand by and take over once its lease expires. Every call is idempotent: the
database refuses a second firing of any rung, so even a misconfigured second sweeper is harmless.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from workflow.audit.checkpoints import Checkpoints
from workflow.escalation.service import Escalations
from workflow.escalation.sweep import SweepResult

log = logging.getLogger("rectiflow.scheduler")


class SweepJob:
    """Callable job bound to one process's identity (the lease owner)."""

    def __init__(self, esc: Escalations, owner: str, *, sequence: Callable[[], int] | None = None) -> None:
        self.esc, self.owner, self.sequence = esc, owner, sequence
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
        if self.sequence is not None:  # after the sweep's own transactions committed: integrate them into the log
            added = self.sequence()
            log.debug("merkle log: %d record(s) sequenced", added)
        return result

    def release(self) -> None:
        """Give the lease up at once (on shutdown) so a standby need not wait for it to expire."""
        self.lease.release()


class CheckpointJob:
    """Sign and store a checkpoint of the Merkle log; only the process holding the sweep lease does."""

    def __init__(self, checkpoints: Checkpoints, sweep: SweepJob) -> None:
        self.checkpoints, self.sweep = checkpoints, sweep

    def __call__(self) -> str | None:
        if not self.sweep.lease.acquire():
            return None
        cp, note = self.checkpoints.checkpoint()
        log.info("checkpoint: %s size %d", cp.origin, cp.size)
        return note
