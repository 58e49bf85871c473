"""A bundle (format /2) edited by a careful forger is caught offline, by the CLI and by the stand-alone verifier.

The forger edits the exported bundle and recomputes everything unsigned (hashes of a re-chained case,
the trailer's digest and counts); the auditor holds the checkpoint signed at export and the public
key. Each edit — a whole case deleted, a tail cut, a case re-chained, an access-log row removed,
the checkpoint edited or re-signed with a swapped key, records reordered, an unknown key, an event
of another case in a case bundle, a broken state continuity — is reported (exit 1) by both
`rectiflow audit verify --bundle` and `python -m workflow.audit.bundle_verify`, naming what changed.
"""
from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_process import RECTIFLOW, cli_env, run_cli
from factories import REPO
from test_merkle_tamper import keys, record_views, signed_app  # noqa: F401 — fixtures

from rectiflow.demo import walk_rectification
from workflow.audit import bundle_verify
from workflow.audit.bundle import BundleExport
from workflow.audit.notes import generate
from workflow.events import canonical_json

Lines = list[dict[str, Any]]


@pytest.fixture
def exported(signed_app, keys, tmp_path):  # noqa: F811
    """Four walked cases and three views, exported (full and one case) with the checkpoint signed at export."""
    cases = [walk_rectification(signed_app) for _ in range(4)]
    record_views(signed_app, 3)
    export = BundleExport(signed_app.store, signed_app.checkpoints, signed_app.registry, signed_app.clock)
    done = export.export(tmp_path / "all.jsonl")
    export.export(tmp_path / "case.jsonl", case_id=cases[0].id)
    assert done.note is not None
    (tmp_path / "cp.txt").write_text(done.note, encoding="utf-8")
    return {"cases": [c.id for c in cases], "dir": tmp_path, "pub": keys[1]}


def read(path: Path) -> Lines:
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def write(path: Path, lines: Lines) -> Path:
    """What a careful forger does last: recompute the trailer (digest and counts) over the edited lines."""
    import hashlib

    body = [(canonical_json(x) + "\n").encode("utf-8") for x in lines[:-1]]
    trailer = {"type": "trailer", "digest": hashlib.sha256(b"".join(body)).hexdigest(),
               "events": sum(x["type"] == "event" for x in lines), "access": sum(x["type"] == "access" for x in lines)}
    path.write_bytes(b"".join(body) + (canonical_json(trailer) + "\n").encode("utf-8"))
    return path


def rechain(lines: Lines, case_id: str, version: int, change: Callable[[dict[str, Any]], None]) -> None:
    """Edit one event and re-hash the rest of its case's chain, as `test_tamper.rehash_from` does in the DB."""
    prev = None
    for x in lines:
        if x["type"] != "event" or x["case"] != case_id:
            continue
        if x["version"] == version:
            change(x)
        if x["version"] >= version:
            x["prev_hash"] = prev if prev is not None else x["prev_hash"]
            x["hash"] = bundle_verify.event_hash(x)
        prev = x["hash"]


def both(path: Path, d: dict[str, Any], *extra: str) -> list[dict[str, Any]]:
    """Run the CLI and the stand-alone verifier with the auditor's checkpoint and key; both must fail alike."""
    args = ["--checkpoint", str(d["dir"] / "cp.txt"), "--key", str(d["pub"]), *extra]
    cli = run_cli(f"sqlite:///{d['dir'] / 'absent.db'}", d["dir"], "audit", "verify", "--bundle", str(path),
                  "--json", *args)
    alone = subprocess.run([sys.executable, "-m", "workflow.audit.bundle_verify", str(path), *args],
                           capture_output=True, text=True, timeout=60, cwd=str(REPO))
    assert "Traceback" not in cli.stderr + alone.stderr, cli.stderr + alone.stderr
    assert (cli.code, alone.returncode) == (1, 1), (cli, alone.stdout)
    assert cli.json()["problems"] == json.loads(alone.stdout)["problems"]
    text = run_cli(f"sqlite:///{d['dir'] / 'absent.db'}", d["dir"], "audit", "verify", "--bundle", str(path), *args)
    assert text.code == 1 and "FAILED" in text.stdout
    return list(cli.json()["problems"])


def reasons(problems: list[dict[str, Any]]) -> str:
    return " | ".join(p["reason"] for p in problems)


