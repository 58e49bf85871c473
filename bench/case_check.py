"""The web history page's integrity check (`Audit.check_case`) for one case of a few hundred events in a large log.

    .venv/bin/python -m bench.case_check [--entries N] [--events M]

On a fresh SQLite database: one case of M events whose log positions are spread over a log of about N entries
(the other entries are synthetic access-log leaves, written straight into `log_entries`), one signed checkpoint.
Measures the checkpoint, the first view in a process (it builds the block cache: one pass over the stored leaves),
and the next views (proofs from the cache plus the case's own blocks). Prints one JSON line.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--events", type=int, default=300)
    args = parser.parse_args()

    from sqlalchemy import text

    from rectiflow.demo import seed_directory
    from workflow.bootstrap import audit_keygen, build, upgrade_database
    from workflow.config import Settings

    repo = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/bench.db", definitions_dir=repo / "definitions",
                            instance_dir=Path(tmp) / "instance", audit_key=audit_keygen(Path(tmp) / "keys", "bench")[0])
        upgrade_database(settings)
        app = build(settings)
        try:
            seed_directory(app)
            case = app.cases.open_case("rectification_item", actor="registrar", unit="xf-sfs-1", title="基准案件",
                                       fields={"description": "基准", "category": "commutation_parole",
                                               "discovery_channel": "self_report"})
            per_event = max(1, args.entries // args.events)
            filler = 0
            for i in range(args.events - 1):
                app.cases.add_comment(case.id, actor="registrar", text=f"第 {i} 条意见")
                app.checkpoints.sequence()
                with app.store.engine.begin() as conn:
                    start = conn.exec_driver_sql("SELECT coalesce(max(position) + 1, 0) FROM log_entries").scalar_one()
                    conn.execute(text("INSERT INTO log_entries (position, kind, access_seq, leaf) "
                                      "VALUES (:p, 'access', :a, :l)"),
                                 [{"p": start + k, "a": -(filler + k + 1), "l": f"{filler + k:064x}"}
                                  for k in range(per_event)])
                filler += per_event
            started = time.perf_counter()
            cp, _ = app.checkpoints.checkpoint()
            checkpoint_s = time.perf_counter() - started
            started = time.perf_counter()
            first = app.audit.check_case(case.id)
            first_s = time.perf_counter() - started
            runs = []
            for _ in range(5):
                started = time.perf_counter()
                warm = app.audit.check_case(case.id)
                runs.append(time.perf_counter() - started)
        finally:
            app.close()
    print(json.dumps({"entries": cp.size, "events": first.events, "proven": warm.proven, "ok": warm.ok,
                      "checkpoint_s": round(checkpoint_s, 3), "first_view_s": round(first_s, 3),
                      "warm_view_s": round(sorted(runs)[len(runs) // 2], 3)}))


if __name__ == "__main__":
    main()
