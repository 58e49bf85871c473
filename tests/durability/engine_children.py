"""Entry points of the durability tests' child processes (multiprocessing, *spawn*): an engine in a
process of its own that races the others to a transition, or stops for good inside its write
transaction so that the parent can SIGKILL it there.

Plain code, importable by the child: spawn passes the parent's sys.path on, which holds this folder
and tests/ (for factories).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from factories import DEFINITIONS, START, intake_fields


def child_app(url: str, instance: str) -> Any:
    """The engine as a separate process builds it (no definition sync: the parent already did)."""
    from workflow.bootstrap import build
    from workflow.clock import FixedClock
    from workflow.config import Settings

    settings = Settings(database_url=url, definitions_dir=DEFINITIONS, instance_dir=Path(instance))
    return build(settings, clock=FixedClock(START), sync=False)


def race_advance(url: str, instance: str, case_id: str, expected_version: int | None, barrier: Any,
                 results: Any) -> None:
    """Child process: wait for the others, then fire `verify` once; report the outcome's class name."""
    from workflow.errors import WorkflowError

    app = child_app(url, instance)
    try:
        app.cases.get(case_id)  # warm up: connect and load everything before the start line
        barrier.wait(timeout=60)
        try:
            case = app.cases.advance(case_id, "verify", actor="supervisor", expected_version=expected_version)
            results.put(("ok", case.version))
        except WorkflowError as err:
            results.put((type(err).__name__, str(err)))
    finally:
        app.close()


def advance_then_hang(url: str, instance: str, case_id: str, hook: str, ready: Any) -> None:
    """Child process: advance a case, but stop forever at `hook` inside the write transaction.

    The hook points are the store's own steps (monkeypatched here, in the child only): after the
    event was appended ("after_append"), after the case row was updated ("after_update"), or — for
    a new case — after the first event was appended ("open_after_append"). The parent SIGKILLs us.
    """
    import threading

    from workflow.adapters.sql import sqlstore

    app = child_app(url, instance)
    hang = threading.Event()

    def stop_here() -> None:
        ready.send("in the transaction")
        hang.wait()  # never set: the parent kills this process

    original_append, original_update = sqlstore.SqlTx.append, sqlstore.SqlTx.update_case

    def append(self: Any, *args: Any, **kwargs: Any) -> Any:
        stored = original_append(self, *args, **kwargs)
        if hook in ("after_append", "open_after_append"):
            stop_here()
        return stored

    def update_case(self: Any, *args: Any, **kwargs: Any) -> Any:
        done = original_update(self, *args, **kwargs)
        if hook == "after_update":
            stop_here()
        return done

    sqlstore.SqlTx.append = append  # type: ignore[method-assign]
    sqlstore.SqlTx.update_case = update_case  # type: ignore[method-assign]
    if hook == "open_after_append":
        defn = app.registry.latest("rectification_item")
        app.cases.open_case("rectification_item", actor="registrar", unit="xf-sfs-1", title="崩溃中登记",
                              fields=intake_fields(defn))
    else:
        app.cases.advance(case_id, "verify", actor="supervisor")
    ready.send("finished without hanging")  # only reached if the hook never fired
