"""The access log's rows (logins, confidential views, exports, administration): one entry in, one out.

Written by the read model (a login, a view) and inside store transactions (a directory change and
its entry commit together); both go through these two functions, so they store the same columns.
The table is append-only: database triggers refuse UPDATE and DELETE (migration web_0001).
"""
from __future__ import annotations

import json
from typing import Any

from workflow.read_side import AccessEntry


def access_values(entry: AccessEntry) -> dict[str, Any]:
    """The columns of a new row (its seq is the database's)."""
    return {"at": entry.at, "actor": entry.actor[:80], "action": entry.action, "case_id": entry.case_id,
            "outcome": entry.outcome, "ip": entry.ip[:64],
            "detail": json.dumps(entry.detail, ensure_ascii=False, sort_keys=True)}


def access_entry(r: Any) -> AccessEntry:
    """An entry from a row of the table (a SQLAlchemy RowMapping)."""
    return AccessEntry(r["seq"], r["at"], r["actor"], r["action"], r["case_id"], r["outcome"], r["ip"],
                       json.loads(r["detail"]))
