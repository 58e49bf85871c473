"""The witnessing workflow as people run it: checkpoints and consistency proofs from the server's CLI,
cosigned by `rectiflow audit witness cosign` on a "separate machine" (a process with no RECTIFLOW_*
settings and no database), checked back by `audit verify --witness-key`. The witness refuses a shrunk
tree, a fork signed with the stolen log key, and a grown tree without its proof — exit 1, no traceback."""
from __future__ import annotations

import base64
import json
import os
import subprocess
from pathlib import Path

import pytest
from cli_process import RECTIFLOW, CliResult, run_cli

from rectiflow.demo import seed_directory, walk_rectification
from workflow.audit.notes import Checkpoint, parse_signer
from workflow.bootstrap import audit_keygen, witness_keygen


@pytest.fixture
def keys(tmp_path) -> dict[str, Path]:
    private, public, _ = audit_keygen(tmp_path / "server-keys", "bureau-audit")
    wkey, wpub, _ = witness_keygen(tmp_path / "witness-machine", "sjj.example/witness")
    return {"log": private, "log_pub": public, "witness": wkey, "witness_pub": wpub}


@pytest.fixture
def signed_app(make_app, database_url, keys):
    app = make_app(database_url, audit_key=keys["log"])
    seed_directory(app)
    return app


