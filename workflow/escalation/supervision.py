"""Manual supervision flags (催办 / 督办 / 挂牌督办) and the in-app alerts users receive.

A supervisor or leader flags a case at level 1 (催办), 2 (督办) or 3 (挂牌督办, a listed case);
each flag is an audited event and alerts the assignee and the unit heads in the case's unit
chain (the leaders too for 挂牌). The 挂牌 is taken down (摘牌, `unflag`) only once the case is
closed; a level-1/2 flag may be removed at any time. Alerts are rows written in the same
transaction as the event that caused them, one per user and event.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Protocol

from workflow.definitions.model import Definition
from workflow.errors import InvalidInput, NotAllowed, RoleNotAllowed, UnknownUser
from workflow.escalation.ladders import FLAGGED, UNFLAGGED
from workflow.events import format_time
from workflow.engine.fields import COMMENT_LIMIT, clean_text
from workflow.engine.policy import Scope
from workflow.ports import ReadTx, Unit, User, WriteTx
from workflow.engine.projection import CaseState
from workflow.cases.service import CaseService

FLAG_ROLES = ("supervisor", "leader")
LISTED = 3  # 挂牌督办


@dataclass(frozen=True)
class Alert:
    """One in-app alert of one user."""

    id: int
    case: str
    kind: str  # "escalation" | "flag"
    at: str
    read: bool
    level: int
    rung: str | None = None
    due_at: str | None = None
    late: bool = False
    title: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "case": self.case, "kind": self.kind, "at": self.at, "read": self.read,
                "level": self.level, "rung": self.rung, "due_at": self.due_at, "late": self.late,
                "title": self.title}


class AlertWriter(Protocol):
    def add_alerts(self, rows: list[dict[str, Any]]) -> None: ...


class AlertStore(Protocol):
    def bound(self, tx: WriteTx) -> AlertWriter: ...
    def alerts_for(self, login: str, *, unread_only: bool) -> list[Alert]: ...
    def mark_read(self, login: str, ids: Iterable[int] | None, at: str) -> int: ...


def alert_targets(tx: ReadTx, defn: Definition, case: CaseState, notify: Iterable[str]) -> list[str]:
    """Active users of the named roles in the case's unit chain, plus the assignee if named.

    Only users who may see the case (unit scope, confidential case types) are alerted. Reads only
    the case unit's chain and the few users who could qualify — not the whole directory — since
    the sweep asks once per rung it fires.
    """
    wanted = sorted(set(notify))
    chain = tx.unit_chain(case.unit)
    assignee = case.assignee if "assignee" in wanted else None
    candidates = tx.alert_candidates(case.unit, auditors="auditor" in wanted, login=assignee)
    return eligible_targets(candidates, chain, defn, case, wanted)


def eligible_targets(users: Iterable[User], units: Iterable[Unit], defn: Definition, case: CaseState,
                     notify: Iterable[str]) -> list[str]:
    """Of `users`, those to alert: the rule of alert_targets over any superset of its candidates."""
    scope, wanted = Scope(units), set(notify)
    out = set()
    for user in users:
        if not user.active or not scope.can_view(user, defn, case.unit):
            continue
        if user.role in wanted or ("assignee" in wanted and user.login == case.assignee):
            out.add(user.login)
    return sorted(out)


def alert_rows(case: CaseState, logins: Iterable[str], *, kind: str, at: str, level: int,
               rung: str | None = None, due_at: str | None = None, late: bool = False) -> list[dict[str, Any]]:
    """Alert rows for the event about to be appended to `case` (version + 1)."""
    return [{"login": login, "case_id": case.id, "event_version": case.version + 1, "kind": kind, "rung": rung,
             "level": level, "at": at, "due_at": due_at, "late": late, "read_at": None} for login in logins]


class Supervision:
    """Flag, unflag, and read one's alerts."""

    def __init__(self, service: CaseService, alerts: AlertStore) -> None:
        self.service, self.alerts = service, alerts

    def flag(self, case_id: str, *, actor: str, level: int, reason: str | None = None,
             expected_version: int | None = None) -> CaseState:
        """Put a case under supervision at `level` (1 催办, 2 督办, 3 挂牌督办)."""
        if level not in (1, 2, 3):
            raise InvalidInput(f"level must be 1 (催办), 2 (督办) or 3 (挂牌督办), got {level!r}")
        payload: dict[str, Any] = {"level": level, **_reason(reason)}

        def check(tx: WriteTx, case: CaseState, user: User, defn: Definition) -> None:
            _check_role(user)
            if defn.states[case.state].terminal or defn.states[case.state].stage == "closed":
                raise NotAllowed(f"case {case.id} is closed ({case.state}); nothing to supervise")
            if case.flag_level == level:
                raise InvalidInput(f"case {case.id} is already flagged at level {level}")
            if case.listed:
                raise NotAllowed(f"case {case.id} is listed (挂牌督办); the listing comes down only when it closes")
            notify = ("assignee", "unit_head", "leader") if level == LISTED else ("assignee", "unit_head")
            targets = alert_targets(tx, defn, case, notify)
            payload.update(previous_level=case.flag_level, targets=targets)
            at = format_time(self.service.clock.now())
            self.alerts.bound(tx).add_alerts(alert_rows(case, targets, kind="flag", at=at, level=level))

        return self.service.record(case_id, actor=actor, action=FLAGGED, payload=payload, check=check,
                                   expected_version=expected_version)

    def unflag(self, case_id: str, *, actor: str, reason: str | None = None,
               expected_version: int | None = None) -> CaseState:
        """Remove a manual flag; a 挂牌 (level 3) only once the case is closed (摘牌)."""
        payload: dict[str, Any] = _reason(reason)

        def check(tx: WriteTx, case: CaseState, user: User, defn: Definition) -> None:
            _check_role(user)
            if case.flag_level == 0:
                raise InvalidInput(f"case {case.id} carries no manual flag")
            if case.listed and defn.states[case.state].stage != "closed":
                raise NotAllowed(f"case {case.id} is listed (挂牌督办): the listing comes down (摘牌) "
                                 "only once the case is closed")
            payload["previous_level"] = case.flag_level

        return self.service.record(case_id, actor=actor, action=UNFLAGGED, payload=payload, check=check,
                                   expected_version=expected_version)

    def alerts_of(self, login: str, *, unread_only: bool = False) -> list[Alert]:
        self._known(login)
        return self.alerts.alerts_for(login, unread_only=unread_only)

    def mark_read(self, login: str, ids: Iterable[int] | None = None) -> int:
        """Mark some (or all) of a user's alerts read; returns how many changed."""
        self._known(login)
        return self.alerts.mark_read(login, ids, format_time(self.service.clock.now()))

    def _known(self, login: str) -> None:
        with self.service.store.read() as tx:
            if tx.get_user(login) is None:
                raise UnknownUser(login)


def _check_role(user: User) -> None:
    if user.role not in FLAG_ROLES:
        raise RoleNotAllowed(f"role {user.role!r} may not flag cases for supervision "
                             f"(allowed: {', '.join(FLAG_ROLES)})")


def _reason(reason: str | None) -> Mapping[str, str]:
    text = clean_text(reason, what="reason", limit=COMMENT_LIMIT, multiline=True) if reason else ""
    return {"reason": text} if text else {}
