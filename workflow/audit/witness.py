"""Witnessing the Merkle log offline: C2SP cosignatures and the witness's rule (no file I/O here).

A witness (https://github.com/C2SP/C2SP/blob/main/tlog-witness.md) remembers, per log origin, the
last checkpoint it cosigned and cosigns a new one only if it is a consistent extension of it:

  * same size, same root      → cosigned again (nothing changed);
  * smaller size               → refused: the tree shrank;
  * same size, another root    → refused: the log forked;
  * larger size                → only with an RFC 6962 consistency proof from the old size to the new
                                 one that verifies (workflow.audit.merkle.verify_consistency), else refused;
  * nothing remembered yet     → trust on first use, said so.

The log's signature is always checked first, with the log's public key given on first use and
remembered (a later different key is refused: a log's key does not change behind a witness's back).

A cosignature (https://github.com/C2SP/C2SP/blob/main/tlog-cosignature.md, cosignature/v1) is one
more signed-note line `— <witness name> base64(key id (4) || timestamp (8, big-endian) || Ed25519 (64))`.
The key id is SHA-256(name || "\\n" || 0x04 || public key)[:4]; the signed message is
"cosignature/v1\\n" "time <timestamp>\\n" followed by the whole checkpoint body. A witness's public key
is the vkey `<name>+<key id hex>+<base64(0x04 || public key)>`; its private key file
`PRIVATE+KEY+<name>+<key id hex>+<base64(0x04 || seed)>` (the same shape as the log's, type 0x04).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from workflow.audit.merkle import EMPTY_ROOT, verify_consistency
from workflow.audit.notes import (
    DASH,
    Checkpoint,
    NoteRefused,
    VerifierKey,
    open_checkpoint,
    parse_checkpoint,
    parse_verifier,
    split_note,
)
from workflow.errors import InvalidInput

COSIGNATURE_V1 = b"\x04"  # the signature type byte of cosignature/v1 Ed25519 keys
HEADER = "cosignature/v1\n"
MAX_TIMESTAMP = 2**63 - 1
KEYGEN = "rectiflow audit witness keygen"
_NAME = re.compile(r"^[^\s+]+$")  # a key name: no spaces, no '+' (the vkey separator)


class WitnessRefused(InvalidInput):
    """The witness will not cosign this checkpoint (a shrunk or forked tree, a missing or bad proof, a key change)."""


@dataclass(frozen=True)
class CosignerKey:
    """A witness's public key (vkey type 0x04)."""

    name: str
    key_id: bytes
    public: bytes

    def text(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+{base64.b64encode(COSIGNATURE_V1 + self.public).decode()}"


@dataclass(frozen=True)
class CosignerSigner:
    """A witness's private key."""

    name: str
    seed: bytes

    @property
    def verifier(self) -> CosignerKey:
        public = Ed25519PrivateKey.from_private_bytes(self.seed).public_key().public_bytes(Encoding.Raw,
                                                                                           PublicFormat.Raw)
        return CosignerKey(self.name, cosigner_key_id(self.name, public), public)

    def text(self) -> str:
        return (f"PRIVATE+KEY+{self.name}+{self.verifier.key_id.hex()}+"
                f"{base64.b64encode(COSIGNATURE_V1 + self.seed).decode()}")

    def cosign(self, body: str, timestamp: int) -> str:
        """The signature line (with its newline) cosigning the checkpoint `body` at `timestamp` (POSIX seconds)."""
        if not 0 <= timestamp <= MAX_TIMESTAMP:
            raise ValueError("a cosignature's timestamp is a POSIX time below 2^63")
        signature = Ed25519PrivateKey.from_private_bytes(self.seed).sign(signed_message(body, timestamp))
        blob = self.verifier.key_id + timestamp.to_bytes(8, "big") + signature
        return f"{DASH} {self.name} {base64.b64encode(blob).decode()}\n"


def cosigner_key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + COSIGNATURE_V1 + public).digest()[:4]


def signed_message(body: str, timestamp: int) -> bytes:
    return f"{HEADER}time {timestamp}\n{body}".encode()


