"""The audit administrator's witnessing, on the server side: what to carry to the witness machine, and
taking the cosigned checkpoint back.

The stored checkpoints are offered as files (the signed note, and the consistency proof from the
previous checkpoint: exactly what `rectiflow audit witness cosign` needs). A cosigned note brought
back is accepted only if
  * its body is byte for byte the body of a stored checkpoint (nothing else can be "witnessed"),
  * it carries the log's own signature — checked with the signing key's public half when the server
    has it, otherwise the very signature line stored with the checkpoint,
  * at least one cosignature verifies for a witness key the audit administrator registered
    (cosignatures of keys not registered are ignored, as signed-note says).
Registered witness keys and accepted cosignatures are append-only records; nothing is ever replaced.
"""
from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from workflow.audit.checkpoints import Checkpoints
from workflow.audit.notes import Checkpoint, NoteRefused, open_checkpoint, parse_checkpoint, split_note
from workflow.audit.witness import CosignerKey, parse_cosigner, verify_cosignature
from workflow.errors import InvalidInput, NotFound


@dataclass(frozen=True)
class WitnessKeyRecord:
    key: CosignerKey
    registered_by: str
    registered_at: str


@dataclass(frozen=True)
class CosignatureRecord:
    checkpoint_id: int
    witness: str  # the witness key's name
    key_id: str  # hex
    timestamp: int  # the cosignature's own time (POSIX seconds)
    uploaded_by: str
    uploaded_at: str


@dataclass(frozen=True)
class StoredCheckpoint:
    id: int
    checkpoint: Checkpoint
    note: str
    signer: str  # the name on the log's signature line
    previous: int | None  # the id of the checkpoint before it (the consistency proof starts there)
    cosignatures: tuple[CosignatureRecord, ...]

    @property
    def root_b64(self) -> str:
        return base64.b64encode(self.checkpoint.root).decode()


class WitnessBook(Protocol):
    """Where the registered witness keys and accepted cosignatures are kept (append-only)."""

    def stored_checkpoints(self) -> list[tuple[int, str]]:
        """(id, note) of every stored checkpoint, oldest first."""
    def witness_keys(self) -> list[tuple[str, str, str]]:
        """(vkey text, registered by, registered at), oldest first."""
    def add_witness_key(self, vkey: str, *, by: str, at: str) -> None: ...
    def cosignatures(self) -> list[tuple[int, str, str, int, str, str]]:
        """(checkpoint id, witness name, key id hex, timestamp, uploaded by, uploaded at)."""
    def add_cosignature(self, checkpoint_id: int, *, witness: str, key_id: str, timestamp: int, note: str,
                        by: str, at: str) -> None: ...


class Witnessing:
    def __init__(self, book: WitnessBook, checkpoints: Checkpoints, now_text: Callable[[], str]) -> None:
        self.book, self.checkpoints, self.now_text = book, checkpoints, now_text

    # ---- reading ----------------------------------------------------------------------------------
    def stored(self) -> list[StoredCheckpoint]:
        """Every stored checkpoint with its accepted cosignatures, newest first."""
        by_checkpoint: dict[int, list[CosignatureRecord]] = {}
        for row in self.book.cosignatures():
            by_checkpoint.setdefault(row[0], []).append(CosignatureRecord(*row))
        out, previous = [], None
        for cid, note in self.book.stored_checkpoints():
            body, signatures = split_note(note)
            out.append(StoredCheckpoint(cid, parse_checkpoint(body), note, signatures[0][0] if signatures else "",
                                        previous, tuple(by_checkpoint.get(cid, ()))))
            previous = cid
        return out[::-1]

    def get(self, checkpoint_id: int) -> StoredCheckpoint:
        for cp in self.stored():
            if cp.id == checkpoint_id:
                return cp
        raise NotFound("witness.no_checkpoint", id=checkpoint_id)

    def consistency_from_previous(self, checkpoint_id: int) -> dict[str, object]:
        """The proof file the witness needs: from the previous stored checkpoint's size to this one's."""
        stored = {cp.id: cp for cp in self.stored()}
        cp = stored.get(checkpoint_id)
        if cp is None or cp.previous is None:
            raise NotFound("witness.no_checkpoint", id=checkpoint_id)
        old, new = stored[cp.previous].checkpoint.size, cp.checkpoint.size
        if old == 0 or old > new:
            raise InvalidInput("witness.no_proof_needed", size=old)
        return self.checkpoints.consistency(old, new)

    def registered_keys(self) -> list[WitnessKeyRecord]:
        return [WitnessKeyRecord(parse_cosigner(text, "witness_keys"), by, at)
                for text, by, at in self.book.witness_keys()]

    # ---- changing (append-only) --------------------------------------------------------------------
    def register_key(self, text: str, *, by: str) -> CosignerKey:
        """Register a witness's public key (its vkey line); a name or key id already registered is refused."""
        key = parse_cosigner(text, "vkey")
        for known in self.registered_keys():
            if known.key.name == key.name or known.key.key_id == key.key_id:
                raise InvalidInput("witness.key_registered", name=known.key.name)
        self.book.add_witness_key(key.text(), by=by, at=self.now_text())
        return key

    def accept(self, note: str, *, by: str) -> tuple[StoredCheckpoint, list[str]]:
        """Check a cosigned note brought back from the witness machine and keep its cosignatures;
        (the checkpoint, the names of the witnesses newly recorded)."""
        body, signatures = split_note(note)
        stored = next((cp for cp in self.stored() if split_note(cp.note)[0] == body), None)
        if stored is None:
            raise NoteRefused("witness.not_stored")
        self._check_log_signature(note, stored, signatures)
        already = {(c.witness, c.key_id) for c in stored.cosignatures}
        fresh: list[str] = []
        valid = 0
        for record in self.registered_keys():
            key = record.key
            if not any(name == key.name and raw[:4] == key.key_id for name, raw in signatures):
                continue  # not cosigned by this witness
            timestamp = verify_cosignature(note, key)  # NoteRefused if its line does not verify
            valid += 1
            if (key.name, key.key_id.hex()) in already:
                continue
            self.book.add_cosignature(stored.id, witness=key.name, key_id=key.key_id.hex(), timestamp=timestamp,
                                      note=note, by=by, at=self.now_text())
            fresh.append(key.name)
        if not valid:
            raise NoteRefused("witness.no_registered_cosignature")
        return self.get(stored.id), fresh

    def _check_log_signature(self, note: str, stored: StoredCheckpoint,
                             signatures: list[tuple[str, bytes]]) -> None:
        if self.checkpoints.key_path is not None:
            open_checkpoint(note, self.checkpoints.signer().verifier)
            return
        _, original = split_note(stored.note)
        if not set(original) <= set(signatures):
            raise NoteRefused("witness.log_signature_missing")
