"""`rectiflow serve`: the web UI, with the escalation sweep embedded.

With several workers (the default on Linux: one per CPU) it runs gunicorn's worker processes
(rectiflow/serve_workers.py); with `--workers 1`, or where gunicorn cannot run (Windows, not
installed), waitress serves in this one process with threads.
The sweep runs in a background thread guarded by the database lease, so it is safe to run
`serve` beside a standalone `rectiflow scheduler` or several web processes: one sweeps at a time.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

import click

from rectiflow import serve_workers
from rectiflow.common import application, handles_errors, settings
from workflow.bootstrap import Application
from workflow.errors import InvalidInput

log = logging.getLogger("rectiflow.serve")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port).")
@click.option("--workers", default=os.cpu_count() or 1, show_default="the CPU count", type=click.IntRange(1, 64),
              help="Worker processes (gunicorn, Linux); 1: one process on waitress.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64),
              help="Threads per worker process.")
@click.option("--demo", is_flag=True, help="Seed the demo (units, users, ~60 cases) if the database is empty "
                                          "and print the demo logins.")
@click.option("--no-scheduler", is_flag=True, help="Do not embed the escalation sweep.")
@handles_errors
def serve(host: str, port: int, workers: int, threads: int, demo: bool, no_scheduler: bool) -> None:
    """Serve the web UI until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s[%(process)d] %(levelname)s %(message)s")
    for noisy in ("transitions", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    why_not = serve_workers.unavailable() if workers > 1 else None
    if workers > 1 and why_not is None:
        return serve_with_workers(host, port, workers, threads, demo, no_scheduler)
    # The port first: when it is taken, say so at once — before the database, the demo or the sweep is touched.
    web = _Deferred()
    server = listen(web, host=host, port=port, threads=threads)
    if why_not:  # after the port is ours: a taken port is still the first and only thing said
        click.echo(f"note: {why_not}: serving in one process on waitress", err=True)
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
        raise _cannot_listen(host, port, err) from None


def _cannot_listen(host: str, port: int, err: OSError) -> InvalidInput:
    reason = err.strerror or str(err)
    return InvalidInput(f"cannot listen on {host}:{port}: {reason} — is rectiflow (or another server) already "
                        "running there? Stop it, or choose another port with --port. Nothing was started.")


def serve_with_workers(host: str, port: int, workers: int, threads: int, demo: bool, no_scheduler: bool) -> None:
    """`workers` gunicorn processes on one socket; what must happen once happens here, before the fork."""
    try:
        sock = serve_workers.bind(host, port)
    except OSError as err:
        raise _cannot_listen(host, port, err) from None
    master = os.getpid()
    try:
        app = application()
        try:
            if demo:
                _seed_and_announce(app)
            from web import secret_key

            secret_key(app.settings)  # created once here: every worker must sign sessions with the same key
        finally:
            app.close()  # no connection may cross the fork: each worker opens its own
        sweep = "not embedded" if no_scheduler else (f"embedded in each worker, every "
                                                     f"{app.settings.scheduler_interval}s; the lease lets one sweep")
        click.echo(f"{workers} worker processes (gunicorn, {threads} threads each); escalation sweep {sweep}")
        click.echo(f"rectiflow is serving on http://{host}:{sock.getsockname()[1]}/  (Ctrl-C to stop)")
        serve_workers.serve(sock, workers=workers, threads=threads, worker_app=lambda: _worker_app(no_scheduler))
    finally:
        if os.getpid() == master:  # a worker leaves through here too (SystemExit): the socket is the master's
            sock.close()


def _worker_app(no_scheduler: bool) -> tuple[Any, Callable[[], None]]:
    """In a worker, after the fork: its own application, Flask app and lease-guarded sweep."""
    from web import create_app
    from workflow.bootstrap import build

    core = build(settings(), sync=False)  # the master stored the definitions already
    web = create_app(core=core)
    stop_sweep: Callable[[], None] = _nothing
    if not no_scheduler:
        from scheduler.runner import start_background_scheduler, stop_background_scheduler

        scheduler, job = start_background_scheduler(core)
        log.info("worker ready; sweep standing by for the lease as %s", job.owner)
        stop_sweep = lambda: stop_background_scheduler(scheduler, job)  # noqa: E731

    def release() -> None:
        try:
            stop_sweep()  # frees the lease at once, so a standby need not wait for it to expire
        finally:
            core.close()

    return web, release


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
