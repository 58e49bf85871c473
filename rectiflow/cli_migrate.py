"""`rectiflow definitions migrate TYPE --to VERSION`: move running cases to a newer version of their definition.

The judgement and the move are workflow.cases.migration's; this module reads the options, prints the plan
(one line per case, or one JSON object) and sets the exit code: 0 all moved (or a dry run), 1 some case
was skipped, 2 a malformed request (bad --map, unknown version or state: nothing written), 3 not allowed.
"""
from __future__ import annotations

import json

import click

from rectiflow.common import application, handles_errors, json_option
from rectiflow.output import error_object, text_of
from workflow.cases.migration import MigrationPlan, MigrationRequestError, migrate, parse_mapping, plan_migration


@click.command("migrate")
@click.argument("case_type", metavar="TYPE")
@click.option("--to", "to_version", type=click.IntRange(1), required=True, help="The version to move cases to.")
@click.option("--map", "maps", multiple=True, metavar="OLD_STATE=NEW_STATE",
              help="Where cases in a state the new version lacks go (repeatable).")
@click.option("--dry-run", is_flag=True, help="Judge every case and print the plan; write nothing.")
@click.option("--as", "actor", required=True, metavar="LOGIN", help="Who migrates (administer_accounts).")
@json_option
@handles_errors
def migrate_command(case_type: str, to_version: int, maps: tuple[str, ...], dry_run: bool, actor: str,
                    as_json: bool) -> None:
    """Move every running case of TYPE on an older version to version VERSION, each in its own transaction
    with a `migrated` audit event; a case that cannot move is skipped and named (exit 1).

    A case can move when its state exists in the new version (or --map names one), its fields fit the new
    version and its deadline can be planned again; steps of its history the new rules would refuse are
    reported as replay regressions but do not stop it.
    """
    try:
        mapping = parse_mapping(maps)
        app = application()
        try:
            plan = plan_migration(app.cases, case_type, to_version, mapping, actor=actor,
                                  replan=app.escalations.policy.recompute)
            if not dry_run:
                migrate(app.cases, plan, actor=actor)
        finally:
            app.close()
    except MigrationRequestError as err:
        lang = click.get_current_context().find_root().meta.get("rectiflow.lang") or "en"
        message = text_of(err.message, lang)
        if as_json:
            click.echo(error_object("UsageError", message, code=err.code))
        raise click.UsageError(message) from None
    data = {**plan.to_dict(), "dry_run": dry_run}
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, sort_keys=True))
    else:
        click.echo(describe(plan, dry_run))
    if not dry_run and any(c.outcome == "skipped" for c in plan.cases):
        raise SystemExit(1)


def describe(plan: MigrationPlan, dry_run: bool) -> str:
    """The plan for people: one line per case, its problems and replay regressions indented beneath."""
    lines = [f"{plan.case_type} → v{plan.to_version}: {len(plan.cases)} running case(s) on older versions"
             + (" (dry run: nothing written)" if dry_run else "")]
    for c in plan.cases:
        verdict = c.outcome if not dry_run else ("can move" if c.movable else "cannot move")
        lines.append(f"{c.case_id} v{c.from_version} {c.state} → {c.to_state or '?'}: {verdict}")
        lines += [f"  problem: {p}" for p in c.problems]
        lines += [f"  replay regression at event {r['version']}: {r['reason']}" for r in c.regressions]
        if c.deadline_change:
            lines.append(f"  deadline: {c.deadline_change['before']} → {c.deadline_change['after']}")
    return "\n".join(lines)


def register(group: click.Group) -> None:
    """Add `migrate` to the `definitions` group."""
    group.add_command(migrate_command)
