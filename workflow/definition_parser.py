"""Parse and validate a case-type definition read from YAML.

Every problem found is collected as ``PATH:LINE: message`` and raised together in one
DefinitionError, so an operator fixes a file in one pass; nothing of an invalid file is used.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from workflow.deadlines import parse_duration
from workflow.definition import (
    NAME_RE, RESERVED_TRIGGERS, STAGES, TOP_LEVEL_KEYS, DeadlineSpec, Definition, EscalationRung,
    StateSpec, TransitionSpec, line_of,
)
from workflow.errors import DefinitionError
from workflow.fields import FIELD_TYPES, Choice, FieldSpec
from workflow.guards import Guard, fields_named, parse_guard

READ_ONLY_ROLES = frozenset({"auditor", "admin"})  # may never act on cases
NOTIFY_EXTRA = frozenset({"assignee"})


class Problems:
    """Collects ``PATH:LINE: message`` strings while a file is parsed."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[str] = []

    def add(self, container: Any, key: Any, message: str) -> None:
        line = line_of(container, key)
        self.items.append(f"{self.source}:{line if line is not None else '?'}: {message}")

    def raise_if_any(self) -> None:
        if self.items:
            raise DefinitionError(self.items)


def label_problem(value: Any) -> str | None:
    """Labels are bilingual: both zh and en, non-empty strings."""
    if not isinstance(value, Mapping):
        return "needs a bilingual label {zh: …, en: …}"
    missing = [lang for lang in ("zh", "en") if not isinstance(value.get(lang), str) or not value[lang].strip()]
    return f"label is missing {' and '.join(missing)}" if missing else None


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
        problems.add(data, None, "a definition must be a mapping with name, version, states and transitions")
        problems.raise_if_any()
    parser = _Parser(data, problems, frozenset(roles))
    definition = parser.definition(content_hash, source)
    problems.raise_if_any()
    from workflow.definition_checks import check_graph

    check_graph(definition, data, problems)
    problems.raise_if_any()
    return definition


