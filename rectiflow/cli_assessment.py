"""`rectiflow campaign assess|scores`: the campaign's 评估验收 — a score per unit on the plan's indicators."""
from __future__ import annotations

import click

from rectiflow.common import application, handles_errors, json_option
from rectiflow.output import emit
from workflow.campaigns.assessment import Assessments


@click.command("assess")
@click.argument("key")
@click.option("--unit", required=True, help="The unit assessed (its code).")
@click.option("--indicator", required=True, help="The indicator's id, as the plan's `assessment:` names it.")
@click.option("--score", type=int, required=True, help="A whole number from 0 to the indicator's max_score.")
@click.option("--note", required=True, help="Why this score (recorded with it).")
@click.option("--as", "actor", required=True)
@json_option
@handles_errors
def assess(key: str, unit: str, indicator: str, score: int, note: str, actor: str, as_json: bool) -> None:
    """Record UNIT's score on INDICATOR of campaign KEY (an audited step; a later score corrects it)."""
    c = Assessments(application().cases).assess(key, unit=unit, indicator=indicator, score=score, note=note,
                                                actor=actor)
    emit(as_json, {"campaign": key, "case": c.id, "version": c.version, "unit": unit, "indicator": indicator,
                   "score": score}, f"{key}: {unit} scored {score} on {indicator} ({c.id} v{c.version})")


@click.command("scores")
@click.argument("key")
@json_option
@handles_errors
def scores(key: str, as_json: bool) -> None:
    """The assessment of campaign KEY: each unit's latest score per indicator and its total."""
    data = Assessments(application().cases).scores(key)
    ids = [i["id"] for i in data["indicators"]]
    lines = [f"{key} — 评估验收 (max {data['max_total']}): " + ", ".join(
        f"{i['id']}/{i['max_score']}" for i in data["indicators"])]
    lines += [f"  {u['unit']:<12} " + "  ".join(f"{i}={u['scores'].get(i, {}).get('score', '-')}" for i in ids)
              + f"  total {u['total']}" for u in data["units"]]
    emit(as_json, data, "\n".join(lines))


def register(group: click.Group) -> None:
    group.add_command(assess)
    group.add_command(scores)
