"""`rectiflow definitions …`: check, list and load the YAML case-type definitions."""
from __future__ import annotations

from pathlib import Path

import click

from rectiflow.cli import engine, handles_errors, json_option, main, settings
from rectiflow.output import emit
from workflow.adapters.files.definition_files import definition_paths, load_roles, read_definitions, sync_definitions
from workflow.reporting.presenters import definition_summary


@main.group()
def definitions() -> None:
    """Case-type definitions (definitions/*.yaml)."""


@definitions.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@handles_errors
def check(paths: tuple[Path, ...]) -> None:
    """Validate definition files (default: every file in the definitions folder)."""
    s = settings()
    roles = load_roles(s.definitions_dir)
    files = read_definitions(list(paths) or definition_paths(s.definitions_dir), roles)
    for f in files:
        d = f.definition
        click.echo(f"ok {f.path}: {d.name} v{d.version} — {d.title['zh']} / {d.title['en']}: "
                   f"{len(d.states)} states, {len(d.transitions)} transitions, {len(d.fields)} fields")


@definitions.command("list")
@json_option
@handles_errors
def list_(as_json: bool) -> None:
    """The case types new cases are opened under (latest versions)."""
    app = engine()
    items = [definition_summary(d) for d in app.registry.all_latest()]
    text = "\n".join(f"{d['name']} v{d['version']}  {d['title']['zh']} / {d['title']['en']}" for d in items)
    emit(as_json, {"definitions": items}, text)


@definitions.command("load")
@json_option
@handles_errors
def load(as_json: bool) -> None:
    """Store the definition files in the database (refuses edits of versions cases already use)."""
    app = engine(sync=False)
    files = read_definitions(definition_paths(app.settings.definitions_dir), app.roles)
    report = sync_definitions(app.store, files, app.clock)
    emit(as_json, {"added": report.added, "updated": report.updated, "unchanged": report.unchanged},
         f"definitions: {len(report.added)} added, {len(report.updated)} updated, "
         f"{len(report.unchanged)} unchanged")
