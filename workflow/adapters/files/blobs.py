"""Attachment bytes on disk, content-addressed by SHA-256 (instance/attachments/ab/abcdef…)."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


class FileBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        target = self._path(digest)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            # Write then rename, so a crash never leaves a half-written blob under its digest.
            fd, tmp = tempfile.mkstemp(dir=target.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        return digest

    def get(self, sha256: str) -> bytes | None:
        if not _digest(sha256):
            return None
        path = self._path(sha256)
        return path.read_bytes() if path.exists() else None

    def size(self, sha256: str) -> int | None:
        if not _digest(sha256):
            return None
        path = self._path(sha256)
        return path.stat().st_size if path.exists() else None


def _digest(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)


class MemoryBlobStore:
    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        self.blobs[digest] = data
        return digest

    def get(self, sha256: str) -> bytes | None:
        return self.blobs.get(sha256)

    def size(self, sha256: str) -> int | None:
        data = self.blobs.get(sha256)
        return None if data is None else len(data)
