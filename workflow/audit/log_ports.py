"""What the audit's Merkle log needs from outside (storage of the log, key files), as Protocols.

They live beside their only user rather than in workflow.ports because their types (EntryCheck,
the signed-note keys) are the audit's own; workflow.bootstrap passes the adapters in.
"""
from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from workflow.audit.logcheck import EntryCheck
from workflow.audit.notes import SignerKey, VerifierKey


@dataclass(frozen=True)
class CaseLogEntry:
    """One logged event of a case: its position, the leaf stored when it was sequenced, its leaf now (None: gone)."""

    position: int
    version: int
    stored: bytes
    current: bytes | None


class MerkleLog(Protocol):
    """The one append-only log over every audit record (case events and access-log rows), and its checkpoints."""

    def sequence(self) -> int:
        """Give every committed record not yet in the log the next position (its own transaction); how many."""
    def size(self) -> int: ...
    def tree_head(self) -> tuple[int, bytes]:
        """(size, RFC 6962 root) of the whole log as sequenced, without rereading its leaves."""
    def stored_leaves(self, size: int) -> Iterator[bytes]:
        """The leaf hashes of positions 0..size-1 as sequenced, in order."""
    def sound(self, size: int, root: bytes) -> bool:
        """True only when `scan` would show every record as logged and the root as `root` (a shortcut)."""
    def scan(self, size: int) -> Iterator[EntryCheck]:
        """Positions 0..size-1, each with its stored leaf and the leaf of its record as it is now."""
    def records(self, size: int, case_id: str | None = None) -> Iterator[tuple[int, str, Any]]:
        """(position, kind, record) below `size` in order: an Event, or an access-log row as a dict of its
        columns (seq, at, actor, action, case_id, outcome, ip, detail as stored); given `case_id`, its events."""
    def position_of(self, case_id: str, version: int) -> int | None: ...
    def case_entries(self, case_id: str) -> list[CaseLogEntry]:
        """Every logged event of one case, by version (the web history page's check)."""
    def count_below(self, size: int) -> int:
        """How many log entries hold a position below `size` (exactly `size` unless entries were deleted)."""
    def leaves_between(self, lo: int, hi: int) -> Iterator[bytes]:
        """The stored leaf hashes of positions lo..hi-1, in order."""
    def event_versions(self, case_ids: Collection[str]) -> dict[str, int]: ...
    def deployment_id(self) -> str: ...
    def save_checkpoint(self, *, origin: str, size: int, root: str, at: str, note: str) -> None: ...
    def checkpoints(self) -> list[str]:
        """Every stored checkpoint note, oldest first."""


class KeyFiles(Protocol):
    """The signing key (a file outside the database) and auditors' public keys."""

    def write(self, directory: Path, signer: SignerKey) -> tuple[Path, Path]: ...
    def signer(self, path: Path) -> SignerKey: ...
    def verifier(self, path: Path) -> VerifierKey: ...