def witness_cli(machine: Path, *args: str) -> CliResult:
    """`rectiflow` on the witness machine: no database, no definitions, no RECTIFLOW_* settings at all."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECTIFLOW_")}
    env["PYTHONUTF8"] = "1"
    proc = subprocess.run([str(RECTIFLOW), *args], env=env, capture_output=True, text=True, cwd=str(machine),
                          timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def save(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_witnessing_workflow_end_to_end(signed_app, database_url, instance_dir, keys, tmp_path):
    machine = keys["witness"].parent
    walk_rectification(signed_app)
    cp1, note1 = signed_app.checkpoints.checkpoint()
    c1 = save(machine / "c1.txt", note1)

    first = witness_cli(machine, "audit", "witness", "cosign", "c1.txt", "--key", keys["witness"].name,
                        "--log-key", str(keys["log_pub"]), "-o", "c1.cosigned")
    assert first.code == 0, first
    assert "trust on first use" in first.stdout
    assert (machine / "c1.cosigned").read_text(encoding="utf-8").startswith(note1)
    assert (machine / "state").is_dir()  # the default state folder: beside the witness key

    for _ in range(2):
        walk_rectification(signed_app)
    cp2, note2 = signed_app.checkpoints.checkpoint()
    save(machine / "c2.txt", note2)
    no_proof = witness_cli(machine, "audit", "witness", "cosign", "c2.txt", "--key", keys["witness"].name)
    assert no_proof.code == 1
    assert f"rectiflow audit proof consistency {cp1.size} {cp2.size} --json" in no_proof.stderr

    proof = run_cli(database_url, instance_dir, "audit", "proof", "consistency", str(cp1.size), str(cp2.size),
                    "--json")
    assert proof.code == 0, proof
    save(machine / "proof.json", proof.stdout)
    second = witness_cli(machine, "audit", "witness", "cosign", "c2.txt", "--key", keys["witness"].name,
                         "--proof", "proof.json", "--json")
    assert second.code == 0, second
    data = second.json()
    assert data["outcome"] == "extended" and data["previous_size"] == cp1.size and data["size"] == cp2.size
    cosigned = save(tmp_path / "c2.cosigned", data["note"])

    # back on the server: the cosigned checkpoint verifies; without a cosignature it does not
    ok = run_cli(database_url, instance_dir, "audit", "verify", "--checkpoint", str(cosigned), "--key",
                 str(keys["log_pub"]), "--witness-key", str(keys["witness_pub"]), "--json")
    assert ok.code == 0, ok
    assert ok.json()["checkpoints"][0]["cosigned_by"] == ["sjj.example/witness"]
    bare = run_cli(database_url, instance_dir, "audit", "verify", "--checkpoint", str(c1), "--key",
                   str(keys["log_pub"]), "--witness-key", str(keys["witness_pub"]))
    assert bare.code == 1
    assert "no cosignature by witness sjj.example/witness" in bare.stdout
    # other signature lines (witnesses not asked about) are ignored by a plain verify
    plain = run_cli(database_url, instance_dir, "audit", "verify", "--checkpoint", str(cosigned), "--key",
                    str(keys["log_pub"]))
    assert plain.code == 0, plain


def test_the_witness_refuses_a_shrunk_tree_and_a_fork_signed_with_the_log_key(signed_app, keys):
    machine = keys["witness"].parent
    walk_rectification(signed_app)
    _, small = signed_app.checkpoints.checkpoint()
    walk_rectification(signed_app)
    cp, note = signed_app.checkpoints.checkpoint()
    save(machine / "small.txt", small)
    save(machine / "big.txt", note)
    args = ("--key", keys["witness"].name, "--log-key", str(keys["log_pub"]))
    assert witness_cli(machine, "audit", "witness", "cosign", "big.txt", *args).code == 0

    shrunk = witness_cli(machine, "audit", "witness", "cosign", "small.txt", *args)
    assert shrunk.code == 1 and "the tree shrank" in shrunk.stderr
    # the insider holds the log's key and signs another history of the same size
    insider = parse_signer(keys["log"].read_text())
    forked = insider.sign(Checkpoint(cp.origin, cp.size, b"\x07" * 32, cp.time).body())
    save(machine / "fork.txt", forked)
    fork = witness_cli(machine, "audit", "witness", "cosign", "fork.txt", *args, "--json")
    assert fork.code == 1
    error = fork.json()
    assert error["code"] == "witness.forked_same_size" and "forked" in error["message"]
    zh = witness_cli(machine, "--lang", "zh", "audit", "witness", "cosign", "fork.txt", *args)
    assert zh.code == 1 and "分叉" in zh.stderr
    # a state that refused stays as it was: the real checkpoint is still accepted
    again = witness_cli(machine, "audit", "witness", "cosign", "big.txt", *args, "--json")
    assert again.code == 0 and again.json()["outcome"] == "same"
    state = json.loads(next((machine / "state").glob("*.json")).read_text())
    assert (state["size"], state["root"]) == (cp.size, base64.b64encode(cp.root).decode())


def test_a_first_checkpoint_without_the_log_key_and_bad_files_are_clear_refusals(signed_app, keys):
    machine = keys["witness"].parent
    walk_rectification(signed_app)
    _, note = signed_app.checkpoints.checkpoint()
    save(machine / "c.txt", note)
    nokey = witness_cli(machine, "audit", "witness", "cosign", "c.txt", "--key", keys["witness"].name)
    assert nokey.code == 1 and "--log-key PUB" in nokey.stderr
    wrong_key = witness_cli(machine, "audit", "witness", "cosign", "c.txt", "--key", str(keys["log"]),
                            "--log-key", str(keys["log_pub"]))
    assert wrong_key.code == 1 and "not a witness private key" in wrong_key.stderr
    save(machine / "junk.txt", "hello\n")
    junk = witness_cli(machine, "audit", "witness", "cosign", "junk.txt", "--key", keys["witness"].name,
                       "--log-key", str(keys["log_pub"]))
    assert junk.code == 1 and "not a well-formed signed note" in junk.stderr
    missing = witness_cli(machine, "audit", "witness", "cosign", "nothere.txt", "--key", keys["witness"].name)
    assert missing.code == 1 and "nothere.txt: No such file or directory" in missing.stderr


def test_proofs_written_by_the_cli_verify_and_wrong_sizes_are_refused(signed_app, database_url, instance_dir):
    """`audit proof inclusion|consistency --json` as an auditor receives them, checked with workflow.audit.merkle;
    the same proofs claimed for another tree size, another index, or one hash more or less are refused."""
    from workflow.audit import merkle as m

    case = walk_rectification(signed_app)
    old_cp, _ = signed_app.checkpoints.checkpoint()
    walk_rectification(signed_app)
    new_cp, _ = signed_app.checkpoints.checkpoint()

    inclusion = run_cli(database_url, instance_dir, "audit", "proof", "inclusion", case.id, "2", "--json").json()
    leaf, root = base64.b64decode(inclusion["leaf"]), base64.b64decode(inclusion["root"])
    path = [base64.b64decode(p) for p in inclusion["proof"]]
    index, size = inclusion["index"], inclusion["size"]
    assert size == new_cp.size and root == new_cp.root  # against the latest checkpoint by default
    assert m.verify_inclusion(leaf, index, size, path, root)
    dummy = [m.leaf_hash(i.to_bytes(4, "big")) for i in range(4 * size)]
    for wrong in (size - 1, size + 1, 2 * size, 4 * size, index):  # sizes whose proofs have another length
        if wrong <= index or len(m.inclusion_proof(index, dummy[:wrong])) != len(path):
            assert not m.verify_inclusion(leaf, index, wrong, path, root), wrong
    assert not m.verify_inclusion(leaf, index, 4 * size, path, root)
    assert not m.verify_inclusion(leaf, index + 1, size, path, root)
    assert not m.verify_inclusion(leaf, index, size, [*path, root], root)
    assert not m.verify_inclusion(leaf, index, size, path[:-1], root)

    data = run_cli(database_url, instance_dir, "audit", "proof", "consistency", str(old_cp.size), str(new_cp.size),
                   "--json").json()
    proof = [base64.b64decode(p) for p in data["proof"]]
    assert base64.b64decode(data["old_root"]) == old_cp.root and base64.b64decode(data["new_root"]) == new_cp.root
    assert m.verify_consistency(old_cp.size, new_cp.size, old_cp.root, new_cp.root, proof)
    for wrong in (new_cp.size + 1, 2 * new_cp.size + 1, 4 * new_cp.size):
        if len(m.consistency_proof(old_cp.size, dummy[:wrong] if wrong <= len(dummy) else
                                   [m.leaf_hash(i.to_bytes(4, "big")) for i in range(wrong)])) != len(proof):
            assert not m.verify_consistency(old_cp.size, wrong, old_cp.root, new_cp.root, proof), wrong
    assert not m.verify_consistency(old_cp.size, 4 * new_cp.size, old_cp.root, new_cp.root, proof)
    assert not m.verify_consistency(old_cp.size - 1, new_cp.size, old_cp.root, new_cp.root, proof)
    assert not m.verify_consistency(old_cp.size, new_cp.size, old_cp.root, new_cp.root, [*proof, new_cp.root])
    assert not m.verify_consistency(old_cp.size, new_cp.size, old_cp.root, new_cp.root, proof[:-1])
