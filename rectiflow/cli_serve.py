"""`rectiflow serve`: the web UI on waitress (a production WSGI server), with the escalation sweep embedded.

The sweep runs in a background thread guarded by the database lease, so it is safe to run
`serve` beside a standalone `rectiflow scheduler` or several web processes: one sweeps at a time.
"""
from __future__ import annotations

import logging

import click

from rectiflow.common import application, handles_errors
from workflow.bootstrap import Application

log = logging.getLogger("rectiflow.serve")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64), help="Worker threads.")
@click.option("--demo", is_flag=True, help="Seed the demo (units, users, ~60 cases) if the database is empty "
                                          "and print the demo logins.")
@click.option("--no-scheduler", is_flag=True, help="Do not embed the escalation sweep.")
@handles_errors
def serve(host: str, port: int, threads: int, demo: bool, no_scheduler: bool) -> None:
    """Serve the web UI until interrupted."""
    import waitress

    from web import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for noisy in ("transitions", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    app = application()
    if demo:
        _seed_and_announce(app)
    flask_app = create_app(core=app)
    stop = (lambda: None) if no_scheduler else embed_scheduler(app)
    click.echo(f"rectiflow is serving on http://{host}:{port}/  (Ctrl-C to stop)")
    try:
        waitress.serve(flask_app, host=host, port=port, threads=threads, ident="rectiflow")
    finally:
        stop()


def _seed_and_announce(app: Application) -> None:
    from rectiflow.demo_people import DEMO_PASSWORD
    from rectiflow.web_demo import demo_logins, seed_demo

    result = seed_demo(app)
    if result["seeded"]:
        click.echo(f"demo seeded: {result['cases']} cases")
    click.echo(f"demo logins (password {DEMO_PASSWORD!r}):")
    for login, role, name in demo_logins():
        click.echo(f"  {login:<12} {role:<11} {name}")


def embed_scheduler(app: Application):
    """Start the lease-guarded background sweep; return a function that stops it (and frees the lease)."""
    from scheduler.runner import start_background_scheduler, stop_background_scheduler

    scheduler, job = start_background_scheduler(app)
    click.echo(f"escalation sweep embedded (every {app.settings.scheduler_interval}s, lease-guarded)")
    return lambda: stop_background_scheduler(scheduler, job)


COMMANDS = (serve,)
