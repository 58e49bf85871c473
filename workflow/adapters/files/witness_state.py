"""A witness's memory on disk: one JSON file per log origin in the state folder, replaced atomically.

`WitnessStateDir.locked()` holds an exclusive lock on DIR/.lock for a whole cosigning (load, decide,
save), so two witness runs at once cannot both cosign past the same state. A state file is written to
a temporary file in the same folder, flushed to disk, then renamed over the old one: a crash leaves
the old state or the new one, never half of one. The file name is the SHA-256 of the origin (origins
contain '/'); the origin is inside the file too.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from workflow.adapters.files.audit_keys import write_key_pair
from workflow.audit.witness import CosignerKey, CosignerSigner, WitnessState, parse_cosigner, parse_cosigner_signer
from workflow.errors import InvalidInput


class WitnessStateDir:
    """audit.witness.WitnessStates in a folder."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path_of(self, origin: str) -> Path:
        return self.directory / f"{hashlib.sha256(origin.encode('utf-8')).hexdigest()[:32]}.json"

    @contextlib.contextmanager
    def locked(self) -> Iterator[WitnessStateDir]:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(self.directory / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield self
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def load(self, origin: str) -> WitnessState | None:
        path = self.path_of(origin)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        state = WitnessState.from_json(text, str(path))
        if state.origin != origin:
            raise InvalidInput("witness.state_bad", path=str(path))
        return state

    def save(self, state: WitnessState) -> None:
        path = self.path_of(state.origin)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".state-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(state.to_json())
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        dir_fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # the rename itself survives a crash
        finally:
            os.close(dir_fd)


def write_witness_key(directory: Path, signer: CosignerSigner) -> tuple[Path, Path]:
    """<name>.key (0600, never overwritten; '/' in the name becomes '_') and <name>.pub (the vkey to
    register with the log's audit administrator)."""
    stem = signer.name.replace("/", "_")  # names are often URLs without a scheme (witness.example.org/w1)
    return write_key_pair(directory, stem, signer.text(), signer.verifier.text())


def read_witness_key(path: Path) -> CosignerSigner:
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as err:
        raise InvalidInput("audit.key_unreadable", path=str(path), reason=str(getattr(err, "strerror", err))) from None
    return parse_cosigner_signer(text, str(path))


def read_witness_public(path: Path) -> CosignerKey:
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as err:
        raise InvalidInput("audit.key_unreadable", path=str(path), reason=str(getattr(err, "strerror", err))) from None
    return parse_cosigner(text, str(path))
