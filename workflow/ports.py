"""Ports: what the core needs from the outside world, as Protocols (adapters live in workflow.adapters)."""
from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Protocol

from workflow.events import Event
from workflow.engine.projection import CaseState


@dataclass(frozen=True)
class User:
    login: str
    name: str
    role: str
    unit: str | None
    password_hash: str = ""
    active: bool = True
    session_token: str = ""


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    parent: str | None


@dataclass(frozen=True)
class StoredDefinition:
    name: str
    version: int
    content_hash: str
    source: str
    text: str


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""


class BlobStore(Protocol):
    def put(self, data: bytes) -> str:
        """Store bytes content-addressed; return their SHA-256 hex digest."""

    def get(self, sha256: str) -> bytes | None: ...


class ReadTx(Protocol):
    def get_case(self, case_id: str) -> CaseState | None: ...
    def events(self, case_id: str, *, up_to_version: int | None = None, as_of: str | None = None) -> list[Event]: ...
    def all_case_ids(self) -> Iterable[str]: ...
    def get_user(self, login: str) -> User | None: ...
    def get_unit(self, code: str) -> Unit | None: ...
    def units(self) -> list[Unit]: ...
    def unit_chain(self, code: str) -> list[Unit]:
        """The unit and its ancestors up to the root; empty when the unit does not exist."""
    def users(self) -> list[User]: ...
    def alert_candidates(self, unit: str, *, auditors: bool, login: str | None) -> list[User]:
        """Active users who might be alerted about a case of `unit`: those in the unit's chain or in
        no unit, every auditor if `auditors`, and the user `login` — a superset that
        workflow.escalation.supervision then filters."""
    def stored_definitions(self) -> list[StoredDefinition]: ...
    def definition_in_use(self, name: str, version: int) -> bool: ...


class WriteTx(ReadTx, Protocol):
    def lock_case(self, case_id: str, *, skip_locked: bool = False) -> CaseState | None: ...
    def append(self, event: Event) -> Event: ...
    def insert_case(self, case: CaseState, stage: str) -> None: ...
    def update_case(self, case: CaseState, stage: str, expected_version: int) -> None: ...
    def add_unit(self, unit: Unit) -> None: ...
    def add_user(self, user: User) -> None: ...
    def save_definition(self, stored: StoredDefinition) -> None: ...
    def savepoint(self) -> AbstractContextManager[None]:
        """A part that an exception inside undoes alone, the rest of the transaction kept."""
    def extra(self) -> Any: ...


class Store(Protocol):
    def read(self) -> AbstractContextManager[ReadTx]: ...
    def write(self) -> AbstractContextManager[WriteTx]: ...
