"""The worked example of docs/audit-bundle.md, built with the code: two cases, four events, one access-log row.

`python tests/durability/bundle_example.py` prints every fenced block the doc holds (by id), so the
doc's examples can be regenerated; tests/durability/test_bundle_spec.py checks the doc against them.
Keys are TEST keys from fixed seeds (published in the doc): never use them for anything else.
"""
from __future__ import annotations

import base64
import hashlib
import io
import sys
from typing import Any

from workflow.audit.bundle import write_lines
from workflow.audit.merkle import inclusion_proof, leaf_hash, root_of
from workflow.audit.notes import Checkpoint, SignerKey
from workflow.events import GENESIS_HASH, Event, canonical_json

LOG_KEY = SignerKey("example-log", hashlib.sha256(b"rectiflow audit-bundle example TEST log key").digest())
WITNESS_SEED = hashlib.sha256(b"rectiflow audit-bundle example TEST witness key").digest()
WITNESS_NAME = "example-witness"
WITNESS_TIME = 1796601600  # 2026-12-07T00:00:00Z
ORIGIN = "rectiflow/example"
AT = "2026-12-07T0{}:00:00.000000Z"
YAML = ("name: demo\nversion: 1\ninitial: open\nstates: [open, done]\n"
        "transitions:\n  - {trigger: finish, source: open, dest: done}\n")


def _event(case: str, version: int, hour: int, action: str, from_state: str | None, to_state: str | None,
           payload: dict[str, Any], prev: str) -> Event:
    return Event(case, version, AT.format(hour), "registrar", action, from_state, to_state, payload, "demo", 1,
                 prev).sealed()


def events() -> dict[str, Event]:
    a1 = _event("case-a", 1, 1, "opened", None, "open", {"title": "示例一"}, GENESIS_HASH)
    a2 = _event("case-a", 2, 2, "commented", None, None, {"comment": "已核实"}, a1.hash)
    b1 = _event("case-b", 1, 4, "opened", None, "open", {"title": "示例二"}, GENESIS_HASH)
    a3 = _event("case-a", 3, 5, "advanced", "open", "done", {"trigger": "finish"}, a2.hash)
    return {"a1": a1, "a2": a2, "b1": b1, "a3": a3}


ACCESS_ROW = {"seq": 1, "at": AT.format(3), "actor": "auditor", "action": "view", "case_id": "case-a",
              "outcome": "ok", "ip": "10.0.0.1", "detail": "{}"}


def records() -> list[dict[str, Any]]:
    """The log in order: positions 0..4."""
    ev = events()
    order: list[Any] = [ev["a1"], ev["a2"], ACCESS_ROW, ev["b1"], ev["a3"]]
    out = []
    for seq, r in enumerate(order):
        if isinstance(r, Event):
            out.append({**r.to_dict(), "type": "event", "seq": seq})
        else:
            out.append({"type": "access", "seq": seq, "row": r})
    return out


def leaf_data(record: dict[str, Any]) -> bytes:
    if record["type"] == "access":
        return canonical_json(record["row"]).encode("utf-8")
    return canonical_json(Event.from_dict(record).hashed_content()).encode("utf-8")


def leaves() -> list[bytes]:
    return [leaf_hash(leaf_data(r)) for r in records()]


def checkpoint_body() -> str:
    return Checkpoint(ORIGIN, len(records()), root_of(leaves()), AT.format(6)).body()


def cosignature_line(body: str) -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private = Ed25519PrivateKey.from_private_bytes(WITNESS_SEED)
    public = private.public_key().public_bytes_raw()
    kid = hashlib.sha256(WITNESS_NAME.encode() + b"\n\x04" + public).digest()[:4]
    signature = private.sign(f"cosignature/v1\ntime {WITNESS_TIME}\n{body}".encode())
    blob = kid + WITNESS_TIME.to_bytes(8, "big") + signature
    return f"\u2014 {WITNESS_NAME} {base64.b64encode(blob).decode()}\n"


def witness_vkey() -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    public = Ed25519PrivateKey.from_private_bytes(WITNESS_SEED).public_key().public_bytes_raw()
    kid = hashlib.sha256(WITNESS_NAME.encode() + b"\n\x04" + public).digest()[:4]
    blob = base64.b64encode(b"\x04" + public).decode()
    return f"{WITNESS_NAME}+{kid.hex()}+{blob}"


def note() -> str:
    return LOG_KEY.sign(checkpoint_body()) + cosignature_line(checkpoint_body())


def header(scope: str) -> dict[str, Any]:
    definition = {"name": "demo", "version": 1, "yaml": YAML, "yaml_sha256": hashlib.sha256(YAML.encode()).hexdigest(),
                  "initial": "open", "transitions": [{"trigger": "finish", "from": ["open"], "to": "done"}]}
    return {"scope": scope, "exported_at": AT.format(6), "origin": ORIGIN, "tree_size": len(records()),
            "definitions": [definition]}


def bundle() -> str:
    out = io.BytesIO()
    write_lines(out, header("all"), [note()], records(), [])
    return out.getvalue().decode("utf-8")


def case_bundle() -> str:
    """case-b alone: its event at seq 3 and the inclusion proof of leaf 3 in the tree of size 5."""
    out = io.BytesIO()
    b1 = [r for r in records() if r.get("case") == "case-b"]
    proof = [{"seq": 3, "proof": [base64.b64encode(h).decode() for h in inclusion_proof(3, leaves())]}]
    write_lines(out, header("case:case-b"), [note()], b1, proof)
    return out.getvalue().decode("utf-8")


def _nodes() -> str:
    from workflow.audit.merkle import node_hash

    h = leaves()
    n01, n23 = node_hash(h[0], h[1]), node_hash(h[2], h[3])
    n0123 = node_hash(n01, n23)
    return (f"n01   = SHA-256(01 || leaf0 || leaf1) = {n01.hex()}\n"
            f"n23   = SHA-256(01 || leaf2 || leaf3) = {n23.hex()}\n"
            f"n0123 = SHA-256(01 || n01 || n23)     = {n0123.hex()}\n"
            f"root  = SHA-256(01 || n0123 || leaf4) = {node_hash(n0123, h[4]).hex()}\n")


def blocks() -> dict[str, str]:
    """Every fenced block of the doc's examples, by id (the exact text between the fences)."""
    ev = events()
    return {
        "example-event-hash-input": leaf_data(records()[0]).decode("utf-8") + "\n",
        "example-event-hashes": "".join(f"{k} {e.hash}\n" for k, e in ev.items()),
        "example-access-leaf-input": leaf_data(records()[2]).decode("utf-8") + "\n",
        "example-leaves": "".join(f"{i} {h.hex()}\n" for i, h in enumerate(leaves())),
        "example-nodes": _nodes(),
        "example-root": f"hex    {root_of(leaves()).hex()}\nbase64 {base64.b64encode(root_of(leaves())).decode()}\n",
        "example-log-private-key": LOG_KEY.text() + "\n",
        "example-log-public-key": LOG_KEY.verifier.text() + "\n",
        "example-witness-public-key": witness_vkey() + "\n",
        "example-checkpoint": note(),
        "example-inclusion-proof": "".join(
            f"{base64.b64encode(h).decode()}\n" for h in inclusion_proof(3, leaves())),
        "example-bundle": bundle(),
        "example-case-bundle": case_bundle(),
    }


if __name__ == "__main__":
    for name, text in blocks().items():
        sys.stdout.write(f"==== {name}\n{text}")
