"""`rectiflow definitions …`: check, list and load the YAML case-type definitions."""
from __future__ import annotations

from pathlib import Path

import click

from rectiflow.common import application, handles_errors, json_option, settings
from rectiflow.output import emit, fail
from workflow.bootstrap import CheckedFile, check_definition_files, publish_definitions
from workflow.errors import DefinitionError
from workflow.reporting.presenters import definition_summary


@click.group()
def definitions() -> None:
    """Case-type definitions (definitions/*.yaml)."""


@definitions.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@handles_errors
def check(paths: tuple[Path, ...]) -> None:
    """Validate definition files: case types, roles.yaml, calendars/ and campaigns/ plans, each as what it is.

    PATHS may be files, folders (read recursively) or quoted patterns ('definitions/*.yaml'); default: the
    whole definitions folder. One `ok` line per valid file; the problems of the others on stderr, exit 1.
    """
    valid, problems = check_definition_files(settings(), paths)
    for f in valid:
        click.echo(f"ok {f.path}: {describe(f)}")
    if problems:
        fail(DefinitionError(problems), as_json=False)


def describe(f: CheckedFile) -> str:
    """What a valid file holds, in one line."""
    facts = f.facts
    if f.kind == "case_type":
        d = facts["definition"]
        return (f"{d.name} v{d.version} — {d.title['zh']} / {d.title['en']}: {len(d.states)} states, "
                f"{len(d.transitions)} transitions, {len(d.fields)} fields")
    if f.kind == "roles":
        return f"roles — {len(facts['roles'])}: {', '.join(facts['roles'])}"
    if f.kind == "calendar":
        years = facts["years"]
        return (f"calendar {facts['name']} v{facts['version']} ({facts['timezone']}) — working days "
                f"{years[0]}–{years[-1]}")
    if f.kind == "plan":
        units = f", {facts['units']} declared unit(s)" if facts.get("units") else ""
        return (f"plan {facts['key']} — {facts['title']['zh']}: {facts['items']} items, {facts['measures']} "
                f"measures, {facts['windows']} self-report window(s){units}")
    if f.kind == "plan_items":
        return f"plan item index — {facts['items']} items"
    return f"plan coverage map — {facts['items']} items traced, {facts['features']} features"


@definitions.command("list")
@json_option
@handles_errors
def list_(as_json: bool) -> None:
    """The case types new cases are opened under (latest versions)."""
    app = application()
    items = [definition_summary(d) for d in app.registry.all_latest()]
    text = "\n".join(f"{d['name']} v{d['version']}  {d['title']['zh']} / {d['title']['en']}" for d in items)
    emit(as_json, {"definitions": items}, text)


@definitions.command("load")
@json_option
@handles_errors
def load(as_json: bool) -> None:
    """Store the definition files in the database (refuses edits of versions cases already use)."""
    report = publish_definitions(application(sync=False))
    emit(as_json, {"added": report.added, "updated": report.updated, "unchanged": report.unchanged},
         f"definitions: {len(report.added)} added, {len(report.updated)} updated, "
         f"{len(report.unchanged)} unchanged")


COMMANDS = (definitions,)
