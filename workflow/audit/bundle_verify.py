"""Stand-alone verifier of an audit bundle, written to be read by an auditor (the spec: docs/audit-bundle.md).

    python -m workflow.audit.bundle_verify BUNDLE [--checkpoint FILE]... [--key PUB] [--witness-key PUB]...

It uses the standard library only, plus `cryptography` for Ed25519 (imported only when a key is
given), and restates every rule rather than importing rectiflow: canonical JSON, the event hash,
RFC 6962 leaf/node hashing, inclusion proofs, C2SP signed notes and cosignature/v1.
Exit codes: 0 the bundle verifies; 1 it does not (every problem is printed); 2 usage error, or a
file/key that cannot be read. Output: one line of canonical JSON, the report.
"""
from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import sys
from typing import Any

FORMAT_V1 = "rectiflow-audit-bundle/1"
FORMAT_V2 = "rectiflow-audit-bundle/2"
GENESIS = "0" * 64
DASH = "\u2014"
ED25519, COSIGNATURE = 0x01, 0x04  # signature type bytes of note keys (signed-note, tlog-cosignature)
V1_LIMITS = ("format /1 carries no log positions, no checkpoint and no proofs: it proves only that each case's "
             "chain is internally consistent; it cannot prove that no case, tail or access-log row is missing, "
             "nor that a case was not re-chained")
CASE_LIMITS = ("a case-scope bundle proves that each of its events is in the signed log; it cannot prove that the "
               "case has no later events (a full export can)")

# Every line is an object with exactly these keys (rule 3: unknown or missing keys are refused).
LINE_KEYS = {
    "header": {"type", "format", "scope", "exported_at", "origin", "tree_size", "definitions"},
    "checkpoint": {"type", "note"},
    "event": {"type", "seq", "case", "version", "at", "actor", "action", "from", "to", "payload", "definition",
              "definition_version", "prev_hash", "hash"},
    "access": {"type", "seq", "row"},
    "inclusion": {"type", "seq", "proof"},
    "trailer": {"type", "digest", "events", "access"},
}
ORDER = {"header": 0, "checkpoint": 1, "event": 2, "access": 2, "inclusion": 3, "trailer": 4}
ROW_KEYS = {"seq", "at", "actor", "action", "case_id", "outcome", "ip", "detail"}
DEFINITION_KEYS = {"name", "version", "yaml", "yaml_sha256", "initial", "transitions"}
TRANSITION_KEYS = {"trigger", "from", "to"}
STR, OPT_STR, INT = (str,), (str, type(None)), (int,)
EVENT_TYPES = {"case": STR, "version": INT, "at": STR, "actor": STR, "action": STR, "from": OPT_STR, "to": OPT_STR,
               "payload": (dict,), "definition": STR, "definition_version": INT, "prev_hash": STR, "hash": STR}
ROW_TYPES = {"seq": INT, "at": STR, "actor": STR, "action": STR, "case_id": OPT_STR, "outcome": STR,
             "ip": STR, "detail": STR}


def canonical(obj: object) -> str:
    """Rule 2: sorted keys, no spaces, non-ASCII kept as UTF-8, no NaN."""
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def event_hash_input(e: dict[str, Any]) -> bytes:
    """Rule 6: the canonical JSON of the hashed fields, the bundle's short names renamed back."""
    content = {"case_id": e["case"], "version": e["version"], "at": e["at"], "actor": e["actor"],
               "action": e["action"], "from_state": e["from"], "to_state": e["to"], "payload": e["payload"],
               "definition": e["definition"], "definition_version": e["definition_version"],
               "prev_hash": e["prev_hash"]}
    return canonical(content).encode("utf-8")


def event_hash(e: dict[str, Any]) -> str:
    return hashlib.sha256(event_hash_input(e)).hexdigest()


def leaf_hash(data: bytes) -> bytes:
    """RFC 6962: a leaf is SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962: an interior node is SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def merkle_root(leaves: list[bytes]) -> bytes:
    """RFC 6962 MTH: split at the largest power of two smaller than n; the empty tree is SHA-256("")."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(merkle_root(leaves[:k]), merkle_root(leaves[k:]))


