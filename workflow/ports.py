"""Ports: everything the core needs from the outside world, as Protocols — and nothing more.

Storage is one `Store` handing out transactions. A `ReadTx` / `WriteTx` has a named method for
every question and every write the core makes (cases and their events, the directory, stored
definitions, campaign plans and declarations, escalation firings, alerts and the sweep lease);
no connection or query language ever reaches domain code. The read side of the web pages and
reports (inboxes, the battle map, the audit and access logs) is the `ReadModel`; verifying the
whole audit log at once is the `AuditScanner`. Adapters (workflow.adapters) implement these;
workflow.bootstrap picks them.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from workflow.events import Event
from workflow.read_side import (
    COUNT_CAP,
    AccessEntry,
    AlertRow,
    AuditFilter,
    BoardCase,
    DashboardCount,
    InboxPage,
    InboxQuery,
    SavedFilter,
)
from workflow.records import Alert, CaseState, Report, StoredCampaign, StoredDefinition, Unit, User


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""


class BlobStore(Protocol):
    def put(self, data: bytes) -> str:
        """Store bytes content-addressed; return their SHA-256 hex digest."""

    def get(self, sha256: str) -> bytes | None: ...

    def size(self, sha256: str) -> int | None:
        """The stored blob's size in bytes; None when there is no such blob."""


class YamlFiles(Protocol):
    def load(self, path: Path) -> tuple[Any, str, str]:
        """(data, text, sha256 of the bytes) of a YAML file; DefinitionError naming the line if it is bad."""


class ReadTx(Protocol):
    """One consistent view of the stored state."""

    # cases and their events
    def get_case(self, case_id: str) -> CaseState | None: ...
    def events(self, case_id: str, *, up_to_version: int | None = None, as_of: str | None = None) -> list[Event]: ...
    def iter_events(self, case_id: str | None = None) -> Iterator[Event]:
        """Every event (or one case's), ordered by case and version, streamed."""
    def case_rows(self, case_id: str | None = None) -> Iterator[CaseState]:
        """The stored case rows (or one) as an audit judges them: the snapshot, each column that disagrees marked."""
    def all_case_ids(self) -> Iterable[str]: ...
    def count_cases(self) -> int: ...
    def cases_with_deadlines(self) -> Iterator[CaseState]:
        """Every case that has a current deadline (for `deadlines recompute`)."""
    def due_case_ids(self, now: str, limit: int, exclude: Collection[str]) -> list[str]:
        """Cases whose next escalation rung is due at `now`, earliest first (the sweep's only read)."""

    # the directory
    def get_user(self, login: str) -> User | None: ...
    def get_unit(self, code: str) -> Unit | None: ...
    def units(self) -> list[Unit]: ...
    def unit_chain(self, code: str) -> list[Unit]:
        """The unit and its ancestors up to the root; empty when the unit does not exist."""
    def users(self) -> list[User]: ...
    def alert_candidates(self, unit: str, *, roles_anywhere: Collection[str], login: str | None) -> list[User]:
        """Active users who might be alerted about a case of `unit`: those in the unit's chain or in no
        unit, every user of `roles_anywhere`, and the user `login` — a superset that
        workflow.escalation.supervision then filters."""

    # stored definitions
    def stored_definitions(self) -> list[StoredDefinition]: ...
    def definition_in_use(self, name: str, version: int) -> bool: ...

    # campaigns and self-declarations
    def get_campaign(self, key: str) -> StoredCampaign | None: ...
    def campaign_keys(self) -> list[str]: ...
    def measure_cases(self, key: str) -> dict[str, str]:
        """Measure id → its case id, for one loaded plan."""
    def assessment_case(self, key: str) -> str | None:
        """The campaign's 评估验收 case (its units' scores), if opened."""
    def ledger_cases(self, case_type: str, numbers: Collection[str]) -> dict[str, str]:
        """问题编号 → case id, for the cases of `case_type` whose `ledger_no` is one of `numbers`."""
    def self_report_windows(self, campaign: str | None = None) -> list[tuple[date, date]]:
        """The self-report windows (first and last day) of the loaded plan `campaign`, or of every
        loaded plan when None."""
    def declarations(self, case_type: str, round_no: int) -> dict[str, str]:
        """Declarant login → declaration case id, for one form and round."""
    def org_held_since(self, subject_fields: dict[str, str], *, subject: str, before: datetime,
                       exclude_case: str, case_type: str, matter: str | None,
                       campaign: str | None) -> datetime | None:
        """When a case about `subject` (named by the field `subject_fields[type]`), the same matter and in
        the same campaign (workflow.definitions.leniency.earliest_org_case) first came in through an
        organisation channel before `before` — None if none did."""

    # escalations, alerts, the sweep lease
    def firings(self, case_id: str | None = None) -> list[dict[str, Any]]: ...
    def bulletin(self, since: str | None) -> list[dict[str, Any]]:
        """Firings of rungs marked `bulletin` (通报), oldest first, with the case's title, unit and state."""
    def alerts_for(self, login: str, *, unread_only: bool) -> list[Alert]: ...
    def lease_holder(self, name: str) -> tuple[str, str] | None:
        """(owner, expires_at) of a named lease, None if it was never taken."""

    # the access log (logins, views, exports, administration), append-only
    def access_log_after(self, seq: int, *, limit: int) -> list[AccessEntry]:
        """Up to `limit` entries with a sequence number above `seq`, oldest first."""


