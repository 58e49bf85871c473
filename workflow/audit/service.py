"""The auditors' use cases: verify the whole log (or one case) and export a self-checking bundle."""
from __future__ import annotations

import os
from pathlib import Path

from workflow.audit.verify import write_bundle
from workflow.errors import CaseNotFound
from workflow.events import format_time
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

    def export(self, output: Path, *, case_id: str | None = None) -> tuple[int, str]:
        """Write the events (all, or one case's) as a JSON Lines bundle ending in a digest line;
        (events written, digest). The file appears whole or not at all."""
        tmp = output.with_name(output.name + ".part")
        with self.store.read() as tx, tmp.open("wb") as fh:
            count, digest = write_bundle(tx.iter_events(case_id), fh, exported_at=format_time(self.clock.now()),
                                         scope=case_id or "all")
        if case_id and count == 0:
            tmp.unlink()
            raise CaseNotFound(case_id)
        tmp.replace(output)
        return count, digest
