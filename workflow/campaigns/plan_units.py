"""The units a plan declares (created or matched when it is loaded) and the unit codes it names."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workflow.campaigns.plan_body import PlanItem
from workflow.campaigns.plan_text import UNIT_CODE_RE, unknown_keys
from workflow.definitions.model import line_of
from workflow.definitions.problems import Problems

UNIT_KEYS = frozenset({"code", "name", "parent"})


@dataclass(frozen=True)
class PlanUnit:
    """A unit the plan declares: created when the plan is loaded, or matched (same code and name)."""

    code: str
    name: str
    parent: str | None = None
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "parent": self.parent}


def read_units(p: Problems, data: Mapping[str, Any]) -> tuple[PlanUnit, ...]:
    raw = data.get("units")
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        p.add(data, "units", "units must be a list of {code, name, parent}")
        return ()
    out: list[PlanUnit] = []
    seen: dict[str, PlanUnit] = {}
    for u in raw:
        if not isinstance(u, Mapping):
            p.add(data, "units", "each unit is {code: CODE, name: 名称, parent: CODE}")
            continue
        unknown_keys(p, u, UNIT_KEYS, f"unit {u.get('code')!r}: ")
        code, name, parent = u.get("code"), u.get("name"), u.get("parent")
        if not isinstance(code, str) or not UNIT_CODE_RE.match(code):
            p.add(u, "code" if "code" in u else None, f"unit code {code!r} must be letters, digits, '.', '_' or '-'")
            continue
        if not isinstance(name, str) or not name.strip():
            p.add(u, "name" if "name" in u else "code", f"unit {code}: needs a name")
            continue
        if parent is not None and not isinstance(parent, str):
            p.add(u, "parent", f"unit {code}: parent must be a unit code")
            parent = None
        if code in seen:
            p.add(u, "code", f"unit {code} is declared twice (first at line {seen[code].line})")
            continue
        if parent == code:
            p.add(u, "parent", f"unit {code} cannot be its own parent")
            parent = None
        seen[code] = PlanUnit(code, name.strip(), parent, line_of(u))
        out.append(seen[code])
    return tuple(out)


def check_references(p: Problems, data: Mapping[str, Any], items: list[PlanItem], units: tuple[PlanUnit, ...]) -> None:
    """A plan that declares units names no other: each code it uses is among them (the parent of a
    declared unit may be one the directory already has — checked when the plan is loaded)."""
    if not units:
        return
    declared = {u.code for u in units}
    known = ", ".join(sorted(declared))
    lead = data.get("lead_unit")
    if isinstance(lead, str) and lead and lead not in declared:
        p.add(data, "lead_unit", f"lead_unit {lead!r} is not one of the declared units ({known})")
    for m in items:
        for code in ([m.responsible_unit] if m.responsible_unit else []) + list(m.supporting_units):
            if code not in declared:
                p.add_at(m.line or 0, f"measure {m.id}: unknown unit {code!r} (declared: {known})")
    parents = {u.code: u.parent for u in units}
    for u in units:
        chain, at = {u.code}, u.parent
        while at in parents:
            if at in chain:
                p.add_at(u.line or 0, f"unit {u.code}: its parents form a loop")
                break
            chain.add(at)
            at = parents[at]
