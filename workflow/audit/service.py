"""The auditors' use cases: verify the whole log (or one case), check one case in full against the latest
signed checkpoint (the web history page). Bundles: workflow.audit.bundle."""
from __future__ import annotations

import os
from pathlib import Path

from workflow.audit.case_check import (
    CaseCheck,
    CheckpointSeen,
    TreeCache,
    chain_finding,
    inclusion_findings,
    latest_checkpoint,
    replay_finding,
)
from workflow.audit.checkpoints import Checkpoints
from workflow.audit.notes import VerifierKey
from workflow.definitions.model import Definition
from workflow.definitions.registry import DefinitionRegistry
from workflow.errors import CaseNotFound, WorkflowError
from workflow.ports import AuditScanner, Clock, Store
from workflow.records import Report


def default_jobs() -> int:
    """The CPUs this process may run on (verify checks ranges of cases in that many processes)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Audit:
    def __init__(self, store: Store, scanner: AuditScanner, clock: Clock, *, checkpoints: Checkpoints | None = None,
                 registry: DefinitionRegistry | None = None) -> None:
        self.store, self.scanner, self.clock = store, scanner, clock
        self.checkpoints, self.registry = checkpoints, registry
        self._tree = TreeCache()
        self._key: tuple[Path, VerifierKey] | None = None

    def check_case(self, case_id: str) -> CaseCheck:
        """One case checked in full: its chain, its replay through its definition against the case row, and
        the inclusion of each of its events in the latest stored checkpoint (workflow.audit.case_check)."""
        with self.store.read() as tx:
            events, row = tx.events(case_id), next(tx.case_rows(case_id), None)  # snapshot and columns
        if not events and row is None:
            raise CaseNotFound(case_id)
        result = CaseCheck(case_id, len(events), chain=chain_finding(case_id, events))
        if result.chain is None:
            result.replay = replay_finding(events, row, self._definition)
        if self.checkpoints is None:
            return result
        log = self.checkpoints.log
        key = self._public_key()
        cp, refused = latest_checkpoint(log.checkpoints(), key, self.checkpoints.origin())
        if refused is not None:
            result.inclusion.append(refused)
        if cp is None:
            result.pending = len(events)
            return result
        result.checkpoint = CheckpointSeen(cp.size, cp.time, key is not None)
        inclusion_findings(result, events, log.case_entries(case_id), cp, log, self._tree)
        return result

    def _public_key(self) -> VerifierKey | None:
        """The configured signing key's public half (read once per key path), None without one."""
        assert self.checkpoints is not None
        path = self.checkpoints.key_path
        if path is None:
            return None
        if self._key is None or self._key[0] != path:
            try:
                self._key = (path, self.checkpoints.signer().verifier)
            except WorkflowError:
                return None  # an unreadable key file: the signature stays unchecked, and the page says so
        return self._key[1]

    def _definition(self, name: str, version: int) -> Definition | None:
        if self.registry is None:
            return None
        try:
            return self.registry.get(name, version)
        except WorkflowError:
            return None

    def verify(self, *, case_id: str | None = None, jobs: int | None = None) -> Report:
        """Walk every chain, recompute every hash, replay every case and compare its stored row."""
        report = self.scanner.verify(case_id=case_id, jobs=jobs or default_jobs())
        if case_id and report.cases == 0:
            raise CaseNotFound(case_id)
        return report
