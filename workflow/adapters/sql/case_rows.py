"""How a case and its events are stored: row shapes, and the write path's statements built once.

`case_row` is the `cases` row of a CaseState (its snapshot plus the indexed columns lists, inboxes
and the sweep read); `event_to_row` / `event_from_row` map `case_events` rows. The statements
every change runs are compiled once per dialect and run on the driver's cursor
(workflow.adapters.sql.driver_sql): constructing a Core statement and its cache key on every call
cost more CPU than executing it (BENCHMARKS.md).
"""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy import text as sql_text

from workflow.adapters.sql import schema as t
from workflow.adapters.sql.driver_sql import DriverStatements
from workflow.escalation.ladders import next_escalation_at
from workflow.events import Event, canonical_json
from workflow.records import CaseState, User


def _snapshot(case: CaseState) -> str:
    # Serialised straight from the fields: to_dict() would deep-copy everything only to encode it.
    return canonical_json({name: getattr(case, name) for name in _CASE_FIELDS_ORDER})


_CASE_FIELDS_ORDER = tuple(CaseState.__dataclass_fields__)


def case_row(case: CaseState, stage: str) -> dict[str, Any]:
    return {
        "id": case.id, "type": case.type, "definition_version": case.definition_version, "title": case.title,
        "unit": case.unit, "state": case.state, "stage": stage, "version": case.version, "assignee": case.assignee,
        "opened_at": case.opened_at, "updated_at": case.updated_at,
        "due_at": (case.deadline or {}).get("due_at"), "snapshot": _snapshot(case),
        # Indexed: the escalation sweep reads only the cases whose next rung is due.
        "next_escalation_at": next_escalation_at(case.deadline),
        # Unique per type (migration ledger_0001): the case a ledger row became (workflow.ledger).
        "ledger_no": ledger_no(case),
        "campaign": case.campaign,  # immutable (migration entity_0001)
    }


def ledger_no(case: CaseState) -> str | None:
    value = case.fields.get("ledger_no")
    return value if isinstance(value, str) and value else None


# The statements of the write path, built once: constructing a Core statement (and its cache key)
# on every call cost more CPU than executing it. Values are bound at execution.
_GET_SNAPSHOT = select(t.cases.c.snapshot).where(t.cases.c.id == bindparam("case_id"))
CASE_COLUMNS = tuple(case_row(CaseState(id=""), ""))  # the INSERT/UPDATE columns: case_row's keys
ALWAYS_SET = ("version", "updated_at", "snapshot")  # change with every event
LOCKED_COLUMNS = tuple(c for c in CASE_COLUMNS if c not in ALWAYS_SET and c != "id")
_GET_ROW = select(t.cases.c.snapshot, *(t.cases.c[c] for c in LOCKED_COLUMNS)).where(
    t.cases.c.id == bindparam("case_id"))
_LOCK = _GET_ROW.with_for_update()
_LOCK_SKIP = _GET_ROW.with_for_update(skip_locked=True)
_APPEND = insert(t.case_events).returning(t.case_events.c.seq)
# SET takes the columns named in the parameters (case_row's keys); _case/_expected bind the WHERE.
_UPDATE_CASE = update(t.cases).where(t.cases.c.id == bindparam("_case"), t.cases.c.version == bindparam("_expected"))
UNITS_IN_ORDER = select(t.units).order_by(t.units.c.code)
# A unit and its ancestors. UNION (not UNION ALL) ends the walk even if a bad edit made a cycle.
_CHAIN = ("WITH RECURSIVE chain(code, name, parent) AS ("
          " SELECT code, name, parent FROM units WHERE code = :unit"
          " UNION SELECT u.code, u.name, u.parent FROM units u JOIN chain ON u.code = chain.parent) ")
_UNIT_CHAIN = sql_text(_CHAIN + "SELECT code, name, parent FROM chain")
# A union of index look-ups (ix_users_unit, the key), not one OR: the OR made both databases scan
# every user once per rung fired — most of a rung's time with a province's directory. The users of
# roles alerted wherever they are (county-wide readers) are one more look-up, on ix_users_role.
_ALERT_CANDIDATES = sql_text(
    _CHAIN + "SELECT " + ", ".join(c.name for c in t.users.c) + " FROM users"
    " WHERE active = TRUE AND login IN ("
    "SELECT login FROM users WHERE unit IN (SELECT code FROM chain)"
    " UNION SELECT login FROM users WHERE unit IS NULL"
    " UNION SELECT login FROM users WHERE login = :login) ORDER BY login")
ACTIVE_IN_ROLES = select(*t.users.c).where(t.users.c.active.is_(True), t.users.c.role.in_(bindparam("roles",
                                                                                                      expanding=True)))
_CASE_FIELDS = frozenset(CaseState.__dataclass_fields__)
_USER_COLUMNS = tuple(c.name for c in t.users.c)
_EVENT_COLUMNS = tuple(c.name for c in t.case_events.c if c.name != "seq")
_BY_DIALECT: dict[tuple[str, str], DriverStatements] = {}


def write_path_statements(dialect: Any) -> DriverStatements:
    """The write path's statements for `dialect`, run on the driver's cursor (workflow.adapters.sql.driver_sql)."""
    key = (dialect.name, dialect.paramstyle)
    found = _BY_DIALECT.get(key)
    if found is None:
        found = _BY_DIALECT[key] = DriverStatements(dialect, {
            "get_snapshot": (_GET_SNAPSHOT, None), "get_row": (_GET_ROW, None), "lock": (_LOCK, None),
            "lock_skip": (_LOCK_SKIP, None), "append": (_APPEND, _EVENT_COLUMNS),
            "insert_case": (insert(t.cases), CASE_COLUMNS), "update_case": (_UPDATE_CASE, CASE_COLUMNS),
            "get_user": (select(*t.users.c).where(t.users.c.login == bindparam("login")), None),
            "unit_chain": (_UNIT_CHAIN, None), "alert_candidates": (_ALERT_CANDIDATES, None),
        })
    return found


def user_from_row(row: tuple[Any, ...]) -> User:
    values = dict(zip(_USER_COLUMNS, row))
    for flag in ("active", "must_change_password"):  # SQLite hands booleans back as 0/1
        values[flag] = bool(values[flag])
    return User(**values)


def load_case(snapshot: str) -> CaseState:
    """A case from its stored snapshot; json.loads made fresh objects, so nothing needs copying."""
    return CaseState(**{k: v for k, v in json.loads(snapshot).items() if k in _CASE_FIELDS})


def event_to_row(ev: Event) -> dict[str, Any]:
    return {
        "case_id": ev.case_id, "version": ev.version, "at": ev.at, "actor": ev.actor, "action": ev.action,
        "from_state": ev.from_state, "to_state": ev.to_state, "payload": ev.payload_text(),
        "definition": ev.definition, "definition_version": ev.definition_version,
        "prev_hash": ev.prev_hash, "hash": ev.hash,
    }


def event_from_row(r: Any) -> Event:
    return Event(
        case_id=r["case_id"], version=r["version"], at=r["at"], actor=r["actor"], action=r["action"],
        from_state=r["from_state"], to_state=r["to_state"], payload=_payload(r["payload"]),
        definition=r["definition"], definition_version=r["definition_version"], prev_hash=r["prev_hash"],
        hash=r["hash"], seq=r["seq"],
    )


def _payload(text: str) -> dict[str, Any]:
    """The stored payload; one that is not a JSON object (only a forger writes those) loads as a marker
    whose hash cannot match, so `audit verify` reports the event instead of crashing on it."""
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    return value if isinstance(value, dict) else {"unreadable_payload": text}


