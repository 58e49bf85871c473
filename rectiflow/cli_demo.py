"""`rectiflow demo`: seed demo units/users and walk a case through its lifecycle, printing the audit trail."""
from __future__ import annotations

import click

from rectiflow.common import application, handles_errors, json_option
from rectiflow.demo import run_demo
from rectiflow.demo_people import DEMO_PASSWORD
from rectiflow.output import emit


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing unless the database is empty.")
@json_option
@handles_errors
def demo(if_empty: bool, as_json: bool) -> None:
    """Seed a demo campaign and drive one case from report to 销号."""
    result = run_demo(application(), if_empty=if_empty)
    if result["case"] is None:
        emit(as_json, result, "database is not empty: demo not seeded")
        return
    text = [f"demo users (password {DEMO_PASSWORD!r}): registrar handler unit_head supervisor leader auditor admin"
            if result["seeded"] else "", f"case {result['case']} — audit trail:", *result["history"]]
    emit(as_json, result, "\n".join(line for line in text if line))


COMMANDS = (demo,)
