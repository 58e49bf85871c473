"""The SQL store (SQLite embedded, PostgreSQL for more): ports.Store over SQLAlchemy Core.

SQLite: the driver's own transaction handling is switched off so that we emit BEGIN ourselves —
``BEGIN IMMEDIATE`` for writes (a read-then-write transaction can otherwise fail at once with
"database is locked", busy_timeout notwithstanding; shared/pitfalls.md S1, S2), WAL, a busy
timeout and the chosen synchronous level on every pooled connection.
PostgreSQL: the case row is locked with SELECT … FOR UPDATE. On both, the unique key on
(case_id, version) is the last line of defence against a double append.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import Engine, bindparam, create_engine, event, exc, func, insert, select, update
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Connection

from workflow.adapters.sql import driver_sql, timeline
from workflow.adapters.sql import schema as t
from workflow.adapters.sql.driver_sql import DriverStatements
from workflow.adapters.sql.stored_rows import stored_case
from workflow.errors import ConcurrencyConflict
from workflow.escalation.ladders import next_escalation_at
from workflow.events import Event, canonical_json
from workflow.ports import StoredDefinition, Unit, User
from workflow.engine.projection import CaseState

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class StoreBusy(ConcurrencyConflict):
    """The database stayed locked longer than the busy timeout; nothing was written."""


def make_engine(url: str, *, synchronous: str = "NORMAL", busy_timeout_ms: int = 15000, **kwargs: Any) -> Engine:
    """Create an engine with rectiflow's connection settings for SQLite or PostgreSQL."""
    if url.startswith("sqlite"):
        _ensure_parent_dir(url)
        engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
                               **kwargs)
        _configure_sqlite(engine, synchronous.upper(), busy_timeout_ms)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _ensure_parent_dir(url: str) -> None:
    path = url.split("///", 1)[-1].split("?", 1)[0]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: Engine, synchronous: str, busy_timeout_ms: int) -> None:
    if synchronous not in ("OFF", "NORMAL", "FULL", "EXTRA"):
        raise ValueError(f"unknown SQLite synchronous level {synchronous!r}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see module docstring)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("rectiflow_write", False)
        # On the driver connection itself: this runs once per transaction, and exec_driver_sql's
        # event and result machinery cost more than the BEGIN.
        driver_sql.run(conn, "BEGIN IMMEDIATE" if write else "BEGIN", ())


def upgrade_database(url: str, engine: Engine | None = None) -> None:
    """Bring the database schema to the newest migration (idempotent)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    own = engine is None
    engine = engine or make_engine(url)
    try:
        with engine.connect() as conn:
            cfg.attributes["connection"] = conn
            # "heads": features may add independent migration branches; all of them are applied.
            command.upgrade(cfg, "heads")
            conn.commit()
    finally:
        if own:
            engine.dispose()


def schema_status(engine: Engine) -> tuple[set[str], set[str]]:
    """(revisions applied to the database, head revisions the code ships)."""
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    heads = set(ScriptDirectory.from_config(cfg).get_heads())
    with engine.connect() as conn:
        applied = set(MigrationContext.configure(conn).get_current_heads())
    return applied, heads


class SqlStore:
    """ports.Store on a SQLAlchemy engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[SqlTx]:
        with self.engine.connect() as conn:
            with conn.begin():
                yield SqlTx(conn, self.dialect)

    @contextmanager
    def write(self) -> Iterator[SqlTx]:
        try:
            with self.engine.connect() as conn:
                conn.execution_options(rectiflow_write=True)
                with conn.begin():
                    yield SqlTx(conn, self.dialect)
        except exc.DBAPIError as err:
            _raise_as_conflict(err)
            raise


def _raise_as_conflict(err: exc.DBAPIError) -> None:
    """A second event for a case version, or a busy database, as the conflict it is; other errors return."""
    if isinstance(err, exc.IntegrityError) and ("case_events" in str(err.orig) or "uq_case_events" in str(err.orig)):
        raise ConcurrencyConflict("another change to this case was committed first; nothing was written") from None
    if isinstance(err, exc.OperationalError) and ("locked" in str(err.orig) or "busy" in str(err.orig)):
        raise StoreBusy("the database is busy; nothing was written — try again") from None


class SqlTx:
    """One transaction: the ports.ReadTx / WriteTx methods."""

    def __init__(self, conn: Connection, dialect: str) -> None:
        self.conn, self.dialect = conn, dialect
        self.hot = _hot_statements(conn.dialect)
        self._locked_rows: dict[str, tuple[Any, ...]] = {}  # case id -> its row's columns as locked

    def extra(self) -> Connection:
        return self.conn

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A part of this transaction that can be undone alone: an exception inside rolls back what the
        part wrote and goes on up; what the transaction wrote before it stays. (Driver SQL, like BEGIN:
        SQLAlchemy's nested transactions would cost more than the part on the sweep's path.)"""
        driver_sql.run(self.conn, "SAVEPOINT rectiflow_part", ())
        try:
            yield
        except BaseException as err:
            try:
                driver_sql.run(self.conn, "ROLLBACK TO SAVEPOINT rectiflow_part", ())
                driver_sql.run(self.conn, "RELEASE SAVEPOINT rectiflow_part", ())
            except exc.DBAPIError:
                raise err from None  # the database ended the whole transaction (SQLite does on some errors)
            if isinstance(err, exc.DBAPIError):
                _raise_as_conflict(err)  # as SqlStore.write would say it: the part, not the whole, is undone
            raise
        driver_sql.run(self.conn, "RELEASE SAVEPOINT rectiflow_part", ())

    # ---- cases and events ----------------------------------------------------------------
    def get_case(self, case_id: str) -> CaseState | None:
        row = self.hot.one(self.conn, "get_snapshot", {"case_id": case_id})
        return None if row is None else _load_case(row[0])

    def lock_case(self, case_id: str, *, skip_locked: bool = False) -> CaseState | None:
        """The case, row-locked for this transaction; with skip_locked, None if another holds it (PostgreSQL)."""
        query = "get_row"  # SQLite: BEGIN IMMEDIATE already holds the database's write lock
        if self.dialect == "postgresql":
            query = "lock_skip" if skip_locked else "lock"
        row = self.hot.one(self.conn, query, {"case_id": case_id})
        if row is None:
            return None
        self._locked_rows[case_id] = row[1:]  # update_case then sets only the columns that change
        return _load_case(row[0])

    def events(self, case_id: str, *, up_to_version: int | None = None, as_of: str | None = None) -> list[Event]:
        e = t.case_events.c
        query = select(t.case_events).where(e.case_id == case_id).order_by(e.version)
        if up_to_version is not None:
            query = query.where(e.version <= up_to_version)
        if as_of is not None:
            query = query.where(e.at <= as_of)
        return [event_from_row(r) for r in self.conn.execute(query).mappings()]

    def iter_events(self, case_id: str | None = None, batch: int = 5000) -> Iterator[Event]:
        """Every event, ordered by case and version (streamed in batches)."""
        e = t.case_events.c
        query = select(t.case_events).order_by(e.case_id, e.version)
        if case_id is not None:
            query = query.where(e.case_id == case_id)
        result = self.conn.execution_options(stream_results=True, yield_per=batch).execute(query)
        for row in result.mappings():
            yield event_from_row(row)

    def all_case_ids(self) -> list[str]:
        return list(self.conn.execute(select(t.cases.c.id).order_by(t.cases.c.id)).scalars())

    def case_rows(self, case_id: str | None = None) -> Iterator[CaseState]:
        """The stored case rows as `audit verify` must judge them (see stored_case)."""
        query = select(t.cases).order_by(t.cases.c.id)
        if case_id is not None:
            query = query.where(t.cases.c.id == case_id)
        for row in self.conn.execute(query).mappings():
            yield stored_case(row)

    def append(self, ev: Event) -> Event:
        row = self.hot.one(self.conn, "append", event_to_row(ev))
        assert row is not None  # RETURNING always gives the new row's seq
        seq = row[0]
        timeline.record(self.conn, ev)  # the battle map's derived rows, in the same transaction
        return Event(**{**ev.__dict__, "seq": seq})

    def insert_case(self, case: CaseState, stage: str) -> None:
        self.hot.rowcount(self.conn, "insert_case", case_row(case, stage))

    def update_case(self, case: CaseState, stage: str, expected_version: int) -> None:
        row = case_row(case, stage)
        locked = self._locked_rows.pop(case.id, None)
        if locked is None:  # not locked by this transaction: every column
            params, statement = row, self.hot.variant("update_case", _CASE_COLUMNS)
        else:
            # Only what changed: SQLite rewrites the entries of every index on a column named in SET,
            # changed or not — at a million cases that was most of an update's cost (~0.3 ms of 0.4).
            keys = _ALWAYS_SET + tuple(c for c, old in zip(_LOCKED_COLUMNS, locked) if row[c] != old)
            params, statement = {c: row[c] for c in keys}, self.hot.variant("update_case", keys)
        cursor = statement.run(self.conn, {**params, "_case": case.id, "_expected": expected_version})
        try:
            updated = cursor.rowcount
        finally:
            cursor.close()
        if updated != 1:
            raise ConcurrencyConflict(f"case {case.id} changed while you acted: reload and try again")

    # ---- users, units, definitions ---------------------------------------------------------
    def get_user(self, login: str) -> User | None:
        row = self.hot.one(self.conn, "get_user", {"login": login})
        return None if row is None else _user(row)

    def alert_candidates(self, unit: str, *, auditors: bool, login: str | None) -> list[User]:
        rows = self.hot.all(self.conn, "alert_candidates", {"unit": unit, "auditors": auditors, "login": login})
        return [_user(row) for row in rows]

    def users(self) -> list[User]:
        return [User(**r) for r in self.conn.execute(select(t.users).order_by(t.users.c.login)).mappings()]

    def add_user(self, user: User) -> None:
        self.conn.execute(insert(t.users).values(**user.__dict__))

    def update_user(self, login: str, **values: Any) -> None:
        self.conn.execute(update(t.users).where(t.users.c.login == login).values(**values))

    def get_unit(self, code: str) -> Unit | None:
        row = self.conn.execute(select(t.units).where(t.units.c.code == code)).mappings().first()
        return None if row is None else Unit(**row)

    def units(self) -> list[Unit]:
        return [Unit(**r) for r in self.conn.execute(_UNITS).mappings()]

    def unit_chain(self, code: str) -> list[Unit]:
        """The unit and its ancestors — what a scope check needs — in one statement, not the whole tree."""
        return [Unit(*r) for r in self.hot.all(self.conn, "unit_chain", {"unit": code})]

    def add_unit(self, unit: Unit) -> None:
        self.conn.execute(insert(t.units).values(**unit.__dict__))

    def stored_definitions(self) -> list[StoredDefinition]:
        d = t.definitions.c
        rows = self.conn.execute(select(d.name, d.version, d.content_hash, d.source, d.text)).mappings()
        return [StoredDefinition(**r) for r in rows]

    def definition_in_use(self, name: str, version: int) -> bool:
        c = t.cases.c
        query = select(func.count()).select_from(t.cases).where(c.type == name, c.definition_version == version)
        return bool(self.conn.execute(query).scalar())

    def save_definition(self, stored: StoredDefinition, loaded_at: str = "") -> None:
        d = t.definitions
        self.conn.execute(d.delete().where(d.c.name == stored.name, d.c.version == stored.version))
        self.conn.execute(insert(d).values(**stored.__dict__, loaded_at=loaded_at))

    def count_cases(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(t.cases)).scalar() or 0)


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
    }


# The statements of the write path, built once: constructing a Core statement (and its cache key)
# on every call cost more CPU than executing it. Values are bound at execution.
_GET_SNAPSHOT = select(t.cases.c.snapshot).where(t.cases.c.id == bindparam("case_id"))
_CASE_COLUMNS = tuple(case_row(CaseState(id=""), ""))  # the INSERT/UPDATE columns: case_row's keys
_ALWAYS_SET = ("version", "updated_at", "snapshot")  # change with every event
_LOCKED_COLUMNS = tuple(c for c in _CASE_COLUMNS if c not in _ALWAYS_SET and c != "id")
_GET_ROW = select(t.cases.c.snapshot, *(t.cases.c[c] for c in _LOCKED_COLUMNS)).where(t.cases.c.id == bindparam("case_id"))
_LOCK = _GET_ROW.with_for_update()
_LOCK_SKIP = _GET_ROW.with_for_update(skip_locked=True)
_APPEND = insert(t.case_events).returning(t.case_events.c.seq)
# SET takes the columns named in the parameters (case_row's keys); _case/_expected bind the WHERE.
_UPDATE_CASE = update(t.cases).where(t.cases.c.id == bindparam("_case"), t.cases.c.version == bindparam("_expected"))
_UNITS = select(t.units).order_by(t.units.c.code)
# A unit and its ancestors. UNION (not UNION ALL) ends the walk even if a bad edit made a cycle.
_CHAIN = ("WITH RECURSIVE chain(code, name, parent) AS ("
          " SELECT code, name, parent FROM units WHERE code = :unit"
          " UNION SELECT u.code, u.name, u.parent FROM units u JOIN chain ON u.code = chain.parent) ")
_UNIT_CHAIN = sql_text(_CHAIN + "SELECT code, name, parent FROM chain")
# A union of index look-ups (ix_users_unit, ix_users_role, the key), not one OR: the OR made both
# databases scan every user once per rung fired — most of a rung's time with a province's directory.
_ALERT_CANDIDATES = sql_text(
    _CHAIN + "SELECT " + ", ".join(c.name for c in t.users.c) + " FROM users"
    " WHERE active = TRUE AND login IN ("
    "SELECT login FROM users WHERE unit IN (SELECT code FROM chain)"
    " UNION SELECT login FROM users WHERE unit IS NULL"
    " UNION SELECT login FROM users WHERE role = 'auditor' AND :auditors = TRUE"
    " UNION SELECT login FROM users WHERE login = :login) ORDER BY login")
_CASE_FIELDS = frozenset(CaseState.__dataclass_fields__)
_USER_COLUMNS = tuple(c.name for c in t.users.c)
_EVENT_COLUMNS = tuple(c.name for c in t.case_events.c if c.name != "seq")
_HOT_BY_DIALECT: dict[tuple[str, str], DriverStatements] = {}


def _hot_statements(dialect: Any) -> DriverStatements:
    """The write path's statements for `dialect`, run on the driver's cursor (workflow.adapters.sql.driver_sql)."""
    key = (dialect.name, dialect.paramstyle)
    found = _HOT_BY_DIALECT.get(key)
    if found is None:
        found = _HOT_BY_DIALECT[key] = DriverStatements(dialect, {
            "get_snapshot": (_GET_SNAPSHOT, None), "get_row": (_GET_ROW, None), "lock": (_LOCK, None),
            "lock_skip": (_LOCK_SKIP, None), "append": (_APPEND, _EVENT_COLUMNS),
            "insert_case": (insert(t.cases), _CASE_COLUMNS), "update_case": (_UPDATE_CASE, _CASE_COLUMNS),
            "get_user": (select(*t.users.c).where(t.users.c.login == bindparam("login")), None),
            "unit_chain": (_UNIT_CHAIN, None), "alert_candidates": (_ALERT_CANDIDATES, None),
        })
    return found


def _user(row: tuple[Any, ...]) -> User:
    values = dict(zip(_USER_COLUMNS, row))
    values["active"] = bool(values["active"])  # SQLite hands booleans back as 0/1
    return User(**values)


def _load_case(snapshot: str) -> CaseState:
    """A case from its stored snapshot; json.loads made fresh objects, so nothing needs copying."""
    return CaseState(**{k: v for k, v in json.loads(snapshot).items() if k in _CASE_FIELDS})


def event_to_row(ev: Event) -> dict[str, Any]:
    return {
        "case_id": ev.case_id, "version": ev.version, "at": ev.at, "actor": ev.actor, "action": ev.action,
        "from_state": ev.from_state, "to_state": ev.to_state, "payload": canonical_json(dict(ev.payload)),
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