def generate_witness(name: str) -> CosignerSigner:
    if not _NAME.match(name):
        raise InvalidInput("audit.key_name", name=name)
    return CosignerSigner(name, Ed25519PrivateKey.generate().private_bytes_raw())


def parse_cosigner(text: str, source: str = "") -> CosignerKey:
    """A witness public key (vkey type 0x04); InvalidInput naming `source` if it is not one."""
    try:
        name, hex_id, blob = text.strip().split("+", 2)
        raw, kid = base64.b64decode(blob, validate=True), bytes.fromhex(hex_id)
    except (ValueError, binascii.Error):
        raise InvalidInput("witness.key_bad", path=source, command=KEYGEN) from None
    if not _NAME.match(name) or len(raw) != 33 or raw[:1] != COSIGNATURE_V1 or kid != cosigner_key_id(name, raw[1:]):
        raise InvalidInput("witness.key_bad", path=source, command=KEYGEN)
    return CosignerKey(name, kid, raw[1:])


def parse_cosigner_signer(text: str, source: str = "") -> CosignerSigner:
    try:
        private, key, name, hex_id, blob = text.strip().split("+", 4)
        raw, kid = base64.b64decode(blob, validate=True), bytes.fromhex(hex_id)
    except (ValueError, binascii.Error):
        raise InvalidInput("witness.private_key_bad", path=source, command=KEYGEN) from None
    if (private, key) != ("PRIVATE", "KEY") or not _NAME.match(name) or len(raw) != 33 or raw[:1] != COSIGNATURE_V1:
        raise InvalidInput("witness.private_key_bad", path=source, command=KEYGEN)
    signer = CosignerSigner(name, raw[1:])
    if signer.verifier.key_id != kid:
        raise InvalidInput("witness.private_key_bad", path=source, command=KEYGEN)
    return signer


def verify_cosignature(note: str, key: CosignerKey) -> int:
    """The timestamp of `key`'s valid cosignature on the checkpoint `note`; NoteRefused otherwise.

    Signature lines of other keys are ignored (signed-note); a line with this key's name and id that
    does not verify is refused, even if another one does."""
    body, signatures = split_note(note)
    mine = [raw for name, raw in signatures if name == key.name and raw[:4] == key.key_id]
    if not mine:
        raise NoteRefused("witness.cosignature_missing", key=key.name, key_id=key.key_id.hex())
    timestamps = []
    for raw in mine:
        if len(raw) != 4 + 8 + 64:
            raise NoteRefused("witness.cosignature_bad", key=key.name)
        timestamp = int.from_bytes(raw[4:12], "big")
        try:
            if timestamp > MAX_TIMESTAMP:
                raise InvalidSignature
            Ed25519PublicKey.from_public_bytes(key.public).verify(raw[12:], signed_message(body, timestamp))
        except InvalidSignature:
            raise NoteRefused("witness.cosignature_bad", key=key.name) from None
        timestamps.append(timestamp)
    return max(timestamps)


# ---- the witness's rule ----------------------------------------------------------------------------

@dataclass(frozen=True)
class WitnessState:
    """What a witness remembers of one log: its key and the last checkpoint it cosigned."""

    origin: str
    log_key: str  # the log's vkey text
    size: int
    root: bytes
    cosigned_at: int  # POSIX seconds

    def to_json(self) -> str:
        return json.dumps({"origin": self.origin, "log_key": self.log_key, "size": self.size,
                           "root": base64.b64encode(self.root).decode(), "cosigned_at": self.cosigned_at},
                          ensure_ascii=False, sort_keys=True, indent=1) + "\n"

    @staticmethod
    def from_json(text: str, source: str) -> WitnessState:
        try:
            data = json.loads(text)
            state = WitnessState(str(data["origin"]), str(data["log_key"]), int(data["size"]),
                                 base64.b64decode(data["root"], validate=True), int(data["cosigned_at"]))
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise InvalidInput("witness.state_bad", path=source) from None
        if state.size < 0 or len(state.root) != 32:
            raise InvalidInput("witness.state_bad", path=source)
        return state


