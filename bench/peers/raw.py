"""The physical limit of this design: the same writes with the bare driver and no engine.

Per request, exactly what rectiflow's store does for one transition — begin a write transaction,
read the case row, build the event, hash it (SHA-256 over canonical JSON, chained to the previous
hash), INSERT it, UPDATE the case row with a version check, commit — into the same migrated
schema (same tables, same indexes), with the stdlib `sqlite3` module (same pragmas) or psycopg.
No definitions, no checks, no deadlines: what is left is what the database has to do.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Any

from bench.peers.workload import BASE_FIELDS, DEADLINE, STEPS, payload_for

INSERT_EVENT = ("INSERT INTO case_events (case_id, version, at, actor, action, from_state, to_state, payload, "
                "definition, definition_version, prev_hash, hash) VALUES ({p})")
UPDATE_CASE = ("UPDATE cases SET state={p}, stage={p}, version={p}, assignee={p}, updated_at={p}, due_at={p}, "
               "snapshot={p} WHERE id={p} AND version={p}")
INSERT_CASE = ("INSERT INTO cases (id, type, definition_version, title, unit, state, stage, version, assignee, "
               "opened_at, updated_at, due_at, snapshot) VALUES ({p})")


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _event(case_id: str, version: int, at: str, actor: str, action: str, src: str | None, dest: str,
           payload: dict[str, Any], prev: str) -> tuple[Any, ...]:
    content = {"case_id": case_id, "version": version, "at": at, "actor": actor, "action": action,
               "from_state": src, "to_state": dest, "payload": payload, "definition": "rectification_item",
               "definition_version": 1, "prev_hash": prev}
    digest = hashlib.sha256(canonical(content).encode()).hexdigest()
    return (case_id, version, at, actor, action, src, dest, canonical(payload), "rectification_item", 1, prev, digest)


class RawDriver:
    """One case lifecycle step per call, on a DB-API connection (sqlite3 or psycopg)."""

    placeholder = "?"

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        p = self.placeholder
        self.insert_event = INSERT_EVENT.format(p=", ".join([p] * 12))
        self.update_case = UPDATE_CASE.format(p=p)
        self.insert_case = INSERT_CASE.format(p=", ".join([p] * 13))
        self.select = f"SELECT snapshot FROM cases WHERE id = {p}"

    def begin(self) -> None:
        raise NotImplementedError

    def open(self, case_id: str, at: str) -> None:
        self.begin()
        payload = {"title": "bench", "unit": "xf-sfs-1", "fields": dict(BASE_FIELDS), "deadline": DEADLINE,
                   "attachments": [], "links": [], "definition_hash": "0" * 64}
        ev = _event(case_id, 1, at, "registrar", "opened", None, "reported", payload, "0" * 64)
        snap = {"id": case_id, "type": "rectification_item", "state": "reported", "version": 1,
                "fields": dict(BASE_FIELDS), "deadline": DEADLINE, "head_hash": ev[-1], "updated_at": at}
        cur = self.conn.cursor()
        cur.execute(self.insert_event, ev)
        cur.execute(self.insert_case, (case_id, "rectification_item", 1, "bench", "xf-sfs-1", "reported", "reported",
                                       1, None, at, at, DEADLINE["due_at"], canonical(snap)))
        self.conn.commit()

    def step(self, case_id: str, index: int, at: str) -> None:
        _trigger, actor, dest, stage = STEPS[index]
        self.begin()
        cur = self.conn.cursor()
        cur.execute(self.select + self.lock_suffix, (case_id,))
        snap = json.loads(cur.fetchone()[0])
        payload = payload_for(index)
        ev = _event(case_id, snap["version"] + 1, at, actor, "advanced", snap["state"], dest, payload, snap["head_hash"])
        snap["fields"].update(payload["fields"])
        seen = snap["version"]
        snap.update(state=dest, version=seen + 1, head_hash=ev[-1], updated_at=at)
        cur.execute(self.insert_event, ev)
        cur.execute(self.update_case, (dest, stage, seen + 1, None, at, DEADLINE["due_at"], canonical(snap), case_id,
                                       seen))
        if cur.rowcount != 1:
            raise RuntimeError("lost update")
        self.conn.commit()

    lock_suffix = ""

    def close(self) -> None:
        self.conn.close()


class RawSqlite(RawDriver):
    """stdlib sqlite3, the production pragmas, BEGIN IMMEDIATE per write."""

    def __init__(self, path: str, synchronous: str) -> None:
        conn = sqlite3.connect(path, isolation_level=None, timeout=15)
        for pragma in ("journal_mode=WAL", f"synchronous={synchronous}", "busy_timeout=15000", "foreign_keys=ON"):
            conn.execute(f"PRAGMA {pragma}")
        super().__init__(conn)

    def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")


class RawPsycopg(RawDriver):
    """psycopg 3 directly; the case row locked with FOR UPDATE, as rectiflow's store does."""

    placeholder = "%s"
    lock_suffix = " FOR UPDATE"

    def __init__(self, conninfo: str, synchronous_commit: str) -> None:
        import psycopg

        super().__init__(psycopg.connect(conninfo, options=f"-c synchronous_commit={synchronous_commit}"))

    def begin(self) -> None:
        pass  # psycopg opens the transaction at the first statement