class WriteTx(ReadTx, Protocol):
    """A read-write transaction: everything in it commits together, or nothing does."""

    def savepoint(self) -> AbstractContextManager[None]:
        """A part that an exception inside undoes alone, the rest of the transaction kept."""

    # cases and their events (workflow.cases is the only caller)
    def lock_case(self, case_id: str, *, skip_locked: bool = False) -> CaseState | None:
        """The case, locked until the end of the transaction; with skip_locked, None if another holds it."""
    def append(self, event: Event) -> Event:
        """Append a sealed event (a second event for one case version is a ConcurrencyConflict)."""
    def insert_case(self, case: CaseState, stage: str, search: tuple[str, ...] = ()) -> None:
        """Store a new case; `search` is its searchable texts (workflow.search_terms), indexed with it."""
    def update_case(self, case: CaseState, stage: str, expected_version: int,
                    search: tuple[str, ...] | None = None) -> None:
        """Store the case's new state; ConcurrencyConflict if its stored version is not `expected_version`.
        `search`: the searchable texts when they changed (re-indexed in this transaction), else None."""

    # the directory and stored definitions
    def add_unit(self, unit: Unit) -> None: ...
    def add_user(self, user: User) -> None: ...
    def update_user(self, login: str, **values: Any) -> None: ...
    def record_access(self, entry: AccessEntry) -> None:
        """Append to the access log in this transaction (its seq is given by the store; never changed)."""
    def save_definition(self, stored: StoredDefinition, loaded_at: str = "") -> None: ...

    # campaigns and self-declarations
    def save_campaign(self, campaign: StoredCampaign) -> None:
        """Insert or replace a plan (its measure cases are kept)."""
    def add_measure_case(self, key: str, measure_id: str, case_id: str) -> None: ...
    def add_assessment_case(self, key: str, case_id: str) -> None: ...
    def add_declaration(self, *, case_type: str, round_no: int, declarant: str, case_id: str, unit: str,
                        issued_at: datetime) -> None: ...

    # escalations, alerts, the sweep lease
    def add_firing(self, row: dict[str, Any]) -> bool:
        """Record that a rung fired; False (nothing written) when that rung already fired."""
    def add_alerts(self, rows: list[dict[str, Any]]) -> None: ...
    def mark_alerts_read(self, login: str, ids: Iterable[int] | None, at: str) -> int: ...
    def take_lease(self, name: str, owner: str, now: str, expires: str) -> bool:
        """Take or renew a named lease; False when another owner holds an unexpired one."""
    def release_lease(self, name: str, owner: str, now: str) -> None: ...

    # the set-wise sweep (workflow.escalation.set_firing): many cases, one statement per table
    def lock_cases(self, case_ids: Sequence[str]) -> dict[str, CaseState]:
        """The cases locked until the end of the transaction, by id; one another transaction holds is left out."""
    def add_firings(self, rows: list[dict[str, Any]]) -> set[str]:
        """Record firings (one per case); the ids of the cases whose row went in (a rung fired already: not)."""
    def append_events(self, events: Sequence[Event]) -> None:
        """Append sealed events of cases locked by this transaction (a taken version: ConcurrencyConflict)."""
    def update_cases(self, changes: Sequence[tuple[CaseState, str, int, tuple[str, ...] | None]]) -> None:
        """update_case for each (case, stage, expected_version, search); ConcurrencyConflict if any is stale."""
    def deferred_alerts(self) -> AbstractContextManager[None]:
        """add_alerts inside the block are written together when it ends without an error."""


class Store(Protocol):
    def read(self) -> AbstractContextManager[ReadTx]: ...
    def write(self) -> AbstractContextManager[WriteTx]: ...
    def dispose(self) -> None:
        """Release every held connection (at exit, or before forking worker processes)."""


