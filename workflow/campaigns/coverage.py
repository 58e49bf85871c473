"""Plan coverage: every numbered item of the plan traced to a case type, a field, a transition or a feature.

Two files under definitions/campaigns/ hold it: ``plan-items.yaml`` (the plan's numbered items with
their stable ids, grouped as general / contents / measures / targets / safeguards) and
``plan-coverage.yaml`` (features, and per item id a list of traces). `coverage_problems` says what
is missing or dangling, so a test — and a bureau reading the catalogue — can check the plan line by line.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from workflow.definitions.model import Definition
from workflow.definitions.problems import Problems

GROUPS = ("general", "contents", "measures", "targets", "safeguards")
TRACE_KINDS = ("case_type", "field", "transition", "feature")


@dataclass(frozen=True)
class PlanItemRef:
    id: str
    group: str
    gloss: str


@dataclass(frozen=True)
class Trace:
    kind: str  # one of TRACE_KINDS
    target: str  # a case type, `type.field`, `type.trigger` or a feature name
    note: str = ""


@dataclass(frozen=True)
class Coverage:
    features: Mapping[str, Mapping[str, str]]  # name -> {module, what}
    items: Mapping[str, tuple[Trace, ...]]


def parse_plan_items(data: Any, *, source: str) -> list[PlanItemRef]:
    p = Problems(source)
    if not isinstance(data, Mapping):
        p.add_at(1, f"expected the groups {', '.join(GROUPS)}")
        p.raise_if_any()
    out = []
    for group in GROUPS:
        items = data.get(group)
        if not isinstance(items, Mapping) or not items:
            p.add(data, group if group in data else None, f"{group} must map item ids to a short gloss")
            continue
        out += [PlanItemRef(str(k), group, str(v)) for k, v in items.items()]
    for key in data:
        if key not in GROUPS:
            p.add(data, key, f"unknown group {key!r} (known: {', '.join(GROUPS)})")
    p.raise_if_any()
    return out


def parse_coverage(data: Any, *, source: str) -> Coverage:
    p = Problems(source)
    if not isinstance(data, Mapping) or not isinstance(data.get("items"), Mapping):
        p.add_at(1, "expected `features:` and `items:` (item id → list of traces)")
        p.raise_if_any()
    features = data.get("features") or {}
    if not isinstance(features, Mapping) or not all(isinstance(v, Mapping) and "module" in v
                                                    for v in features.values()):
        p.add(data, "features", "features maps a name to {module: path, what: text}")
        features = {}
    items: dict[str, tuple[Trace, ...]] = {}
    for item_id, traces in data["items"].items():
        if not isinstance(traces, list) or not traces:
            p.add(data["items"], item_id, f"{item_id}: needs at least one trace")
            continue
        items[str(item_id)] = tuple(t for t in (_trace(p, raw, data["items"], item_id) for raw in traces) if t)
    p.raise_if_any()
    return Coverage({k: dict(v) for k, v in features.items()}, items)


def _trace(p: Problems, raw: Any, parent: Any, item_id: Any) -> Trace | None:
    kinds = [k for k in TRACE_KINDS if isinstance(raw, Mapping) and k in raw]
    if len(kinds) != 1 or set(raw) - {kinds[0], "note"}:
        p.add(parent, item_id, f"{item_id}: each trace is one of {', '.join(TRACE_KINDS)} (with an optional note)")
        return None
    return Trace(kinds[0], str(raw[kinds[0]]), str(raw.get("note") or ""))


def coverage_problems(coverage: Coverage, items: Iterable[PlanItemRef], definitions: Iterable[Definition], *,
                      module_exists: Callable[[str], bool]) -> list[str]:
    """Everything that keeps the mapping from being complete and true (empty when it is)."""
    by_name = {d.name: d for d in definitions}
    ids = [i.id for i in items]
    problems = [f"plan item {i} is not traced to anything" for i in ids if i not in coverage.items]
    problems += [f"{i} is traced but is not an item of the plan" for i in coverage.items if i not in ids]
    for name, feature in coverage.features.items():
        if not module_exists(str(feature["module"])):
            problems.append(f"feature {name}: module {feature['module']} does not exist")
    for item_id, traces in coverage.items.items():
        problems += [f"{item_id}: {msg}" for t in traces if (msg := _dangling(t, by_name, coverage))]
    for d in by_name.values():
        problems += [f"{d.name}: source clause {c!r} is not an item of the plan" for c in d.source_clauses
                     if c not in ids]
    return problems


def _dangling(t: Trace, defs: Mapping[str, Definition], coverage: Coverage) -> str | None:
    if t.kind == "feature":
        return None if t.target in coverage.features else f"unknown feature {t.target!r}"
    if t.kind == "case_type":
        return None if t.target in defs else f"unknown case type {t.target!r}"
    type_name, _, member = t.target.partition(".")
    d = defs.get(type_name)
    if d is None:
        return f"unknown case type in {t.target!r}"
    if t.kind == "field" and member not in d.fields:
        return f"{type_name} has no field {member!r}"
    if t.kind == "transition" and member not in {x.trigger for x in d.transitions}:
        return f"{type_name} has no transition {member!r}"
    return None


def items_by_case_type(coverage: Coverage) -> dict[str, list[str]]:
    """Case type → plan items that trace to it (directly, or through one of its fields or transitions)."""
    out: dict[str, list[str]] = {}
    for item_id, traces in coverage.items.items():
        for t in traces:
            if t.kind != "feature":
                out.setdefault(t.target.partition(".")[0], [])
                if item_id not in out[t.target.partition(".")[0]]:
                    out[t.target.partition(".")[0]].append(item_id)
    return out
