"""Entry points of the escalation tests' child processes (multiprocessing, *spawn*): a second sweeper
in a process of its own, and a sweeper that stops for good inside its batch's transaction so that the
parent can SIGKILL it there.

Plain code, importable by the child: spawn passes the parent's sys.path on, which holds this folder
and tests/ (for factories).
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from factories import build_app


def sweep_in_child(url: str, definitions: str, instance: str, now_iso: str, fired_by: str) -> int:
    """Entry point of a spawned process: sweep without the lease (as a misconfigured second sweeper)."""
    from workflow.clock import FixedClock

    app = build_app(url, Path(definitions), Path(instance), FixedClock(datetime.fromisoformat(now_iso)))
    try:
        return len(app.escalations.sweeper(fired_by=fired_by, batch=50).sweep().fired)
    finally:
        app.close()


def sweep_then_hang(url: str, definitions: str, instance: str, now_iso: str, hang_at: int, conn: Any) -> None:
    """Entry point of a spawned process: sweep in batches and stop for good inside the batch's transaction,
    after `hang_at` cases of it have fired (their events, firing rows and alerts written, not committed)."""
    import time

    from workflow.adapters.sql.sqltx import SqlTx
    from workflow.clock import FixedClock

    app = build_app(url, Path(definitions), Path(instance), FixedClock(datetime.fromisoformat(now_iso)))
    real, written = SqlTx.add_alerts, [0]

    def add_alerts(self: Any, rows: list[dict[str, Any]]) -> None:
        real(self, rows)
        written[0] += 1
        if written[0] == hang_at:
            conn.send("in the transaction")
            time.sleep(600)  # the parent kills us here

    SqlTx.add_alerts = add_alerts  # type: ignore[method-assign]
    app.escalations.sweeper(fired_by="doomed").sweep()
