"""Crash tests' common move: a spawned process stops inside its write transaction and is SIGKILLed there.

The child's entry point takes a pipe end as its last argument and sends "in the transaction" once its
hook has stopped it there (after writing, before committing); imported as `killed_child`.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable
from typing import Any


def kill_inside_transaction(target: Callable[..., Any], *args: Any) -> None:
    """Run `target(*args, pipe_end)` in a spawned process and SIGKILL it once it says it is inside."""
    ctx = multiprocessing.get_context("spawn")
    parent_end, child_end = ctx.Pipe(duplex=False)
    child = ctx.Process(target=target, args=(*args, child_end))
    child.start()
    try:
        assert parent_end.poll(120), "the child never reached the hook"
        assert parent_end.recv() == "in the transaction"
        os.kill(child.pid, signal.SIGKILL)
        child.join(60)
    finally:
        if child.is_alive():
            child.kill()
            child.join(10)
    assert child.exitcode == -signal.SIGKILL
