"""`rectiflow definitions …`: check, list and load the YAML case-type definitions."""
from __future__ import annotations

from pathlib import Path

import click

from rectiflow.common import application, handles_errors, json_option, settings
from rectiflow.output import emit
from workflow.bootstrap import check_definitions, publish_definitions
from workflow.reporting.presenters import definition_summary


@click.group()
def definitions() -> None:
    """Case-type definitions (definitions/*.yaml)."""


@definitions.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@handles_errors
def check(paths: tuple[Path, ...]) -> None:
    """Validate definition files (default: every file in the definitions folder)."""
    for f in check_definitions(settings(), paths):
        d = f.definition
        click.echo(f"ok {f.path}: {d.name} v{d.version} — {d.title['zh']} / {d.title['en']}: "
                   f"{len(d.states)} states, {len(d.transitions)} transitions, {len(d.fields)} fields")


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
