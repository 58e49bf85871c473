"""The Merkle log catches the insider: tampering as a database owner that the per-case chains cannot see.

Every case event and access-log row has a position in one log; a signed checkpoint fixes its root.
With the triggers dropped, a database owner deletes a whole case (events, row, timeline), cuts a
case's tail and rewinds its row, edits an event and re-hashes the rest of its chain (rebuilding the
row), or deletes an access-log row — each leaves the per-case chain check clean, and each is named
by `audit verify` given the last checkpoint and the public key (exit 1). An edited checkpoint or one
signed by a swapped key is refused by name; an untouched database verifies.
"""
from __future__ import annotations

import base64
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cli_process import run_cli
from factories import delete_case_row, raw_execute, rebuild_row
from test_tamper import delete_events, drop_guards, rehash_from

from rectiflow.demo import walk_rectification
from workflow.audit.notes import generate
from workflow.bootstrap import audit_keygen
from workflow.read_side import AccessEntry


@pytest.fixture
def keys(tmp_path) -> tuple[Path, Path]:
    private, public, _ = audit_keygen(tmp_path / "keys", "bureau-audit")
    return private, public


@pytest.fixture
def signed_app(make_app, database_url, keys):
    from rectiflow.demo import seed_directory

    app = make_app(database_url, audit_key=keys[0])
    seed_directory(app)
    return app


def record_views(app: Any, n: int) -> None:
    for i in range(n):
        app.queries.record_access(AccessEntry(0, "2026-03-02T01:00:00.000000Z", "auditor", "view", None, "ok",
                                              "10.0.0.1", {"n": i, "备注": "查看"}))


def access_seqs(url: str) -> list[int]:
    return [r[0] for r in raw_execute(url, "SELECT seq FROM access_log ORDER BY seq")]




def delete_case(url: str, case_id: str) -> None:
    delete_events(url, case_id)
    raw_execute(url, "DELETE FROM case_timeline WHERE case_id = :c", params=[{"c": case_id}])
    delete_case_row(url, case_id)


def drop_access_guards(url: str) -> None:
    if url.startswith("sqlite"):
        raw_execute(url, "DROP TRIGGER access_log_no_delete")
    else:
        raw_execute(url, "DROP TRIGGER access_log_no_update ON access_log")


