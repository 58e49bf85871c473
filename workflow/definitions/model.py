"""Case-type definitions as frozen data: what a YAML file says, parsed and validated.

A definition is pure data (states, transitions, fields, deadlines, escalation rungs); parsing
and validation live in ``workflow.definitions.parser``.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workflow.definitions.fields import FIELD_TYPES, TEXT_FIELD_TYPES, Choice, FieldSpec
from workflow.definitions.guards import Guard, fields_named
from workflow.definitions.handoffs import Handoff
from workflow.definitions.opens import OpenSpec
from workflow.definitions.outcomes import DEFAULT_OUTCOME, Outcome

STAGES = ("reported", "verified", "handled", "rectified", "closed")
STAGE_LABELS = {
    "reported": {"zh": "已登记", "en": "Reported"},
    "verified": {"zh": "已核实", "en": "Verified"},
    "handled": {"zh": "办理中", "en": "Handled"},
    "rectified": {"zh": "已整改", "en": "Rectified"},
    "closed": {"zh": "已完结", "en": "Closed"},  # how it closed is the state's outcome (销号 is one of them)
}
# Trigger names must not shadow attributes of the model object the state machine drives.
RESERVED_TRIGGERS = frozenset({"trigger", "state", "to", "may_trigger", "model", "machine", "id"})
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
TOP_LEVEL_KEYS = frozenset({
    "name", "version", "title", "description", "initial", "roles", "fields", "states", "transitions",
    "escalation", "visible_to", "assigners", "editors", "openers", "source_clauses", "leniency",
    "acceptance", "opened_by",
})
# Who opens cases of a type (`opened_by:`): people at intake, or only a campaign's own work.
OPENED_BY = ("people", "campaign")
# Keys of the nested specs: a misspelt key (`gaurds:`) must be an error, never silently ignored.
FIELD_KEYS = frozenset({"type", "label", "required", "immutable", "choices", "max_length", "help", "computed",
                        "min", "max", "allow_past"})
CHOICE_KEYS = frozenset({"value", "label"})
STATE_KEYS = frozenset({"label", "stage", "terminal", "deadline", "outcome"})
DEADLINE_KEYS = frozenset({
    "within", "from_field", "on_reentry", "warn_before", "warn_at_percent", "extended_by", "carry",
})
TRANSITION_KEYS = frozenset({
    "trigger", "label", "source", "dest", "roles", "requires", "optional", "comment", "guards", "opens",
    "assigns", "moves_to", "returns", "notify",
})
RUNG_KEYS = frozenset({"name", "when", "notify", "level", "bulletin", "label"})


@dataclass(frozen=True)
class DeadlineSpec:
    """How long a case may stay in a state (see workflow.escalation.deadlines for the arithmetic)."""

    within: str  # a duration text such as "10 working_days"; parsed by workflow.escalation.deadlines
    from_field: str | None = None  # a date field that, when set, overrides `within`
    on_reentry: str = "restart"  # "restart" the clock or "resume" the first deadline on loop-back
    warn_before: str | None = None
    warn_at_percent: int | None = None
    extended_by: tuple[str, ...] = ()  # triggers into this state that approve an extension (延期)
    carry: bool = False  # keep the deadline the case already has (e.g. while an extension waits)


@dataclass(frozen=True)
class EscalationRung:
    name: str
    when: str  # "yellow", "red" or "red + <duration>"
    notify: tuple[str, ...]
    level: int = 0  # supervision level reached: 0 none, 1 催办, 2 督办 (3 挂牌 is manual only)
    bulletin: bool = False
    label: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StateSpec:
    name: str
    label: Mapping[str, str]
    stage: str
    terminal: bool = False
    deadline: DeadlineSpec | None = None
    outcome: Outcome | None = None  # as the file states it (closed-stage states only; see Definition.outcome_of)


@dataclass(frozen=True)
class TransitionSpec:
    trigger: str
    label: Mapping[str, str]
    sources: tuple[str, ...]
    dest: str
    roles: tuple[str, ...]
    requires: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    comment: str = "optional"  # "required" | "optional"
    guards: tuple[Guard, ...] = ()
    opens: tuple[OpenSpec, ...] = ()  # cases this step opens, linked both ways (workflow.definitions.opens)
    handoff: Handoff = field(default_factory=Handoff)  # assigns, moves_to, returns, notify (….handoffs)

    @property
    def reads(self) -> frozenset[str]:
        """The fields the step takes or its guards read: a change to another field cannot make it stale."""
        return frozenset(self.requires + self.optional + tuple(f for g in self.guards for f in fields_named(g)))


@dataclass(frozen=True)
class Definition:
    name: str
    version: int
    title: Mapping[str, str]
    initial: str
    roles: tuple[str, ...]
    fields: Mapping[str, FieldSpec]
    states: Mapping[str, StateSpec]
    transitions: tuple[TransitionSpec, ...]
    escalation: tuple[EscalationRung, ...] = ()
    visible_to: tuple[str, ...] = ()  # empty: every role may view; else only these (and auditors)
    # Who may assign cases / correct field values outside a step; the parser fills in the roles
    # with the `assign` / `edit_fields` capability when the file names none (workflow.definitions.roles).
    assigners: tuple[str, ...] = ()
    editors: tuple[str, ...] = ()
    openers: tuple[str, ...] = ()  # roles that may open cases; empty: every role of the definition
    # "campaign": only a campaign's own work opens cases of the type (a plan load, an assessment round) —
    # never an intake form, `case open` or an import; "people" (the default): anyone among the openers.
    opened_by: str = "people"
    description: Mapping[str, str] = field(default_factory=dict)
    source_clauses: tuple[str, ...] = ()
    # 自查从宽、被查从严 in words ({zh, en}): how the self-report assessment changes what the type offers, or
    # why no guard reads it (workflow.definitions.checks.leniency_problem); shown in the catalogue.
    leniency: Mapping[str, str] = field(default_factory=dict)
    # 评估验收 with standards: the checklist and the steps that record it — a workflow.definitions.acceptance
    # .AcceptanceSpec (typed Any: acceptance.py reads problems.py, which reads this module; no import cycle).
    acceptance: Any = None
    content_hash: str = ""
    source: str = ""

    @property
    def key(self) -> tuple[str, int]:
        return (self.name, self.version)

    @functools.cached_property
    def free_text_fields(self) -> tuple[str, ...]:
        """What keyword search reads besides the title (workflow.search_terms); worked out once per definition
        (every change asks for it twice, before and after)."""
        return tuple(name for name, spec in self.fields.items() if spec.type in TEXT_FIELD_TYPES)

    @property
    def confidential(self) -> bool:
        return bool(self.visible_to)

    def transitions_from(self, state: str) -> list[TransitionSpec]:
        return [t for t in self.transitions if state in t.sources]

    def transition(self, state: str, trigger: str) -> TransitionSpec | None:
        return next((t for t in self.transitions_from(state) if t.trigger == trigger), None)

    def outcome_of(self, state: str) -> Outcome | None:
        """How a case in `state` ended: the state's outcome (`concluded` when it names none); None while open."""
        spec = self.states.get(state)
        if spec is None or spec.stage != "closed":
            return None
        return spec.outcome or DEFAULT_OUTCOME


def line_of(container: Any, key: Any = None) -> int | None:
    """Line number a YAML adapter attached to a mapping (or one of its keys); None when unknown."""
    lines = getattr(container, "__lines__", None) or {}
    if key is not None and key in lines:
        return int(lines[key])
    return getattr(container, "__line__", None)


__all__ = [
    "FIELD_TYPES",
    "STAGES",
    "STAGE_LABELS",
    "Choice",
    "DeadlineSpec",
    "Definition",
    "EscalationRung",
    "FieldSpec",
    "Guard",
    "StateSpec",
    "TransitionSpec",
    "line_of",
]
