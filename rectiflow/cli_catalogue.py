"""`rectiflow definitions catalogue`: every case type, its lifecycle and the plan clauses it serves."""
from __future__ import annotations

from pathlib import Path

import click

from rectiflow.cli import handles_errors, json_option, settings
from rectiflow.cli_definitions import definitions
from rectiflow.output import emit
from workflow.adapters.files.definition_files import definition_paths, load_roles, read_definitions
from workflow.adapters.files.plan_files import read_coverage, read_plan_items
from workflow.campaigns.catalogue import blocks, html_page, markdown


@definitions.command("catalogue")
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Folder for catalogue.md and catalogue.html (default: <instance>/catalogue).")
@json_option
@handles_errors
def catalogue(out_dir: Path | None, as_json: bool) -> None:
    """Write the case-type catalogue as Markdown and HTML (from the definition files; no database needed)."""
    s = settings()
    files = read_definitions(definition_paths(s.definitions_dir), load_roles(s.definitions_dir))
    doc = blocks([f.definition for f in files], read_plan_items(s.definitions_dir), read_coverage(s.definitions_dir))
    target = out_dir or s.instance_dir / "catalogue"
    target.mkdir(parents=True, exist_ok=True)
    md, page = target / "catalogue.md", target / "catalogue.html"
    md.write_text(markdown(doc), encoding="utf-8")
    page.write_text(html_page(doc), encoding="utf-8")
    emit(as_json, {"markdown": str(md), "html": str(page), "types": len(files)},
         f"catalogue of {len(files)} case types: {md}, {page}")
