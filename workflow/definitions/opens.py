"""What a transition's ``opens:`` list says: the cases a step opens, and the checks across files.

A transition may say ``opens:`` — a list of cases to open when it fires (一案双查 opens two linked
clues; an investigation that finds more than was self-reported opens an "undisclosed" case):

    opens:
      - type: clue                       # the case type to open (its latest version)
        relation: undisclosed            # a name for the link, stored on both cases
        title: "未如实报告：{declarant_name}"  # {field} of the source case, or {title}
        when: [{field_equals: {field: x, value: true}}]   # optional guards: open only if they pass
        reported_at: submit              # optional: the time of this trigger counts as reporting time
        unit_from: firm_unit             # optional unit field; default: the source case's unit
        fields:
          subject_name: {from: declarant_name}   # copied from the source case
          discovery_channel: {value: org_investigation}

Opening them, in the step's own transaction, is workflow.cases.linking. What one file cannot check
alone (the opened type exists, gets its required fields, the step's roles may open it) is
`check_links` in workflow.definitions.checks; it runs whenever definitions are loaded or checked.
"""
from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workflow.definitions.fields import FieldSpec
from workflow.definitions.guards import Guard, fields_named, parse_guard

OPEN_KEYS = frozenset({"type", "relation", "title", "when", "fields", "reported_at", "unit_from"})


@dataclass(frozen=True)
class FieldSource:
    """Where a field of the new case comes from: a field of the source case, or a constant."""

    source: str | None = None
    value: Any = None


@dataclass(frozen=True)
class OpenSpec:
    case_type: str
    relation: str
    title: str
    fields: Mapping[str, FieldSource] = field(default_factory=dict)
    when: tuple[Guard, ...] = ()
    reported_at: str | None = None
    unit_from: str | None = None
    line: int | None = None  # where the entry is in its file, for messages


def parse_opens(raw: Any, fields: Mapping[str, FieldSpec]) -> tuple[tuple[OpenSpec, ...], list[str]]:
    """Parse a transition's ``opens:`` list; returns the specs and the problems found."""
    if raw is None:
        return (), []
    if not isinstance(raw, list):
        return (), ["opens must be a list of cases to open"]
    specs, problems = [], []
    for item in raw:
        spec, found = _parse_one(item, fields)
        problems.extend(found)
        if spec is not None:
            specs.append(spec)
    return tuple(specs), problems


def _parse_one(item: Any, fields: Mapping[str, FieldSpec]) -> tuple[OpenSpec | None, list[str]]:
    if not isinstance(item, Mapping):
        return None, ["each entry of opens needs type, relation, title and fields"]
    problems = [f"opens: unknown key {k!r} (known: {', '.join(sorted(OPEN_KEYS))})" for k in item if k not in OPEN_KEYS]
    for key in ("type", "relation", "title"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            problems.append(f"opens: {key} must be given as text")
    what = f"opens {item.get('type')!r}"
    title = str(item.get("title") or "")
    names: list[str] = []
    try:
        names = [n for _, n, _, _ in string.Formatter().parse(title) if n]
    except ValueError as err:
        problems.append(f"{what}: title: {err}")
    problems += [f"{what}: title names unknown field {n!r}" for n in names if n != "title" and n not in fields]
    sources = _field_sources(item.get("fields"), fields, what, problems)
    guards = []
    for g in item.get("when") or []:
        parsed = parse_guard(g)
        if isinstance(parsed, str):
            problems.append(f"{what}: when: {parsed}")
            continue
        problems += [f"{what}: when names unknown field {f!r}" for f in fields_named(parsed) if f not in fields]
        guards.append(parsed)
    unit_from = item.get("unit_from")
    if unit_from is not None and (not isinstance(unit_from, str) or unit_from not in fields
                                  or fields[unit_from].type != "unit"):
        problems.append(f"{what}: unit_from {unit_from!r} must name a unit field")
    reported_at = item.get("reported_at")
    if reported_at is not None and not isinstance(reported_at, str):
        problems.append(f"{what}: reported_at must name a trigger")
    spec = OpenSpec(str(item.get("type")), str(item.get("relation")), title, sources, tuple(guards),
                    reported_at if isinstance(reported_at, str) else None,
                    unit_from if isinstance(unit_from, str) else None, getattr(item, "__line__", None))
    return spec, problems


def _field_sources(raw: Any, fields: Mapping[str, FieldSpec], what: str, problems: list[str]
                   ) -> dict[str, FieldSource]:
    if not isinstance(raw, Mapping) or not raw:
        problems.append(f"{what}: fields must map the new case's fields to {{from: field}} or {{value: …}}")
        return {}
    out = {}
    for name, src in raw.items():
        if isinstance(src, Mapping) and set(src) == {"from"}:
            ref = src["from"]
            if not isinstance(ref, str) or ref not in fields or fields[ref].type == "attachment":
                problems.append(f"{what}: field {name!r} copies unknown (or attachment) field {ref!r}")
            out[str(name)] = FieldSource(source=str(ref))
        elif isinstance(src, Mapping) and set(src) == {"value"} and isinstance(src["value"], (str, int, bool)):
            out[str(name)] = FieldSource(value=src["value"])
        else:
            problems.append(f"{what}: field {name!r} must be {{from: <field>}} or {{value: <text/number/true/false>}}")
    return out
