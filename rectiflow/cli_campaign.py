"""`rectiflow campaign …`: load a campaign plan (every measure a trackable case) and show its progress."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from rectiflow.common import application, handles_errors, instant, json_option
from rectiflow.output import emit


@click.group()
def campaign() -> None:
    """Campaign plans (definitions/campaigns/*.yaml)."""


@campaign.command("load")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--as", "actor", default=None, help="Login opening the measure cases (default: the system).")
@click.option("--dry-run", is_flag=True, help="Only show what the load would change; write nothing.")
@json_option
@handles_errors
def load(path: Path, actor: str | None, dry_run: bool, as_json: bool) -> None:
    """Load PATH: store the plan, open a case for every measure that has none yet (idempotent) and reconcile
    the others with an edited plan (changed unit, date or text recorded on the case; a dropped measure
    withdrawn, a returning one reinstated)."""
    if dry_run:
        data = application().campaigns.preview(path)
        emit(as_json, data, "\n".join([f"campaign {data['campaign']}: {data['measures']} measures (dry run, "
                                       "nothing written)", *_diff_lines(data)]))
        return
    data = application().campaigns.load(path, actor=actor).to_dict()
    units = f", {len(data['units_created'])} new unit(s)" if data["units_created"] else ""
    emit(as_json, data, "\n".join([f"campaign {data['campaign']}: {data['measures']} measures, "
                                   f"{len(data['created'])} new case(s){units}", *_diff_lines(data)]))


def _diff_lines(data: dict[str, Any]) -> list[str]:
    """The reconciliation, one line per measure: + added, ~ changed (old → new), - withdrawn, ^ reinstated."""
    lines = [f"  + {m['measure']}  {m['unit']}  due {m['deadline']}  (new case)" for m in data["added"]]
    for m in data["changed"]:
        lines.append(f"  ~ {m['measure']}  case {m['case']}")
        lines += [f"      {name}: {change['from']} → {change['to']}" for name, change in m["changes"].items()]
    lines += [f"  - {m['measure']}  case {m['case']}  {m['state']} → withdrawn" for m in data["dropped"]]
    lines += [f"  ^ {m['measure']}  case {m['case']}  withdrawn → planned (reinstated)" for m in data["reinstated"]]
    lines.append(f"  {data['unchanged']} unchanged")
    return lines


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
              f"{m['light'] or '-':<6} {m['case']}" + ("" if m.get("in_plan", True) else "  (dropped from the plan)")
              for m in data["measures"]]
    emit(as_json, data, "\n".join(lines))


COMMANDS = (campaign,)
