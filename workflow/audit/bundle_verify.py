"""Stand-alone verifier of an audit bundle: `python -m workflow.audit.bundle_verify FILE` (no database).

Written to be read by an auditor: it uses only the standard library and restates the hashing
rule in full rather than importing it.
  1. Every line but the last is canonical JSON (sorted keys, no spaces, UTF-8); the last line
     holds the SHA-256 of all the bytes before it, so nothing was added, dropped or edited.
  2. For each case, versions run 1, 2, 3 …; each event's prev_hash is the previous event's hash
     (64 zeros for the first); each hash is SHA-256 of the canonical JSON of the event's fields
     case_id, version, at, actor, action, from_state, to_state, payload, definition,
     definition_version, prev_hash.
"""
from __future__ import annotations

import hashlib
import json
import sys

GENESIS = "0" * 64


def canonical(obj: object) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def event_hash(e: dict) -> str:  # type: ignore[type-arg]
    content = {"case_id": e["case"], "version": e["version"], "at": e["at"], "actor": e["actor"],
               "action": e["action"], "from_state": e["from"], "to_state": e["to"], "payload": e["payload"],
               "definition": e["definition"], "definition_version": e["definition_version"],
               "prev_hash": e["prev_hash"]}
    return hashlib.sha256(canonical(content).encode("utf-8")).hexdigest()


EVENT_KEYS = ("case", "version", "at", "actor", "action", "from", "to", "payload", "definition",
              "definition_version", "prev_hash", "hash")


def is_event(e: object) -> bool:
    return (isinstance(e, dict) and all(k in e for k in EVENT_KEYS) and isinstance(e["case"], str)
            and isinstance(e["version"], int))


def verify_bundle(data: bytes) -> dict:  # type: ignore[type-arg]
    """Return {"ok", "cases", "events", "problems": [{"case", "version", "reason"}]}."""
    problems: list[dict] = []  # type: ignore[type-arg]
    lines = data.splitlines(keepends=True)
    if len(lines) < 2:
        return {"ok": False, "cases": 0, "events": 0, "problems": [{"case": None, "version": None,
                                                                    "reason": "not a bundle: too short"}]}
    body, last = lines[:-1], lines[-1]
    try:
        trailer = json.loads(last)
        records = [json.loads(line) for line in body]
    except ValueError:
        return {"ok": False, "cases": 0, "events": 0,
                "problems": [{"case": None, "version": None, "reason": "a line is not JSON"}]}
    if not isinstance(trailer, dict):
        trailer = {}
    if hashlib.sha256(b"".join(body)).hexdigest() != trailer.get("digest"):
        problems.append({"case": None, "version": None, "reason": "bundle digest mismatch: lines were edited, "
                                                                 "added or removed"})
    if not isinstance(records[0], dict) or "format" not in records[0]:
        problems.append({"case": None, "version": None, "reason": "the first line is not the bundle header"})
    events = records[1:]
    heads: dict[str, tuple[int, str]] = {}
    for e in events:
        if not is_event(e):  # an added line of anything else; it must not stop the check of the rest
            problems.append({"case": None, "version": None, "reason": "a line is not an event record"})
            continue
        version, prev = heads.get(e["case"], (0, GENESIS))
        reason = None
        if e["version"] != version + 1:
            reason = f"expected version {version + 1}, found {e['version']}: events were removed, added or moved"
        elif e["prev_hash"] != prev:
            reason = "prev_hash does not match the previous event's hash"
        elif event_hash(e) != e["hash"]:
            reason = "hash does not match the event's content"
        if reason and not any(p["case"] == e["case"] for p in problems):
            # Name the first broken link: the version that should have come here.
            problems.append({"case": e["case"], "version": version + 1, "reason": reason})
        heads[e["case"]] = (e["version"], e["hash"])
    if trailer.get("events") != len(events):
        problems.append({"case": None, "version": None, "reason": "event count differs from the trailer"})
    return {"ok": not problems, "cases": len(heads), "events": len(events), "problems": problems}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m workflow.audit.bundle_verify BUNDLE.jsonl", file=sys.stderr)
        return 2
    with open(argv[0], "rb") as fh:
        result = verify_bundle(fh.read())
    print(canonical(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
