"""The offline witness: C2SP cosignatures computed as the spec says, and the rule that it cosigns only a
consistent extension of what it cosigned last (shrunk, forked and unproven trees are refused)."""
from __future__ import annotations

import base64
import hashlib
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from workflow.adapters.files.witness_state import WitnessStateDir
from workflow.audit import merkle as m
from workflow.audit.notes import Checkpoint, NoteRefused, generate
from workflow.audit.witness import (
    ConsistencyProof,
    WitnessRefused,
    WitnessState,
    cosign,
    generate_witness,
    parse_cosigner,
    parse_cosigner_signer,
    verify_cosignature,
)
from workflow.errors import InvalidInput

ORIGIN = "rectiflow/test-deployment"
LOG = generate("bureau-audit")
WITNESS = generate_witness("witness.example.org/w1")
NOW = 1_796_000_000


def leaves(n: int, salt: bytes = b"") -> list[bytes]:
    return [m.leaf_hash(salt + i.to_bytes(4, "big")) for i in range(n)]


def note_of(ls: list[bytes], signer=LOG, origin: str = ORIGIN) -> str:
    return signer.sign(Checkpoint(origin, len(ls), m.root_of(ls), "2026-12-07T06:00:00.000000Z").body())


def proof_of(old: int, ls: list[bytes]) -> ConsistencyProof:
    return ConsistencyProof(old, len(ls), m.consistency_proof(old, ls))


class MemoryStates:
    def __init__(self) -> None:
        self.states: dict[str, WitnessState] = {}

    def load(self, origin: str) -> WitnessState | None:
        return self.states.get(origin)

    def save(self, state: WitnessState) -> None:
        self.states[state.origin] = state


def witness(note: str, states, *, proof=None, log_key=LOG.verifier, now=NOW):
    return cosign(note, WITNESS, states, now=now, log_key=log_key, proof=proof)


def test_the_cosignature_is_the_c2sp_cosignature_v1_line():
    """Recomputed by hand from tlog-cosignature: key id, timestamp, signed message, vkey type 0x04."""
    note = note_of(leaves(5))
    done = witness(note, MemoryStates())
    body = note.split("\n\n")[0] + "\n"
    assert done.note.startswith(note)  # the log's note, one line added
    line = done.note[len(note):]
    assert line.endswith("\n") and line.count("\n") == 1
    dash, name, blob = line.rstrip("\n").split(" ")
    assert (dash, name) == ("\u2014", "witness.example.org/w1")
    raw = base64.b64decode(blob)
    public = WITNESS.verifier.public
    assert len(raw) == 4 + 8 + 64
    assert raw[:4] == hashlib.sha256(b"witness.example.org/w1\n\x04" + public).digest()[:4]
    assert int.from_bytes(raw[4:12], "big") == NOW
    message = f"cosignature/v1\ntime {NOW}\n".encode() + body.encode()
    Ed25519PublicKey.from_public_bytes(public).verify(raw[12:], message)  # raises if wrong
    vkey = WITNESS.verifier.text()
    assert base64.b64decode(vkey.split("+", 2)[2])[:1] == b"\x04"
    assert parse_cosigner(vkey) == WITNESS.verifier
    assert parse_cosigner_signer(WITNESS.text()) == WITNESS
    assert verify_cosignature(done.note, WITNESS.verifier) == NOW


def test_a_log_key_is_not_a_witness_key_and_back():
    with pytest.raises(InvalidInput):
        parse_cosigner(LOG.verifier.text())  # type 0x01, not 0x04
    with pytest.raises(InvalidInput):
        parse_cosigner_signer(LOG.text())


def test_other_signature_lines_are_ignored_and_a_forged_cosignature_is_refused():
    done = witness(note_of(leaves(3)), MemoryStates())
    other = generate_witness("other.example/w")
    body = done.note.split("\n\n")[0] + "\n"
    with_other = done.note + other.cosign(body, NOW + 5)
    assert verify_cosignature(with_other, WITNESS.verifier) == NOW
    with pytest.raises(NoteRefused, match="no cosignature by witness other2"):
        verify_cosignature(with_other, generate_witness("other2").verifier)
    edited = with_other.replace("\n3\n", "\n4\n", 1)
    with pytest.raises(NoteRefused, match="does not verify"):
        verify_cosignature(edited, WITNESS.verifier)
    # an impostor with the witness's name but another key: its line has another key id, so it is not "the" key's
    impostor = generate_witness("witness.example.org/w1")
    forged = note_of(leaves(3)) + impostor.cosign(body, NOW)
    with pytest.raises(NoteRefused, match="no cosignature"):
        verify_cosignature(forged, WITNESS.verifier)


