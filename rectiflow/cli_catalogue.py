"""`rectiflow definitions catalogue`: every case type, its lifecycle and the plan clauses it serves."""
from __future__ import annotations

from pathlib import Path

import click

from rectiflow.cli_definitions import definitions
from rectiflow.common import handles_errors, json_option, settings
from rectiflow.output import emit
from workflow.bootstrap import catalogue_sources
from workflow.campaigns.catalogue import blocks, html_page, markdown


@definitions.command("catalogue")
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Folder for catalogue.md and catalogue.html (default: <instance>/catalogue).")
@json_option
@handles_errors
def catalogue(out_dir: Path | None, as_json: bool) -> None:
    """Write the case-type catalogue as Markdown and HTML (from the definition files; no database needed)."""
    s = settings()
    files, items, coverage, problems = catalogue_sources(s)
    for problem in problems:  # the catalogue is still written: it shows what is traced
        click.echo(f"warning: plan coverage: {problem}", err=True)
    doc = blocks([f.definition for f in files], items, coverage)
    target = out_dir or s.instance_dir / "catalogue"
    target.mkdir(parents=True, exist_ok=True)
    md, page = target / "catalogue.md", target / "catalogue.html"
    md.write_text(markdown(doc), encoding="utf-8")
    page.write_text(html_page(doc), encoding="utf-8")
    emit(as_json, {"markdown": str(md), "html": str(page), "types": len(files)},
         f"catalogue of {len(files)} case types: {md}, {page}")


COMMANDS: tuple[click.Command, ...] = ()  # its commands join groups of other modules