class ReadModel(Protocol):
    """The read side of pages and reports: index-backed inboxes, the battle map, the logs, alerts."""

    def inbox(self, query: InboxQuery, *, after: str | None, limit: int) -> InboxPage: ...
    def count(self, query: InboxQuery, *, cap: int = COUNT_CAP) -> int: ...
    def counts(self, queries: Sequence[InboxQuery], *, cap: int = COUNT_CAP) -> list[int]: ...
    def inbox_with_counts(self, query: InboxQuery, counted: Sequence[InboxQuery], *, after: str | None, limit: int,
                          cap: int = COUNT_CAP) -> tuple[InboxPage, list[int]]: ...
    def dashboard(self, as_of: str, units: tuple[str, ...] | None, types: tuple[str, ...],
                  closed: tuple[str, ...], campaign: str | None = None) -> list[DashboardCount]:
        """The battle map's counts (with `campaign`: of that campaign's cases only)."""
    def board_cases(self, as_of: str, units: tuple[str, ...] | None, types: tuple[str, ...],
                    closed: tuple[str, ...], campaign: str | None = None) -> list[BoardCase]:
        """The battle map's cases one by one (same rows and lights as `dashboard`), with their category and
        plan measure — the row modes' keys and a cell's list."""
    def cases_at(self, as_of: str, units: tuple[str, ...] | None, types: tuple[str, ...],
                 campaign: str | None = None) -> list[str]:
        """The ids of the cases that existed at `as_of` in these units (None: every unit) as they stood then,
        of these types — the battle map's cases, one by one (the problem ledger's rows)."""
    def audit_events(self, filt: AuditFilter, *, before_seq: int | None, limit: int) -> list[Event]: ...
    def iter_audit_events(self, filt: AuditFilter) -> Iterator[Event]: ...
    def case_titles(self, ids: Collection[str]) -> dict[str, str]:
        """The titles of these cases (the audit log names cases by title); unknown ids are left out."""
    def record_access(self, entry: AccessEntry) -> None: ...
    def access_entries(self, *, actor: str | None, case_id: str | None, before_seq: int | None,
                       limit: int, actors: Collection[str] = ()) -> list[AccessEntry]: ...
    def alerts(self, login: str, *, unread_only: bool, before_id: int | None, limit: int) -> list[AlertRow]: ...
    def unread_alerts(self, login: str, *, cap: int = COUNT_CAP) -> int: ...
    def mark_alerts_read(self, login: str, ids: list[int] | None, at: str) -> int: ...


class AuditScanner(Protocol):
    """`audit verify` over a whole database: every chain, every replay, every stored row, in parallel."""

    def verify(self, *, case_id: str | None, jobs: int) -> Report: ...


class SavedFilterBook(Protocol):
    """Saved inbox filters (workflow.directory.saved_filters): every call names the owner, who alone reaches them."""

    def of(self, login: str) -> list[SavedFilter]: ...

    def add(self, login: str, name: str, query: str, at: str) -> bool:
        """Save; False (nothing written) when `login` has a filter of that name already."""

    def remove(self, login: str, filter_id: int) -> bool:
        """Delete `login`'s filter `filter_id`; False when `login` has no such filter."""


class LoginCounters(Protocol):
    """Failed-login counters and locks (workflow.directory.throttle), each check-and-count one atomic step."""

    def reserve(self, key: str, *, limit: int, now: str, window_start: str, lock_until: str) -> str | None:
        """Count one attempt against `key` unless it is locked or `limit` attempts were counted since
        `window_start`: None when admitted, else the instant the lock ends. The attempt that reaches
        `limit` locks the key until `lock_until` (a later success lifts it)."""
    def settle(self, key: str, *, success: bool, forget: bool) -> None:
        """After the password check of an admitted attempt: on success lift the lock and either forget
        every counted attempt (`forget`) or take back this one."""
    def locks(self, prefix: str, *, now: str) -> dict[str, str]:
        """The keys starting with `prefix` that are locked after `now`, each with the instant its lock ends."""
    def unlock(self, key: str, entry: AccessEntry, *, now: str) -> str | None:
        """Lift the lock of `key` (and forget its counted attempts) and append `entry` to the access log, in
        one transaction; the instant the lock would have ended, or None (nothing changed, nothing logged)
        when `key` was not locked."""
    def record_aggregated(self, key: str, entry: AccessEntry, *, now: str, quiet_since: str) -> bool:
        """Count `entry` under `key`; append it to the access log (detail `attempts`: how many it stands
        for) only if no row for `key` was written after `quiet_since`. Whether a row was written."""
