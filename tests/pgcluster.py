"""A throwaway PostgreSQL cluster for the test suite.

``ThrowawayCluster`` creates a brand-new cluster with ``initdb`` in a
temporary directory, runs ``postgres`` on 127.0.0.1 on a free port, and
removes everything again in ``stop()``.  Nothing outside the temporary
directory is touched: no system service, no shared socket directory.

PostgreSQL refuses to run as root, so when the tests run as root every
PostgreSQL binary is started as the ``postgres`` system user (via
``runuser``, falling back to ``setpriv`` or ``su``) and the temporary
directory is chowned to that user.  When not root, the binaries run as the
current user.

The cluster is tuned for speed, not durability (fsync, full-page writes and
synchronous commit are off) and uses ``trust`` authentication: it is only
reachable from 127.0.0.1 and a socket directory inside the temp dir.

Usage::

    cluster = ThrowawayCluster()
    cluster.start()
    try:
        cluster.create_database("example")
        engine = sqlalchemy.create_engine(cluster.url("example"))
        ...
    finally:
        cluster.stop()
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

SUPERUSER = "postgres"
HOST = "127.0.0.1"
# The system user that owns and runs the cluster when we are root.
SYSTEM_USER = "postgres"

STARTUP_TIMEOUT = 30.0  # seconds to wait for the server to accept connections
PORT_ATTEMPTS = 3  # retries when another process grabs the port we picked

SPEED_SETTINGS = {
    "fsync": "off",
    "full_page_writes": "off",
    "synchronous_commit": "off",
}


class ClusterError(RuntimeError):
    """The throwaway cluster could not be created or started."""


class ThrowawayCluster:
    """A private PostgreSQL server that lives only as long as this object."""

    def __init__(self, *, bindir: str | None = None) -> None:
        self.bindir = bindir
        self.port: int | None = None
        self.base_dir: Path | None = None  # everything lives in here
        self._server: subprocess.Popen | None = None
        self._log_file = None

    # -- paths ---------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        return self._base() / "data"

    @property
    def socket_dir(self) -> Path:
        return self._base()

    @property
    def log_path(self) -> Path:
        return self._base() / "server.log"

    def _base(self) -> Path:
        if self.base_dir is None:
            raise ClusterError("the cluster has not been started")
        return self.base_dir

    # -- lifecycle -----------------------------------------------------

    def start(self) -> ThrowawayCluster:
        """Create the cluster and start the server; wait until it accepts connections."""
        if self._server is not None:
            return self
        atexit.register(self.stop)  # safety net if the caller never calls stop()
        try:
            self.base_dir = Path(tempfile.mkdtemp(prefix="rectiflow-pg-"))
            if _running_as_root():
                user = _system_user()
                os.chown(self.base_dir, user.pw_uid, user.pw_gid)
            self._initdb()
            for _attempt in range(PORT_ATTEMPTS):
                self.port = _free_port()
                if self._start_server():
                    return self
                # The server exited during startup. Only a lost race for the
                # port we picked is worth another try.
                if "Address already in use" not in self.server_log():
                    break
            raise ClusterError(
                f"PostgreSQL exited during startup (port {self.port}).\n"
                f"--- server log ({self.log_path}) ---\n{self.server_log()}"
            )
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop the server immediately and delete the cluster. Safe to call twice."""
        atexit.unregister(self.stop)
        if self._server is not None:
            if self._server.poll() is None:
                stopped = self._run(
                    [self._bin("pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "immediate", "-w"],
                    check=False,
                    timeout=30,
                )
                if stopped.returncode != 0:
                    # E.g. stopped before postmaster.pid was written: SIGQUIT
                    # is what `pg_ctl stop -m immediate` would have sent.
                    self._signal_server(signal.SIGQUIT)
            try:
                self._server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._signal_server(signal.SIGKILL)
                self._server.wait()
            self._server = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        if self.base_dir is not None:
            shutil.rmtree(self.base_dir, ignore_errors=True)
            self.base_dir = None

    def __enter__(self) -> ThrowawayCluster:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- using the server ----------------------------------------------

    def url(self, dbname: str) -> str:
        """SQLAlchemy URL of database ``dbname`` on this cluster."""
        return f"postgresql+psycopg://{SUPERUSER}@{HOST}:{self._port()}/{dbname}"

    def connect(self, dbname: str = "postgres", *, timeout: int = 5) -> psycopg.Connection:
        """A psycopg connection (autocommit) as the superuser."""
        return psycopg.connect(
            host=HOST,
            port=self._port(),
            user=SUPERUSER,
            dbname=dbname,
            autocommit=True,
            connect_timeout=timeout,
        )

    def create_database(self, name: str, template: str | None = None) -> None:
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            query += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        with self.connect() as conn:
            conn.execute(query)

    def drop_database(self, name: str) -> None:
        """Drop ``name``, disconnecting any sessions still using it."""
        with self.connect() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def server_log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except (OSError, ClusterError):
            return "(no server log)"

    # -- internals -----------------------------------------------------

    def _port(self) -> int:
        if self.port is None or self._server is None:
            raise ClusterError("the cluster is not running")
        return self.port

    def _initdb(self) -> None:
        result = self._run(
            [
                self._bin("initdb"),
                "-D", str(self.data_dir),
                "-U", SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ],
            check=False,
            timeout=120,
        )
        if result.returncode != 0:
            raise ClusterError(f"initdb failed (exit {result.returncode}):\n{result.stdout}")

    def _start_server(self) -> bool:
        """Start postgres on ``self.port``; True once it accepts connections,
        False if it exited during startup (the log says why)."""
        settings = {
            "listen_addresses": HOST,
            "port": str(self.port),
            "unix_socket_directories": str(self.socket_dir),
            **SPEED_SETTINGS,
        }
        command = [self._bin("postgres"), "-D", str(self.data_dir)]
        for key, value in settings.items():
            command += ["-c", f"{key}={value}"]

        # Run postgres in the foreground as our child (not via `pg_ctl start`)
        # so a crash during startup is noticed at once instead of after the
        # timeout. Its own session keeps a Ctrl-C in the terminal from killing
        # it before the fixtures' teardown has run.
        if self._log_file is not None:
            self._log_file.close()
        self._log_file = open(self.log_path, "ab")  # noqa: SIM115  (open while the server runs; closed in stop())
        self._server = subprocess.Popen(
            self._as_cluster_user(command),
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            cwd=self.base_dir,
            env=_clean_env(),
            start_new_session=True,
        )

        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if self._server.poll() is not None:
                self._server = None
                return False
            try:
                with self.connect(timeout=2) as conn:
                    conn.execute("SELECT 1")
                return True
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise ClusterError(
                        f"PostgreSQL did not accept connections on {HOST}:{self.port} "
                        f"within {STARTUP_TIMEOUT:.0f}s (last error: {exc}).\n"
                        f"--- server log ({self.log_path}) ---\n{self.server_log()}"
                    ) from None
                time.sleep(0.1)

    def _signal_server(self, signum: int) -> None:
        """Signal the server's whole process group (it runs in its own session)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._server.pid, signum)

    def _bin(self, name: str) -> str:
        if self.bindir:
            return str(Path(self.bindir) / name)
        path = shutil.which(name)
        if path is None:
            raise ClusterError(f"{name!r} not found on PATH")
        return path

    def _run(self, command: list[str], *, check: bool, timeout: float) -> subprocess.CompletedProcess:
        return subprocess.run(
            self._as_cluster_user(command),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=self.base_dir,
            env=_clean_env(),
            check=check,
            timeout=timeout,
        )

    @staticmethod
    def _as_cluster_user(command: list[str]) -> list[str]:
        """Prefix ``command`` so it runs as the postgres system user when we are root."""
        if not _running_as_root():
            return command
        if shutil.which("runuser"):
            return ["runuser", "-u", SYSTEM_USER, "--", *command]
        if shutil.which("setpriv"):
            user = _system_user()
            return [
                "setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--init-groups", "--",
                *command,
            ]
        return ["su", "-s", "/bin/sh", SYSTEM_USER, "-c", "exec " + shlex.join(command)]


def _running_as_root() -> bool:
    return os.geteuid() == 0


def _system_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        raise ClusterError(
            f"running as root, but there is no {SYSTEM_USER!r} system user to run PostgreSQL as"
        ) from None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _clean_env() -> dict[str, str]:
    """Our environment without PG* variables, which could point the tools elsewhere."""
    return {key: value for key, value in os.environ.items() if not key.startswith("PG")}
