"""Linked cases: a step that opens other cases, in the same transaction as the step itself.

A transition may say ``opens:`` — a list of cases to open when it fires (一案双查 opens two linked
clues; an investigation that finds more than was self-reported opens an "undisclosed" case).
Each new case is opened by the actor of the step, with the step's checks (role, scope), and
both sides record the link: the source case's event carries ``links`` (folded into
``CaseState.links``) and the new case's intake event carries the link back. Either the step and
every case it opens are committed together, or nothing is.

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
"""
from __future__ import annotations

import string
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from workflow.errors import MissingField, NotFound, WorkflowError
from workflow.events import ADVANCED, parse_time
from workflow.engine.fields import TITLE_LIMIT
from workflow.engine.guards import Guard, GuardContext, evaluate, fields_named, parse_guard

if TYPE_CHECKING:
    from workflow.definitions.model import Definition, TransitionSpec
    from workflow.engine.fields import FieldSpec
    from workflow.ports import User, WriteTx
    from workflow.engine.projection import CaseState
    from workflow.cases.service import CaseService

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
    try:
        names = [n for _, n, _, _ in string.Formatter().parse(title) if n]
    except ValueError as err:
        names, _ = [], problems.append(f"{what}: title: {err}")
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
                    unit_from if isinstance(unit_from, str) else None)
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


def check_links(definitions: Iterable[Definition]) -> list[str]:
    """Cross-definition checks: every opened type exists, gets its required fields, and the step's
    roles may open it. (Per-file parsing cannot see the other files.)"""
    by_name = {d.name: d for d in definitions}
    problems = []
    for d in by_name.values():
        for t in d.transitions:
            for o in getattr(t, "opens", ()):
                where = f"{d.source or d.name}: transition {t.trigger!r} opens {o.case_type!r}"
                target = by_name.get(o.case_type)
                if target is None:
                    problems.append(f"{where}: no such case type")
                    continue
                problems += [f"{where}: {target.name} has no field {f!r}" for f in o.fields if f not in target.fields]
                problems += [f"{where}: required field {f!r} is not given" for f, s in target.fields.items()
                             if s.required and s.computed is None and f not in o.fields]
                problems += [f"{where}: field {f!r} is computed by the engine" for f in o.fields
                             if f in target.fields and target.fields[f].computed is not None]
                openers = target.openers or target.roles
                problems += [f"{where}: role {r!r} may not open {target.name} cases" for r in t.roles
                             if r not in openers or (target.visible_to and r not in target.visible_to)]
    return problems


def open_linked(service: CaseService, tx: WriteTx, *, defn: Definition, case: CaseState, t: TransitionSpec,
                user: User, ctx: GuardContext, now: datetime) -> list[dict[str, str]]:
    """Open the cases `t` says to open (inside the step's transaction); the links for the source case."""
    from workflow.cases.service import new_case_id  # the service imports this module

    chosen = [o for o in getattr(t, "opens", ()) if evaluate(o.when, ctx) is None]
    ids = [new_case_id() for _ in chosen]
    links = []
    for spec, new_id in zip(chosen, ids):
        back = [{"case": case.id, "type": case.type, "relation": spec.relation, "direction": "opened_by"}]
        back += [{"case": other, "type": o.case_type, "relation": o.relation, "direction": "sibling"}
                 for o, other in zip(chosen, ids) if other != new_id]
        try:
            target = service.registry.latest(spec.case_type)
            service.open_in(tx, target, user, now, case_id=new_id, title=_title(spec, case, ctx.fields),
                            unit=ctx.fields.get(spec.unit_from) if spec.unit_from else case.unit,
                            fields=_values(spec, ctx.fields), links=back,
                            reported_at=_reported_at(tx, case, t, spec, now))
        except (MissingField, NotFound) as err:
            raise type(err)(f"step {t.trigger!r} opens a linked {spec.case_type}: {err}") from None
        except WorkflowError as err:
            err.args = (f"step {t.trigger!r} opens a linked {spec.case_type}: {err}",)
            raise
        links.append({"case": new_id, "type": spec.case_type, "relation": spec.relation, "direction": "opened"})
    return links


def _values(spec: OpenSpec, source: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for name, src in spec.fields.items():
        value = source.get(src.source) if src.source else src.value
        if value not in (None, ""):
            out[name] = value
    return out


class _Blank(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return ""


def _title(spec: OpenSpec, case: CaseState, fields: Mapping[str, Any]) -> str:
    values = _Blank({k: v for k, v in fields.items() if not isinstance(v, list)}, title=case.title)
    text = " ".join(spec.title.format_map(values).split())  # one line, whatever the source text held
    return text[:TITLE_LIMIT] or case.title[:TITLE_LIMIT]


def _reported_at(tx: WriteTx, case: CaseState, t: TransitionSpec, spec: OpenSpec, now: datetime) -> datetime:
    """When the reported problem was reported: the time of `spec.reported_at`'s last firing, else now."""
    if spec.reported_at is None or spec.reported_at == t.trigger:
        return now
    for event in reversed(tx.events(case.id)):
        if event.action == ADVANCED and event.payload.get("trigger") == spec.reported_at:
            return parse_time(event.at)
    return now