class WitnessStates(Protocol):
    """The witness's memory on disk: one state per log origin, replaced atomically, under a lock."""

    def load(self, origin: str) -> WitnessState | None: ...
    def save(self, state: WitnessState) -> None: ...


@dataclass(frozen=True)
class ConsistencyProof:
    """The JSON `rectiflow audit proof consistency OLD NEW --json` writes."""

    old: int
    new: int
    proof: list[bytes]

    @staticmethod
    def from_json(text: str, source: str) -> ConsistencyProof:
        try:
            data = json.loads(text)
            proof = [base64.b64decode(p, validate=True) for p in data["proof"]]
            old, new = data["old"], data["new"]
            if not (isinstance(old, int) and isinstance(new, int)) or any(len(p) != 32 for p in proof):
                raise ValueError
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise InvalidInput("witness.proof_bad", path=source, command=_proof_command("OLD", "NEW")) from None
        return ConsistencyProof(old, new, proof)


@dataclass(frozen=True)
class Cosigned:
    """A cosigning that happened: the note with the cosignature appended, and why the witness agreed."""

    checkpoint: Checkpoint
    note: str
    outcome: str  # "first_use" | "same" | "extended"
    previous_size: int | None
    timestamp: int

    def to_dict(self) -> dict[str, object]:
        return {"origin": self.checkpoint.origin, "size": self.checkpoint.size,
                "root": base64.b64encode(self.checkpoint.root).decode(), "outcome": self.outcome,
                "previous_size": self.previous_size, "timestamp": self.timestamp, "note": self.note}


def cosign(note: str, signer: CosignerSigner, states: WitnessStates, *, now: int, log_key: VerifierKey | None,
           proof: ConsistencyProof | None) -> Cosigned:
    """Check `note` against what the witness remembers, cosign it, remember it; WitnessRefused otherwise.

    The caller holds the state store's lock around this call (load, decide, save are one step)."""
    body, _ = split_note(note)
    origin = parse_checkpoint(body).origin
    state = states.load(origin)
    key = _log_key(origin, state, log_key)
    cp = open_checkpoint(note, key)  # the log's signature, by the key this witness knows
    outcome = _decide(state, cp, proof)
    timestamp = max(now, state.cosigned_at if state else 0)  # never a cosignature older than the last one
    signed = note + signer.cosign(body, timestamp)
    states.save(WitnessState(origin, key.text(), cp.size, cp.root, timestamp))
    return Cosigned(cp, signed, outcome, state.size if state else None, timestamp)


def _log_key(origin: str, state: WitnessState | None, given: VerifierKey | None) -> VerifierKey:
    if state is None:
        if given is None:
            raise WitnessRefused("witness.log_key_needed", origin=origin)
        return given
    known = parse_verifier(state.log_key, "witness state")
    if given is not None and given != known:
        raise WitnessRefused("witness.log_key_changed", origin=origin, key=given.text(), known=known.text())
    return known


def _decide(state: WitnessState | None, cp: Checkpoint, proof: ConsistencyProof | None) -> str:
    if state is None:
        return "first_use"
    last = {"origin": cp.origin, "size": cp.size, "last": state.size}
    if cp.size < state.size:
        raise WitnessRefused("witness.shrunk", **last)
    if cp.size == state.size:
        if cp.root != state.root:
            raise WitnessRefused("witness.forked_same_size", **last)
        return "same"
    if state.size == 0:  # the empty tree is a prefix of every tree: nothing to prove
        if state.root != EMPTY_ROOT:
            raise WitnessRefused("witness.forked", **last)
        return "extended"
    if proof is None:
        raise WitnessRefused("witness.proof_needed", command=_proof_command(state.size, cp.size), **last)
    if (proof.old, proof.new) != (state.size, cp.size):
        raise WitnessRefused("witness.proof_sizes", old=proof.old, new=proof.new,
                             command=_proof_command(state.size, cp.size), **last)
    if not verify_consistency(state.size, cp.size, state.root, cp.root, proof.proof):
        raise WitnessRefused("witness.forked", **last)
    return "extended"


def _proof_command(old: int | str, new: int | str) -> str:
    return f"rectiflow audit proof consistency {old} {new} --json"
