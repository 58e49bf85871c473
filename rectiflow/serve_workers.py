"""`rectiflow serve --workers N` on Linux: gunicorn as a library, N worker processes on one socket.

The master process (rectiflow/cli_serve.py) binds the port, checks the schema, stores the definition
files, seeds the demo and creates the instance's secret key — each once, before any fork — then
closes its database connections. Every worker then builds its own application (own engine and
connection pool: a SQLite or PostgreSQL connection must never cross a fork) and its own Flask app,
which reads the one secret key, so a session cookie signed by one worker is good in every other.

Each worker embeds the escalation sweep behind the database lease (scheduler/runner.py): one of
them sweeps, the others stand by. A worker that exits gives the lease up at once; one that crashes
holds it until it expires (3 sweep intervals, at least 30 s) and a standby takes over at its next
run — gunicorn meanwhile starts a replacement worker.

Other gunicorn settings (access log, timeouts, ...) can be given in GUNICORN_CMD_ARGS, as for the
gunicorn command; rectiflow's own options decide the socket, the workers and the threads.
"""
from __future__ import annotations

import logging
import signal
import socket
import sys
from collections.abc import Callable
from typing import Any

log = logging.getLogger("rectiflow.serve")


def unavailable() -> str | None:
    """Why gunicorn cannot serve here (None: it can): it runs on Linux only, and must be installed."""
    if not sys.platform.startswith("linux"):
        return f"gunicorn does not run on {sys.platform}"
    try:
        import gunicorn.app.base  # noqa: F401
    except ImportError as err:
        return f"gunicorn is not installed ({err})"
    return None


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (0: any free port), as gunicorn would make it.

    Raises:
        OSError: the address cannot be used.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def serve(sock: socket.socket, *, workers: int, threads: int, worker_app: Callable[[], tuple[Any, Callable[[], None]]]
          ) -> None:
    """Run gunicorn's master on the bound socket until SIGTERM/SIGINT (Ctrl-C).

    `worker_app` runs in each worker after the fork: it returns the WSGI app and a function that
    releases what the worker holds (the sweep and its lease, the database connections) at its exit.
    The socket is handed over to gunicorn (which closes it). Returns in the master only; a worker
    leaves through SystemExit.
    """
    from gunicorn.app.base import BaseApplication
    from gunicorn.arbiter import Arbiter
    from gunicorn.sock import create_sockets

    class Workers(BaseApplication):
        def __init__(self) -> None:
            self.release: Callable[[], None] = _nothing
            super().__init__()

        def load_config(self) -> None:
            settings: dict[str, Any] = {"workers": workers, "threads": threads, "worker_class": "gthread",
                        "proc_name": "rectiflow", "worker_exit": self._worker_exit,
                                        "post_worker_init": _leave_ctrl_c_to_the_master,
                        "graceful_timeout": 20}
            if "control_socket_disable" in self.cfg.settings:  # gunicorn ≥ 24: no control socket in $HOME
                settings["control_socket_disable"] = True
            for key, value in settings.items():
                self.cfg.set(key, value)
            extra = self.cfg.get_cmd_args_from_env()  # GUNICORN_CMD_ARGS, as the gunicorn command reads it
            if extra:
                parsed = self.cfg.parser().parse_args(extra)
                for key, value in vars(parsed).items():
                    if value is not None and key != "args" and key.lower() not in {"workers", "threads", "bind"}:
                        self.cfg.set(key.lower(), value)

        def load(self) -> Any:  # in the worker, after the fork
            app, self.release = worker_app()
            return app

        def _worker_exit(self, _arbiter: Any, _worker: Any) -> None:
            self.release()

    class Master(Arbiter):
        # Ctrl-C stops as SIGTERM does: the workers finish their requests and give the lease back.
        # (gunicorn's own SIGINT is a quick stop, which a worker may not survive long enough to do so.)
        handle_int = Arbiter.handle_term

    application = Workers()
    arbiter = Master(application)
    arbiter.LISTENERS = create_sockets(application.cfg, arbiter.log, [sock.detach()])  # gunicorn closes it
    arbiter.run()


def _leave_ctrl_c_to_the_master(_worker: Any) -> None:
    """A terminal's Ctrl-C reaches every process of the group; a worker leaves the stop to the master,
    which asks it to finish gracefully (SIGTERM) — one signal, not two racing ones."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _nothing() -> None:
    return None
