"""Manual supervision flags (催办 / 督办 / 挂牌督办) and the in-app alerts users receive.

A role with the `flag` capability flags a case at level 1 (催办), 2 (督办) or 3 (挂牌督办, a listed
case); each flag is an audited event and alerts the assignee and, in the case's unit chain, the
roles with `flag_alerts` (for a listing: `listing_alerts`). The 挂牌 is taken down (摘牌, `unflag`)
only once the case is closed; a level-1/2 flag may be removed at any time. Alerts are rows written
in the same transaction as the event that caused them, one per user and event.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from workflow.cases.notices import alert_rows, alert_targets
from workflow.cases.service import CaseService
from workflow.cases.unit_of_work import Change, StepContext
from workflow.definitions.fields import COMMENT_LIMIT, clean_text
from workflow.definitions.roles import FLAG, FLAG_ALERTS, LISTING_ALERTS
from workflow.engine.policy import check_capability
from workflow.errors import InvalidInput, NotAllowed, UnknownUser
from workflow.events import FLAGGED, UNFLAGGED, format_time
from workflow.messages import Message
from workflow.ports import ReadTx, Store
from workflow.records import Alert, CaseState

LISTED = 3  # 挂牌督办


@dataclass(frozen=True)
class Flag:
    """Put a case under supervision at `level`, alerting the assignee and the unit chain's heads."""

    level: int
    reason: Mapping[str, str] = field(default_factory=dict)

    def decide(self, ctx: StepContext) -> Change:
        roles, case, defn = ctx.work.registry.roles, ctx.case, ctx.definition
        check_capability(roles, ctx.user, FLAG, Message("doing.flag"))
        if defn.states[case.state].terminal or defn.states[case.state].stage == "closed":
            raise NotAllowed("supervision.closed", case_id=case.id, state=case.state, case_type=case.type)
        if case.flag_level == self.level:
            raise InvalidInput("supervision.already", case_id=case.id, level=self.level)
        if case.listed:
            raise NotAllowed("supervision.listed", case_id=case.id)
        alerted = roles.having(LISTING_ALERTS if self.level == LISTED else FLAG_ALERTS)
        targets = alert_targets(ctx.tx, roles, defn, case, ("assignee", *alerted))
        ctx.tx.add_alerts(alert_rows(case, targets, kind="flag", at=format_time(ctx.now), level=self.level))
        return Change(FLAGGED, {"level": self.level, **self.reason, "previous_level": case.flag_level,
                                "targets": targets})


@dataclass(frozen=True)
class Unflag:
    """Remove a manual flag; a 挂牌 (level 3) only once the case is closed (摘牌)."""

    reason: Mapping[str, str] = field(default_factory=dict)

    def decide(self, ctx: StepContext) -> Change:
        case, defn = ctx.case, ctx.definition
        check_capability(ctx.work.registry.roles, ctx.user, FLAG, Message("doing.flag"))
        if case.flag_level == 0:
            raise InvalidInput("supervision.no_flag", case_id=case.id)
        if case.listed and defn.states[case.state].stage != "closed":
            raise NotAllowed("supervision.listed_until_closed", case_id=case.id)
        return Change(UNFLAGGED, {**self.reason, "previous_level": case.flag_level})


class Supervision:
    """Flag, unflag, and read one's alerts."""

    def __init__(self, cases: CaseService, store: Store) -> None:
        self.cases, self.store = cases, store

    def flag(self, case_id: str, *, actor: str, level: int, reason: str | None = None,
             expected_version: int | None = None) -> CaseState:
        """Put a case under supervision at `level` (1 催办, 2 督办, 3 挂牌督办)."""
        if level not in (1, 2, 3):
            raise InvalidInput("supervision.level", level=repr(level))
        return self.cases.change(case_id, Flag(level, _reason(reason)), actor=actor,
                                 expected_version=expected_version)

    def unflag(self, case_id: str, *, actor: str, reason: str | None = None,
               expected_version: int | None = None) -> CaseState:
        return self.cases.change(case_id, Unflag(_reason(reason)), actor=actor, expected_version=expected_version)

    def alerts_of(self, login: str, *, unread_only: bool = False) -> list[Alert]:
        with self.store.read() as tx:
            self._known(tx, login)
            return tx.alerts_for(login, unread_only=unread_only)

    def mark_read(self, login: str, ids: Iterable[int] | None = None) -> int:
        """Mark some (or all) of a user's alerts read; returns how many changed."""
        with self.store.write() as tx:
            self._known(tx, login)
            return tx.mark_alerts_read(login, ids, format_time(self.cases.clock.now()))

    @staticmethod
    def _known(tx: ReadTx, login: str) -> None:
        if tx.get_user(login) is None:
            raise UnknownUser(login)


def _reason(reason: str | None) -> Mapping[str, str]:
    text = clean_text(reason, what="reason", limit=COMMENT_LIMIT, multiline=True) if reason else ""
    return {"reason": text} if text else {}