def inclusion_root(leaf: bytes, index: int, size: int, proof: list[bytes]) -> bytes | None:
    """RFC 9162 §2.1.3.2: the root `proof` leads to from leaf `index` in a tree of `size`; None if the
    proof's length does not fit (index, size) — a proof for one size never passes for another."""
    if not 0 <= index < size:
        return None
    fn, sn, digest = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            digest = node_hash(sibling, digest)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            digest = node_hash(digest, sibling)
        fn, sn = fn >> 1, sn >> 1
    return digest if sn == 0 else None


# ---- signed notes (C2SP signed-note, tlog-checkpoint, tlog-cosignature) ---------------------------------
class Refused(Exception):
    pass


def note_key_id(name: str, key_type: int, public: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([key_type]) + public).digest()[:4]


def parse_vkey(text: str, key_type: int) -> tuple[str, bytes, bytes]:
    """(name, key id, public key) of a verifier key `<name>+<key id hex>+<base64(type || public key)>`."""
    try:
        name, hex_id, blob = text.strip().split("+", 2)
        raw, kid = base64.b64decode(blob, validate=True), bytes.fromhex(hex_id)
    except (ValueError, binascii.Error):
        raise Refused("not a verifier key") from None
    if not name or len(raw) != 33 or raw[0] != key_type or kid != note_key_id(name, key_type, raw[1:]):
        kind = "an Ed25519 note key (type 0x01)" if key_type == ED25519 else "a cosignature/v1 key (type 0x04)"
        raise Refused(f"not {kind}")
    return name, kid, raw[1:]


def split_note(note: str) -> tuple[str, list[tuple[str, bytes]]]:
    """(body with its final newline, [(key name, signature bytes)]) of a signed note."""
    body, sep, sigs = note.rpartition("\n\n")
    if not sep or not sigs.endswith("\n"):
        raise Refused("not a signed note (no blank line before the signature lines)")
    lines = []
    for line in sigs[:-1].split("\n"):
        dash, _, rest = line.partition(" ")
        name, _, blob = rest.partition(" ")
        try:
            raw = base64.b64decode(blob, validate=True)
        except binascii.Error:
            raise Refused("a signature line is not base64") from None
        if dash != DASH or not name or len(raw) < 5:
            raise Refused("a signature line is malformed")
        lines.append((name, raw))
    return body + "\n", lines


def parse_checkpoint(body: str) -> tuple[str, int, bytes]:
    """(origin, tree size, root) of a checkpoint body: origin, decimal size, base64 root, extension lines."""
    lines = body.split("\n")[:-1]
    try:
        origin, size_text, root_text = lines[:3]
        size, root = int(size_text), base64.b64decode(root_text, validate=True)
    except (ValueError, binascii.Error):
        raise Refused("the checkpoint body is malformed") from None
    if not origin or size < 0 or str(size) != size_text or len(root) != 32 or any(not x for x in lines[3:]):
        raise Refused("the checkpoint body is malformed")
    return origin, size, root


