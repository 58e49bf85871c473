"""Audit bundles: `audit export` then `audit verify --bundle` (no database) — and every edit is caught.

The stand-alone verifier (workflow/audit/bundle_verify.py, standard library only) deliberately restates
the hashing rule instead of importing it; a property test keeps the two in agreement on random
events, and random single-field forgeries of a random chain are always reported.
"""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cli_process import run_cli
from factories import REPO, intake_fields
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import DURABILITY_PROFILE

from rectiflow.demo import walk_rectification
from workflow.audit import bundle_verify
from workflow.audit.verify import write_bundle
from workflow.events import GENESIS_HASH, Event, canonical_json


@pytest.fixture(scope="module")
def exported(shared_app, shared_url, shared_instance, tmp_path_factory) -> tuple[Path, int]:
    """A bundle of three cases exported with the CLI; returns (file, number of events)."""
    for _ in range(2):
        walk_rectification(shared_app)
    clue = shared_app.registry.latest("clue")
    shared_app.cases.open_case("clue", actor="registrar", title="线索", fields=intake_fields(clue))
    out = tmp_path_factory.mktemp("bundle") / "audit.jsonl"
    done = run_cli(shared_url, shared_instance, "audit", "export", "-o", str(out), "--json")
    assert done.code == 0, done
    return out, done.json()["events"]


def standalone(path: Path) -> tuple[int, dict[str, Any]]:
    """`python -m workflow.audit.bundle_verify FILE`, as an auditor without rectiflow installed would run it."""
    done = subprocess.run([sys.executable, str(REPO / "workflow" / "audit" / "bundle_verify.py"), str(path)],
                          capture_output=True, text=True, timeout=60)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout)


def test_an_exported_bundle_verifies_without_a_database(exported, shared_instance, tmp_path):
    path, count = exported
    assert count == 10 + 10 + 1
    # No database at all: point the CLI at one that does not exist.
    result = run_cli(f"sqlite:///{tmp_path / 'absent' / 'none.db'}", shared_instance,
                     "audit", "verify", "--bundle", str(path), "--json")
    assert result.code == 0, result
    report = result.json()
    assert (report["ok"], report["cases"], report["events"], report["problems"]) == (True, 3, count, [])
    assert report["format"] == "rectiflow-audit-bundle/2" and report["access"] > 0
    assert not (tmp_path / "absent").exists(), "verifying a bundle must not create a database"
    code, alone = standalone(path)
    assert code == 0 and alone == report


def lines_of(path: Path) -> tuple[list[bytes], int, str]:
    """The bundle's lines, the index of the line holding version 1 of a long case, and that case."""
    lines = path.read_bytes().splitlines(keepends=True)
    records = [json.loads(line) for line in lines[1:-1]]
    events = [r for r in records if r["type"] == "event"]
    base = next(i for i, r in enumerate(records, start=1) if r["type"] == "event" and r["version"] == 1 and
                sum(x["case"] == r["case"] for x in events) >= 6)
    return lines, base, json.loads(lines[base])["case"]


def edit_actor(lines: list[bytes], i: int) -> list[bytes]:
    record = json.loads(lines[i])
    record["actor"] = "leader"
    return lines[:i] + [(canonical_json(record) + "\n").encode()] + lines[i + 1:]


def edit_and_redigest(lines: list[bytes], i: int) -> list[bytes]:
    """A careful forger also recomputes the final digest: the chain still gives it away."""
    import hashlib

    body = edit_actor(lines, i)[:-1]
    trailer = {**json.loads(lines[-1]), "digest": hashlib.sha256(b"".join(body)).hexdigest()}
    return body + [(canonical_json(trailer) + "\n").encode()]


