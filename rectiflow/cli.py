"""`rectiflow` — the command line. Thin: parse arguments, call one engine method, print the result.

See README.md for a session; every command takes its settings from RECTIFLOW_* variables. This
module only assembles the command modules (rectiflow/cli_*.py) into one group; they never import it.
"""
from __future__ import annotations

import sys

import click

from rectiflow import (
    __version__,
    cli_assessment,
    cli_audit,
    cli_bulk,
    cli_campaign,
    cli_cases,
    cli_catalogue,
    cli_declarations,
    cli_definitions,
    cli_demo,
    cli_directory,
    cli_documents,
    cli_escalation,
    cli_ledger,
    cli_migrate,
    cli_serve,
    cli_witness,
)
from rectiflow.common import handles_errors, settings
from rectiflow.output import LANGUAGES, JsonAwareGroup
from workflow.bootstrap import upgrade_database


@click.group(cls=JsonAwareGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="rectiflow", message="%(prog)s %(version)s")
@click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True,
              help="Language of error messages (zh: 中文).")
@click.pass_context
def main(ctx: click.Context, lang: str) -> None:
    """rectiflow: case lifecycles for rectification campaigns (顽瘴痼疾专项整治)."""
    ctx.meta["rectiflow.lang"] = lang


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@handles_errors
def db_upgrade() -> None:
    """Create or migrate the database schema (safe to run again)."""
    click.echo(f"database ready: {upgrade_database(settings())}")


for _module in (cli_cases, cli_definitions, cli_directory, cli_audit, cli_demo, cli_escalation, cli_serve,
                cli_campaign, cli_catalogue, cli_declarations, cli_ledger, cli_documents, cli_bulk):
    for _command in _module.COMMANDS:
        main.add_command(_command)
cli_migrate.register(cli_definitions.definitions)  # `rectiflow definitions migrate …`
cli_assessment.register(cli_campaign.campaign)  # `rectiflow campaign assess|scores …` (评估验收)
cli_audit.audit.add_command(cli_witness.witness)  # `rectiflow audit witness …` (works without a database)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
