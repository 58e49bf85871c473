"""`rectiflow campaign …`: load a campaign plan (every measure a trackable case) and show its progress."""
from __future__ import annotations

from pathlib import Path

import click

from rectiflow.common import application, handles_errors, json_option
from rectiflow.output import emit


@click.group()
def campaign() -> None:
    """Campaign plans (definitions/campaigns/*.yaml)."""


@campaign.command("load")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--as", "actor", default=None, help="Login opening the measure cases (default: the system).")
@json_option
@handles_errors
def load(path: Path, actor: str | None, as_json: bool) -> None:
    """Load PATH: store the plan and open a case for every measure that has none yet (idempotent)."""
    report = application().campaigns.load(path, actor=actor)
    units = f", {len(report.units_created)} new unit(s)" if report.units_created else ""
    emit(as_json, {"campaign": report.campaign, "measures": report.measures, "cases": report.cases,
                   "created": report.created, "units_created": report.units_created},
         f"campaign {report.campaign}: {report.measures} measures, {len(report.created)} new case(s){units}")


@campaign.command("status")
@click.argument("key")
@json_option
@handles_errors
def status(key: str, as_json: bool) -> None:
    """Progress of a loaded plan: every measure with its case and state."""
    data = application().campaigns.progress(key)
    lines = [f"{data['campaign']} — {data['title']['zh']}"]
    lines += [f"  {task}: {c['accepted']}/{c['measures']} accepted" for task, c in data["tasks"].items()]
    lines += [f"  {m['id']:<14} {m['unit']:<9} due {m['deadline']}  {m['state']:<18} {m['case']}"
              for m in data["measures"]]
    emit(as_json, data, "\n".join(lines))


COMMANDS = (campaign,)
