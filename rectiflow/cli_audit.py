"""`rectiflow audit …`: verify the hash chains and replays; export a self-checking bundle."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from rectiflow.common import application, handles_errors, json_option
from rectiflow.output import EXIT_ERROR, emit
from workflow.audit.bundle_verify import verify_bundle


@click.group()
def audit() -> None:
    """The append-only, hash-chained audit log."""


@audit.command("verify")
@click.option("--case", "case_id", default=None, help="Only this case.")
@click.option("--bundle", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Check an exported bundle instead of the database (no database needed).")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Processes checking ranges of cases in parallel (default: the number of CPUs).")
@json_option
@handles_errors
def verify_cmd(case_id: str | None, bundle: Path | None, jobs: int | None, as_json: bool) -> None:
    """Walk every chain, recompute every hash, replay every case; exit 1 on any problem."""
    if bundle is not None:
        result = verify_bundle(bundle.read_bytes())
    else:
        result = application(sync=False).audit.verify(case_id=case_id, jobs=jobs).to_dict()
    lines = [f"{'OK' if result['ok'] else 'FAILED'}: {result['cases']} cases, {result['events']} events"]
    lines += [f"  case {p['case']} version {p['version']}: {p['reason']}" for p in result["problems"]]
    emit(as_json, result, "\n".join(lines))
    if not result["ok"]:
        sys.exit(EXIT_ERROR)


@audit.command("export")
@click.option("--case", "case_id", default=None, help="Only this case.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True)
@json_option
@handles_errors
def export(case_id: str | None, output: Path, as_json: bool) -> None:
    """Write the events as a JSON Lines bundle ending in a digest line."""
    count, digest = application(sync=False).audit.export(output, case_id=case_id)
    emit(as_json, {"file": str(output), "events": count, "digest": digest},
         f"wrote {count} events to {output} (digest {digest})")


COMMANDS = (audit,)
