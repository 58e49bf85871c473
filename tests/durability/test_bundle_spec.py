"""docs/audit-bundle.md and the code cannot drift: its worked examples are read out of the doc and checked.

Each fenced block ```text id=…``` of the doc is (1) exactly what tests/durability/bundle_example.py
computes with the code, and (2) recomputed here from the doc's own text with the engine's hashing,
Merkle and signed-note code; the doc's example bundles verify with the stand-alone verifier and with
`rectiflow audit verify --bundle`, given the doc's TEST keys.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import bundle_example
import pytest
from cli_process import run_cli
from factories import REPO

from workflow.audit import bundle_verify, merkle
from workflow.audit.notes import open_checkpoint, parse_signer, parse_verifier
from workflow.events import Event, canonical_json

DOC = REPO / "docs" / "audit-bundle.md"


@pytest.fixture(scope="module")
def blocks() -> dict[str, str]:
    found = dict(re.findall(r"```text id=([\w-]+)\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S))
    assert found, "no example blocks in the doc"
    return found


def test_the_doc_holds_exactly_what_the_code_computes(blocks):
    assert blocks == bundle_example.blocks()


def bundle_lines(text: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in text.splitlines()]


def test_event_hashes_and_leaves_recomputed_from_the_doc(blocks):
    lines = bundle_lines(blocks["example-bundle"])
    records = [x for x in lines if x["type"] in ("event", "access")]
    first = Event.from_dict(records[0])
    assert canonical_json(first.hashed_content()) + "\n" == blocks["example-event-hash-input"]
    hashes = dict(line.split() for line in blocks["example-event-hashes"].splitlines())
    assert hashlib.sha256(blocks["example-event-hash-input"].rstrip("\n").encode()).hexdigest() == hashes["a1"]
    events = [Event.from_dict(x) for x in records if x["type"] == "event"]
    assert [e.compute_hash() for e in events] == [e.hash for e in events] == list(hashes.values())
    assert canonical_json(records[2]["row"]) + "\n" == blocks["example-access-leaf-input"]
    leaves = [merkle.leaf_hash(canonical_json(Event.from_dict(x).hashed_content() if x["type"] == "event"
                                              else x["row"]).encode()) for x in records]
    assert [line.split()[1] for line in blocks["example-leaves"].splitlines()] == [h.hex() for h in leaves]
    root = merkle.root_of(leaves)
    assert blocks["example-root"].split() == ["hex", root.hex(), "base64", base64.b64encode(root).decode()]
    assert blocks["example-nodes"].splitlines()[-1].endswith(root.hex())
    proof = [base64.b64decode(p) for p in blocks["example-inclusion-proof"].split()]
    assert merkle.verify_inclusion(leaves[3], 3, 5, proof, root)
    assert not merkle.verify_inclusion(leaves[3], 3, 9, proof, root)  # a size needing another level
    body = b"".join(line.encode() + b"\n" for line in blocks["example-bundle"].splitlines()[:-1])
    assert hashlib.sha256(body).hexdigest() == lines[-1]["digest"]


def test_the_checkpoint_and_its_cosignature_verify_with_the_published_test_keys(blocks):
    public = parse_verifier(blocks["example-log-public-key"])
    assert parse_signer(blocks["example-log-private-key"]).verifier == public
    cp = open_checkpoint(blocks["example-checkpoint"], public)
    assert (cp.origin, cp.size, base64.b64encode(cp.root).decode()) == (
        "rectiflow/example", 5, blocks["example-root"].split()[3])
    body, sigs = bundle_verify.split_note(blocks["example-checkpoint"])
    witness = bundle_verify.parse_vkey(blocks["example-witness-public-key"], bundle_verify.COSIGNATURE)
    assert bundle_verify.check_cosignature(body, sigs, witness) is None
    forged = body.replace("\n5\n", "\n4\n")
    assert "does not verify" in str(bundle_verify.check_cosignature(forged, sigs, witness))


@pytest.mark.parametrize("name", ["example-bundle", "example-case-bundle"])
def test_the_doc_bundles_verify_with_both_verifiers(blocks, name, tmp_path):
    path, log_pub, witness_pub = tmp_path / "b.jsonl", tmp_path / "log.pub", tmp_path / "w.pub"
    path.write_text(blocks[name], encoding="utf-8")
    log_pub.write_text(blocks["example-log-public-key"], encoding="utf-8")
    witness_pub.write_text(blocks["example-witness-public-key"], encoding="utf-8")
    args = [str(path), "--key", str(log_pub), "--witness-key", str(witness_pub)]
    alone = subprocess.run([sys.executable, "-m", "workflow.audit.bundle_verify", *args], capture_output=True,
                           text=True, timeout=60, cwd=str(REPO))
    assert alone.returncode == 0, alone.stdout + alone.stderr
    report = json.loads(alone.stdout)
    assert report["checkpoints"][0]["witnesses"] == ["example-witness"]
    cli = run_cli(f"sqlite:///{tmp_path / 'absent.db'}", tmp_path, "audit", "verify", "--bundle", *args, "--json")
    assert cli.code == 0 and cli.json() == report, cli


def test_a_missing_or_wrong_witness_cosignature_is_refused(blocks, tmp_path):
    lines = blocks["example-bundle"].splitlines()
    note = json.loads(lines[1])["note"]
    stripped = "\n".join(x for x in note.split("\n") if "example-witness" not in x)
    witness = bundle_verify.parse_vkey(blocks["example-witness-public-key"], bundle_verify.COSIGNATURE)
    data = blocks["example-bundle"].replace(canonical_json(note)[1:-1], canonical_json(stripped)[1:-1])
    result = bundle_verify.verify_bundle(data.encode(), witnesses=[witness])
    assert not result["ok"]
    assert "no cosignature by witness example-witness" in " ".join(p["reason"] for p in result["problems"])
    other = bundle_verify.parse_vkey(bundle_example.witness_vkey(), bundle_verify.COSIGNATURE)
    assert bundle_verify.verify_bundle(blocks["example-bundle"].encode(), witnesses=[other])["ok"]
    with pytest.raises(bundle_verify.Refused):  # a note key is not a witness key
        bundle_verify.parse_vkey(blocks["example-log-public-key"], bundle_verify.COSIGNATURE)
    done = subprocess.run([sys.executable, "-m", "workflow.audit.bundle_verify", str(_write(tmp_path, blocks)),
                           "--witness-key", str(_write(tmp_path, blocks, "example-log-public-key"))],
                          capture_output=True, text=True, timeout=60, cwd=str(REPO))
    assert done.returncode == 2 and "cosignature/v1 key" in done.stderr


def _write(tmp_path: Path, blocks: dict[str, str], name: str = "example-bundle") -> Path:
    path = tmp_path / name
    path.write_text(blocks[name], encoding="utf-8")
    return path


def test_the_cli_checks_the_header_transitions_against_the_yaml(blocks, tmp_path):
    """A forger widens the header's transition table (not its YAML) so that a forged step passes continuity:
    the stand-alone verifier cannot parse YAML; the CLI does and names the definition."""
    lines = bundle_lines(blocks["example-bundle"])
    lines[0]["definitions"][0]["transitions"].append({"trigger": "reopen", "from": ["done"], "to": "open"})
    body = b"".join((canonical_json(x) + "\n").encode() for x in lines[:-1])
    trailer = {**lines[-1], "digest": hashlib.sha256(body).hexdigest()}
    path = tmp_path / "widened.jsonl"
    path.write_bytes(body + (canonical_json(trailer) + "\n").encode())
    assert bundle_verify.verify_bundle(path.read_bytes())["ok"]
    cli = run_cli(f"sqlite:///{tmp_path / 'absent.db'}", tmp_path, "audit", "verify", "--bundle", str(path), "--json")
    assert cli.code == 1
    assert "definition demo v1: its initial state or transitions differ" in cli.json()["problems"][0]["reason"]
