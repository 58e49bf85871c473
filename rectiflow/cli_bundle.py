"""`rectiflow audit verify --bundle`: read the files and keys, run the stand-alone verifier, say what it found.

The checks themselves are workflow.audit.bundle_verify's (the one an auditor runs without rectiflow),
so the CLI and the stand-alone verifier cannot disagree.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

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
    return verify_bundle(bundle.read_bytes(), given, key, [_key(p, COSIGNATURE) for p in witness_keys])


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
