"""`rectiflow demo`: seed demo units/users and walk a case through its lifecycle, printing the audit trail."""
from __future__ import annotations

import click

from rectiflow.common import application, handles_errors, json_option
from rectiflow.demo import login_lines, run_demo
from rectiflow.output import emit


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing unless the database is empty.")
@json_option
@handles_errors
def demo(if_empty: bool, as_json: bool) -> None:
    """Seed a demo campaign and drive one case from report to 销号 (over the last week, a step a day).

    Prints every login it created (role, unit, name) and their password, and the walked case's audit trail
    in Beijing time; `rectiflow case history CASE --as-of -3d` shows that case as it was three days ago.
    """
    app = application()
    result = run_demo(app, if_empty=if_empty)
    if result["case"] is None:
        emit(as_json, result, "database is not empty: demo not seeded")
        return
    text = login_lines(app) if result["seeded"] else []
    text += [f"case {result['case']} — audit trail (Beijing time):", *result["history"]]
    emit(as_json, result, "\n".join(text))


COMMANDS = (demo,)
