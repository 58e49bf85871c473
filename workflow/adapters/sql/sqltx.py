"""One SQL transaction: every ports.ReadTx / ports.WriteTx method, on SQLite or PostgreSQL.

The write path (lock, append, update the case row) runs on statements compiled once per dialect
(workflow.adapters.sql.case_rows); campaign and escalation rows are the functions of campaign_tables and
escalation_sql on the same connection, so they commit with the case changes they belong to.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import exc, func, insert, select, update
from sqlalchemy.engine import Connection

from workflow.adapters.sql import campaign_tables as campaigns
from workflow.adapters.sql import driver_sql, search_index, timeline
from workflow.adapters.sql import escalation_sql as escalations
from workflow.adapters.sql import schema as t
from workflow.adapters.sql.access_rows import access_entry, access_values
from workflow.adapters.sql.case_rows import (
    ACTIVE_IN_ROLES,
    ALWAYS_SET,
    CASE_COLUMNS,
    LOCKED_COLUMNS,
    UNITS_IN_ORDER,
    case_row,
    event_from_row,
    event_to_row,
    load_case,
    user_from_row,
    write_path_statements,
)
from workflow.adapters.sql.conflicts import raise_as_conflict
from workflow.adapters.sql.escalation_batch import SetWrites
from workflow.adapters.sql.stored_rows import stored_case
from workflow.errors import ConcurrencyConflict
from workflow.events import Event
from workflow.read_side import AccessEntry
from workflow.records import Alert, CaseState, StoredCampaign, StoredDefinition, Unit, User
from workflow.search_terms import document_terms


class SqlTx(SetWrites):  # the set-wise sweep's writes: workflow.adapters.sql.escalation_batch
    """One transaction: the ports.ReadTx / WriteTx methods (adapters and database tests may use `conn`)."""

    def __init__(self, conn: Connection, dialect: str) -> None:
        self.conn, self.dialect = conn, dialect
        self.statements = write_path_statements(conn.dialect)
        self._locked_rows: dict[str, tuple[Any, ...]] = {}  # case id -> its row's columns as locked
        # Users and unit chains read in this transaction (a dispatch asks 2-3 times); cleared by a change to either.
        self._directory: dict[tuple[str, str], Any] = {}

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A part of this transaction that can be undone alone: an exception inside rolls back what the part wrote
        and goes on up. (Driver SQL, like BEGIN: SQLAlchemy's nested transactions cost more than the part.)"""
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
                raise_as_conflict(err)  # as SqlStore.write would say it: the part, not the whole, is undone
            raise
        driver_sql.run(self.conn, "RELEASE SAVEPOINT rectiflow_part", ())

    # ---- cases and events ----------------------------------------------------------------
    def get_case(self, case_id: str) -> CaseState | None:
        row = self.statements.one(self.conn, "get_snapshot", {"case_id": case_id})
        return None if row is None else load_case(row[0])

    def lock_case(self, case_id: str, *, skip_locked: bool = False) -> CaseState | None:
        """The case, row-locked for this transaction; with skip_locked, None if another holds it (PostgreSQL)."""
        query = "get_row"  # SQLite: BEGIN IMMEDIATE already holds the database's write lock
        if self.dialect == "postgresql":
            query = "lock_skip" if skip_locked else "lock"
        row = self.statements.one(self.conn, query, {"case_id": case_id})
        if row is None:
            return None
        self._locked_rows[case_id] = row[1:]  # update_case then sets only the columns that change
        return load_case(row[0])

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
        row = self.statements.one(self.conn, "append", event_to_row(ev))
        assert row is not None  # RETURNING always gives the new row's seq
        seq = row[0]
        timeline.record(self.conn, ev)  # the battle map's derived rows, in the same transaction
        return replace(ev, seq=seq)  # (without the sealed payload text: stored, it is not needed again)

    def insert_case(self, case: CaseState, stage: str, search: tuple[str, ...] = ()) -> None:
        self.statements.rowcount(self.conn, "insert_case", case_row(case, stage))
        search_index.write(self.conn, case.id, document_terms(search), new=True)

    def update_case(self, case: CaseState, stage: str, expected_version: int,
                    search: tuple[str, ...] | None = None) -> None:
        row = case_row(case, stage)
        locked = self._locked_rows.pop(case.id, None)
        if locked is None:  # not locked by this transaction: every column
            params, statement = row, self.statements.variant("update_case", CASE_COLUMNS)
        else:
            # Only what changed: SQLite rewrites the entries of every index on a column named in SET,
            # changed or not — at a million cases most of an update's cost (BENCHMARKS.md).
            keys = ALWAYS_SET + tuple(c for c, old in zip(LOCKED_COLUMNS, locked) if row[c] != old)
            params, statement = {c: row[c] for c in keys}, self.statements.variant("update_case", keys)
        cursor = statement.run(self.conn, {**params, "_case": case.id, "_expected": expected_version})
        try:
            updated = cursor.rowcount
        finally:
            cursor.close()
        if updated != 1:
            raise ConcurrencyConflict("case.changed_meanwhile", case_id=case.id)
        if search is not None:  # the title or a free-text field changed: re-indexed with the change
            search_index.write(self.conn, case.id, document_terms(search), new=False)

    # ---- users, units, definitions ---------------------------------------------------------
    def get_user(self, login: str) -> User | None:
        if ("user", login) not in self._directory:
            row = self.statements.one(self.conn, "get_user", {"login": login})
            self._directory["user", login] = None if row is None else user_from_row(row)
        return self._directory["user", login]  # type: ignore[no-any-return]

    def alert_candidates(self, unit: str, *, roles_anywhere: Collection[str], login: str | None) -> list[User]:
        rows = self.statements.all(self.conn, "alert_candidates", {"unit": unit, "login": login})
        found = {u.login: u for u in map(user_from_row, rows)}
        if roles_anywhere:
            found.update((u.login, u) for u in map(user_from_row, self.conn.execute(
                ACTIVE_IN_ROLES, {"roles": sorted(roles_anywhere)})))
        return [found[login] for login in sorted(found)]

    def users(self) -> list[User]:
        return [User(**r) for r in self.conn.execute(select(t.users).order_by(t.users.c.login)).mappings()]

    def add_user(self, user: User) -> None:
        self._directory.clear()
        self.conn.execute(insert(t.users).values(**user.__dict__))

    def update_user(self, login: str, **values: Any) -> None:
        self._directory.clear()
        self.conn.execute(update(t.users).where(t.users.c.login == login).values(**values))

    def record_access(self, entry: AccessEntry) -> None:
        self.conn.execute(insert(t.access_log).values(**access_values(entry)))

    def access_log_after(self, seq: int, *, limit: int) -> list[AccessEntry]:
        a = t.access_log.c
        stmt = select(t.access_log).where(a.seq > seq).order_by(a.seq).limit(limit)
        return [access_entry(r) for r in self.conn.execute(stmt).mappings()]

    def get_unit(self, code: str) -> Unit | None:
        row = self.conn.execute(select(t.units).where(t.units.c.code == code)).mappings().first()
        return None if row is None else Unit(**row)

    def units(self) -> list[Unit]:
        return [Unit(**r) for r in self.conn.execute(UNITS_IN_ORDER).mappings()]

    def unit_chain(self, code: str) -> list[Unit]:
        """The unit and its ancestors — what a scope check needs — in one statement, not the whole tree."""
        if ("chain", code) not in self._directory:
            rows = self.statements.all(self.conn, "unit_chain", {"unit": code})
            self._directory["chain", code] = tuple(Unit(*r) for r in rows)
        return list(self._directory["chain", code])

    def add_unit(self, unit: Unit) -> None:
        self._directory.clear()
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

    # ---- campaigns and self-declarations (workflow.adapters.sql.campaign_tables) ---------------
    def get_campaign(self, key: str) -> StoredCampaign | None:
        return campaigns.get_campaign(self.conn, key)

    def campaign_keys(self) -> list[str]:
        return campaigns.campaign_keys(self.conn)

    def measure_cases(self, key: str) -> dict[str, str]:
        return campaigns.measure_cases(self.conn, key)

    def assessment_case(self, key: str) -> str | None:
        return campaigns.assessment_case(self.conn, key)

    def ledger_cases(self, case_type: str, numbers: Collection[str]) -> dict[str, str]:
        return campaigns.ledger_cases(self.conn, case_type, numbers)

    def self_report_windows(self, campaign: str | None = None) -> list[tuple[date, date]]:
        return campaigns.self_report_windows(self.conn, campaign)

    def declarations(self, case_type: str, round_no: int) -> dict[str, str]:
        return campaigns.declarations(self.conn, case_type, round_no)

    def org_held_since(self, subject_fields: dict[str, str], *, subject: str, before: datetime,
                       exclude_case: str, case_type: str, matter: str | None,
                       campaign: str | None) -> datetime | None:
        return campaigns.org_held_since(self.conn, subject_fields, subject=subject, before=before,
                                        exclude_case=exclude_case, case_type=case_type, matter=matter,
                                        campaign=campaign)

    def save_campaign(self, campaign: StoredCampaign) -> None:
        campaigns.save_campaign(self.conn, campaign)

    def add_measure_case(self, key: str, measure_id: str, case_id: str) -> None:
        campaigns.add_measure_case(self.conn, key, measure_id, case_id)

    def add_assessment_case(self, key: str, case_id: str) -> None:
        campaigns.add_assessment_case(self.conn, key, case_id)

    def add_declaration(self, *, case_type: str, round_no: int, declarant: str, case_id: str, unit: str,
                        issued_at: datetime) -> None:
        campaigns.add_declaration(self.conn, case_type=case_type, round_no=round_no, declarant=declarant,
                                  case_id=case_id, unit=unit, issued_at=issued_at)

    # ---- escalations, alerts, the lease (workflow.adapters.sql.escalation_sql) -----------------
    def due_case_ids(self, now: str, limit: int, exclude: Collection[str]) -> list[str]:
        return escalations.due_case_ids(self.conn, now, limit, exclude)

    def cases_with_deadlines(self) -> Iterator[CaseState]:
        return escalations.cases_with_deadlines(self.conn)

    def firings(self, case_id: str | None = None) -> list[dict[str, Any]]:
        return escalations.firings(self.conn, case_id)

    def bulletin(self, since: str | None) -> list[dict[str, Any]]:
        return escalations.bulletin(self.conn, since)

    def alerts_for(self, login: str, *, unread_only: bool) -> list[Alert]:
        return escalations.alerts_for(self.conn, login, unread_only=unread_only)

    def lease_holder(self, name: str) -> tuple[str, str] | None:
        return escalations.lease_holder(self.conn, name)

    def add_firing(self, row: dict[str, Any]) -> bool:
        return escalations.add_firing(self.conn, row)

    def add_alerts(self, rows: list[dict[str, Any]]) -> None:
        if self._alert_buffer is not None:  # inside deferred_alerts: written with the rest of the set
            self._alert_buffer.extend(rows)
        else:
            escalations.add_alerts(self.conn, rows)

    def mark_alerts_read(self, login: str, ids: Iterable[int] | None, at: str) -> int:
        return escalations.mark_read(self.conn, login, ids, at)

    def take_lease(self, name: str, owner: str, now: str, expires: str) -> bool:
        return escalations.take_lease(self.conn, name, owner, now, expires)

    def release_lease(self, name: str, owner: str, now: str) -> None:
        escalations.release_lease(self.conn, name, owner, now)
