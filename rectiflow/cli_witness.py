"""`rectiflow audit witness …`: cosign checkpoints on a separate machine, from files alone.

No database and no RECTIFLOW_* settings are needed (RECTIFLOW_NOW, if set, fixes the cosignature's
time for drills). The rule (workflow.audit.witness): cosign a checkpoint only if it is the tree cosigned
before or a proven consistent extension of it; the first checkpoint of a log is trusted on first use.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import click

from rectiflow.common import handles_errors, json_option
from rectiflow.output import emit, text_of
from workflow.bootstrap import witness_cosign, witness_keygen
from workflow.errors import InvalidInput
from workflow.events import parse_time
from workflow.messages import Message

DEFAULT_WITNESS_NAME = "rectiflow-witness"
FILE = click.Path(path_type=Path, dir_okay=False)


@click.group("witness")
def witness() -> None:
    """Cosign checkpoints as an offline witness (C2SP tlog-cosignature, cosignature/v1)."""


@witness.command("keygen")
@click.option("-o", "--output", "directory", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="Folder for <name>.key (private, mode 600) and <name>.pub (register it with the log's auditors).")
@click.option("--name", default=DEFAULT_WITNESS_NAME, show_default=True,
              help="The witness's name, e.g. the bureau's domain (no spaces, no '+').")
@json_option
@handles_errors
def keygen(directory: Path, name: str, as_json: bool) -> None:
    """Make a witness's Ed25519 cosigning key (its public key is a signed-note vkey of type 0x04)."""
    private, public, vkey = witness_keygen(directory, name)
    emit(as_json, {"key": str(private), "pub": str(public), "verifier_key": vkey},
         f"wrote {private} (private: keep it on the witness machine only)\n"
         f"wrote {public} (public: register it with the log's audit administrator)\n{vkey}")


@witness.command("cosign")
@click.argument("checkpoint", type=FILE)
@click.option("--key", type=FILE, required=True, help="The witness's private key (from `audit witness keygen`).")
@click.option("--log-key", type=FILE, default=None,
              help="The log's public key (.pub from `audit keygen`): required the first time a log is seen, "
                   "then remembered in the state folder.")
@click.option("--state", "state_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="The witness's memory: the last checkpoint cosigned per log (default: a 'state' folder "
                   "beside --key).")
@click.option("--proof", "proof_file", type=FILE, default=None,
              help="The consistency proof from the last cosigned size to this checkpoint's (the JSON of "
                   "`rectiflow audit proof consistency OLD NEW --json`).")
@click.option("-o", "--output", type=FILE, default=None,
              help="Write the cosigned checkpoint here (default: print it).")
@json_option
@handles_errors
def cosign(checkpoint: Path, key: Path, log_key: Path | None, state_dir: Path | None, proof_file: Path | None,
           output: Path | None, as_json: bool) -> None:
    """Cosign CHECKPOINT if it is a consistent extension of the last one this witness cosigned; exit 1 if not."""
    note = _read_text(checkpoint)
    proof = (_read_text(proof_file), str(proof_file)) if proof_file is not None else None
    done = witness_cosign(note, key=key, state_dir=state_dir or key.parent / "state", now=_now(), log_key=log_key,
                          proof=proof)
    params = {"origin": done.checkpoint.origin, "size": done.checkpoint.size, "last": done.previous_size}
    said = text_of(Message(f"witness.{done.outcome}", params), _lang())
    data = {**done.to_dict(), "message": said}
    if output is not None:
        output.write_text(done.note, encoding="utf-8")
        data["file"] = str(output)
        emit(as_json, data, f"{said}\nwrote {output}")
    else:
        if not as_json:
            click.echo(said, err=True)
        emit(as_json, data, done.note.rstrip("\n"))


def _read_text(path: Path) -> str:
    """The file's text; bytes that are not UTF-8 become U+FFFD, which no note or proof parses (a clear refusal)."""
    return path.read_bytes().decode("utf-8", errors="replace")


def _now() -> int:
    fixed = os.environ.get("RECTIFLOW_NOW")
    if fixed:
        try:
            return int(parse_time(fixed).timestamp())
        except ValueError:
            raise InvalidInput("setting.instant", setting="RECTIFLOW_NOW", value=fixed) from None
    return int(time.time())


def _lang() -> str:
    ctx = click.get_current_context(silent=True)
    return str((ctx.find_root().meta.get("rectiflow.lang") if ctx else None) or "en")

