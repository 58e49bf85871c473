"""`python -m scheduler`: the standalone escalation scheduler (the same as `rectiflow scheduler`)."""
from __future__ import annotations

import logging
import sys

from scheduler.runner import run_forever
from workflow.bootstrap import build
from workflow.config import Settings
from workflow.errors import WorkflowError


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        app = build(Settings.from_environment())
    except WorkflowError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for warning in app.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    run_forever(app)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
