"""The in-memory store's tables: immutable rows in dicts, and the working copy a write transaction changes.

Each row is a frozen dataclass; what is mutable in the records the ports hand over (a case's snapshot, an
event's payload, a plan and its windows) is kept as JSON text, so a caller can never change stored state through
a value it was given or got back — every read builds fresh objects, as the SQL store's do. A committed `Tables`
is never changed again: a write transaction changes a `Working` copy, which copies a table the first time the
transaction (or a savepoint inside it) writes to it; the store swaps the new `Tables` in when it commits.
"""
from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from workflow.escalation.ladders import next_escalation_at
from workflow.events import Event, canonical_json
from workflow.read_side import AccessEntry
from workflow.records import CaseState, StoredCampaign, StoredDefinition, Unit, User

_CASE_FIELDS = tuple(CaseState.__dataclass_fields__)
_KNOWN = frozenset(_CASE_FIELDS)


class IntegrityViolation(Exception):
    """A key refused a write (a database's IntegrityError); nothing written. The core checks first: a bug."""


@dataclass(frozen=True)
class CaseRow:
    """A case as stored: its snapshot, and the columns the SQL store indexes beside it."""

    snapshot: str
    type: str
    definition_version: int
    title: str
    unit: str
    state: str
    stage: str
    version: int
    opened_at: str
    due_at: str | None
    next_escalation_at: str | None
    ledger_no: str | None = None
    campaign: str | None = None

    @classmethod
    def of(cls, case: CaseState, stage: str) -> CaseRow:
        snapshot = canonical_json({name: getattr(case, name) for name in _CASE_FIELDS})
        return cls(snapshot, case.type, case.definition_version, case.title, case.unit, case.state, stage,
                   case.version, case.opened_at, (case.deadline or {}).get("due_at"),
                   next_escalation_at(case.deadline), _ledger_no(case), case.campaign)

    def case(self) -> CaseState:
        """A fresh CaseState (json.loads made new objects: nothing is shared with the row)."""
        return CaseState(**{k: v for k, v in json.loads(self.snapshot).items() if k in _KNOWN})


def _ledger_no(case: CaseState) -> str | None:
    value = case.fields.get("ledger_no")
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True)
class EventRow:
    """One event as stored, its payload as canonical JSON, with its global sequence number."""

    seq: int
    case_id: str
    version: int
    at: str
    actor: str
    action: str
    from_state: str | None
    to_state: str | None
    payload: str
    definition: str
    definition_version: int
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, ev: Event, seq: int) -> EventRow:
        return cls(seq, ev.case_id, ev.version, ev.at, ev.actor, ev.action, ev.from_state, ev.to_state,
                   canonical_json(dict(ev.payload)), ev.definition, ev.definition_version, ev.prev_hash, ev.hash)

    def event(self) -> Event:
        return Event(self.case_id, self.version, self.at, self.actor, self.action, self.from_state, self.to_state,
                     json.loads(self.payload), self.definition, self.definition_version, self.prev_hash, self.hash,
                     seq=self.seq)


@dataclass(frozen=True)
class CampaignRow:
    """A loaded plan; its windows and items as JSON text (as the SQL store keeps them)."""

    title: str
    source: str
    content_hash: str
    windows: str
    plan: str
    loaded_at: str

    @classmethod
    def of(cls, c: StoredCampaign) -> CampaignRow:
        return cls(c.title, c.source, c.content_hash, json.dumps(c.windows, ensure_ascii=False),
                   json.dumps(c.plan, ensure_ascii=False), c.loaded_at)

    def campaign(self, key: str) -> StoredCampaign:
        return StoredCampaign(key, self.title, self.source, self.content_hash, json.loads(self.windows),
                              json.loads(self.plan), self.loaded_at)


@dataclass(frozen=True)
class DeclarationRow:
    case_id: str
    unit: str
    issued_at: str


@dataclass(frozen=True)
class FiringRow:
    """One rung fired: the `escalation_firings` columns, in their order."""

    case_id: str
    deadline_key: str
    rung: str
    level: int
    bulletin: bool
    due_at: str
    fired_at: str
    late: bool
    event_version: int
    fired_by: str

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FIRING_COLUMNS}


FIRING_COLUMNS = tuple(FiringRow.__dataclass_fields__)


@dataclass(frozen=True)
class AlertRow:
    """One alert: the `alerts` columns."""

    id: int
    login: str
    case_id: str
    event_version: int
    kind: str
    rung: str | None
    level: int
    at: str
    due_at: str | None
    late: bool
    read_at: str | None