def test_an_untouched_export_verifies(exported):
    d = exported
    for name in ("all.jsonl", "case.jsonl"):
        args = [str(d["dir"] / name), "--checkpoint", str(d["dir"] / "cp.txt"), "--key", str(d["pub"])]
        alone = subprocess.run([sys.executable, "-m", "workflow.audit.bundle_verify", *args],
                               capture_output=True, text=True, timeout=60, cwd=str(REPO))
        assert alone.returncode == 0, alone.stdout
        cli = run_cli(f"sqlite:///{d['dir'] / 'absent.db'}", d["dir"], "audit", "verify", "--bundle", *args[:1],
                      *args[1:])
        assert cli.code == 0 and "signature checked" in cli.stdout, cli
    unsigned = run_cli(f"sqlite:///{d['dir'] / 'absent.db'}", d["dir"], "audit", "verify", "--bundle",
                       str(d["dir"] / "all.jsonl"))
    assert unsigned.code == 0 and "signature NOT checked" in unsigned.stdout


def test_a_deleted_case_is_named_by_its_log_positions(exported):
    d = exported
    lines = read(d["dir"] / "all.jsonl")
    gone = [x["seq"] for x in lines if x.get("case") == d["cases"][1]]
    problems = both(write(d["dir"] / "f.jsonl", [x for x in lines if x.get("case") != d["cases"][1]]), d)
    assert any(p["what"] == "seq" and p["seq"] == gone[0] and "missing" in p["reason"] for p in problems), problems
    assert "checkpoint covers" in reasons(problems) or "root" in reasons(problems)


def test_a_deleted_case_with_renumbered_positions_breaks_the_root(exported):
    d = exported
    lines = [x for x in read(d["dir"] / "all.jsonl") if x.get("case") != d["cases"][1]]
    records = [x for x in lines if x["type"] in ("event", "access")]
    for i, x in enumerate(records):
        x["seq"] = i
    lines[0]["tree_size"] = len(records)
    problems = both(write(d["dir"] / "f.jsonl", lines), d)
    assert f"covers {len(records) + 10} log entries, the bundle holds only {len(records)}" in reasons(problems)


def test_a_cut_tail_is_named(exported):
    d = exported
    lines = read(d["dir"] / "all.jsonl")
    tail = [x for x in lines if x.get("case") == d["cases"][2]][-2:]
    problems = both(write(d["dir"] / "f.jsonl", [x for x in lines if x not in tail]), d)
    assert any(p["what"] == "seq" and p["seq"] == tail[0]["seq"] for p in problems), problems


def test_a_rechained_case_breaks_the_root(exported):
    d = exported
    lines = read(d["dir"] / "all.jsonl")
    rechain(lines, d["cases"][3], 3, lambda x: x.update(actor="leader"))
    problems = both(write(d["dir"] / "f.jsonl", lines), d)
    assert {p["what"] for p in problems} == {"root"} and "rewritten" in problems[0]["reason"], problems


def test_a_deleted_access_row_is_named(exported):
    d = exported
    lines = read(d["dir"] / "all.jsonl")
    row = [x for x in lines if x["type"] == "access"][-2]
    problems = both(write(d["dir"] / "f.jsonl", [x for x in lines if x is not row]), d)
    assert any(p["seq"] == row["seq"] and "1 record(s) were removed" in p["reason"] for p in problems), problems


def test_an_edited_checkpoint_is_refused(exported):
    d = exported
    lines = read(d["dir"] / "all.jsonl")
    origin, size, *rest = lines[1]["note"].split("\n")
    lines[1]["note"] = "\n".join([origin, str(int(size) - 1), *rest])
    problems = both(write(d["dir"] / "f.jsonl", lines), d)
    assert "the signature by key bureau-audit does not verify" in reasons(problems), problems