# name -> (change(lines, index of the long case's version 1), first broken version of that case or None)
MUTATIONS = {
    "edited line": (lambda ls, b: edit_actor(ls, b + 2), 3),
    "edited line, digest recomputed": (lambda ls, b: edit_and_redigest(ls, b + 2), 3),
    "removed line": (lambda ls, b: ls[:b + 3] + ls[b + 4:], 4),
    "added duplicate line": (lambda ls, b: ls[:b + 3] + [ls[b + 2]] + ls[b + 3:], 4),
    "swapped lines": (lambda ls, b: ls[:b + 2] + [ls[b + 3], ls[b + 2]] + ls[b + 4:], 3),
    "added junk object": (lambda ls, b: ls[:2] + [b'{"hello":"world"}\n'] + ls[2:], None),
    "added non-JSON line": (lambda ls, b: ls[:2] + [b"not json\n"] + ls[2:], None),
    "added JSON that is not an object": (lambda ls, b: ls[:2] + [b"[1,2,3]\n"] + ls[2:], None),
    "trailer removed": (lambda ls, b: ls[:-1], None),
    "trailer not an object": (lambda ls, b: ls[:-1] + [b"[]\n"], None),
    "header removed": (lambda ls, b: ls[1:], None),
    "empty file": (lambda ls, b: [], None),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_a_changed_bundle_is_reported(exported, tmp_path, mutation):
    path, _ = exported
    lines, base, case_id = lines_of(path)
    change, version = MUTATIONS[mutation]
    forged = tmp_path / "forged.jsonl"
    forged.write_bytes(b"".join(change(list(lines), base)))

    result = bundle_verify.verify_bundle(forged.read_bytes())
    assert result["ok"] is False
    assert all(p["reason"] for p in result["problems"])
    if version is not None:  # the broken link is named: the case and the first bad version
        assert (case_id, version) in [(p["case"], p["version"]) for p in result["problems"]], result["problems"]
    assert standalone(forged)[0] == 1


def test_the_cli_reports_a_changed_bundle_with_exit_1(exported, shared_instance, tmp_path):
    path, _ = exported
    forged = tmp_path / "forged.jsonl"
    lines, base, case_id = lines_of(path)
    forged.write_bytes(b"".join(edit_actor(lines, base + 2)))
    result = run_cli("sqlite:///unused.db", shared_instance, "audit", "verify", "--bundle", str(forged), "--json")
    assert result.code == 1, result
    assert "Traceback" not in result.stderr
    problems = result.json()["problems"]
    assert any((p["case"], p["version"]) == (case_id, 3) and "hash" in p["reason"] for p in problems), problems


# ---- the restated hash rule agrees with the engine's ------------------------------------------
JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63),
                         st.floats(allow_nan=False, allow_infinity=False),
                         st.text(st.characters(blacklist_categories=("Cs",))))
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(st.characters(blacklist_categories=("Cs",)), max_size=8),
                                                 inner, max_size=4)), max_leaves=12)
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
EVENTS = st.builds(
    Event, case_id=TEXT, version=st.integers(1, 10**6), at=TEXT, actor=TEXT, action=TEXT,
    from_state=st.none() | TEXT, to_state=st.none() | TEXT,
    payload=st.dictionaries(st.text(st.characters(blacklist_categories=("Cs",)), max_size=8), JSON_VALUES,
                            max_size=5),
    definition=TEXT, definition_version=st.integers(1, 1000), prev_hash=TEXT, seq=st.none() | st.integers(1, 10**9),
)


@settings(settings.get_profile(DURABILITY_PROFILE), max_examples=300)
@given(event=EVENTS)
def test_the_bundle_verifier_hashes_exactly_like_the_engine(event):
    sealed = event.sealed()
    through_json = json.loads(canonical_json(sealed.to_dict()))  # what a bundle line holds
    assert bundle_verify.event_hash(through_json) == sealed.compute_hash() == sealed.hash


def chain(case_id: str, payloads: list[dict[str, Any]]) -> list[Event]:
    events, prev = [], GENESIS_HASH
    for version, payload in enumerate(payloads, start=1):
        ev = Event(case_id, version, f"2026-03-02T01:00:{version % 60:02d}.000000Z", "registrar", "commented", None,
                   None, payload, "clue", 1, prev, seq=version).sealed()
        events.append(ev)
        prev = ev.hash
    return events


@settings(settings.get_profile(DURABILITY_PROFILE), max_examples=100)
@given(payloads=st.lists(st.dictionaries(st.sampled_from("abc"), JSON_VALUES, max_size=3), min_size=1, max_size=6),
       data=st.data())
def test_any_single_forgery_of_a_random_chain_is_caught(payloads, data):
    import io

    events = chain("c0123456789abcdef", payloads)
    buffer = io.BytesIO()
    write_bundle(iter(events), buffer, exported_at="2026-03-02T01:00:00.000000Z", scope="all")
    assert bundle_verify.verify_bundle(buffer.getvalue())["ok"]

    victim = data.draw(st.integers(0, len(events) - 1), label="victim")
    field = data.draw(st.sampled_from(["at", "actor", "action", "payload", "prev_hash", "to_state"]), label="field")
    forged_value = {"payload": {"forged": True}, "to_state": "closed"}.get(field, "forged")
    forged = list(events)
    forged[victim] = replace(events[victim], **{field: forged_value})
    out = io.BytesIO()
    write_bundle(iter(forged), out, exported_at="2026-03-02T01:00:00.000000Z", scope="all")  # digest recomputed
    result = bundle_verify.verify_bundle(out.getvalue())
    assert not result["ok"]
    assert [(p["case"], p["version"]) for p in result["problems"]] == [("c0123456789abcdef", victim + 1)]
