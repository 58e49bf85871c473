"""Every ports.WriteTx change, made on a write transaction's working copy of the in-memory tables.

The rules are the SQL store's, from its schema and statements: one event per (case, version)
(ConcurrencyConflict), an update only of the version the caller locked (ConcurrencyConflict), a rung
fires once per (case, deadline key, rung) (add_firing says False), an alert once per (login, case,
event version) (skipped), the lease's conditional take. Unique and foreign keys the database checks
raise IntegrityViolation. Each method checks everything before it writes anything, so a refused call
leaves the transaction as it was.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import fields, replace
from datetime import datetime
from typing import Any

from workflow.adapters.memory.reading import MemoryReadTx
from workflow.adapters.memory.tables import (
    FIRING_COLUMNS,
    AccessRow,
    AlertRow,
    CampaignRow,
    CaseRow,
    DeclarationRow,
    EventRow,
    FiringRow,
    IntegrityViolation,
    LeaseRow,
    Tables,
    Working,
    checked_columns,
)
from workflow.errors import ConcurrencyConflict
from workflow.events import Event, format_time
from workflow.read_side import AccessEntry
from workflow.records import CaseState, StoredCampaign, StoredDefinition, Unit, User

_ALERT_REQUIRED = ("login", "case_id", "event_version", "kind", "level", "at", "late")
_ALERT_OPTIONAL = ("rung", "due_at", "read_at")
_USER_COLUMNS = frozenset(f.name for f in fields(User))


class MemoryWriteTx(MemoryReadTx):
    """ports.WriteTx: reads see this transaction's own writes; nothing is visible to others before commit."""

    def __init__(self, working: Working) -> None:
        super().__init__(working.tables)
        self._working: Working | None = working

    def _w(self) -> Working:
        self._t()  # refuses a closed transaction
        assert self._working is not None
        return self._working

    def _t(self) -> Tables:
        super()._t()
        assert self._working is not None
        return self._working.tables  # a savepoint that failed may have put back other tables

    def close(self) -> None:
        super().close()
        self._working = None

    def commit(self) -> Tables:
        """The tables as this transaction leaves them (the store makes them the committed state); closes it."""
        tables = self._w().tables
        self.close()
        return tables

    def savepoint(self) -> AbstractContextManager[None]:
        """A part whose writes an exception inside undoes alone; what the transaction wrote before stays."""
        return self._w().savepoint()

    # ---- cases and their events ------------------------------------------------------------------
    def lock_case(self, case_id: str, *, skip_locked: bool = False) -> CaseState | None:
        """The case. Write transactions run one at a time (see workflow.adapters.memory.store), so no other
        transaction can hold it: like SQLite's, this store never reports a held case, skip_locked or not."""
        return self.get_case(case_id)

    def append(self, event: Event) -> Event:
        """Store a sealed event with the next sequence number; a second event for one version is refused."""
        w = self._w()
        if any(row.version == event.version for row in w.tables.events.get(event.case_id, ())):
            raise ConcurrencyConflict("case.committed_first")
        row = EventRow.of(event, w.tables.last_seq + 1)
        others = w.tables.events.get(event.case_id, ())
        w.events[event.case_id] = tuple(sorted((*others, row), key=lambda r: r.version))
        w.tables.last_seq = row.seq
        return replace(event, seq=row.seq)

    def insert_case(self, case: CaseState, stage: str, search: tuple[str, ...] = ()) -> None:
        """(No read model here, so no search index: see workflow.adapters.memory.store.)"""
        w = self._w()
        if case.id in w.tables.cases:
            raise IntegrityViolation(f"cases: a case {case.id!r} exists already")
        w.cases[case.id] = CaseRow.of(case, stage)

    def update_case(self, case: CaseState, stage: str, expected_version: int,
                    search: tuple[str, ...] | None = None) -> None:
        """Store the case's new state, only over the version the caller started from."""
        w = self._w()
        stored = w.tables.cases.get(case.id)
        if stored is None or stored.version != expected_version:
            raise ConcurrencyConflict("case.changed_meanwhile", case_id=case.id)
        w.cases[case.id] = CaseRow.of(case, stage)

    # ---- the directory and stored definitions ----------------------------------------------------------
    def add_unit(self, unit: Unit) -> None:
        w = self._w()
        if unit.code in w.tables.units:
            raise IntegrityViolation(f"units: a unit {unit.code!r} exists already")
        if unit.parent is not None and unit.parent != unit.code and unit.parent not in w.tables.units:
            raise IntegrityViolation(f"units: no parent unit {unit.parent!r}")
        w.units[unit.code] = unit

    def add_user(self, user: User) -> None:
        w = self._w()
        if user.login in w.tables.users:
            raise IntegrityViolation(f"users: a user {user.login!r} exists already")
        self._check_unit(user.unit)
        w.users[user.login] = user

    def update_user(self, login: str, **values: Any) -> None:
        """Change the named columns of a user (nothing when there is no such user)."""
        unknown = sorted(set(values) - _USER_COLUMNS)
        if unknown:
            raise IntegrityViolation(f"users: no columns {unknown}")
        w = self._w()
        user = w.tables.users.get(login)
        if user is None:
            return
        new = replace(user, **values)
        self._check_unit(new.unit)
        if new.login != login and new.login in w.tables.users:
            raise IntegrityViolation(f"users: a user {new.login!r} exists already")
        users = w.users
        del users[login]
        users[new.login] = new

    def record_access(self, entry: AccessEntry) -> None:
        w = self._w()
        log = w.tables.access_log
        w.tables.access_log = (*log, AccessRow.of(entry, log[-1].seq + 1 if log else 1))

    def _check_unit(self, code: str | None) -> None:
        if code is not None and code not in self._t().units:
            raise IntegrityViolation(f"users: no unit {code!r}")

    def save_definition(self, stored: StoredDefinition, loaded_at: str = "") -> None:
        """Insert or replace one (name, version)."""
        self._w().definitions[(stored.name, stored.version)] = (stored, loaded_at)

    # ---- campaigns and self-declarations --------------------------------------------------------------------
    def save_campaign(self, campaign: StoredCampaign) -> None:
        """Insert or replace a plan (its measure cases are kept)."""
        self._w().campaigns[campaign.key] = CampaignRow.of(campaign)

    def add_measure_case(self, key: str, measure_id: str, case_id: str) -> None:
        w = self._w()
        if key not in w.tables.campaigns:
            raise IntegrityViolation(f"campaign_measures: no campaign {key!r}")
        if (key, measure_id) in w.tables.measures or case_id in w.tables.measures.values():
            raise IntegrityViolation(f"campaign_measures: {key}/{measure_id} or case {case_id} is mapped already")
        w.measures[(key, measure_id)] = case_id

    def add_assessment_case(self, key: str, case_id: str) -> None:
        w = self._w()
        if key not in w.tables.campaigns or key in w.tables.assessments:
            raise IntegrityViolation(f"campaign_assessments: no campaign {key!r}, or it has its case already")
        w.assessments[key] = case_id

    def add_declaration(self, *, case_type: str, round_no: int, declarant: str, case_id: str, unit: str,
                        issued_at: datetime) -> None:
        w = self._w()
        key = (case_type, round_no, declarant)
        if key in w.tables.declarations or any(d.case_id == case_id for d in w.tables.declarations.values()):
            raise IntegrityViolation(f"declarations: {key} or case {case_id} is recorded already")
        w.declarations[key] = DeclarationRow(case_id, unit, format_time(issued_at))

    # ---- escalations, alerts, the sweep lease ---------------------------------------------------------------
    def add_firing(self, row: dict[str, Any]) -> bool:
        """Record that a rung fired; False (nothing written) when that rung of that deadline already fired."""
        values = checked_columns("escalation_firings", row, FIRING_COLUMNS)
        firing = FiringRow(**{**values, "level": int(values["level"]), "bulletin": bool(values["bulletin"]),
                              "late": bool(values["late"]), "event_version": int(values["event_version"])})
        key = (firing.case_id, firing.deadline_key, firing.rung)
        w = self._w()
        if key in w.tables.firings:
            return False
        w.firings[key] = firing
        return True

    def add_alerts(self, rows: list[dict[str, Any]]) -> None:
        """Insert alerts with increasing ids, skipping any whose (login, case, event version) is taken."""
        checked = [checked_columns("alerts", row, _ALERT_REQUIRED, _ALERT_OPTIONAL) for row in rows]
        w = self._w()
        taken = {(a.login, a.case_id, a.event_version) for a in w.tables.alerts.values()}
        fresh = []
        for values in checked:
            key = (values["login"], values["case_id"], int(values["event_version"]))
            if key not in taken:
                taken.add(key)
                fresh.append(values)
        if not fresh:
            return
        alerts, alert_id = w.alerts, w.tables.last_alert_id
        for values in fresh:
            alert_id += 1
            alerts[alert_id] = AlertRow(id=alert_id, **{**values, "event_version": int(values["event_version"]),
                                                        "level": int(values["level"]), "late": bool(values["late"])})
        w.tables.last_alert_id = alert_id

    def mark_alerts_read(self, login: str, ids: Iterable[int] | None, at: str) -> int:
        """Mark the user's unread alerts (all, or those of `ids`) read at `at`; how many were."""
        wanted = None if ids is None else set(ids)
        w = self._w()
        hits = [a for a in w.tables.alerts.values()
                if a.login == login and a.read_at is None and (wanted is None or a.id in wanted)]
        if hits:
            alerts = w.alerts
            for alert in hits:
                alerts[alert.id] = replace(alert, read_at=at)
        return len(hits)

    def take_lease(self, name: str, owner: str, now: str, expires: str) -> bool:
        """Take a free or expired lease, or renew our own (keeping when we took it); False while another holds it."""
        w = self._w()
        held = w.tables.leases.get(name)
        if held is None:
            w.leases[name] = LeaseRow(owner, now, expires)
            return True
        if held.owner != owner and held.expires_at > now:
            return False
        w.leases[name] = LeaseRow(owner, held.acquired_at if held.owner == owner else now, expires)
        return True

    def release_lease(self, name: str, owner: str, now: str) -> None:
        """Let our lease expire at `now` (another owner's lease is left alone)."""
        w = self._w()
        held = w.tables.leases.get(name)
        if held is not None and held.owner == owner:
            w.leases[name] = replace(held, expires_at=now)

    # ---- the set-wise sweep (workflow.escalation.set_firing): the single-case methods over the set ------------
    def lock_cases(self, case_ids: Sequence[str]) -> dict[str, CaseState]:
        """The cases found (as lock_case: no other transaction can hold one here)."""
        found = {case_id: self.lock_case(case_id) for case_id in case_ids}
        return {case_id: case for case_id, case in found.items() if case is not None}

    def add_firings(self, rows: list[dict[str, Any]]) -> set[str]:
        return {row["case_id"] for row in rows if self.add_firing(row)}

    def append_events(self, events: Sequence[Event]) -> None:
        stored = self._w().tables.events
        if any(row.version == ev.version for ev in events for row in stored.get(ev.case_id, ())):
            raise ConcurrencyConflict("case.committed_first")  # checked before anything is written
        for event in events:
            self.append(event)

    def update_cases(self, changes: Sequence[tuple[CaseState, str, int, tuple[str, ...] | None]]) -> None:
        cases = self._w().tables.cases
        for case, _stage, expected, _search in changes:  # all checked before anything is written
            if case.id not in cases or cases[case.id].version != expected:
                raise ConcurrencyConflict("case.changed_meanwhile", case_id=case.id)
        for case, stage, expected, search in changes:
            self.update_case(case, stage, expected, search)

    def deferred_alerts(self) -> AbstractContextManager[None]:
        return nullcontext()  # add_alerts is as cheap now as later