@dataclass(frozen=True)
class AccessRow:
    """One access log entry as stored, its detail as JSON text (actor and address cut as the SQL columns are)."""

    seq: int
    at: str
    actor: str
    action: str
    case_id: str | None
    outcome: str
    ip: str
    detail: str

    @classmethod
    def of(cls, e: AccessEntry, seq: int) -> AccessRow:
        return cls(seq, e.at, e.actor[:80], e.action, e.case_id, e.outcome, e.ip[:64],
                   json.dumps(e.detail, ensure_ascii=False, sort_keys=True))

    def entry(self) -> AccessEntry:
        return AccessEntry(self.seq, self.at, self.actor, self.action, self.case_id, self.outcome, self.ip,
                           json.loads(self.detail))


@dataclass(frozen=True)
class LeaseRow:
    owner: str
    acquired_at: str
    expires_at: str


@dataclass
class Tables:
    """Every table of the store. A committed instance is never changed (see Working)."""

    cases: dict[str, CaseRow] = field(default_factory=dict)
    events: dict[str, tuple[EventRow, ...]] = field(default_factory=dict)  # case id -> its events by version
    users: dict[str, User] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)
    definitions: dict[tuple[str, int], tuple[StoredDefinition, str]] = field(default_factory=dict)  # + loaded_at
    campaigns: dict[str, CampaignRow] = field(default_factory=dict)
    measures: dict[tuple[str, str], str] = field(default_factory=dict)  # (campaign, measure id) -> case id
    assessments: dict[str, str] = field(default_factory=dict)  # campaign -> its campaign_assessment case
    declarations: dict[tuple[str, int, str], DeclarationRow] = field(default_factory=dict)  # (type, round, login)
    firings: dict[tuple[str, str, str], FiringRow] = field(default_factory=dict)  # (case, deadline key, rung)
    alerts: dict[int, AlertRow] = field(default_factory=dict)
    leases: dict[str, LeaseRow] = field(default_factory=dict)
    access_log: tuple[AccessRow, ...] = ()  # append-only: a write makes a longer tuple, never changes a row
    last_seq: int = 0  # the last event sequence number handed out
    last_alert_id: int = 0


K = TypeVar("K")
V = TypeVar("V")


class Working:
    """A write transaction's tables: reads see `tables`; a writer asks for a table by its property, which copies
    it the first time this transaction (or the innermost savepoint) changes it."""

    def __init__(self, committed: Tables) -> None:
        self.tables = replace(committed)  # the same dicts as the committed state, until written
        self._owned: set[str] = set()  # names of the tables copied for this transaction (or savepoint)

    def _mine(self, name: str, table: dict[K, V]) -> dict[K, V]:
        if name in self._owned:
            return table
        copy = dict(table)
        setattr(self.tables, name, copy)
        self._owned.add(name)
        return copy

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Tables written inside are copied again; an exception restores the tables as they were."""
        saved, owned = replace(self.tables), self._owned
        self._owned = set()
        try:
            yield
        except BaseException:
            self.tables, self._owned = saved, owned
            raise
        self._owned |= owned

    @property
    def cases(self) -> dict[str, CaseRow]:
        return self._mine("cases", self.tables.cases)

    @property
    def events(self) -> dict[str, tuple[EventRow, ...]]:
        return self._mine("events", self.tables.events)

    @property
    def users(self) -> dict[str, User]:
        return self._mine("users", self.tables.users)

    @property
    def units(self) -> dict[str, Unit]:
        return self._mine("units", self.tables.units)

    @property
    def definitions(self) -> dict[tuple[str, int], tuple[StoredDefinition, str]]:
        return self._mine("definitions", self.tables.definitions)

    @property
    def campaigns(self) -> dict[str, CampaignRow]:
        return self._mine("campaigns", self.tables.campaigns)

    @property
    def measures(self) -> dict[tuple[str, str], str]:
        return self._mine("measures", self.tables.measures)

    @property
    def assessments(self) -> dict[str, str]:
        return self._mine("assessments", self.tables.assessments)

    @property
    def declarations(self) -> dict[tuple[str, int, str], DeclarationRow]:
        return self._mine("declarations", self.tables.declarations)

    @property
    def firings(self) -> dict[tuple[str, str, str], FiringRow]:
        return self._mine("firings", self.tables.firings)

    @property
    def alerts(self) -> dict[int, AlertRow]:
        return self._mine("alerts", self.tables.alerts)

    @property
    def leases(self) -> dict[str, LeaseRow]:
        return self._mine("leases", self.tables.leases)


def checked_columns(table: str, row: Mapping[str, Any], required: tuple[str, ...],
                    optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """`row` as the named columns, refused (as a database would) for an unknown or a missing NOT NULL one."""
    unknown = sorted(set(row) - set(required) - set(optional))
    missing = [name for name in required if row.get(name) is None]
    if unknown or missing:
        raise IntegrityViolation(f"{table}: unknown columns {unknown}, missing values for {missing}")
    return {name: row.get(name) for name in required + optional}