def ed25519_ok(public: bytes, signature: bytes, message: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except InvalidSignature:
        return False
    return True


def check_signature(body: str, sigs: list[tuple[str, bytes]], key: tuple[str, bytes, bytes]) -> str | None:
    """None if the note carries a valid signature by `key`; else why not. Lines of other keys are ignored."""
    name, kid, public = key
    mine = [raw for n, raw in sigs if n == name and raw[:4] == kid]
    if not mine:
        return f"no signature by key {name}+{kid.hex()} (signed by {', '.join(n for n, _ in sigs) or 'nobody'})"
    if len(mine[0]) != 4 + 64 or not ed25519_ok(public, mine[0][4:], body.encode("utf-8")):
        return f"the signature by key {name} does not verify: the checkpoint was edited or re-signed"
    return None


def check_cosignature(body: str, sigs: list[tuple[str, bytes]], key: tuple[str, bytes, bytes]) -> str | None:
    """cosignature/v1: key id (4) || timestamp (8, big-endian) || Ed25519 over
    "cosignature/v1\\ntime <timestamp>\\n" + body."""
    name, kid, public = key
    mine = [raw for n, raw in sigs if n == name and raw[:4] == kid]
    if not mine:
        return f"no cosignature by witness {name}+{kid.hex()}"
    raw = mine[0]
    if len(raw) != 4 + 8 + 64:
        return f"the cosignature by witness {name} is not 76 bytes"
    timestamp = int.from_bytes(raw[4:12], "big")
    message = f"cosignature/v1\ntime {timestamp}\n{body}".encode()
    if not ed25519_ok(public, raw[12:], message):
        return f"the cosignature by witness {name} does not verify"
    return None


# ---- the bundle -----------------------------------------------------------------------------------------
class Report:
    def __init__(self) -> None:
        self.problems: list[dict[str, Any]] = []

    def add(self, what: str, reason: str, *, case: str | None = None, version: int | None = None,
            seq: int | None = None) -> None:
        self.problems.append({"what": what, "case": case, "version": version, "seq": seq, "reason": reason})


def _typed(obj: dict[str, Any], types: dict[str, tuple[type, ...]]) -> str | None:
    for key, allowed in types.items():
        value = obj.get(key)
        if type(value) not in allowed:  # type(): a bool is not an int here
            return f"field {key!r} must be {'/'.join(t.__name__ for t in allowed)}, not {type(value).__name__}"
    return None


def read_lines(data: bytes, report: Report) -> list[dict[str, Any]] | None:
    """Rules 1-3: the trailer digest, canonical JSON, known line types with exactly their keys."""
    lines = data.splitlines(keepends=True)
    if len(lines) < 2:
        report.add("bundle", "not a bundle: fewer than two lines")
        return None
    records: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        try:
            obj = json.loads(line)
        except ValueError:
            report.add("line", f"line {number} is not JSON")
            return None
        if not isinstance(obj, dict):
            report.add("line", f"line {number} is not a JSON object")
            return None
        if (canonical(obj) + "\n").encode("utf-8") != line:
            report.add("line", f"line {number} is not canonical JSON (or does not end in a newline)")
        records.append(obj)
    return records


def verify_v1(records: list[dict[str, Any]], lines: list[bytes], report: Report) -> dict[str, Any]:
    """Format /1: per-case chains and the trailer digest only (see V1_LIMITS)."""
    body, trailer = lines[:-1], records[-1]
    if hashlib.sha256(b"".join(body)).hexdigest() != trailer.get("digest"):
        report.add("digest", "bundle digest mismatch: lines were edited, added or removed")
    events = records[1:-1]
    keys = set(EVENT_TYPES) | {"seq"}
    heads: dict[str, tuple[int, str]] = {}
    for e in events:
        if set(e) != keys or _typed(e, EVENT_TYPES):
            report.add("line", "a line is not an event record")
            continue
        _link(e, heads, report)
    if trailer.get("events") != len(events):
        report.add("count", "event count differs from the trailer")
    return {"cases": len(heads), "events": len(events), "access": 0}


def _link(e: dict[str, Any], heads: dict[str, tuple[int, str]], report: Report) -> bool:
    """Rule 5: versions 1, 2, 3…; prev_hash the previous hash (GENESIS first); hash recomputed."""
    version, prev = heads.get(e["case"], (0, GENESIS))
    reason = None
    if e["version"] != version + 1:
        reason = f"expected version {version + 1}, found {e['version']}: events were removed, added or moved"
    elif e["prev_hash"] != prev:
        reason = "prev_hash does not match the previous event's hash"
    elif event_hash(e) != e["hash"]:
        reason = "hash does not match the event's content"
    if reason and not any(p["case"] == e["case"] and p["what"] == "chain" for p in report.problems):
        report.add("chain", reason, case=e["case"], version=version + 1, seq=e.get("seq"))
    heads[e["case"]] = (e["version"], e["hash"])
    return reason is None


def _definitions(header: dict[str, Any], report: Report) -> dict[tuple[str, int], dict[str, Any]]:
    found: dict[tuple[str, int], dict[str, Any]] = {}
    if not isinstance(header.get("definitions"), list):
        report.add("header", "definitions must be a list")
        return found
    for d in header["definitions"]:
        if not isinstance(d, dict) or set(d) != DEFINITION_KEYS or _typed(d, {
                "name": STR, "version": INT, "yaml": STR, "yaml_sha256": STR, "initial": OPT_STR,
                "transitions": (list, type(None))}) or (d["initial"] is None) != (d["transitions"] is None):
            report.add("header", "a definition has unknown or missing keys, or fields of the wrong type")
            continue
        if hashlib.sha256(d["yaml"].encode("utf-8")).hexdigest() != d["yaml_sha256"]:
            report.add("header", f"definition {d['name']} v{d['version']}: yaml_sha256 is not the SHA-256 of its yaml")
        for t in d["transitions"] or []:
            if (not isinstance(t, dict) or set(t) != TRANSITION_KEYS or _typed(t, {"trigger": STR, "to": STR})
                    or not isinstance(t["from"], list) or not all(isinstance(s, str) for s in t["from"])):
                report.add("header", f"definition {d['name']} v{d['version']}: a transition is malformed")
        found[(d["name"], d["version"])] = d
    return found


def _continuity(e: dict[str, Any], at: tuple[str | None, int | None],
                definitions: dict[tuple[str, int], dict[str, Any]], report: Report) -> tuple[str | None, int | None]:
    """Rule 7: each change of state starts where the previous one ended, along a transition of the
    definition the event names (the first event enters its initial state); other events keep the state.
    A `migrated` event (recorded under the old version) moves the case to a state of the version its
    payload's `to_version` names; the case's later events must name that version. `at` and the result:
    (the case's state, the definition version it is on)."""
    state, on = at
    where = {"case": e["case"], "version": e["version"], "seq": e["seq"]}
    name, version = e["definition"], e["definition_version"]
    if on is not None and version != on:
        report.add("state", f"the event names {name} v{version}, the case is on v{on}", **where)
    d = definitions.get((name, version))
    if d is None:
        report.add("state", f"definition {name} v{version} is not in the header", **where)
        return state, version
    if e["to"] is None:
        if e["from"] is not None or e["version"] == 1:
            report.add("state", "an event that changes no state must have from = null (and cannot open a case)",
                       **where)
        return state, version
    if e["action"] == "migrated":
        return _migration(e, state, definitions, report), _to_version(e)
    if e["from"] != state:
        report.add("state", f"from-state {e['from']!r} is not the previous to-state {state!r}", **where)
    elif d["initial"] is None:
        _unreadable(e, name, version, report)
    elif e["version"] == 1:
        if e["to"] != d["initial"]:
            report.add("state", f"the case opens in {e['to']!r}, not the initial state {d['initial']!r}", **where)
    else:
        trigger = e["payload"].get("trigger")
        if not any(state in t["from"] and t["to"] == e["to"] and trigger in (None, t["trigger"])
                   for t in d["transitions"]):
            report.add("state", f"no transition {state!r} -> {e['to']!r} (trigger {trigger!r}) in "
                                f"{name} v{version}", **where)
    return str(e["to"]), version


def _to_version(e: dict[str, Any]) -> int | None:
    to_version = e["payload"].get("to_version")
    return to_version if type(to_version) is int else None


def _migration(e: dict[str, Any], state: str | None, definitions: dict[tuple[str, int], dict[str, Any]],
               report: Report) -> str:
    """Rule 7, `migrated`: from = the current state; to = a state of the new version (its initial state, or
    one a transition leaves or enters). No transition of either version is asked for."""
    where = {"case": e["case"], "version": e["version"], "seq": e["seq"]}
    to_version = _to_version(e)
    new = definitions.get((e["definition"], to_version)) if to_version is not None else None
    if e["from"] != state:
        report.add("state", f"from-state {e['from']!r} is not the previous to-state {state!r}", **where)
    if to_version is None:
        report.add("state", "a migrated event's payload must name the version it moves to (to_version)", **where)
    elif new is None:
        report.add("state", f"definition {e['definition']} v{to_version} (the version the case migrates to) is "
                            "not in the header", **where)
    elif new["initial"] is None:
        _unreadable(e, e["definition"], to_version, report)
    elif e["to"] != new["initial"] and not any(e["to"] == t["to"] or e["to"] in t["from"]
                                               for t in new["transitions"]):
        report.add("state", f"the case migrates to {e['to']!r}, which is no state of {e['definition']} "
                            f"v{to_version}", **where)
    return str(e["to"])


def _unreadable(e: dict[str, Any], name: str, version: int, report: Report) -> None:
    """A definition the exporting rectiflow could not parse (initial/transitions null): said once per case."""
    reason = (f"definition {name} v{version} could not be read by the exporting rectiflow (its initial state "
              "and transitions are null): this case's state continuity cannot be checked")
    if not any(p["case"] == e["case"] and p["reason"] == reason for p in report.problems):
        report.add("state", reason, case=e["case"], version=e["version"], seq=e["seq"])


def verify_v2(records: list[dict[str, Any]], lines: list[bytes], report: Report,
              given: list[tuple[str, str]], key: tuple[str, bytes, bytes] | None,
              witnesses: list[tuple[str, bytes, bytes]]) -> dict[str, Any]:
    header, trailer = records[0], records[-1]
    result: dict[str, Any] = {"cases": 0, "events": 0, "access": 0, "checkpoints": [], "limits": []}
    # rule 3: line types, exact keys, order
    rank = 0
    for number, r in enumerate(records, start=1):
        kind = r.get("type")
        if kind not in LINE_KEYS:
            report.add("line", f"line {number}: unknown line type {kind!r}", seq=r.get("seq"))
            return result
        if set(r) != LINE_KEYS[kind]:
            extra, missing = sorted(set(r) - LINE_KEYS[kind]), sorted(LINE_KEYS[kind] - set(r))
            report.add("line", f"line {number} ({kind}): unknown keys {extra} / missing keys {missing}",
                       seq=r.get("seq"), case=r.get("case") if isinstance(r.get("case"), str) else None)
            return result
        if (kind == "header") != (number == 1) or (kind == "trailer") != (number == len(records)) \
                or ORDER[kind] < rank:
            report.add("line", f"line {number} ({kind}) is out of place: the order is header, checkpoint, "
                               "event/access, inclusion, trailer")
            return result
        rank = ORDER[kind]
    # rule 1: the trailer
    if hashlib.sha256(b"".join(lines[:-1])).hexdigest() != trailer["digest"]:
        report.add("digest", "the trailer's SHA-256 does not match the bytes before it: lines were edited, added "
                             "or removed")
    # rule 4: the header
    scope, size = header["scope"], header["tree_size"]
    if _typed(header, {"format": STR, "scope": STR, "exported_at": STR, "origin": STR, "tree_size": INT}) \
            or size < 0 or not (scope == "all" or (scope.startswith("case:") and len(scope) > 5)):
        report.add("header", "the header's scope must be \"all\" or \"case:<id>\", tree_size a count, the rest text")
        return result
    definitions = _definitions(header, report)
    scope_case = None if scope == "all" else scope[5:]
    events = [r for r in records if r["type"] == "event"]
    access = [r for r in records if r["type"] == "access"]
    proofs = [r for r in records if r["type"] == "inclusion"]
    result.update(events=len(events), access=len(access))
    if trailer["events"] != len(events) or trailer["access"] != len(access):
        report.add("count", f"the trailer counts {trailer['events']} events and {trailer['access']} access rows, "
                            f"the bundle holds {len(events)} and {len(access)}")
    # rule 4/5: types and seq
    leaves: list[bytes] = []
    previous = -1
    for r in [x for x in records if x["type"] in ("event", "access")]:
        bad = _typed(r, EVENT_TYPES | {"seq": INT} if r["type"] == "event" else {"seq": INT, "row": (dict,)})
        if not bad and r["type"] == "access":
            bad = ("row has unknown or missing keys" if set(r["row"]) != ROW_KEYS else _typed(r["row"], ROW_TYPES))
        if bad:
            report.add("type", f"{r['type']} line: {bad}", seq=r.get("seq") if type(r.get("seq")) is int else None,
                       case=r.get("case") if isinstance(r.get("case"), str) else None)
            return result
        seq = r["seq"]
        if seq <= previous:
            report.add("seq", f"seq {seq} follows seq {previous}: records were reordered or duplicated", seq=seq,
                       case=r.get("case"))
        elif scope_case is None and seq != previous + 1:
            report.add("seq", f"log positions {_span(previous + 1, seq - 1)} are missing: "
                              f"{seq - previous - 1} record(s) were removed", seq=previous + 1)
        if seq >= size:
            report.add("seq", f"seq {seq} is beyond the header's tree size {size}", seq=seq)
        previous = max(previous, seq)
        if r["type"] == "event":
            if scope_case is not None and r["case"] != scope_case:
                report.add("scope", f"an event of case {r['case']} in a bundle of {scope}", case=r["case"], seq=seq)
            leaves.append(leaf_hash(event_hash_input(r)))
        else:
            if scope_case is not None:
                report.add("scope", f"an access-log row in a bundle of {scope}", seq=seq)
            leaves.append(leaf_hash(canonical(r["row"]).encode("utf-8")))
    if scope_case is None and previous + 1 != size:
        report.add("seq", f"the bundle holds log positions 0..{previous} but the header's tree size is {size}: "
                          f"{size - previous - 1} record(s) at the end are missing" if previous + 1 < size else
                          "more records than the tree size", seq=previous + 1)
    # rules 5-7: per-case chains and state continuity
    heads: dict[str, tuple[int, str]] = {}
    states: dict[str, tuple[str | None, int | None]] = {}
    for e in events:
        if _link(e, heads, report):
            states[e["case"]] = _continuity(e, states.get(e["case"], (None, None)), definitions, report)
    result["cases"] = len(heads)
    if scope_case is not None and not events:
        report.add("scope", f"no event of {scope}")
    # rules 8-10: the checkpoints, their signatures, and the tree they sign
    carried = [("bundle", r["note"]) for r in records if r["type"] == "checkpoint"]
    trusted = given or carried
    if not trusted and (key is not None or witnesses):
        report.add("checkpoint", "the bundle carries no checkpoint and none was given: nothing anchors it")
    elif not trusted:
        result["limits"] = ["the bundle carries no checkpoint (exported without a signing key) and none was "
                            "given: it proves only its own consistency, nothing anchors it"]
    event_leaves = {e["seq"]: leaf_hash(event_hash_input(e)) for e in events}
    for source, note in carried + [g for g in given if g not in carried]:
        result["checkpoints"].append(_check_checkpoint(
            source, note, header, leaves, event_leaves, proofs, scope_case, report,
            key, witnesses if (source, note) in trusted else []))
    result["signature_checked"] = key is not None
    return result


def _check_checkpoint(source: str, note: str, header: dict[str, Any], leaves: list[bytes],
                      event_leaves: dict[int, bytes], proofs: list[dict[str, Any]], scope_case: str | None,
                      report: Report, key: tuple[str, bytes, bytes] | None,
                      witnesses: list[tuple[str, bytes, bytes]]) -> dict[str, Any]:
    out: dict[str, Any] = {"source": source, "ok": False, "signature_checked": key is not None, "witnesses": []}
    before = len(report.problems)
    try:
        body, sigs = split_note(note)
        origin, size, root = parse_checkpoint(body)
    except Refused as err:
        report.add("checkpoint", f"checkpoint ({source}): {err}")
        return out
    out.update(origin=origin, size=size, root=base64.b64encode(root).decode())
    if key is not None:
        wrong = check_signature(body, sigs, key)
        if wrong:
            report.add("checkpoint", f"checkpoint ({source}): {wrong}")
    for witness in witnesses:
        wrong = check_cosignature(body, sigs, witness)
        if wrong:
            report.add("witness", f"checkpoint ({source}): {wrong}")
        else:
            out["witnesses"].append(witness[0])
    if origin != header["origin"]:
        report.add("checkpoint", f"checkpoint ({source}) is of log {origin!r}, the bundle of {header['origin']!r}")
    if scope_case is None:
        if size > len(leaves):
            report.add("root", f"checkpoint ({source}) covers {size} log entries, the bundle holds only "
                               f"{len(leaves)}: records were removed")
        elif merkle_root(leaves[:size]) != root:
            report.add("root", f"the root over the bundle's first {size} records differs from the checkpoint "
                               f"({source}): a record was rewritten (e.g. a case re-chained), removed or moved")
    else:
        if size != header["tree_size"]:
            report.add("root", f"checkpoint ({source}) is of tree size {size}; the bundle's inclusion proofs are "
                               f"for size {header['tree_size']}")
        by_seq = {p["seq"]: p for p in proofs if type(p["seq"]) is int and isinstance(p["proof"], list)}
        if len(by_seq) != len(proofs) or set(by_seq) != set(event_leaves):
            report.add("proof", "the inclusion lines do not match the events one for one (by seq)")
        for seq, leaf in event_leaves.items():
            p = by_seq.get(seq)
            try:
                path = [base64.b64decode(x, validate=True) for x in (p["proof"] if p else [])]
            except (binascii.Error, TypeError):
                path = []
            if p is not None and inclusion_root(leaf, seq, size, path) != root:
                report.add("proof", f"the event at seq {seq} is not in the checkpoint's tree ({source}): it was "
                                    "rewritten, or its proof is wrong", case=scope_case, seq=seq)
    out["ok"] = len(report.problems) == before
    return out


def _span(lo: int, hi: int) -> str:
    return str(lo) if lo == hi else f"{lo}..{hi}"


def verify_bundle(data: bytes, checkpoints: list[tuple[str, str]] | None = None,
                  key: tuple[str, bytes, bytes] | None = None,
                  witnesses: list[tuple[str, bytes, bytes]] | None = None) -> dict[str, Any]:
    """The report: {"ok", "format", "scope", "cases", "events", "access", "problems", "limits", …}.

    `checkpoints` are (source, note text) the auditor trusts (default: those the bundle carries),
    `key` the log's Ed25519 note key and `witnesses` cosignature/v1 keys (parse_vkey)."""
    report = Report()
    result: dict[str, Any] = {"format": None, "scope": None, "cases": 0, "events": 0, "access": 0,
                              "signature_checked": False, "limits": []}
    records = read_lines(data, report)
    if records is not None:
        header = records[0]
        result["format"], result["scope"] = header.get("format"), header.get("scope")
        lines = data.splitlines(keepends=True)
        if header.get("format") == FORMAT_V2 and header.get("type") == "header":
            result.update(verify_v2(records, lines, report, checkpoints or [], key, witnesses or []))
            result["limits"] = list(result["limits"])
            if isinstance(result["scope"], str) and result["scope"].startswith("case:"):
                result["limits"].append(CASE_LIMITS)
        elif header.get("format") == FORMAT_V1:
            if checkpoints or key or witnesses:
                report.add("format", "a /1 bundle cannot be checked against a checkpoint: " + V1_LIMITS)
            result.update(verify_v1(records, lines, report))
            result["limits"].append(V1_LIMITS)
        else:
            report.add("header", f"the first line is not a bundle header of a known format "
                                 f"({FORMAT_V1} or {FORMAT_V2})")
    if not result["signature_checked"] and result["format"] == FORMAT_V2:
        result["limits"].append("no --key given: checkpoint signatures were not checked")
    result["ok"] = not report.problems
    result["problems"] = report.problems
    return result


def _read_key(path: str, key_type: int) -> tuple[str, bytes, bytes]:
    with open(path, encoding="utf-8") as fh:
        return parse_vkey(fh.read(), key_type)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m workflow.audit.bundle_verify",
        description="Verify a rectiflow audit bundle (docs/audit-bundle.md) without a database.",
        epilog="Exit codes: 0 the bundle verifies; 1 it does not (the report names every problem); "
               "2 usage error or unreadable file/key.")
    parser.add_argument("bundle", help="the bundle file (JSON Lines)")
    parser.add_argument("--checkpoint", action="append", default=[], metavar="FILE",
                        help="a signed checkpoint note the bundle must match (repeatable; default: the one it carries)")
    parser.add_argument("--key", metavar="PUB", help="the log's public key (<name>+<id>+<base64>): checks signatures")
    parser.add_argument("--witness-key", action="append", default=[], metavar="PUB",
                        help="a witness's cosignature/v1 public key: a valid cosignature by it is required "
                             "(repeatable)")
    args = parser.parse_args(argv)
    try:
        with open(args.bundle, "rb") as fh:
            data = fh.read()
        given = []
        for path in args.checkpoint:
            with open(path, encoding="utf-8") as fh:
                given.append((path, fh.read()))
        key = _read_key(args.key, ED25519) if args.key else None
        witnesses = [_read_key(path, COSIGNATURE) for path in args.witness_key]
    except (OSError, UnicodeDecodeError, Refused) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    result = verify_bundle(data, given, key, witnesses)
    print(canonical(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
