"""Parse and validate a case-type definition read from YAML: the entry point, the top level and the fields.

Every problem found is collected as ``PATH:LINE: message`` and raised together in one
DefinitionError, so an operator fixes a file in one pass; nothing of an invalid file is used.
The generic checks (known keys, flags, roles, labels) are a `SpecReader`
(workflow.definitions.problems); states, transitions and escalation rungs are read by
workflow.definitions.lifecycle_parser; whole-graph checks (reachability, dead ends, guard
references) are workflow.definitions.checks.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from workflow.definitions import lifecycle_parser as lifecycle
from workflow.definitions.acceptance import parse_acceptance
from workflow.definitions.checks import check_graph
from workflow.definitions.computed import Computation, parse_computation, reference_problems
from workflow.definitions.fields import FIELD_TYPES, INTEGER_LIMIT, LONGTEXT_LIMIT, TEXT_LIMIT, Choice, FieldSpec
from workflow.definitions.model import CHOICE_KEYS, FIELD_KEYS, NAME_RE, OPENED_BY, TOP_LEVEL_KEYS, Definition
from workflow.definitions.problems import Problems, SpecReader, label_problem, mapping
from workflow.definitions.roles import ASSIGN, EDIT_FIELDS, RoleBook


def parse_definition(data: Any, *, source: str, roles: RoleBook, content_hash: str = "") -> Definition:
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
    definition = _definition(SpecReader(problems, roles), data, content_hash, source)
    problems.raise_if_any()
    check_graph(definition, data, problems)
    problems.raise_if_any()
    return definition


def _definition(r: SpecReader, d: Mapping[str, Any], content_hash: str, source: str) -> Definition:
    r.keys(d, TOP_LEVEL_KEYS, "")
    name = d.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        r.add(d, "name", "name must be a lower-case identifier such as rectification_item")
    version = d.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        r.add(d, "version", "version must be a whole number ≥ 1")
    r.label(d, "title")
    if d.get("description") is not None and label_problem(d["description"]):
        r.add(d, "description", f"description: {label_problem(d['description'])}")
    if d.get("leniency") is not None and label_problem(d["leniency"]):
        r.add(d, "leniency", f"leniency: {label_problem(d['leniency'])}")
    roles = r.role_list(d, "roles", allow_read_only=False)
    fields = _fields(r, d, d.get("fields") or {})
    states = lifecycle.states(r, d, d.get("states"), fields)
    fields = _settle_allow_past(fields, d.get("fields"), states)
    transitions = lifecycle.transitions(r, d, d.get("transitions"), states, fields, set(roles))
    acceptance = parse_acceptance(r, d, fields, {t.trigger for t in transitions})
    return Definition(
        name=str(name), version=int(version) if isinstance(version, int) else 0,
        title=mapping(d.get("title")), initial=str(d.get("initial", "")), roles=tuple(roles),
        fields=fields, states=states, transitions=transitions,
        escalation=lifecycle.escalation(r, d, d.get("escalation") or []),
        visible_to=tuple(r.role_list(d, "visible_to", allow_read_only=True)),
        # Who may assign and correct fields when the file does not say: the roles with that capability.
        assigners=tuple(r.role_list(d, "assigners", allow_read_only=False) or r.roles.having(ASSIGN)),
        editors=tuple(r.role_list(d, "editors", allow_read_only=False) or r.roles.having(EDIT_FIELDS)),
        openers=tuple(r.role_list(d, "openers", allow_read_only=False)), opened_by=_opened_by(r, d),
        description=mapping(d.get("description")), leniency=mapping(d.get("leniency")),
        source_clauses=tuple(r.names(d, "source_clauses", "source_clauses")), acceptance=acceptance,
        content_hash=content_hash, source=source,
    )


def _opened_by(r: SpecReader, d: Mapping[str, Any]) -> str:
    raw = d.get("opened_by", "people")
    if raw not in OPENED_BY:
        r.add(d, "opened_by", f"opened_by must be one of {', '.join(OPENED_BY)}, got {raw!r}")
        return "people"
    return str(raw)


def _fields(r: SpecReader, d: Mapping[str, Any], raw: Any) -> dict[str, FieldSpec]:
    if not isinstance(raw, Mapping):
        r.add(d, "fields", "fields must be a mapping of field name to spec")
        return {}
    out = {}
    for name, spec in raw.items():
        if not isinstance(name, str) or not NAME_RE.match(name):
            r.add(raw, name, f"field name {name!r} must be a lower-case identifier")
            continue
        if not isinstance(spec, Mapping):
            r.add(raw, name, f"field {name!r} must be a mapping with type and label")
            continue
        out[name] = _field(r, name, spec, raw)
    for name, field_spec in out.items():  # computed fields read existing, plain fields: checked once all are known
        if field_spec.computed is not None:
            for problem in reference_problems(name, field_spec.computed, out):
                r.add(raw, name, problem)
    return out


def _field(r: SpecReader, name: str, spec: Mapping[str, Any], parent: Mapping[str, Any]) -> FieldSpec:
    what = f"field {name!r}"
    r.keys(spec, FIELD_KEYS, what)
    kind = spec.get("type")
    if not isinstance(kind, str) or kind not in FIELD_TYPES:
        r.add(spec if "type" in spec else parent, "type" if "type" in spec else name,
              f"{what}: bad type {kind!r} (known: {', '.join(FIELD_TYPES)})")
    r.label(spec, "label", what, missing_at=(parent, name))
    max_length = spec.get("max_length")
    if max_length is not None:
        limit = LONGTEXT_LIMIT if kind == "longtext" else TEXT_LIMIT
        if kind not in ("text", "longtext"):
            r.add(spec, "max_length", f"{what}: max_length applies to text and longtext fields only")
        elif isinstance(max_length, bool) or not isinstance(max_length, int) or not 1 <= max_length <= limit:
            r.add(spec, "max_length", f"{what}: max_length must be a whole number 1–{limit}")
        max_length = max_length if isinstance(max_length, int) and not isinstance(max_length, bool) else None
    low, high = _bounds(r, spec, what, kind)
    if "allow_past" in spec:
        r.flag(spec, "allow_past", what)
        if kind != "date":
            r.add(spec, "allow_past", f"{what}: allow_past applies to date fields only")
    return FieldSpec(
        name=name, type=str(kind), label=mapping(spec.get("label")),
        required=r.flag(spec, "required", what), immutable=r.flag(spec, "immutable", what),
        choices=_choices(r, what, kind, spec), max_length=max_length, help=mapping(spec.get("help")),
        computed=_computed(r, spec, what, kind), minimum=low, maximum=high,
    )


def _bounds(r: SpecReader, spec: Mapping[str, Any], what: str, kind: Any) -> tuple[int | None, int | None]:
    """An integer field's `min` and `max`: whole numbers within the integer limit, min ≤ max."""
    found: dict[str, int] = {}
    for key in ("min", "max"):
        value = spec.get(key)
        if key not in spec:
            continue
        if kind != "integer":
            r.add(spec, key, f"{what}: {key} applies to integer fields only")
        elif isinstance(value, bool) or not isinstance(value, int) or abs(value) > INTEGER_LIMIT:
            r.add(spec, key, f"{what}: {key} must be a whole number between -{INTEGER_LIMIT} and {INTEGER_LIMIT}")
        else:
            found[key] = value
    if "min" in found and "max" in found and found["min"] > found["max"]:
        r.add(spec, "max", f"{what}: max ({found['max']}) is less than min ({found['min']})")
        return None, None
    return found.get("min"), found.get("max")


