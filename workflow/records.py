"""The plain records every layer passes around: a case as of one version, users, units, stored texts,
campaign plans, alerts, audit verification reports. (The read side's questions and rows are
workflow.read_side.)

Nothing here acts: these are the values the ports hand over (workflow.ports) and the engine folds
events into (workflow.engine.projection). They import only workflow.events.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workflow.events import json_copy

SYSTEM_PREFIX = "system:"  # logins of the engine's own actors (the scheduler, a plan load, the calendar)


@dataclass(frozen=True)
class User:
    login: str
    name: str
    role: str
    unit: str | None
    password_hash: str = ""
    active: bool = True
    session_token: str = ""
    must_change_password: bool = False  # set by an administrator's reset: the next login must choose a new one

    @property
    def is_system(self) -> bool:
        """The engine acting for itself: no role, no unit, no scope checks — only its own rules."""
        return self.login.startswith(SYSTEM_PREFIX)

    @classmethod
    def system(cls, login: str) -> User:
        if not login.startswith(SYSTEM_PREFIX):
            raise ValueError(f"a system actor's login starts with {SYSTEM_PREFIX!r}: {login!r}")
        return cls(login, login, "", None)


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


@dataclass
class CaseState:
    """Everything known about a case at one version (the fold of its events)."""

    id: str
    type: str = ""
    definition_version: int = 0
    definition_hash: str = ""
    title: str = ""
    unit: str = ""
    state: str = ""
    version: int = 0
    fields: dict[str, Any] = field(default_factory=dict)
    assignee: str | None = None
    opened_by: str = ""
    opened_at: str = ""
    updated_at: str = ""
    head_hash: str = ""
    comments: int = 0
    last_actor_by_trigger: dict[str, str] = field(default_factory=dict)
    # Deadline and supervision facts (the escalation feature's events, folded in workflow.engine.projection).
    deadline: dict[str, Any] | None = None
    ever_overdue: bool = False
    supervision_level: int = 0
    listed: bool = False
    extension_count: int = 0
    links: list[dict[str, str]] = field(default_factory=list)
    flag_level: int = 0  # manual supervision flag: 1 催办, 2 督办, 3 挂牌督办
    deadline_memory: dict[str, dict[str, Any]] = field(default_factory=dict)  # last deadline per state
    campaign: str | None = None  # the campaign (plan key) the case belongs to: set at intake, never changed

    def to_dict(self) -> dict[str, Any]:
        # Field by field with json_copy: the same plain data asdict gives, without its slow generic copy.
        return {name: json_copy(getattr(self, name)) for name in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CaseState:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**json_copy(known))


@dataclass(frozen=True)
class StoredCampaign:
    """A loaded campaign plan: its text's digest, self-report windows and items (workflow.campaigns)."""

    key: str
    title: str
    source: str
    content_hash: str
    windows: list[dict[str, Any]]
    plan: dict[str, Any]
    loaded_at: str


@dataclass(frozen=True)
class Alert:
    """One in-app alert of one user (an escalation rung fired, or a supervision flag)."""

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


@dataclass(frozen=True)
class Problem:
    """The first broken link found in one case's audit trail."""

    case: str
    version: int | None
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {"case": self.case, "version": self.version, "reason": self.reason}


@dataclass
class Report:
    """What an audit verification found: how many cases and events it checked, and every problem."""

    cases: int = 0
    events: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "cases": self.cases, "events": self.events,
                "problems": [p.to_dict() for p in self.problems]}

    def add(self, events: int, problem: Problem | None) -> None:
        """Count one checked case (and its problem, if any)."""
        self.cases += 1
        self.events += events
        if problem:
            self.problems.append(problem)

    def merge(self, other: Report) -> None:
        """Add the counts and problems of a report on other cases (a worker's share)."""
        self.cases += other.cases
        self.events += other.events
        self.problems.extend(other.problems)

    def sorted(self) -> Report:
        """This report with its problems in case order (one problem per case: the order is total)."""
        self.problems.sort(key=lambda p: p.case)
        return self
