"""Parse the lifecycle part of a definition: states (with deadlines), transitions and escalation rungs.

Functions over a `SpecReader` (workflow.definitions.problems), called by
workflow.definitions.parser once the fields are known; every problem goes to the reader with its line.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflow.definitions.durations import parse_duration
from workflow.definitions.fields import FieldSpec
from workflow.definitions.guards import Guard, fields_named, parse_guard
from workflow.definitions.handoffs import ACTOR_OF, parse_handoff
from workflow.definitions.model import (
    DEADLINE_KEYS,
    NAME_RE,
    RESERVED_TRIGGERS,
    RUNG_KEYS,
    STAGES,
    STATE_KEYS,
    TRANSITION_KEYS,
    DeadlineSpec,
    EscalationRung,
    StateSpec,
    TransitionSpec,
)
from workflow.definitions.opens import OpenSpec, parse_opens
from workflow.definitions.outcomes import OUTCOME_KEYS, OUTCOME_KINDS, Outcome
from workflow.definitions.problems import SpecReader, hashable, mapping
from workflow.errors import DefinitionError

NOTIFY_EXTRA = frozenset({"assignee"})


def states(r: SpecReader, d: Mapping[str, Any], raw: Any, fields: Mapping[str, FieldSpec]) -> dict[str, StateSpec]:
    if not isinstance(raw, Mapping) or not raw:
        r.add(d, "states", "states must be a non-empty mapping")
        return {}
    out = {}
    for name, spec in raw.items():
        if not isinstance(name, str) or not NAME_RE.match(name):
            r.add(raw, name, f"state name {name!r} must be a lower-case identifier")
            continue
        if spec is not None and not isinstance(spec, Mapping):
            r.add(raw, name, f"state {name!r} must be a mapping with label and stage")
        spec = spec if isinstance(spec, Mapping) else {}
        what = f"state {name!r}"
        r.keys(spec, STATE_KEYS, what)
        r.label(spec, "label", what, missing_at=(raw, name))
        if spec.get("stage") not in STAGES:
            where = spec if "stage" in spec else raw
            r.add(where, "stage" if "stage" in spec else name, f"{what}: stage must be one of {', '.join(STAGES)}")
        out[name] = StateSpec(
            name=name, label=mapping(spec.get("label")), stage=str(spec.get("stage")),
            terminal=r.flag(spec, "terminal", what),
            deadline=_deadline(r, name, spec.get("deadline"), spec, fields),
            outcome=_outcome(r, what, spec),
        )
    return out


def _outcome(r: SpecReader, what: str, spec: Mapping[str, Any]) -> Outcome | None:
    """`outcome: KIND` or `outcome: {kind: KIND, label: {zh, en}}` — only on a state of stage closed."""
    if "outcome" not in spec:
        return None
    raw, kinds = spec["outcome"], ", ".join(OUTCOME_KINDS)
    if spec.get("stage") != "closed":
        r.add(spec, "outcome", f"{what}: only a state of stage closed has an outcome")
    if isinstance(raw, Mapping):
        r.keys(raw, OUTCOME_KEYS, f"{what} outcome")
        if "label" in raw:
            r.label(raw, "label", f"{what} outcome")
        kind, where, label = raw.get("kind"), raw if "kind" in raw else spec, mapping(raw.get("label")) or None
    else:
        kind, where, label = raw, spec, None
    if not hashable(kind) or kind not in OUTCOME_KINDS:
        key = "kind" if where is not spec else "outcome"
        r.add(where, key, f"{what}: outcome must be one of {kinds}, got {kind!r}")
        return None
    return Outcome.of(str(kind), label)


def _deadline(r: SpecReader, state: str, raw: Any, parent: Any, fields: Mapping[str, FieldSpec]) -> DeadlineSpec | None:
    if raw is None:
        return None
    where = f"state {state!r} deadline"
    if not isinstance(raw, Mapping) or ("within" not in raw and "carry" not in raw):
        r.add(parent, "deadline", f"{where}: needs `within: <amount> <unit>` (or `carry: true`)")
        return None
    r.keys(raw, DEADLINE_KEYS, where)
    if "carry" in raw:
        if raw["carry"] is not True or len(raw) > 1:
            r.add(raw, "carry", f"{where}: write `carry: true` alone (the state keeps the case's deadline)")
        return DeadlineSpec(within="", carry=True)
    for key in ("within", "warn_before"):
        if raw.get(key) is not None:
            try:
                parse_duration(str(raw[key]))
            except DefinitionError as exc:
                r.add(raw, key, f"{where}: {key}: {exc}")
    if raw.get("on_reentry", "restart") not in ("restart", "resume"):
        r.add(raw, "on_reentry", f"{where}: on_reentry must be restart or resume")
    pct = raw.get("warn_at_percent")
    if pct is not None and (isinstance(pct, bool) or not isinstance(pct, int) or not 1 <= pct <= 99):
        r.add(raw, "warn_at_percent", f"{where}: warn_at_percent must be a whole number 1–99")
    from_field = raw.get("from_field")
    if from_field is not None and (not hashable(from_field) or from_field not in fields
                                   or fields[from_field].type != "date"):
        r.add(raw, "from_field", f"{where}: from_field {from_field!r} must name a date field")
    extended_by = r.names(raw, "extended_by", where)
    if extended_by and from_field is None:
        r.add(raw, "extended_by", f"{where}: extended_by needs from_field (the field with the new date)")
    return DeadlineSpec(
        within=str(raw["within"]), from_field=from_field if isinstance(from_field, str) else None,
        on_reentry=str(raw.get("on_reentry", "restart")),
        warn_before=None if raw.get("warn_before") is None else str(raw["warn_before"]),
        warn_at_percent=pct if isinstance(pct, int) else None, extended_by=tuple(extended_by),
    )


def transitions(r: SpecReader, d: Mapping[str, Any], raw: Any, states: Mapping[str, Any],
                fields: Mapping[str, FieldSpec], roles: set[str]) -> tuple[TransitionSpec, ...]:
    if not isinstance(raw, list) or not raw:
        r.add(d, "transitions", "transitions must be a non-empty list")
        return ()
    out = []
    for item in raw:
        if not isinstance(item, Mapping):
            r.add(d, "transitions", "each transition must be a mapping with trigger, source, dest")
            continue
        out.append(_transition(r, item, states, fields, roles))
    triggers = {t.trigger for t in out}
    for item, t in zip([i for i in raw if isinstance(i, Mapping)], out):
        for notice in t.handoff.notify:
            for who in notice.to:
                if who.startswith(ACTOR_OF) and who[len(ACTOR_OF):] not in triggers:
                    r.add(item, "notify", f"transition {t.trigger!r}: {who!r} names no trigger of this definition")
    return tuple(out)


def _transition(r: SpecReader, t: Mapping[str, Any], states: Mapping[str, Any], fields: Mapping[str, FieldSpec],
                roles: set[str]) -> TransitionSpec:
    trigger = t.get("trigger")
    if not isinstance(trigger, str) or not NAME_RE.match(trigger) or trigger in RESERVED_TRIGGERS:
        r.add(t, "trigger", f"trigger {trigger!r} must be a lower-case identifier, not a reserved word")
    what = f"transition {trigger!r}"
    r.keys(t, TRANSITION_KEYS, what)
    r.label(t, "label", what)
    sources = r.names(t, "source", what)
    if not sources:
        r.add(t, "source", f"{what}: needs a source state")
    for s in sources:
        if s not in states:
            r.add(t, "source", f"{what}: unknown source state {s!r}")
    dest = t.get("dest")
    if not isinstance(dest, str) or dest not in states:
        r.add(t, "dest", f"{what}: unknown dest state {dest!r}")
    t_roles = r.role_list(t, "roles", allow_read_only=False)
    if not t_roles:
        r.add(t, "roles", f"{what}: needs at least one role")
    for role in t_roles:
        if role not in roles and role in r.roles:
            r.add(t, "roles", f"{what}: role {role!r} is not listed in the definition's roles")
    step_fields = {key: r.names(t, key, what) for key in ("requires", "optional")}
    for key, names in step_fields.items():
        for f in names:
            if f not in fields:
                r.add(t, key, f"{what}: unknown field {f!r}")
    for key, names in step_fields.items():
        for f in names:
            if f in fields and fields[f].computed is not None:
                r.add(t, key, f"{what}: field {f!r} is computed by the engine; a step cannot take it")
    if t.get("comment", "optional") not in ("optional", "required"):
        r.add(t, "comment", f"{what}: comment must be optional or required")
    return TransitionSpec(
        trigger=str(trigger), label=mapping(t.get("label")), sources=tuple(sources),
        dest=str(dest), roles=tuple(t_roles), requires=tuple(step_fields["requires"]),
        optional=tuple(step_fields["optional"]), comment=str(t.get("comment", "optional")),
        guards=_guards(r, t, what, fields), opens=_opens(r, t, what, fields),
        handoff=parse_handoff(r, t, what, fields, set(step_fields["requires"] + step_fields["optional"]),
                              set(step_fields["requires"])),
    )


def _guards(r: SpecReader, t: Mapping[str, Any], what: str, fields: Mapping[str, FieldSpec]) -> tuple[Guard, ...]:
    raw = t.get("guards") or []
    if not isinstance(raw, list):
        r.add(t, "guards", f"{what}: guards must be a list")
        return ()
    guards: list[Guard] = []
    for g in raw:
        parsed = parse_guard(g)
        if isinstance(parsed, str):
            r.add(t, "guards", f"{what}: {parsed}")
            continue
        for f in fields_named(parsed):
            if f not in fields:
                r.add(t, "guards", f"{what}: guard {parsed.kind!r} names unknown field {f!r}")
        guards.append(parsed)
    return tuple(guards)


def _opens(r: SpecReader, t: Mapping[str, Any], what: str, fields: Mapping[str, FieldSpec]) -> tuple[OpenSpec, ...]:
    """The ``opens:`` list of a transition (cases it opens, linked both ways)."""
    specs, problems = parse_opens(t.get("opens"), fields)
    for problem in problems:
        r.add(t, "opens", f"{what}: {problem}")
    return specs


def escalation(r: SpecReader, d: Mapping[str, Any], raw: Any) -> tuple[EscalationRung, ...]:
    if not isinstance(raw, list):
        r.add(d, "escalation", "escalation must be a list of rungs")
        return ()
    rungs = []
    for rung in raw:
        if not isinstance(rung, Mapping) or not isinstance(rung.get("name"), str):
            r.add(rung if isinstance(rung, Mapping) else d, "name" if isinstance(rung, Mapping) else "escalation",
                  "each escalation rung needs a name")
            continue
        what = f"rung {rung['name']!r}"
        r.keys(rung, RUNG_KEYS, what)
        when = str(rung.get("when", ""))
        problem = when_problem(when)
        if problem:
            r.add(rung, "when", f"{what}: {problem}")
        notify = r.names(rung, "notify", what)
        for target in notify:
            if target not in r.roles and target not in NOTIFY_EXTRA:
                r.add(rung, "notify", f"{what}: unknown role {target!r}")
        level = rung.get("level", 0)
        if isinstance(level, bool) or level not in (0, 1, 2):
            r.add(rung, "level", f"{what}: level must be 0, 1 (催办) or 2 (督办); 3 (挂牌) is manual")
            level = 0
        rungs.append(EscalationRung(str(rung["name"]), when, tuple(notify), int(level),
                                    r.flag(rung, "bulletin", what), mapping(rung.get("label"))))
    if len({rung.name for rung in rungs}) != len(rungs):
        r.add(d, "escalation", "escalation rung names must be unique")
    return tuple(rungs)


def when_problem(when: str) -> str | None:
    """`when` is yellow, red, or `red + <duration>` (e.g. red + 5 working_days)."""
    if when in ("yellow", "red"):
        return None
    head, plus, rest = when.partition("+")
    if head.strip() != "red" or not plus:
        return f"when must be yellow, red or 'red + <amount> <unit>', got {when!r}"
    try:
        parse_duration(rest.strip())
    except DefinitionError as exc:
        return f"when: {exc}"
    return None
