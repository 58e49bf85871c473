"""Signed checkpoints: the C2SP tlog-checkpoint body inside a C2SP signed note, Ed25519 (no file I/O here).

A checkpoint (https://github.com/C2SP/C2SP/blob/main/tlog-checkpoint.md) is the note body

    rectiflow/<deployment id>      origin
    1234                           tree size
    <base64 root hash>             RFC 6962 root of the first 1234 log entries
    time 2026-12-07T12:00:00.000000Z   an extension line: when it was made

and a signed note (https://github.com/C2SP/C2SP/blob/main/signed-note.md) appends a blank line and one
line per signature, `— <key name> <base64(key id (4 bytes) || Ed25519 signature of the body)>`.
The key id is the first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key); a verifier key is
written `<name>+<key id hex>+<base64(0x01 || public key)>`, a signer key (the private key file)
`PRIVATE+KEY+<name>+<key id hex>+<base64(0x01 || seed)>` as golang.org/x/mod/sumdb/note does.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from workflow.errors import InvalidInput

ED25519 = b"\x01"  # the signature type byte of Ed25519 keys
DASH = "\u2014"  # the em dash that starts a signature line
_NAME = re.compile(r"^[^\s+]+$")
TIME_PREFIX = "time "


@dataclass(frozen=True)
class VerifierKey:
    name: str
    key_id: bytes
    public: bytes

    def text(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+{base64.b64encode(ED25519 + self.public).decode()}"


@dataclass(frozen=True)
class SignerKey:
    name: str
    seed: bytes

    @property
    def verifier(self) -> VerifierKey:
        public = Ed25519PrivateKey.from_private_bytes(self.seed).public_key().public_bytes(Encoding.Raw,
                                                                                           PublicFormat.Raw)
        return VerifierKey(self.name, key_id(self.name, public), public)

    def text(self) -> str:
        return f"PRIVATE+KEY+{self.name}+{self.verifier.key_id.hex()}+{base64.b64encode(ED25519 + self.seed).decode()}"

    def sign(self, body: str) -> str:
        """The signed note: `body`, a blank line and this key's signature line."""
        if not body.endswith("\n"):
            raise ValueError("a note body ends in a newline")
        signature = Ed25519PrivateKey.from_private_bytes(self.seed).sign(body.encode("utf-8"))
        stamp = base64.b64encode(self.verifier.key_id + signature).decode()
        return f"{body}\n{DASH} {self.name} {stamp}\n"


def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + ED25519 + public).digest()[:4]


def generate(name: str) -> SignerKey:
    if not _NAME.match(name):
        raise InvalidInput("audit.key_name", name=name)
    seed = Ed25519PrivateKey.generate().private_bytes_raw()
    return SignerKey(name, seed)


def parse_verifier(text: str, source: str = "") -> VerifierKey:
    """A verifier key from its text form; InvalidInput naming `source` if it is not one."""
    parts = text.strip().split("+", 2)  # base64 has '+' of its own
    try:
        name, hex_id, blob = parts
        raw, kid = base64.b64decode(blob, validate=True), bytes.fromhex(hex_id)
    except (ValueError, binascii.Error):
        raise InvalidInput("audit.key_bad", path=source, kind="public") from None
    if not _NAME.match(name) or len(raw) != 33 or raw[:1] != ED25519 or kid != key_id(name, raw[1:]):
        raise InvalidInput("audit.key_bad", path=source, kind="public")
    return VerifierKey(name, kid, raw[1:])


def parse_signer(text: str, source: str = "") -> SignerKey:
    parts = text.strip().split("+", 4)
    try:
        private, key, name, hex_id, blob = parts
        raw, kid = base64.b64decode(blob, validate=True), bytes.fromhex(hex_id)
    except (ValueError, binascii.Error):
        raise InvalidInput("audit.key_bad", path=source, kind="private") from None
    if (private, key) != ("PRIVATE", "KEY") or len(raw) != 33 or raw[:1] != ED25519:
        raise InvalidInput("audit.key_bad", path=source, kind="private")
    signer = SignerKey(name, raw[1:])
    if signer.verifier.key_id != kid:
        raise InvalidInput("audit.key_bad", path=source, kind="private")
    return signer


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    time: str | None = None

    def body(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode()]
        if self.time:
            lines.append(TIME_PREFIX + self.time)
        return "\n".join(lines) + "\n"

    def to_dict(self, note: str) -> dict[str, object]:
        return {"origin": self.origin, "size": self.size, "root": base64.b64encode(self.root).decode(),
                "time": self.time, "note": note}


class NoteRefused(InvalidInput):
    """A checkpoint note that is malformed, unsigned by the key, or whose signature does not verify."""


def split_note(note: str) -> tuple[str, list[tuple[str, bytes]]]:
    """(body, [(key name, key id || signature)]) of a signed note; NoteRefused if it is not one."""
    body, sep, sigs = note.rpartition("\n\n")
    if not sep or not sigs.endswith("\n"):
        raise NoteRefused("audit.note_malformed")
    signatures = []
    for line in sigs[:-1].split("\n"):
        dash, _, rest = line.partition(" ")
        name, _, blob = rest.partition(" ")
        try:
            raw = base64.b64decode(blob, validate=True)
        except binascii.Error:
            raise NoteRefused("audit.note_malformed") from None
        if dash != DASH or not name or len(raw) < 5:
            raise NoteRefused("audit.note_malformed")
        signatures.append((name, raw))
    return body + "\n", signatures


def open_checkpoint(note: str, key: VerifierKey) -> Checkpoint:
    """The checkpoint of a note signed by `key`; NoteRefused naming what is wrong otherwise."""
    body, signatures = split_note(note)
    mine = [raw for name, raw in signatures if name == key.name and raw[:4] == key.key_id]
    if not mine:
        raise NoteRefused("audit.note_unsigned", key=key.name, key_id=key.key_id.hex(),
                          signers=", ".join(f"{n}+{raw[:4].hex()}" for n, raw in signatures))
    try:
        Ed25519PublicKey.from_public_bytes(key.public).verify(mine[0][4:], body.encode("utf-8"))
    except InvalidSignature:
        raise NoteRefused("audit.note_bad_signature", key=key.name) from None
    return parse_checkpoint(body)


def parse_checkpoint(body: str) -> Checkpoint:
    lines = body.split("\n")[:-1]
    try:
        origin, size_text, root_text = lines[:3]
        size, root = int(size_text), base64.b64decode(root_text, validate=True)
    except (ValueError, binascii.Error):
        raise NoteRefused("audit.note_malformed") from None
    if not origin or size < 0 or len(root) != 32 or str(size) != size_text or any(not x for x in lines[3:]):
        raise NoteRefused("audit.note_malformed")
    times = [x[len(TIME_PREFIX):] for x in lines[3:] if x.startswith(TIME_PREFIX)]
    return Checkpoint(origin, size, root, times[0] if times else None)