def test_a_checkpoint_resigned_with_a_swapped_key_is_refused(exported):
    d = exported
    lines = read(d["dir"] / "all.jsonl")
    body = lines[1]["note"].split("\n\n")[0] + "\n"
    lines[1]["note"] = generate("bureau-audit").sign(body)
    problems = both(write(d["dir"] / "f.jsonl", lines), d)
    assert "no signature by key bureau-audit" in reasons(problems), problems
    # the forged note given as the auditor's checkpoint is refused too
    (d["dir"] / "forged-cp.txt").write_text(lines[1]["note"], encoding="utf-8")
    d2 = {**d, "dir": d["dir"]}
    args = ["--checkpoint", str(d["dir"] / "forged-cp.txt"), "--key", str(d["pub"])]
    alone = subprocess.run([sys.executable, "-m", "workflow.audit.bundle_verify", str(d2["dir"] / "all.jsonl"),
                            *args], capture_output=True, text=True, timeout=60, cwd=str(REPO))
    assert alone.returncode == 1 and "no signature by key bureau-audit" in alone.stdout


def test_reordered_records_are_named(exported):
    d = exported
    lines = read(d["dir"] / "all.jsonl")
    i = next(i for i, x in enumerate(lines) if x.get("case") == d["cases"][0] and x["version"] == 4)
    lines[i], lines[i + 1] = lines[i + 1], lines[i]
    problems = both(write(d["dir"] / "f.jsonl", lines), d)
    assert any(p["what"] == "seq" and "reordered" in p["reason"] for p in problems), problems


def test_an_unknown_key_is_refused(exported):
    d = exported
    lines = read(d["dir"] / "all.jsonl")
    victim = next(x for x in lines if x.get("case") == d["cases"][0] and x["version"] == 2)
    victim["note"] = "看过"
    problems = both(write(d["dir"] / "f.jsonl", lines), d)
    assert any("unknown keys ['note']" in p["reason"] and p["case"] == d["cases"][0] for p in problems), problems


def test_a_case_bundle_holding_another_case_is_refused(exported):
    d = exported
    lines = read(d["dir"] / "case.jsonl")
    stranger = next(x for x in read(d["dir"] / "all.jsonl") if x.get("case") == d["cases"][1])
    at = next(i for i, x in enumerate(lines) if x["type"] == "inclusion" or
              (x["type"] == "event" and x["seq"] > stranger["seq"]))
    lines.insert(at, stranger)
    problems = both(write(d["dir"] / "f.jsonl", lines), d)
    assert any(p["what"] == "scope" and p["case"] == d["cases"][1] for p in problems), problems


def test_a_broken_state_continuity_is_named(exported):
    d = exported
    lines = read(d["dir"] / "all.jsonl")
    rechain(lines, d["cases"][0], 4, lambda x: x.update({"from": "reported"}))
    problems = both(write(d["dir"] / "f.jsonl", lines), d)
    assert any(p["what"] == "state" and (p["case"], p["version"]) == (d["cases"][0], 4) for p in problems), problems


def test_a_transition_the_definition_lacks_is_named(exported):
    d = exported
    lines = read(d["dir"] / "all.jsonl")
    rechain(lines, d["cases"][0], 2, lambda x: x.update({"to": "closed"}))
    problems = both(write(d["dir"] / "f.jsonl", lines), d)
    assert any(p["what"] == "state" and p["version"] == 2 and "no transition 'reported' -> 'closed'" in p["reason"]
               for p in problems), problems


def test_export_through_the_cli_on_both_databases(signed_app, database_url, keys, tmp_path):  # noqa: F811
    walk_rectification(signed_app)
    record_views(signed_app, 1)
    env = {**cli_env(database_url, tmp_path), "RECTIFLOW_AUDIT_KEY": str(keys[0])}
    done = subprocess.run([str(RECTIFLOW), "audit", "export", "-o", str(tmp_path / "b.jsonl"), "--json"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["events"] == 10 and data["access"] >= 1 and data["size"] == data["events"] + data["access"]
    result = run_cli(database_url, tmp_path, "audit", "verify", "--bundle", str(tmp_path / "b.jsonl"), "--checkpoint",
                     data["checkpoint"], "--key", str(keys[1]), "--json")
    assert result.code == 0 and result.json()["signature_checked"] is True, result


def test_the_standalone_verifier_explains_itself():
    done = subprocess.run([sys.executable, "-m", "workflow.audit.bundle_verify", "--help"], capture_output=True,
                          text=True, timeout=60, cwd=str(REPO))
    assert done.returncode == 0 and "Exit codes: 0" in done.stdout and "--witness-key" in done.stdout
    missing = subprocess.run([sys.executable, "-m", "workflow.audit.bundle_verify", "/nonexistent.jsonl"],
                             capture_output=True, text=True, timeout=60, cwd=str(REPO))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
