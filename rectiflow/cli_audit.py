"""`rectiflow audit …`: verify the hash chains, replays and checkpoints; export a bundle; keys and checkpoints."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from rectiflow.cli_bundle import bundle_text, verify_bundle_file
from rectiflow.common import application, handles_errors, json_option
from rectiflow.output import EXIT_ERROR, emit
from workflow.audit.bundle import BundleExport
from workflow.audit.notes import VerifierKey
from workflow.bootstrap import Application, audit_keygen, witness_public_key
from workflow.errors import InvalidInput

DEFAULT_KEY_NAME = "rectiflow-audit"


@click.group()
def audit() -> None:
    """The append-only, hash-chained audit log and its signed Merkle checkpoints."""


@audit.command("verify")
@click.option("--case", "case_id", default=None, help="Only this case.")
@click.option("--bundle", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Check an exported bundle instead of the database (no database needed; docs/audit-bundle.md).")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Processes checking ranges of cases in parallel (default: the number of CPUs).")
@click.option("--checkpoint", "checkpoints", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              help="A signed checkpoint file the database (or the --bundle) must still contain exactly "
                   "(repeatable; default: the latest stored one, or the one the bundle carries).")
@click.option("--key", "keys", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              help="The public key (.pub) that signed the checkpoint(s): one for all, or one per --checkpoint.")
@click.option("--witness-key", "witness_keys", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              help="A witness's cosignature/v1 public key: every checkpoint checked (the database's, or the "
                   "bundle's) must carry its valid cosignature (repeatable).")
@json_option
@handles_errors
def verify_cmd(case_id: str | None, bundle: Path | None, jobs: int | None, checkpoints: tuple[Path, ...],
               keys: tuple[Path, ...], witness_keys: tuple[Path, ...], as_json: bool) -> None:
    """Walk every chain, recompute every hash, replay every case, check the checkpoints; exit 1 on any problem."""
    if bundle is not None:
        report = verify_bundle_file(bundle, checkpoints, keys, witness_keys)
        emit(as_json, report, bundle_text(report))
        if not report["ok"]:
            sys.exit(EXIT_ERROR)
        return
    app = application(sync=False)
    result: dict[str, Any] = app.audit.verify(case_id=case_id, jobs=jobs).to_dict()
    if case_id is None:
        witnesses = [witness_public_key(k) for k in witness_keys]
        checked = app.checkpoints.verify(_given(app, checkpoints, keys), witnesses)
        if checked:  # no checkpoint yet: the report is the chains' alone, as before
            result["checkpoints"] = [c.to_dict() for c in checked]
            result["ok"] = bool(result["ok"]) and all(c.ok for c in checked)
    lines = [f"{'OK' if result['ok'] else 'FAILED'}: {result['cases']} cases, {result['events']} events"]
    lines += [f"  case {p['case']} version {p['version']}: {p['reason']}" for p in result["problems"]]
    for cp in result.get("checkpoints", []):
        unsigned = "" if cp["signature_checked"] else " (signature not checked: give --key PUB)"
        unsigned += "".join(f", cosigned by {name}" for name in cp.get("cosigned_by", []))
        lines.append(f"checkpoint {cp['source']}: " + (f"OK, the database holds its tree of {cp['size']} entries"
                                                       if cp["ok"] else "FAILED") + unsigned)
        lines += [f"  {_subject(p)}: {p['reason']}" for p in cp["problems"]]
    emit(as_json, result, "\n".join(lines))
    if not result["ok"]:
        sys.exit(EXIT_ERROR)


def _given(app: Application, checkpoints: tuple[Path, ...],
           keys: tuple[Path, ...]) -> list[tuple[str, str, VerifierKey | None]]:
    """(source, note, verifier key) of each --checkpoint; with only --key, the stored latest checkpoint."""
    if len(keys) not in (0, 1, len(checkpoints)) or (keys and not checkpoints and len(keys) > 1):
        raise InvalidInput("--key: give one public key for all checkpoints, or one per --checkpoint")
    verifiers = [app.checkpoints.keys.verifier(k) for k in keys]
    if not checkpoints:
        stored = app.checkpoints.log.checkpoints()
        if not stored:
            return []
        return [("stored latest checkpoint", stored[-1], verifiers[0] if verifiers else None)]
    given: list[tuple[str, str, VerifierKey | None]] = []
    for i, path in enumerate(checkpoints):
        key = verifiers[i] if len(verifiers) > 1 else (verifiers[0] if verifiers else None)
        given.append((str(path), path.read_text(encoding="utf-8"), key))
    return given


def _subject(problem: dict[str, Any]) -> str:
    if problem.get("case"):
        return f"case {problem['case']}"
    if problem.get("access_seq") is not None:
        return f"access-log row {problem['access_seq']}"
    return str(problem["what"])


@audit.command("export")
@click.option("--case", "case_id", default=None, help="Only this case (its events and their inclusion proofs).")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True)
@json_option
@handles_errors
def export(case_id: str | None, output: Path, as_json: bool) -> None:
    """Write the audit bundle (format /2, docs/audit-bundle.md): the Merkle log's records, the checkpoint signed
    now (with a signing key configured; also written beside it as FILE.checkpoint) and the proofs."""
    app = application(sync=False)
    done = BundleExport(app.store, app.checkpoints, app.registry, app.clock).export(output, case_id=case_id)
    data: dict[str, Any] = {"file": str(output), "events": done.events, "access": done.access,
                            "digest": done.digest, "size": done.size}
    text = (f"wrote {done.events} events and {done.access} access-log rows to {output} (digest {done.digest}, "
            f"log size {done.size})")
    if done.note is not None:
        path = output.with_name(output.name + ".checkpoint")
        path.write_text(done.note, encoding="utf-8")
        data["checkpoint"] = str(path)
        text += f"\nwrote {path} (checkpoint of the whole log: {done.size} entries)"
    else:
        text += "\nno signing key configured (RECTIFLOW_AUDIT_KEY): the bundle carries no signed checkpoint"
    emit(as_json, data, text)


@audit.command("keygen")
@click.option("-o", "--output", "directory", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="Folder for <name>.key (private, mode 600) and <name>.pub (the public key auditors keep).")
@click.option("--name", default=DEFAULT_KEY_NAME, show_default=True, help="The key's name (no spaces, no '+').")
@json_option
@handles_errors
def keygen(directory: Path, name: str, as_json: bool) -> None:
    """Make the Ed25519 key that signs checkpoints (C2SP signed-note format); point RECTIFLOW_AUDIT_KEY at it."""
    private, public, verifier = audit_keygen(directory, name)
    emit(as_json, {"key": str(private), "pub": str(public), "verifier_key": verifier},
         f"wrote {private} (private: set RECTIFLOW_AUDIT_KEY to it, keep it off the database host's backups)\n"
         f"wrote {public} (public: give it to the auditors)\n{verifier}")


@audit.command("checkpoint")
@json_option
@handles_errors
def checkpoint(as_json: bool) -> None:
    """Add every committed record to the Merkle log, then sign and store a checkpoint of it."""
    cp, note = application(sync=False).checkpoints.checkpoint()
    emit(as_json, cp.to_dict(note), note.rstrip("\n"))


@audit.command("checkpoints")
@json_option
@handles_errors
def checkpoints_cmd(as_json: bool) -> None:
    """List the stored checkpoints, oldest first."""
    stored = application(sync=False).checkpoints.stored()
    rows = [cp.to_dict(note) for cp, note in stored]
    emit(as_json, {"checkpoints": rows},
         "\n".join(f"{r['time']}  size {r['size']}  root {r['root']}" for r in rows) or "no checkpoints yet")


@audit.group("proof")
def proof() -> None:
    """RFC 6962 proofs over the Merkle log (for witnesses and auditors)."""


@proof.command("consistency")
@click.argument("old", type=int)
@click.argument("new", type=int)
@json_option
@handles_errors
def proof_consistency(old: int, new: int, as_json: bool) -> None:
    """Prove that the log of size OLD is a prefix of the log of size NEW."""
    result = application(sync=False).checkpoints.consistency(old, new)
    emit(as_json, result, "\n".join([f"consistency {old} -> {new}", f"old root {result['old_root']}",
                                     f"new root {result['new_root']}", *map(str, result["proof"])]))  # type: ignore[call-overload]


@proof.command("inclusion")
@click.argument("case_id")
@click.argument("version", type=int)
@click.option("--size", type=int, default=None, help="Tree size (default: the latest checkpoint's).")
@json_option
@handles_errors
def proof_inclusion(case_id: str, version: int, size: int | None, as_json: bool) -> None:
    """Prove that event VERSION of CASE is in the log."""
    result = application(sync=False).checkpoints.inclusion(case_id, version, size)
    emit(as_json, result, "\n".join([f"case {case_id} version {version}: leaf {result['index']} of {result['size']}",
                                     f"root {result['root']}", *map(str, result["proof"])]))  # type: ignore[call-overload]


COMMANDS = (audit,)
