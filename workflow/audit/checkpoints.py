"""Signed checkpoints of the Merkle log: make one, list them, and check the database against them.

`Checkpoints.checkpoint()` runs the sequencer (committed records only, its own transaction), takes
the RFC 6962 root of every position given so far (from the tree's stored right edge, so its cost is
what is new plus O(log n)), and stores the C2SP checkpoint signed with the
deployment's Ed25519 key. `verify()` checks each given checkpoint (signature with the auditor's
public key, origin) and then that the current records still make exactly its tree
(workflow.audit.logcheck), naming every change.
"""
from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from workflow.audit.log_ports import KeyFiles, MerkleLog
from workflow.audit.logcheck import LogProblem, check_tree
from workflow.audit.merkle import (
    consistency_proof,
    inclusion_proof,
    reference_root,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from workflow.audit.notes import (
    Checkpoint,
    NoteRefused,
    SignerKey,
    VerifierKey,
    open_checkpoint,
    parse_checkpoint,
    split_note,
)
from workflow.audit.witness import CosignerKey, verify_cosignature
from workflow.errors import InvalidInput
from workflow.events import format_time
from workflow.ports import Clock

ORIGIN_PREFIX = "rectiflow/"


@dataclass
class CheckpointResult:
    """The outcome of checking the database against one checkpoint."""

    source: str
    checkpoint: Checkpoint | None = None
    problems: list[LogProblem] = field(default_factory=list)
    signature_checked: bool = False  # False: no public key was given (nor a signing key configured)
    cosigned_by: list[str] = field(default_factory=list)  # the given witnesses whose cosignature verified

    @property
    def ok(self) -> bool:
        return self.checkpoint is not None and not self.problems

    def to_dict(self) -> dict[str, object]:
        cp = self.checkpoint
        return {"source": self.source, "ok": self.ok, "origin": cp and cp.origin, "size": cp and cp.size,
                "root": cp and base64.b64encode(cp.root).decode(), "signature_checked": self.signature_checked,
                "cosigned_by": self.cosigned_by, "problems": [p.to_dict() for p in self.problems]}


class Checkpoints:
    def __init__(self, log: MerkleLog, keys: KeyFiles, clock: Clock, key_path: Path | None) -> None:
        self.log, self.keys, self.clock, self.key_path = log, keys, clock, key_path

    def signer(self) -> SignerKey:
        """The configured signing key; InvalidInput when RECTIFLOW_AUDIT_KEY is unset or not a key."""
        if self.key_path is None:
            raise InvalidInput("audit.key_unset", command="rectiflow audit keygen -o DIR")
        return self.keys.signer(self.key_path)

    def origin(self) -> str:
        return ORIGIN_PREFIX + self.log.deployment_id()

    def sequence(self) -> int:
        """Integrate the committed records not yet in the log (the scheduler calls this between checkpoints)."""
        return self.log.sequence()

    def checkpoint(self) -> tuple[Checkpoint, str]:
        """Sequence, then sign and store a checkpoint of the whole log; (checkpoint, signed note)."""
        signer = self.signer()  # before any work: a missing key is said at once
        self.log.sequence()
        size, root = self.log.tree_head()  # the stored right edge: O(log n), not a reread of every leaf
        cp = Checkpoint(self.origin(), size, root, format_time(self.clock.now()))
        note = signer.sign(cp.body())
        self.log.save_checkpoint(origin=cp.origin, size=size, root=base64.b64encode(root).decode(),
                                 at=cp.time or "", note=note)
        return cp, note

    def stored(self) -> list[tuple[Checkpoint, str]]:
        """Every stored checkpoint (not verified: `verify` does that), oldest first."""
        return [(parse_checkpoint(split_note(note)[0]), note) for note in self.log.checkpoints()]

    def verify(self, given: list[tuple[str, str, VerifierKey | None]],
               witnesses: Sequence[CosignerKey] = ()) -> list[CheckpointResult]:
        """Check (source, note text, key) checkpoints — or, given none, the latest stored one (with the
        configured key's public half when one is set) — against the current records; with `witnesses`,
        each checkpoint must also carry a valid cosignature by every one of them."""
        if not given:
            notes = self.log.checkpoints()
            if not notes:
                return []
            key = self.signer().verifier if self.key_path is not None else None
            given = [("stored latest checkpoint", notes[-1], key)]
        return [self._verify_one(source, note, key, witnesses) for source, note, key in given]

    def _verify_one(self, source: str, note: str, key: VerifierKey | None,
                    witnesses: Sequence[CosignerKey] = ()) -> CheckpointResult:
        result = CheckpointResult(source)
        try:
            cp = open_checkpoint(note, key) if key is not None else parse_checkpoint(split_note(note)[0])
        except NoteRefused as err:
            result.problems.append(LogProblem("checkpoint", str(err)))
            return result
        result.checkpoint, result.signature_checked = cp, key is not None
        for witness in witnesses:  # signature lines of keys not given are ignored (signed-note)
            try:
                verify_cosignature(note, witness)
                result.cosigned_by.append(witness.name)
            except NoteRefused as err:
                result.problems.append(LogProblem("cosignature", str(err)))
        if cp.origin != self.origin():
            result.problems.append(LogProblem("checkpoint", str(InvalidInput(
                "audit.origin_mismatch", origin=cp.origin, expected=self.origin()))))
            return result
        if not self.log.sound(cp.size, cp.root):  # the cheap proof failed: the full check names what changed
            result.problems.extend(check_tree(self.log.scan(cp.size), cp.size, cp.root,
                                              self.log.event_versions).problems)
        return result

    # ---- proofs (RFC 6962; the leaves up to the larger size are read into memory) -----------------
    def consistency(self, old: int, new: int) -> dict[str, object]:
        """The proof that the log of size `old` is a prefix of the log of size `new`, checked before it is given."""
        size = self.log.size()
        if not 0 < old <= new <= size:
            raise InvalidInput("audit.proof_size", old=old, new=new, size=size)
        leaves = list(self.log.stored_leaves(new))
        old_root, new_root = reference_root(leaves[:old]), root_of(leaves)
        proof = consistency_proof(old, leaves)
        assert verify_consistency(old, new, old_root, new_root, proof)
        return {"old": old, "new": new, "old_root": _b64(old_root), "new_root": _b64(new_root),
                "proof": [_b64(p) for p in proof]}

    def inclusion(self, case_id: str, version: int, size: int | None = None) -> dict[str, object]:
        """The proof that event `version` of `case_id` is in the log of `size` (default: the latest checkpoint's)."""
        index = self.log.position_of(case_id, version)
        if index is None:
            raise InvalidInput("audit.not_logged", case_id=case_id, version=version,
                               command="rectiflow audit checkpoint")
        stored = self.log.checkpoints()
        size = size if size is not None else (parse_checkpoint(split_note(stored[-1])[0]).size if stored
                                              else self.log.size())
        if not index < size <= self.log.size():
            raise InvalidInput("audit.proof_size", old=index + 1, new=size, size=self.log.size())
        leaves = list(self.log.stored_leaves(size))
        root, proof = root_of(leaves), inclusion_proof(index, leaves)
        assert verify_inclusion(leaves[index], index, size, proof, root)
        return {"case": case_id, "version": version, "index": index, "size": size, "leaf": _b64(leaves[index]),
                "root": _b64(root), "proof": [_b64(p) for p in proof]}


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()