def verify_json(url: str, instance: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = run_cli(url, instance, "audit", "verify", "--json", *args)
    assert "Traceback" not in result.stderr, result.stderr
    return result.code, result.json()


def checkpoint_file(app: Any, tmp_path: Path) -> Path:
    _, note = app.checkpoints.checkpoint()
    path = tmp_path / "checkpoint.txt"
    path.write_text(note, encoding="utf-8")
    return path


def test_untouched_database_verifies_against_its_checkpoint(signed_app, database_url, instance_dir, keys, tmp_path):
    for _ in range(3):
        walk_rectification(signed_app)
    record_views(signed_app, 2)
    cp_path = checkpoint_file(signed_app, tmp_path)
    walk_rectification(signed_app)  # records after the checkpoint: an extension, not a change
    record_views(signed_app, 1)
    signed_app.checkpoints.sequence()

    code, result = verify_json(database_url, instance_dir, "--checkpoint", str(cp_path), "--key", str(keys[1]))
    assert code == 0, result
    assert result["ok"] is True
    [cp] = result["checkpoints"]
    assert cp["ok"] and cp["problems"] == [] and cp["size"] > 0 and cp["signature_checked"] is True
    unchecked = run_cli(database_url, instance_dir, "audit", "verify")  # the stored one, no key at hand
    assert unchecked.code == 0 and "signature not checked" in unchecked.stdout, unchecked
    # the stored latest checkpoint, checked with the public key only
    code, result = verify_json(database_url, instance_dir, "--key", str(keys[1]))
    assert code == 0, result


def test_every_insider_edit_is_named(signed_app, database_url, instance_dir, keys, tmp_path):
    cases = {name: walk_rectification(signed_app) for name in ("deleted", "truncated", "rechained", "untouched")}
    record_views(signed_app, 3)
    cp_path = checkpoint_file(signed_app, tmp_path)
    gone_access = access_seqs(database_url)[1]

    drop_guards(database_url)
    drop_access_guards(database_url)
    delete_case(database_url, cases["deleted"].id)
    n = cases["truncated"].version
    delete_events(database_url, cases["truncated"].id, [n - 1, n])
    rebuild_row(database_url, cases["truncated"].id)
    rehash_from(database_url, cases["rechained"].id, 3, lambda ev: replace(ev, actor="leader"))
    rebuild_row(database_url, cases["rechained"].id)
    raw_execute(database_url, "DELETE FROM access_log WHERE seq = :s", params=[{"s": gone_access}])

    with signed_app.store.read() as tx:  # the per-case chains alone see nothing wrong
        from workflow.audit.verify import verify
        assert verify(tx.iter_events(), tx.case_rows()).ok

    code, result = verify_json(database_url, instance_dir, "--checkpoint", str(cp_path), "--key", str(keys[1]))
    assert code == 1
    assert result["ok"] is False
    problems = result["checkpoints"][0]["problems"]
    by_case = {p["case"]: p for p in problems if p["case"]}
    assert by_case[cases["deleted"].id]["what"] == "case_deleted"
    assert by_case[cases["truncated"].id]["what"] == "case_truncated"
    assert by_case[cases["truncated"].id]["version"] == n - 1
    assert by_case[cases["rechained"].id]["what"] == "events_rewritten"
    assert by_case[cases["rechained"].id]["version"] == 3
    assert cases["untouched"].id not in by_case
    assert [p["access_seq"] for p in problems if p["what"] == "access_deleted"] == [gone_access]
    text = run_cli(database_url, instance_dir, "audit", "verify", "--checkpoint", str(cp_path), "--key",
                   str(keys[1]))
    assert text.code == 1
    assert cases["deleted"].id in text.stdout and "whole case is gone" in text.stdout
    assert f"access-log row {gone_access} was deleted" in text.stdout


def test_an_edited_checkpoint_is_refused(signed_app, database_url, instance_dir, keys, tmp_path):
    walk_rectification(signed_app)
    cp_path = checkpoint_file(signed_app, tmp_path)
    origin, size, root, *rest = cp_path.read_text(encoding="utf-8").split("\n")
    edited = tmp_path / "edited.txt"
    edited.write_text("\n".join([origin, str(int(size) - 1), root, *rest]), encoding="utf-8")

    code, result = verify_json(database_url, instance_dir, "--checkpoint", str(edited), "--key", str(keys[1]))
    assert code == 1
    [problem] = result["checkpoints"][0]["problems"]
    assert problem["what"] == "checkpoint" and "signature" in problem["reason"] and "edited" in problem["reason"]


def test_a_checkpoint_signed_by_a_swapped_key_is_refused(signed_app, database_url, instance_dir, keys, tmp_path):
    """The insider re-signs a checkpoint of the shrunken log with a key of their own (same name)."""
    walk_rectification(signed_app)
    cp_path = checkpoint_file(signed_app, tmp_path)
    impostor = generate("bureau-audit")
    body = cp_path.read_text(encoding="utf-8").split("\n\n")[0] + "\n"
    forged = tmp_path / "forged.txt"
    forged.write_text(impostor.sign(body), encoding="utf-8")

    code, result = verify_json(database_url, instance_dir, "--checkpoint", str(forged), "--key", str(keys[1]))
    assert code == 1
    [problem] = result["checkpoints"][0]["problems"]
    assert "no signature by key bureau-audit" in problem["reason"]
    assert base64.b64decode(body.split("\n")[2])  # the body itself was untouched


def test_the_stored_checkpoint_edited_in_the_database_is_refused(signed_app, database_url, instance_dir, keys):
    walk_rectification(signed_app)
    signed_app.checkpoints.checkpoint()
    if database_url.startswith("sqlite"):
        raw_execute(database_url, "DROP TRIGGER log_checkpoints_no_update")
    else:
        raw_execute(database_url, "DROP TRIGGER log_checkpoints_no_update ON log_checkpoints")
    raw_execute(database_url, "UPDATE log_checkpoints SET note = replace(note, 'time ', 'time 1')")

    code, result = verify_json(database_url, instance_dir, "--key", str(keys[1]))
    assert code == 1
    assert "signature" in result["checkpoints"][0]["problems"][0]["reason"]


def test_checkpoint_without_a_configured_key_says_so(database_url, instance_dir):
    result = run_cli(database_url, instance_dir, "audit", "checkpoint", "--json")
    assert result.code != 0
    assert "RECTIFLOW_AUDIT_KEY" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_keygen_writes_a_private_key_only_its_owner_reads(tmp_path, database_url, instance_dir):
    result = run_cli(database_url, instance_dir, "audit", "keygen", "-o", str(tmp_path / "k"), "--name", "county",
                     "--json")
    assert result.code == 0, result
    data = result.json()
    assert Path(data["key"]).stat().st_mode & 0o777 == 0o600
    assert Path(data["pub"]).read_text().strip() == data["verifier_key"]
    assert data["verifier_key"].startswith("county+")
    again = run_cli(database_url, instance_dir, "audit", "keygen", "-o", str(tmp_path / "k"), "--name", "county")
    assert again.code != 0 and "already exists" in again.stdout + again.stderr


def test_the_sequencer_waits_for_a_slow_transaction_that_took_an_earlier_seq(signed_app, tmp_path):
    """PostgreSQL hands out seq values at INSERT but makes them visible at COMMIT: seq 1 may commit after seq 2.
    The sequencer logs only what is committed, and the slow record lands later — never a hole in a checkpoint."""
    import psycopg

    app = signed_app
    if not app.settings.database_url.startswith("postgresql"):
        pytest.skip("the out-of-order commit is PostgreSQL's")
    dsn = app.settings.database_url.replace("postgresql+psycopg://", "postgresql://")
    insert = ("INSERT INTO access_log (at, actor, action, case_id, outcome, ip, detail) "
              "VALUES ('2026-03-02T01:00:00.000000Z', %s, 'view', NULL, 'ok', '10.0.0.1', '{}') RETURNING seq")
    with psycopg.connect(dsn) as slow, psycopg.connect(dsn, autocommit=True) as fast:
        slow_seq = slow.execute(insert, ("slow",)).fetchone()[0]  # not committed yet
        fast_seq = fast.execute(insert, ("fast",)).fetchone()[0]
        assert slow_seq < fast_seq
        app.checkpoints.sequence()
        logged = {r[0] for r in raw_execute(app.settings.database_url,
                                            "SELECT access_seq FROM log_entries WHERE access_seq IS NOT NULL")}
        assert fast_seq in logged and slow_seq not in logged
        _, first = app.checkpoints.checkpoint()
        slow.commit()
    app.checkpoints.sequence()
    rows = raw_execute(app.settings.database_url, "SELECT position, access_seq FROM log_entries "
                                                  "WHERE access_seq IN (:a, :b) ORDER BY position",
                       params=[{"a": slow_seq, "b": fast_seq}])
    assert [r[1] for r in rows] == [fast_seq, slow_seq]  # the slow one came later
    path = tmp_path / "first.txt"
    path.write_text(first, encoding="utf-8")
    _, second = app.checkpoints.checkpoint()
    results = app.checkpoints.verify([("first", first, app.checkpoints.signer().verifier),
                                      ("second", second, app.checkpoints.signer().verifier)])
    assert all(r.ok for r in results), [r.to_dict() for r in results]


def test_proofs_verify_and_a_wrong_tree_size_is_refused(signed_app, database_url, instance_dir):
    from workflow.audit import merkle

    first = walk_rectification(signed_app)
    old = signed_app.checkpoints.checkpoint()[0]
    walk_rectification(signed_app)
    record_views(signed_app, 2)
    new = signed_app.checkpoints.checkpoint()[0]

    result = run_cli(database_url, instance_dir, "audit", "proof", "consistency", str(old.size), str(new.size),
                     "--json")
    assert result.code == 0, result
    data = result.json()
    assert data["old_root"] == base64.b64encode(old.root).decode()
    proof = [base64.b64decode(p) for p in data["proof"]]
    assert merkle.verify_consistency(old.size, new.size, old.root, new.root, proof)
    assert not merkle.verify_consistency(old.size, 2 * new.size + 1, old.root, new.root, proof)

    result = run_cli(database_url, instance_dir, "audit", "proof", "inclusion", first.id, "2", "--json")
    assert result.code == 0, result
    data = result.json()
    leaf, path = base64.b64decode(data["leaf"]), [base64.b64decode(p) for p in data["proof"]]
    assert data["size"] == new.size
    assert merkle.verify_inclusion(leaf, data["index"], new.size, path, new.root)
    assert not merkle.verify_inclusion(leaf, data["index"], 2 * new.size + 1, path, new.root)

    for args in (("consistency", str(new.size), str(old.size)), ("consistency", "1", str(new.size + 5)),
                 ("consistency", "0", str(new.size)), ("inclusion", first.id, "2", "--size", str(new.size + 9))):
        refused = run_cli(database_url, instance_dir, "audit", "proof", *args)
        assert refused.code != 0, args
        assert "no proof for tree sizes" in refused.stdout + refused.stderr, refused
        assert "Traceback" not in refused.stderr


def test_every_export_signs_a_checkpoint_when_a_key_is_configured(signed_app, database_url, instance_dir, keys,
                                                                  tmp_path):
    import os
    import subprocess

    from cli_process import RECTIFLOW, cli_env

    walk_rectification(signed_app)
    env = {**cli_env(database_url, instance_dir), "RECTIFLOW_AUDIT_KEY": str(keys[0])}
    done = subprocess.run([str(RECTIFLOW), "audit", "export", "-o", str(tmp_path / "b.jsonl"), "--json"], env=env,
                          capture_output=True, text=True, timeout=120, cwd=str(instance_dir.parent))
    assert done.returncode == 0, done.stderr
    assert os.path.exists(tmp_path / "b.jsonl.checkpoint")
    code, result = verify_json(database_url, instance_dir, "--checkpoint", str(tmp_path / "b.jsonl.checkpoint"),
                               "--key", str(keys[1]))
    assert code == 0 and result["checkpoints"][0]["ok"], result
