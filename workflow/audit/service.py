"""The auditors' use case: verify the whole log (or one case). Bundles: workflow.audit.bundle."""
from __future__ import annotations

import os

from workflow.errors import CaseNotFound
from workflow.ports import AuditScanner, Clock, Store
from workflow.records import Report


def default_jobs() -> int:
    """The CPUs this process may run on (verify checks ranges of cases in that many processes)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Audit:
    def __init__(self, store: Store, scanner: AuditScanner, clock: Clock) -> None:
        self.store, self.scanner, self.clock = store, scanner, clock

    def verify(self, *, case_id: str | None = None, jobs: int | None = None) -> Report:
        """Walk every chain, recompute every hash, replay every case and compare its stored row."""
        report = self.scanner.verify(case_id=case_id, jobs=jobs or default_jobs())
        if case_id and report.cases == 0:
            raise CaseNotFound(case_id)
        return report
