"""`rectiflow serve`: the web UI on waitress (a production WSGI server), with the escalation sweep embedded.

The sweep runs in a background thread guarded by the database lease, so it is safe to run
`serve` beside a standalone `rectiflow scheduler` or several web processes: one sweeps at a time.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import click

from rectiflow.common import application, handles_errors
from workflow.bootstrap import Application
from workflow.errors import InvalidInput

log = logging.getLogger("rectiflow.serve")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port).")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64), help="Worker threads.")
@click.option("--demo", is_flag=True, help="Seed the demo (units, users, ~60 cases) if the database is empty "
                                          "and print the demo logins.")
@click.option("--no-scheduler", is_flag=True, help="Do not embed the escalation sweep.")
@handles_errors
def serve(host: str, port: int, threads: int, demo: bool, no_scheduler: bool) -> None:
    """Serve the web UI until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for noisy in ("transitions", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # The port first: when it is taken, say so at once — before the database, the demo or the sweep is touched.
    web = _Deferred()
    server = listen(web, host=host, port=port, threads=threads)
    stop: Callable[[], None] = _nothing  # replaced once the sweep runs
    try:
        app = application()
        if demo:
            _seed_and_announce(app)
        from web import create_app

        web.app = create_app(core=app)
        stop = _nothing if no_scheduler else embed_scheduler(app)
        click.echo(f"rectiflow is serving on http://{_address(server, host, port)}/  (Ctrl-C to stop)")
        run(server)
    finally:
        stop()
        shutdown(server)


def listen(app: Any, *, host: str, port: int, threads: int) -> Any:
    """A waitress server bound to host:port and listening (requests wait until `run`).

    Raises:
        InvalidInput: the address cannot be used (taken by another server, or not this machine's); the
            worker threads and sockets made for it are released again.
    """
    import waitress
    from waitress.task import ThreadedTaskDispatcher

    sockets: dict[int, Any] = {}
    workers = ThreadedTaskDispatcher()
    workers.set_thread_count(threads)
    try:
        return waitress.create_server(app, map=sockets, _dispatcher=workers, host=host, port=port, threads=threads,
                                      ident="rectiflow")
    except OSError as err:
        _release(sockets, workers)
        reason = err.strerror or str(err)
        raise InvalidInput(f"cannot listen on {host}:{port}: {reason} — is rectiflow (or another server) already "
                           "running there? Stop it, or choose another port with --port. Nothing was started."
                           ) from None


def run(server: Any) -> None:
    """Serve requests until interrupted (Ctrl-C)."""
    server.run()


def shutdown(server: Any) -> None:
    """Close the listening socket(s) and stop the worker threads (also when serving never began)."""
    _release(getattr(server, "map", None) or getattr(server, "_map", None) or {}, server.task_dispatcher)


def _release(sockets: dict[int, Any], workers: Any) -> None:
    from waitress import wasyncore

    workers.shutdown()
    wasyncore.close_all(sockets)


def _address(server: Any, host: str, port: int) -> str:
    """host:port as bound (`--port 0` asks the system for a free port)."""
    bound = getattr(server, "effective_port", None)
    return f"{host}:{bound or port}"


def _nothing() -> None:
    return None


class _Deferred:
    """The WSGI app behind the bound port: the Flask app once it is built (no request is served before)."""

    app: Any = None

    def __call__(self, environ: Any, start_response: Any) -> Any:
        return self.app(environ, start_response)


def _seed_and_announce(app: Application) -> None:
    from rectiflow.demo import login_lines
    from rectiflow.web_demo import seed_demo

    result = seed_demo(app)
    if result["seeded"]:
        click.echo(f"demo seeded: {result['cases']} cases")
    click.echo("\n".join(login_lines(app)))


def embed_scheduler(app: Application):
    """Start the lease-guarded background sweep; return a function that stops it (and frees the lease)."""
    from scheduler.runner import start_background_scheduler, stop_background_scheduler

    scheduler, job = start_background_scheduler(app)
    click.echo(f"escalation sweep embedded (every {app.settings.scheduler_interval}s, lease-guarded)")
    return lambda: stop_background_scheduler(scheduler, job)


COMMANDS = (serve,)
