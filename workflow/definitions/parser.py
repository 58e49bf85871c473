"""Parse and validate a case-type definition read from YAML.

Every problem found is collected as ``PATH:LINE: message`` and raised together in one
DefinitionError, so an operator fixes a file in one pass; nothing of an invalid file is used.
Generic checks (known keys, flags, roles, labels) live in ``workflow.definitions.problems``;
whole-graph checks (reachability, dead ends, guard references) in ``workflow.definitions.checks``.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from workflow.escalation.deadlines import parse_duration
from workflow.definitions.model import (
    CHOICE_KEYS, DEADLINE_KEYS, FIELD_KEYS, NAME_RE, RESERVED_TRIGGERS, RUNG_KEYS, STAGES, STATE_KEYS,
    TOP_LEVEL_KEYS, TRANSITION_KEYS, DeadlineSpec, Definition, EscalationRung, StateSpec, TransitionSpec,
)
from workflow.definitions.effects import EffectsReader
from workflow.definitions.problems import (
    READ_ONLY_ROLES, Problems, hashable, label_problem, mapping,
)
from workflow.errors import DefinitionError
from workflow.engine.fields import FIELD_TYPES, LONGTEXT_LIMIT, TEXT_LIMIT, Choice, FieldSpec
from workflow.engine.guards import Guard, fields_named, parse_guard

NOTIFY_EXTRA = frozenset({"assignee"})

__all__ = ["parse_definition", "Problems", "label_problem", "when_problem", "READ_ONLY_ROLES"]


def parse_definition(data: Any, *, source: str, roles: Iterable[str], content_hash: str = "") -> Definition:
    """Build a validated Definition from parsed YAML data.

    Args:
        data: the mapping read from the file (may carry line numbers, see ``line_of``).
        source: the file path, used in messages.
        roles: the role vocabulary (definitions/roles.yaml); any other role is an error.
        content_hash: SHA-256 of the file's bytes, recorded on every case opened under it.
    Raises:
        DefinitionError: every problem found, as ``PATH:LINE: message``.
    """
    problems = Problems(source)
    if not isinstance(data, Mapping):
        problems.add_at(1, "a definition must be a mapping with name, version, states and transitions")
        problems.raise_if_any()
    parser = _Parser(data, problems, frozenset(roles))
    definition = parser.definition(content_hash, source)
    problems.raise_if_any()
    from workflow.definitions.checks import check_graph

    check_graph(definition, data, problems)
    problems.raise_if_any()
    return definition


class _Parser(EffectsReader):
    def __init__(self, data: Mapping[str, Any], problems: Problems, roles: frozenset[str]) -> None:
        super().__init__(problems, roles)
        self.data = data

    def definition(self, content_hash: str, source: str) -> Definition:
        d = self.data
        self.keys(d, TOP_LEVEL_KEYS, "")
        name = d.get("name")
        if not isinstance(name, str) or not NAME_RE.match(name):
            self.add(d, "name", "name must be a lower-case identifier such as rectification_item")
        version = d.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            self.add(d, "version", "version must be a whole number ≥ 1")
        self.label(d, "title")
        if d.get("description") is not None and label_problem(d["description"]):
            self.add(d, "description", f"description: {label_problem(d['description'])}")
        roles = self.role_list(d, "roles", allow_read_only=False)
        fields = self.fields(d.get("fields") or {})
        states = self.states(d.get("states"), fields)
        transitions = self.transitions(d.get("transitions"), states, fields, set(roles))
        return Definition(
            name=str(name), version=int(version) if isinstance(version, int) else 0,
            title=mapping(d.get("title")), initial=str(d.get("initial", "")), roles=tuple(roles),
            fields=fields, states=states, transitions=transitions,
            escalation=self.escalation(d.get("escalation") or [], set(roles)),
            visible_to=tuple(self.role_list(d, "visible_to", allow_read_only=True)),
            assigners=tuple(self.role_list(d, "assigners", allow_read_only=False) or Definition.assigners),
            editors=tuple(self.role_list(d, "editors", allow_read_only=False) or Definition.editors),
            openers=tuple(self.role_list(d, "openers", allow_read_only=False)),
            description=mapping(d.get("description")),
            source_clauses=tuple(self.names(d, "source_clauses", "source_clauses")),
            content_hash=content_hash, source=source,
        )

    def fields(self, raw: Any) -> dict[str, FieldSpec]:
        if not isinstance(raw, Mapping):
            self.add(self.data, "fields", "fields must be a mapping of field name to spec")
            return {}
        out = {}
        for name, spec in raw.items():
            if not isinstance(name, str) or not NAME_RE.match(name):
                self.add(raw, name, f"field name {name!r} must be a lower-case identifier")
                continue
            if not isinstance(spec, Mapping):
                self.add(raw, name, f"field {name!r} must be a mapping with type and label")
                continue
            out[name] = self.field(name, spec, raw)
        self.computed_references(raw, out)
        return out

    def field(self, name: str, spec: Mapping[str, Any], parent: Mapping[str, Any]) -> FieldSpec:
        what = f"field {name!r}"
        self.keys(spec, FIELD_KEYS, what)
        kind = spec.get("type")
        if not isinstance(kind, str) or kind not in FIELD_TYPES:
            self.add(spec if "type" in spec else parent, "type" if "type" in spec else name,
                     f"{what}: bad type {kind!r} (known: {', '.join(FIELD_TYPES)})")
        self.label(spec, "label", what, missing_at=(parent, name))
        max_length = spec.get("max_length")
        if max_length is not None:
            limit = LONGTEXT_LIMIT if kind == "longtext" else TEXT_LIMIT
            if kind not in ("text", "longtext"):
                self.add(spec, "max_length", f"{what}: max_length applies to text and longtext fields only")
            elif isinstance(max_length, bool) or not isinstance(max_length, int) or not 1 <= max_length <= limit:
                self.add(spec, "max_length", f"{what}: max_length must be a whole number 1–{limit}")
            max_length = max_length if isinstance(max_length, int) and not isinstance(max_length, bool) else None
        return FieldSpec(
            name=name, type=str(kind), label=mapping(spec.get("label")),
            required=self.flag(spec, "required", what), immutable=self.flag(spec, "immutable", what),
            choices=self.choices(what, kind, spec), max_length=max_length, help=mapping(spec.get("help")),
            computed=self.computed(spec, what, kind),
        )

    def choices(self, what: str, kind: Any, spec: Mapping[str, Any]) -> tuple[Choice, ...]:
        choices = spec.get("choices")
        if kind != "choice":
            if choices is not None:
                self.add(spec, "choices", f"{what}: only a choice field has choices")
            return ()
        if not isinstance(choices, list) or not choices:
            self.add(spec, "choices", f"{what}: a choice field needs a non-empty list of choices")
            return ()
        out: list[Choice] = []
        for choice in choices:
            if not isinstance(choice, Mapping) or not isinstance(choice.get("value"), (str, int)) \
                    or isinstance(choice.get("value"), bool):
                self.add(spec, "choices", f"{what}: each choice needs a value (text) and a label")
                continue
            self.keys(choice, CHOICE_KEYS, f"{what} choice {choice['value']!r}")
            self.label(choice, "label", f"{what} choice {choice['value']!r}")
            out.append(Choice(str(choice["value"]), mapping(choice.get("label"))))
        values = [c.value for c in out]
        for value in sorted({v for v in values if values.count(v) > 1}):
            self.add(spec, "choices", f"{what}: choice {value!r} is listed twice")
        return tuple(out)

    def states(self, raw: Any, fields: Mapping[str, FieldSpec]) -> dict[str, StateSpec]:
        if not isinstance(raw, Mapping) or not raw:
            self.add(self.data, "states", "states must be a non-empty mapping")
            return {}
        out = {}
        for name, spec in raw.items():
            if not isinstance(name, str) or not NAME_RE.match(name):
                self.add(raw, name, f"state name {name!r} must be a lower-case identifier")
                continue
            if spec is not None and not isinstance(spec, Mapping):
                self.add(raw, name, f"state {name!r} must be a mapping with label and stage")
            spec = spec if isinstance(spec, Mapping) else {}
            what = f"state {name!r}"
            self.keys(spec, STATE_KEYS, what)
            self.label(spec, "label", what, missing_at=(raw, name))
            if spec.get("stage") not in STAGES:
                where = spec if "stage" in spec else raw
                self.add(where, "stage" if "stage" in spec else name, f"{what}: stage must be one of {', '.join(STAGES)}")
            out[name] = StateSpec(
                name=name, label=mapping(spec.get("label")), stage=str(spec.get("stage")),
                terminal=self.flag(spec, "terminal", what),
                deadline=self.deadline(name, spec.get("deadline"), spec, fields),
            )
        return out

    def deadline(self, state: str, raw: Any, parent: Any, fields: Mapping[str, FieldSpec]) -> DeadlineSpec | None:
        if raw is None:
            return None
        where = f"state {state!r} deadline"
        if not isinstance(raw, Mapping) or ("within" not in raw and "carry" not in raw):
            self.add(parent, "deadline", f"{where}: needs `within: <amount> <unit>` (or `carry: true`)")
            return None
        self.keys(raw, DEADLINE_KEYS, where)
        if "carry" in raw:
            if raw["carry"] is not True or len(raw) > 1:
                self.add(raw, "carry", f"{where}: write `carry: true` alone (the state keeps the case's deadline)")
            return DeadlineSpec(within="", carry=True)
        for key in ("within", "warn_before"):
            if raw.get(key) is not None:
                try:
                    parse_duration(str(raw[key]))
                except DefinitionError as exc:
                    self.add(raw, key, f"{where}: {key}: {exc}")
        if raw.get("on_reentry", "restart") not in ("restart", "resume"):
            self.add(raw, "on_reentry", f"{where}: on_reentry must be restart or resume")
        pct = raw.get("warn_at_percent")
        if pct is not None and (isinstance(pct, bool) or not isinstance(pct, int) or not 1 <= pct <= 99):
            self.add(raw, "warn_at_percent", f"{where}: warn_at_percent must be a whole number 1–99")
        from_field = raw.get("from_field")
        if from_field is not None and (not hashable(from_field) or from_field not in fields
                                       or fields[from_field].type != "date"):
            self.add(raw, "from_field", f"{where}: from_field {from_field!r} must name a date field")
        extended_by = self.names(raw, "extended_by", where)
        if extended_by and from_field is None:
            self.add(raw, "extended_by", f"{where}: extended_by needs from_field (the field with the new date)")
        return DeadlineSpec(
            within=str(raw["within"]), from_field=from_field if isinstance(from_field, str) else None,
            on_reentry=str(raw.get("on_reentry", "restart")),
            warn_before=None if raw.get("warn_before") is None else str(raw["warn_before"]),
            warn_at_percent=pct if isinstance(pct, int) else None, extended_by=tuple(extended_by),
        )

    def transitions(self, raw: Any, states: Mapping[str, Any], fields: Mapping[str, FieldSpec],
                    roles: set[str]) -> tuple[TransitionSpec, ...]:
        if not isinstance(raw, list) or not raw:
            self.add(self.data, "transitions", "transitions must be a non-empty list")
            return ()
        out = []
        for item in raw:
            if not isinstance(item, Mapping):
                self.add(self.data, "transitions", "each transition must be a mapping with trigger, source, dest")
                continue
            out.append(self.transition(item, states, fields, roles))
        return tuple(out)

    def transition(self, t: Mapping[str, Any], states: Mapping[str, Any], fields: Mapping[str, FieldSpec],
                   roles: set[str]) -> TransitionSpec:
        trigger = t.get("trigger")
        if not isinstance(trigger, str) or not NAME_RE.match(trigger) or trigger in RESERVED_TRIGGERS:
            self.add(t, "trigger", f"trigger {trigger!r} must be a lower-case identifier, not a reserved word")
        what = f"transition {trigger!r}"
        self.keys(t, TRANSITION_KEYS, what)
        self.label(t, "label", what)
        sources = self.names(t, "source", what)
        if not sources:
            self.add(t, "source", f"{what}: needs a source state")
        for s in sources:
            if s not in states:
                self.add(t, "source", f"{what}: unknown source state {s!r}")
        dest = t.get("dest")
        if not isinstance(dest, str) or dest not in states:
            self.add(t, "dest", f"{what}: unknown dest state {dest!r}")
        t_roles = self.role_list(t, "roles", allow_read_only=False)
        if not t_roles:
            self.add(t, "roles", f"{what}: needs at least one role")
        for r in t_roles:
            if r not in roles and r in self.roles:
                self.add(t, "roles", f"{what}: role {r!r} is not listed in the definition's roles")
        step_fields = {key: self.names(t, key, what) for key in ("requires", "optional")}
        for key, names in step_fields.items():
            for f in names:
                if f not in fields:
                    self.add(t, key, f"{what}: unknown field {f!r}")
        self.step_fields_not_computed(t, what, step_fields, fields)
        if t.get("comment", "optional") not in ("optional", "required"):
            self.add(t, "comment", f"{what}: comment must be optional or required")
        return TransitionSpec(
            trigger=str(trigger), label=mapping(t.get("label")), sources=tuple(sources),
            dest=str(dest), roles=tuple(t_roles), requires=tuple(step_fields["requires"]),
            optional=tuple(step_fields["optional"]), comment=str(t.get("comment", "optional")),
            guards=self.guards(t, what, fields), opens=self.opens(t, what, fields),
        )

    def guards(self, t: Mapping[str, Any], what: str, fields: Mapping[str, FieldSpec]) -> tuple[Guard, ...]:
        raw = t.get("guards") or []
        if not isinstance(raw, list):
            self.add(t, "guards", f"{what}: guards must be a list")
            return ()
        guards: list[Guard] = []
        for g in raw:
            parsed = parse_guard(g)
            if isinstance(parsed, str):
                self.add(t, "guards", f"{what}: {parsed}")
                continue
            for f in fields_named(parsed):
                if f not in fields:
                    self.add(t, "guards", f"{what}: guard {parsed.kind!r} names unknown field {f!r}")
            guards.append(parsed)
        return tuple(guards)

    def escalation(self, raw: Any, roles: set[str]) -> tuple[EscalationRung, ...]:
        if not isinstance(raw, list):
            self.add(self.data, "escalation", "escalation must be a list of rungs")
            return ()
        rungs = []
        for r in raw:
            if not isinstance(r, Mapping) or not isinstance(r.get("name"), str):
                self.add(r if isinstance(r, Mapping) else self.data, "name" if isinstance(r, Mapping) else "escalation",
                         "each escalation rung needs a name")
                continue
            what = f"rung {r['name']!r}"
            self.keys(r, RUNG_KEYS, what)
            when = str(r.get("when", ""))
            problem = when_problem(when)
            if problem:
                self.add(r, "when", f"{what}: {problem}")
            notify = self.names(r, "notify", what)
            for target in notify:
                if target not in self.roles and target not in NOTIFY_EXTRA:
                    self.add(r, "notify", f"{what}: unknown role {target!r}")
            level = r.get("level", 0)
            if isinstance(level, bool) or level not in (0, 1, 2):
                self.add(r, "level", f"{what}: level must be 0, 1 (催办) or 2 (督办); 3 (挂牌) is manual")
                level = 0
            rungs.append(EscalationRung(str(r["name"]), when, tuple(notify), int(level),
                                        self.flag(r, "bulletin", what), mapping(r.get("label"))))
        if len({r.name for r in rungs}) != len(rungs):
            self.add(self.data, "escalation", "escalation rung names must be unique")
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
