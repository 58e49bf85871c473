"""`rectiflow audit verify --bundle`: read the files and keys, run the stand-alone verifier, say what it found.

The checks themselves are workflow.audit.bundle_verify's (the one an auditor runs without rectiflow),
so the CLI and the stand-alone verifier cannot disagree. The CLI adds one check the stand-alone
verifier (no YAML parser) cannot make: that each definition's `initial` and `transitions` in the header
are those its `yaml` text states (docs/audit-bundle.md, §6 rule 4).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from workflow.audit.bundle_verify import COSIGNATURE, ED25519, Refused, parse_vkey, verify_bundle
from workflow.errors import InvalidInput


def _key(path: Path, key_type: int) -> tuple[str, bytes, bytes]:
    try:
        return parse_vkey(path.read_text(encoding="utf-8"), key_type)
    except (OSError, UnicodeDecodeError, Refused) as err:
        raise InvalidInput("audit.key_bad", path=str(path), kind="public") from err


def verify_bundle_file(bundle: Path, checkpoints: tuple[Path, ...], keys: tuple[Path, ...],
                       witness_keys: tuple[Path, ...]) -> dict[str, Any]:
    if len(keys) > 1:
        raise InvalidInput("--key: a bundle is checked with one public key (the log's)")
    given = [(str(p), p.read_text(encoding="utf-8")) for p in checkpoints]
    key = _key(keys[0], ED25519) if keys else None
    data = bundle.read_bytes()
    report = verify_bundle(data, given, key, [_key(p, COSIGNATURE) for p in witness_keys])
    report["problems"] += definition_problems(data)
    report["ok"] = not report["problems"]
    return report


def definition_problems(data: bytes) -> list[dict[str, Any]]:
    """The header's definitions whose `initial`/`transitions` differ from what their YAML text states."""
    try:
        header = json.loads(data.split(b"\n", 1)[0])
        definitions = header["definitions"] if header.get("type") == "header" else []
    except (ValueError, KeyError, AttributeError, TypeError):
        return []  # not a /2 header: the verifier has said so
    problems = []
    for d in definitions if isinstance(definitions, list) else []:
        if isinstance(d, dict) and d.get("initial") is None and d.get("transitions") is None:
            continue  # refused by the exporting parser: the verifier reports the continuity it cannot check
        try:
            raw = yaml.safe_load(d["yaml"])
            stated = {"initial": raw["initial"], "transitions": [
                {"trigger": t["trigger"], "from": [t["source"]] if isinstance(t["source"], str) else t["source"],
                 "to": t["dest"]} for t in raw["transitions"]]}
            same = stated == {"initial": d["initial"], "transitions": d["transitions"]}
        except (yaml.YAMLError, KeyError, TypeError):
            same = False
        if not same:
            problems.append({"what": "header", "case": None, "version": None, "seq": None,
                             "reason": f"definition {d.get('name')} v{d.get('version')}: its initial state or "
                                       "transitions differ from what its yaml states"})
    return problems


def bundle_text(result: dict[str, Any]) -> str:
    lines = [f"{'OK' if result['ok'] else 'FAILED'}: bundle {result['format']} ({result['scope']}): "
             f"{result['cases']} cases, {result['events']} events, {result['access']} access-log rows"]
    for p in result["problems"]:
        subject = (f"case {p['case']}" + (f" version {p['version']}" if p["version"] is not None else "")
                   if p["case"] else f"seq {p['seq']}" if p["seq"] is not None else p["what"])
        lines.append(f"  {subject}: {p['reason']}")
    for cp in result.get("checkpoints", []):
        signed = ("signature checked" if cp["signature_checked"]
                  else "signature NOT checked: give --key PUB")
        witnessed = f", cosigned by {', '.join(cp['witnesses'])}" if cp["witnesses"] else ""
        lines.append(f"checkpoint {cp['source']}: {'OK' if cp['ok'] else 'FAILED'} "
                     f"(size {cp.get('size')}, {signed}{witnessed})")
    lines += [f"note: {text}" for text in result.get("limits", [])]
    return "\n".join(lines)
