"""The checkpoint keys on disk: the private key file (mode 600, outside the database) and the public key.

Both are one line of text in the C2SP signed-note key formats (workflow.audit.notes). The private
key is created with O_EXCL and mode 0600 from the start, so it is never readable by others, not even
for an instant, and an existing key is never overwritten.
"""
from __future__ import annotations

import os
from pathlib import Path

from workflow.audit.notes import SignerKey, VerifierKey, parse_signer, parse_verifier
from workflow.errors import InvalidInput


def write_key_pair(directory: Path, stem: str, private_text: str, public_text: str) -> tuple[Path, Path]:
    """Write <stem>.key (created 0600 with O_EXCL) and <stem>.pub into `directory`; never overwrite either."""
    directory.mkdir(parents=True, exist_ok=True)
    private, public = directory / f"{stem}.key", directory / f"{stem}.pub"
    for path in (private, public):
        if path.exists():
            raise InvalidInput("audit.key_exists", path=str(path))
    fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(private_text + "\n")
    public.write_text(public_text + "\n", encoding="ascii")
    return private, public


class AuditKeyFiles:
    """ports.KeyFiles on the local file system."""

    def write(self, directory: Path, signer: SignerKey) -> tuple[Path, Path]:
        """Write <name>.key (0600) and <name>.pub into `directory`; (key path, public key path)."""
        return write_key_pair(directory, signer.name, signer.text(), signer.verifier.text())

    def signer(self, path: Path) -> SignerKey:
        return parse_signer(_read(path), str(path))

    def verifier(self, path: Path) -> VerifierKey:
        return parse_verifier(_read(path), str(path))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as err:
        raise InvalidInput("audit.key_unreadable", path=str(path), reason=str(getattr(err, "strerror", err))) from None
