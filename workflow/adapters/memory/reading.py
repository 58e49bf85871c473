"""Every ports.ReadTx question, answered from one state of the in-memory tables.

The answers and their order are the SQL store's (workflow.adapters.sql.sqltx and its
case_rows, campaign_tables and escalation_sql modules): where a SQL statement has no ORDER BY
(stored definitions, self-report windows) the answer here is in key order.
"""
from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from datetime import date, datetime
from typing import Any

from workflow.adapters.memory.tables import CaseRow, EventRow, Tables
from workflow.definitions.leniency import earliest_org_case
from workflow.events import Event, format_time
from workflow.read_side import AccessEntry
from workflow.records import Alert, CaseState, StoredCampaign, StoredDefinition, Unit, User


class TransactionClosed(Exception):
    """The transaction was used after its `with` block ended."""


class MemoryReadTx:
    """ports.ReadTx over one consistent state of the tables (a read sees the last commit, as it was
    when the transaction began; a write transaction sees its own working copy)."""

    def __init__(self, tables: Tables) -> None:
        self._view: Tables | None = tables

    def _t(self) -> Tables:
        if self._view is None:
            raise TransactionClosed("the transaction has ended")
        return self._view

    def close(self) -> None:
        self._view = None

    # ---- cases and their events ----------------------------------------------------------------
    def get_case(self, case_id: str) -> CaseState | None:
        row = self._t().cases.get(case_id)
        return None if row is None else row.case()

    def events(self, case_id: str, *, up_to_version: int | None = None, as_of: str | None = None) -> list[Event]:
        return [row.event() for row in self._t().events.get(case_id, ())
                if (up_to_version is None or row.version <= up_to_version) and (as_of is None or row.at <= as_of)]

    def iter_events(self, case_id: str | None = None) -> Iterator[Event]:
        """Every event (or one case's), ordered by case and version."""
        events = self._t().events
        groups: list[tuple[EventRow, ...]] = (
            [events.get(case_id, ())] if case_id is not None else [events[key] for key in sorted(events)])
        for group in groups:
            for row in group:
                yield row.event()

    def all_case_ids(self) -> list[str]:
        return sorted(self._t().cases)

    def case_rows(self, case_id: str | None = None) -> Iterator[CaseState]:
        """The stored cases in id order, for `audit verify` (as SqlTx.case_rows; the columns here are
        always derived from the snapshot, so there is no drift to report)."""
        cases = self._t().cases
        rows = [(k, cases[k]) for k in sorted(cases) if case_id is None or k == case_id]
        for _, row in rows:
            yield row.case()

    def count_cases(self) -> int:
        return len(self._t().cases)

    def cases_with_deadlines(self) -> Iterator[CaseState]:
        """Every case that has a current deadline (a due_at), in id order."""
        cases = self._t().cases
        rows = [cases[k] for k in sorted(cases) if cases[k].due_at is not None]
        for row in rows:
            yield CaseState.from_dict(json.loads(row.snapshot))

    def due_case_ids(self, now: str, limit: int, exclude: Collection[str]) -> list[str]:
        """Cases whose next rung is due at `now`, earliest first (ties by id), `exclude` left out."""
        due = sorted((row.next_escalation_at, case_id) for case_id, row in self._t().cases.items()
                     if row.next_escalation_at is not None and row.next_escalation_at <= now)
        return [case_id for _, case_id in due if case_id not in exclude][:max(limit, 0)]

    # ---- the directory ---------------------------------------------------------------------------
    def get_user(self, login: str) -> User | None:
        return self._t().users.get(login)

    def get_unit(self, code: str) -> Unit | None:
        return self._t().units.get(code)

    def units(self) -> list[Unit]:
        units = self._t().units
        return [units[code] for code in sorted(units)]

    def unit_chain(self, code: str) -> list[Unit]:
        """The unit and its ancestors, nearest first; a unit met twice ends the walk (a cycle)."""
        units, chain, seen = self._t().units, [], set()
        current: str | None = code
        while current is not None and current not in seen and (unit := units.get(current)) is not None:
            chain.append(unit)
            seen.add(current)
            current = unit.parent
        return chain

    def users(self) -> list[User]:
        users = self._t().users
        return [users[login] for login in sorted(users)]

    def alert_candidates(self, unit: str, *, roles_anywhere: Collection[str], login: str | None) -> list[User]:
        """Active users in the unit's chain or in no unit, every active user of `roles_anywhere`, and the
        active user `login`; by login."""
        chain = {u.code for u in self.unit_chain(unit)}
        return [u for u in self.users() if u.active and (
            u.unit is None or u.unit in chain or u.login == login or u.role in roles_anywhere)]

    # ---- stored definitions ------------------------------------------------------------------------
    def stored_definitions(self) -> list[StoredDefinition]:
        definitions = self._t().definitions
        return [definitions[key][0] for key in sorted(definitions)]

    def definition_in_use(self, name: str, version: int) -> bool:
        return any(row.type == name and row.definition_version == version for row in self._t().cases.values())

    # ---- campaigns and self-declarations ---------------------------------------------------------------
    def get_campaign(self, key: str) -> StoredCampaign | None:
        row = self._t().campaigns.get(key)
        return None if row is None else row.campaign(key)

    def campaign_keys(self) -> list[str]:
        return sorted(self._t().campaigns)

    def measure_cases(self, key: str) -> dict[str, str]:
        return {measure: case_id for (campaign, measure), case_id in self._t().measures.items() if campaign == key}

    def assessment_case(self, key: str) -> str | None:
        return self._t().assessments.get(key)

    def ledger_cases(self, case_type: str, numbers: Collection[str]) -> dict[str, str]:
        wanted = set(numbers)
        return {row.ledger_no: case_id for case_id, row in self._t().cases.items()
                if row.type == case_type and row.ledger_no in wanted and row.ledger_no is not None}

    def self_report_windows(self, campaign: str | None = None) -> list[tuple[date, date]]:
        campaigns = self._t().campaigns
        return [(date.fromisoformat(w["from"]), date.fromisoformat(w["until"]))
                for key in sorted(campaigns) if campaign is None or key == campaign
                for w in json.loads(campaigns[key].windows)]

    def declarations(self, case_type: str, round_no: int) -> dict[str, str]:
        return {declarant: row.case_id for (kind, round_, declarant), row in self._t().declarations.items()
                if kind == case_type and round_ == round_no}

    def org_held_since(self, subject_fields: dict[str, str], *, subject: str, before: datetime,
                       exclude_case: str, case_type: str, matter: str | None,
                       campaign: str | None) -> datetime | None:
        """The earliest case about `subject` that came in through a non-self channel before `before`."""
        cutoff = format_time(before)
        candidates = (json.loads(row.snapshot) for case_id, row in self._t().cases.items()
                      if row.type in subject_fields and row.opened_at < cutoff and case_id != exclude_case)
        return earliest_org_case(candidates, subject_fields, subject, case_type=case_type, matter=matter,
                                 campaign=campaign)

    # ---- escalations, alerts, the sweep lease --------------------------------------------------------------
    def firings(self, case_id: str | None = None) -> list[dict[str, Any]]:
        rows = [row for row in self._t().firings.values() if case_id is None or row.case_id == case_id]
        return [row.as_dict() for row in sorted(rows, key=lambda r: (r.fired_at, r.case_id, r.due_at))]

    def bulletin(self, since: str | None) -> list[dict[str, Any]]:
        """Firings of `bulletin` rungs (of cases that exist), oldest first, with the case's title, unit, state."""
        cases = self._t().cases
        rows = sorted((row for row in self._t().firings.values()
                       if row.bulletin and row.case_id in cases and (since is None or row.fired_at >= since)),
                      key=lambda r: (r.fired_at, r.case_id))
        return [_bulletin_row(f.case_id, f.rung, f.level, f.due_at, f.fired_at, f.late, cases[f.case_id])
                for f in rows]

    def alerts_for(self, login: str, *, unread_only: bool) -> list[Alert]:
        """The user's alerts, newest first, with the title of their case ("" when it is gone)."""
        cases = self._t().cases
        rows = sorted((a for a in self._t().alerts.values()
                       if a.login == login and not (unread_only and a.read_at is not None)),
                      key=lambda a: (a.at, a.id), reverse=True)
        return [Alert(id=a.id, case=a.case_id, kind=a.kind, at=a.at, read=a.read_at is not None, level=a.level,
                      rung=a.rung, due_at=a.due_at, late=a.late,
                      title=case.title if (case := cases.get(a.case_id)) is not None else "") for a in rows]

    def lease_holder(self, name: str) -> tuple[str, str] | None:
        lease = self._t().leases.get(name)
        return None if lease is None else (lease.owner, lease.expires_at)

    # ---- the access log ------------------------------------------------------------------------------
    def access_log_after(self, seq: int, *, limit: int) -> list[AccessEntry]:
        return [row.entry() for row in self._t().access_log if row.seq > seq][:max(limit, 0)]


def _bulletin_row(case_id: str, rung: str, level: int, due_at: str, fired_at: str, late: bool,
                  case: CaseRow) -> dict[str, Any]:
    return {"case_id": case_id, "rung": rung, "level": level, "due_at": due_at, "fired_at": fired_at, "late": late,
            "title": case.title, "unit": case.unit, "state": case.state}