def _settle_allow_past(fields: dict[str, FieldSpec], raw: Any, states: Mapping[str, Any]) -> dict[str, FieldSpec]:
    """A date field that sets a deadline (a state's `from_field`) refuses past dates unless it says
    `allow_past: true`; any other date field accepts them unless it says `allow_past: false`."""
    feeds = {s.deadline.from_field for s in states.values() if s.deadline is not None and s.deadline.from_field}
    out = {}
    for name, spec in fields.items():
        given = mapping(mapping(raw).get(name)).get("allow_past")
        allow = given if isinstance(given, bool) else name not in feeds
        out[name] = replace(spec, allow_past=allow) if spec.type == "date" else spec
    return out


def _choices(r: SpecReader, what: str, kind: Any, spec: Mapping[str, Any]) -> tuple[Choice, ...]:
    choices = spec.get("choices")
    if kind != "choice":
        if choices is not None:
            r.add(spec, "choices", f"{what}: only a choice field has choices")
        return ()
    if not isinstance(choices, list) or not choices:
        r.add(spec, "choices", f"{what}: a choice field needs a non-empty list of choices")
        return ()
    out: list[Choice] = []
    for choice in choices:
        if not isinstance(choice, Mapping) or not isinstance(choice.get("value"), (str, int)) \
                or isinstance(choice.get("value"), bool):
            r.add(spec, "choices", f"{what}: each choice needs a value (text) and a label")
            continue
        r.keys(choice, CHOICE_KEYS, f"{what} choice {choice['value']!r}")
        r.label(choice, "label", f"{what} choice {choice['value']!r}")
        out.append(Choice(str(choice["value"]), mapping(choice.get("label"))))
    values = [c.value for c in out]
    for value in sorted({v for v in values if values.count(v) > 1}):
        r.add(spec, "choices", f"{what}: choice {value!r} is listed twice")
    return tuple(out)


def _computed(r: SpecReader, spec: Mapping[str, Any], what: str, kind: Any) -> Computation | None:
    """The ``computed:`` entry of a field spec, or None."""
    if spec.get("computed") is None:
        return None
    parsed = parse_computation(spec["computed"], str(kind))
    if isinstance(parsed, str):
        r.add(spec, "computed", f"{what}: {parsed}")
        return None
    for flag in ("required", "immutable"):
        if spec.get(flag):
            r.add(spec, flag, f"{what}: a computed field cannot be {flag} (the engine sets it)")
    return parsed