class _Parser:
    def __init__(self, data: Mapping[str, Any], problems: Problems, roles: frozenset[str]) -> None:
        self.data, self.problems, self.roles = data, problems, roles

    def add(self, container: Any, key: Any, message: str) -> None:
        self.problems.add(container, key, message)

    def definition(self, content_hash: str, source: str) -> Definition:
        d = self.data
        for key in d:
            if key not in TOP_LEVEL_KEYS:
                self.add(d, key, f"unknown key {key!r} (known: {', '.join(sorted(TOP_LEVEL_KEYS))})")
        name = d.get("name")
        if not isinstance(name, str) or not NAME_RE.match(name):
            self.add(d, "name", "name must be a lower-case identifier such as rectification_item")
        version = d.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            self.add(d, "version", "version must be a whole number ≥ 1")
        self.label(d, "title")
        roles = self.role_list(d, "roles", allow_read_only=False)
        fields = self.fields(d.get("fields") or {})
        states = self.states(d.get("states"), fields)
        transitions = self.transitions(d.get("transitions"), states, fields, set(roles))
        return Definition(
            name=str(name), version=int(version) if isinstance(version, int) else 0,
            title=dict(d.get("title") or {}), initial=str(d.get("initial", "")), roles=tuple(roles),
            fields=fields, states=states, transitions=transitions,
            escalation=self.escalation(d.get("escalation") or [], set(roles)),
            visible_to=tuple(self.role_list(d, "visible_to", allow_read_only=True)),
            assigners=tuple(self.role_list(d, "assigners", allow_read_only=False) or Definition.assigners),
            editors=tuple(self.role_list(d, "editors", allow_read_only=False) or Definition.editors),
            openers=tuple(self.role_list(d, "openers", allow_read_only=False)),
            description=dict(d.get("description") or {}),
            source_clauses=tuple(str(c) for c in d.get("source_clauses") or ()),
            content_hash=content_hash, source=source,
        )

    def label(self, container: Any, key: str, what: str = "") -> None:
        problem = label_problem(container.get(key) if isinstance(container, Mapping) else None)
        if problem:
            self.add(container, key, f"{what or key}: {problem}")

    def role_list(self, container: Mapping[str, Any], key: str, *, allow_read_only: bool) -> list[str]:
        value = container.get(key) or []
        if not isinstance(value, list):
            self.add(container, key, f"{key} must be a list of roles")
            return []
        for role in value:
            if role not in self.roles:
                self.add(container, key, f"unknown role {role!r} (known: {', '.join(sorted(self.roles))})")
            elif role in READ_ONLY_ROLES and not allow_read_only:
                self.add(container, key, f"role {role!r} is read-only and cannot act on cases")
        return [str(r) for r in value]

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
            if spec.get("type") not in FIELD_TYPES:
                self.add(spec, "type", f"field {name!r}: bad type {spec.get('type')!r} (known: {', '.join(FIELD_TYPES)})")
            self.label(spec, "label", f"field {name!r}")
            choices = spec.get("choices") or []
            if spec.get("type") == "choice" and (not isinstance(choices, list) or not choices):
                self.add(spec, "choices", f"field {name!r}: a choice field needs a non-empty list of choices")
                choices = []
            for choice in choices if isinstance(choices, list) else []:
                if not isinstance(choice, Mapping) or "value" not in choice:
                    self.add(spec, "choices", f"field {name!r}: each choice needs value and label")
                    continue
                self.label(choice, "label", f"field {name!r} choice {choice.get('value')!r}")
            out[name] = FieldSpec(
                name=name, type=str(spec.get("type")), label=dict(spec.get("label") or {}),
                required=bool(spec.get("required", False)), immutable=bool(spec.get("immutable", False)),
                choices=tuple(Choice(str(c.get("value")), dict(c.get("label") or {}))
                              for c in choices if isinstance(c, Mapping)),
                max_length=spec.get("max_length"), help=dict(spec.get("help") or {}),
            )
        return out

    def states(self, raw: Any, fields: Mapping[str, FieldSpec]) -> dict[str, StateSpec]:
        if not isinstance(raw, Mapping) or not raw:
            self.add(self.data, "states", "states must be a non-empty mapping")
            return {}
        out = {}
        for name, spec in raw.items():
            if not isinstance(name, str) or not NAME_RE.match(name):
                self.add(raw, name, f"state name {name!r} must be a lower-case identifier")
                continue
            spec = spec if isinstance(spec, Mapping) else {}
            self.label(spec if spec else raw, "label", f"state {name!r}")
            if spec.get("stage") not in STAGES:
                where = spec if "stage" in spec else raw
                self.add(where, "stage" if "stage" in spec else name,
                         f"state {name!r}: stage must be one of {', '.join(STAGES)}")
            out[name] = StateSpec(
                name=name, label=dict(spec.get("label") or {}), stage=str(spec.get("stage")),
                terminal=bool(spec.get("terminal", False)),
                deadline=self.deadline(name, spec.get("deadline"), spec, fields),
            )
        return out

    def deadline(self, state: str, raw: Any, parent: Any, fields: Mapping[str, FieldSpec]) -> DeadlineSpec | None:
        if raw is None:
            return None
        where = f"state {state!r} deadline"
        if not isinstance(raw, Mapping) or "within" not in raw:
            self.add(parent, "deadline", f"{where}: needs `within: <amount> <unit>`")
            return None
        for key in ("within", "warn_before"):
            if raw.get(key) is not None:
                try:
                    parse_duration(str(raw[key]))
                except DefinitionError as exc:
                    self.add(raw, key, f"{where}: {key}: {exc}")
        if raw.get("on_reentry", "restart") not in ("restart", "resume"):
            self.add(raw, "on_reentry", f"{where}: on_reentry must be restart or resume")
        pct = raw.get("warn_at_percent")
        if pct is not None and (not isinstance(pct, int) or not 1 <= pct <= 99):
            self.add(raw, "warn_at_percent", f"{where}: warn_at_percent must be a whole number 1–99")
        from_field = raw.get("from_field")
        if from_field is not None and (from_field not in fields or fields[from_field].type != "date"):
            self.add(raw, "from_field", f"{where}: from_field {from_field!r} must name a date field")
        return DeadlineSpec(
            within=str(raw["within"]), from_field=from_field, on_reentry=str(raw.get("on_reentry", "restart")),
            warn_before=None if raw.get("warn_before") is None else str(raw["warn_before"]), warn_at_percent=pct,
        )

    def transitions(self, raw: Any, states: Mapping[str, Any], fields: Mapping[str, FieldSpec],
                    roles: set[str]) -> tuple[TransitionSpec, ...]:
        if not isinstance(raw, list) or not raw:
            self.add(self.data, "transitions", "transitions must be a non-empty list")
            return ()
        out = []
        for item in raw:
            if not isinstance(item, Mapping):
                self.add(raw, None, "each transition must be a mapping")
                continue
            out.append(self.transition(item, states, fields, roles))
        return tuple(out)

    def transition(self, t: Mapping[str, Any], states: Mapping[str, Any], fields: Mapping[str, FieldSpec],
                   roles: set[str]) -> TransitionSpec:
        trigger = t.get("trigger")
        if not isinstance(trigger, str) or not NAME_RE.match(trigger) or trigger in RESERVED_TRIGGERS:
            self.add(t, "trigger", f"trigger {trigger!r} must be a lower-case identifier, not a reserved word")
        what = f"transition {trigger!r}"
        self.label(t, "label", what)
        sources = t.get("source")
        sources = sources if isinstance(sources, list) else [sources]
        for s in sources:
            if s not in states:
                self.add(t, "source", f"{what}: unknown source state {s!r}")
        if t.get("dest") not in states:
            self.add(t, "dest", f"{what}: unknown dest state {t.get('dest')!r}")
        t_roles = self.role_list(t, "roles", allow_read_only=False)
        if not t_roles:
            self.add(t, "roles", f"{what}: needs at least one role")
        for r in t_roles:
            if r not in roles and r in self.roles:
                self.add(t, "roles", f"{what}: role {r!r} is not listed in the definition's roles")
        for key in ("requires", "optional"):
            for f in t.get(key) or []:
                if f not in fields:
                    self.add(t, key, f"{what}: unknown field {f!r}")
        if t.get("comment", "optional") not in ("optional", "required"):
            self.add(t, "comment", f"{what}: comment must be optional or required")
        guards: list[Guard] = []
        for g in t.get("guards") or []:
            parsed = parse_guard(g)
            if isinstance(parsed, str):
                self.add(t, "guards", f"{what}: {parsed}")
                continue
            for f in fields_named(parsed):
                if f not in fields:
                    self.add(t, "guards", f"{what}: guard {parsed.kind!r} names unknown field {f!r}")
            guards.append(parsed)
        return TransitionSpec(
            trigger=str(trigger), label=dict(t.get("label") or {}), sources=tuple(str(s) for s in sources),
            dest=str(t.get("dest")), roles=tuple(t_roles), requires=tuple(t.get("requires") or ()),
            optional=tuple(t.get("optional") or ()), comment=str(t.get("comment", "optional")), guards=tuple(guards),
        )

    def escalation(self, raw: Any, roles: set[str]) -> tuple[EscalationRung, ...]:
        if not isinstance(raw, list):
            self.add(self.data, "escalation", "escalation must be a list of rungs")
            return ()
        rungs = []
        for r in raw:
            if not isinstance(r, Mapping) or not isinstance(r.get("name"), str):
                self.add(raw, None, "each escalation rung needs a name")
                continue
            when = str(r.get("when", ""))
            problem = when_problem(when)
            if problem:
                self.add(r, "when", f"rung {r['name']!r}: {problem}")
            notify = r.get("notify") or []
            for target in notify:
                if target not in self.roles and target not in NOTIFY_EXTRA:
                    self.add(r, "notify", f"rung {r['name']!r}: unknown role {target!r}")
            level = r.get("level", 0)
            if level not in (0, 1, 2):
                self.add(r, "level", f"rung {r['name']!r}: level must be 0, 1 (催办) or 2 (督办); 3 (挂牌) is manual")
            rungs.append(EscalationRung(str(r["name"]), when, tuple(notify), int(level) if level in (0, 1, 2) else 0,
                                        bool(r.get("bulletin", False)), dict(r.get("label") or {})))
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
