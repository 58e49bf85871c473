"""C2SP signed notes and checkpoints: key formats, key id, signing, and refusals by name."""
from __future__ import annotations

import base64
import hashlib

import pytest

from workflow.audit import notes
from workflow.errors import InvalidInput


def test_verifier_key_format_and_key_id():
    signer = notes.generate("bureau")
    text = signer.verifier.text()
    name, hex_id, blob = text.split("+", 2)
    raw = base64.b64decode(blob)
    assert name == "bureau" and raw[0] == 1 and len(raw) == 33
    assert bytes.fromhex(hex_id) == hashlib.sha256(b"bureau\n\x01" + raw[1:]).digest()[:4]
    assert notes.parse_verifier(text) == signer.verifier
    assert notes.parse_signer(signer.text()) == signer


def test_checkpoint_round_trip_and_refusals():
    signer = notes.generate("bureau")
    cp = notes.Checkpoint("rectiflow/abc", 7, bytes(range(32)), "2026-03-02T01:00:00.000000Z")
    note = signer.sign(cp.body())
    assert note.startswith("rectiflow/abc\n7\n" + base64.b64encode(bytes(range(32))).decode() + "\ntime ")
    assert "\n\n\u2014 bureau " in note
    assert notes.open_checkpoint(note, signer.verifier) == cp
    with pytest.raises(notes.NoteRefused, match="does not verify"):
        notes.open_checkpoint(note.replace("\n7\n", "\n6\n"), signer.verifier)
    with pytest.raises(notes.NoteRefused, match="no signature by key"):
        notes.open_checkpoint(note, notes.generate("bureau").verifier)
    with pytest.raises(notes.NoteRefused, match="well-formed"):
        notes.open_checkpoint("garbage", signer.verifier)
    with pytest.raises(InvalidInput):
        notes.parse_verifier("bureau+00000000+AAAA")
    with pytest.raises(InvalidInput):
        notes.generate("two words")
