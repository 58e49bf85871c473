"""`python -m bench.report [results dir]` — a run's summary as a Markdown table against the targets.

The same table as BENCHMARKS.md's (bench.tables, targets from bench.targets), for any results folder — to
read a run before deciding to promote it (`python -m bench.baseline DIR`). BENCHMARKS.md's own table is
generated from the committed baseline, never pasted from here.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.common import DEFAULT_OUT
from bench.tables import summary_table


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else DEFAULT_OUT
    print(summary_table(json.loads((out / "summary.json").read_text())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