def test_first_use_then_same_then_a_proven_extension():
    states = MemoryStates()
    ls = leaves(13)
    first = witness(note_of(ls[:5]), states)
    assert first.outcome == "first_use" and first.previous_size is None
    again = witness(note_of(ls[:5]), states, now=NOW + 10)
    assert again.outcome == "same"
    grown = witness(note_of(ls), states, proof=proof_of(5, ls), now=NOW + 20)
    assert grown.outcome == "extended" and grown.previous_size == 5
    assert states.states[ORIGIN].size == 13 and states.states[ORIGIN].root == m.root_of(ls)
    assert states.states[ORIGIN].log_key == LOG.verifier.text()


def test_the_cosignature_time_never_goes_backwards():
    states = MemoryStates()
    witness(note_of(leaves(2)), states, now=NOW)
    done = witness(note_of(leaves(2)), states, now=NOW - 3600)  # the witness machine's clock was set back
    assert done.timestamp == NOW


@pytest.mark.parametrize("case", ["shrunk", "fork_same_size", "no_proof", "fork_with_proof", "proof_sizes",
                                  "proof_of_other_log"])
def test_a_tree_that_is_not_a_consistent_extension_is_refused(case):
    states = MemoryStates()
    ls = leaves(8)
    witness(note_of(ls[:6]), states)
    before = dict(states.states)
    forked = ls[:4] + leaves(6, b"forged")  # same first 4 entries, then a rewritten history
    note, proof, code = {
        "shrunk": (note_of(ls[:5]), None, "witness.shrunk"),
        "fork_same_size": (note_of(ls[:4] + leaves(2, b"x")), None, "witness.forked_same_size"),
        "no_proof": (note_of(ls), None, "witness.proof_needed"),
        "fork_with_proof": (note_of(forked), proof_of(6, forked), "witness.forked"),
        "proof_sizes": (note_of(ls), proof_of(5, ls), "witness.proof_sizes"),
        "proof_of_other_log": (note_of(ls), proof_of(6, ls[:6] + leaves(2, b"y")), "witness.forked"),
    }[case]
    with pytest.raises(WitnessRefused) as refused:
        witness(note, states, proof=proof)
    assert refused.value.code == code
    assert states.states == before  # nothing remembered from a refusal


def test_the_log_key_is_needed_first_then_remembered_and_never_swapped():
    states = MemoryStates()
    with pytest.raises(WitnessRefused, match="--log-key"):
        witness(note_of(leaves(2)), states, log_key=None)
    witness(note_of(leaves(2)), states)
    assert witness(note_of(leaves(2)), states, log_key=None).outcome == "same"  # remembered
    impostor = generate("bureau-audit")
    with pytest.raises(WitnessRefused) as refused:
        witness(note_of(leaves(2), impostor), states, log_key=impostor.verifier)
    assert refused.value.code == "witness.log_key_changed"
    with pytest.raises(NoteRefused):  # signed by another key: the remembered key does not verify it
        witness(note_of(leaves(2), impostor), states, log_key=None)


def test_an_empty_log_then_any_extension():
    states = MemoryStates()
    witness(note_of([]), states)
    assert witness(note_of(leaves(3)), states).outcome == "extended"


def test_the_state_folder_is_written_atomically_and_read_back(tmp_path):
    folder = WitnessStateDir(tmp_path / "state")
    ls = leaves(9)
    with folder.locked() as states:
        witness(note_of(ls[:4]), states)
    with folder.locked() as states:
        assert witness(note_of(ls), states, proof=proof_of(4, ls), log_key=None).outcome == "extended"
    files = sorted(p.name for p in (tmp_path / "state").iterdir())
    assert files == [".lock", folder.path_of(ORIGIN).name]  # no temporary file left behind
    saved = json.loads(folder.path_of(ORIGIN).read_text())
    assert saved["origin"] == ORIGIN and saved["size"] == 9
    folder.path_of(ORIGIN).write_text("{not json")
    with pytest.raises(InvalidInput, match="damaged"), folder.locked() as states:
        witness(note_of(ls), states)


def test_a_proof_file_that_is_not_one_is_refused_by_name():
    for text in ("", "[]", '{"old": 1, "new": 2, "proof": ["AA=="]}', '{"old": "1", "new": 2, "proof": []}'):
        with pytest.raises(InvalidInput, match=r"p\.json: not a consistency proof"):
            ConsistencyProof.from_json(text, "p.json")
