"""`rectiflow campaign …`: load a campaign plan (every measure a trackable case) and show its progress."""
from __future__ import annotations

from pathlib import Path

import click

from rectiflow.common import application, handles_errors, instant, json_option
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
    emit(as_json, {"campaign": report.campaign, "measures": report.measures, "cases": report.cases,
                   "created": report.created},
         f"campaign {report.campaign}: {report.measures} measures, {len(report.created)} new case(s)")


@campaign.command("list")
@json_option
@handles_errors
def list_(as_json: bool) -> None:
    """The loaded campaigns: key, title, issuing body, document, dates, units, categories, case types."""
    rows = application().campaigns.campaigns()
    lines = [f"{c['key']:<24} {c['title']}  ({c['document'] or '-'}; {c['starts_on'] or '…'} – {c['ends_on'] or '…'};"
             f" units {', '.join(c['units']) or '-'}; {c['measures']} measures)" for c in rows]
    emit(as_json, {"campaigns": rows}, "\n".join(lines) or "no campaign loaded")


@campaign.command("status")
@click.argument("key")
@click.option("--as-of", "as_of", default=None, metavar="WHEN",
              help="The status as it was then, replayed from the event log: a date (its end, Beijing time), an "
                   "ISO-8601 instant or a relative time (-3d).")
@json_option
@handles_errors
def status(key: str, as_of: str | None, as_json: bool) -> None:
    """Progress of a loaded plan: every measure with its case, state, light and whether it is overdue."""
    app = application()
    moment = instant(as_of, "--as-of", now=app.clock.now(), tz=app.calendar.tzinfo) if as_of else None
    data = app.campaigns.status(key, as_of=moment)
    lines = [f"{data['campaign']} — {data['title']['zh']} (as of {data['as_of']}; {data['overdue']} overdue)"]
    lines += [f"  {task}: {c['accepted']}/{c['measures']} accepted, {c['overdue']} overdue"
              for task, c in data["tasks"].items()]
    lines += [f"  {m['id']:<14} {m['unit'] or '-':<9} due {m['deadline']}  {m['state'] or '(not opened)':<18} "
              f"{m['light'] or '-':<6} {m['case']}" for m in data["measures"]]
    emit(as_json, data, "\n".join(lines))


COMMANDS = (campaign,)
