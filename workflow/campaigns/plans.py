"""A campaign plan as data: its parts, tasks, numbered contents, measures and targets, units and self-report windows.

A plan file (definitions/campaigns/<key>.yaml) is what a bureau's 实施方案 says, item by item. Every
item's ``id`` is the plan's own label, whatever the numbering scheme (``二(三)措施(2)``, ``三、2、(1)``,
``四(一)``) and however deep (parts → tasks → sub-tasks → contents / measures / targets); ids are unique
within the plan. Two layouts are read:

* ``general`` / ``tasks`` / ``safeguards`` — the three sections of a county plan (each optional but the
  plan needs at least one measure);
* ``parts`` — any number of numbered parts, each holding plain items (``kind: general`` or ``safeguard``)
  or tasks.

A measure names its lead unit (``responsible_unit`` or ``lead_unit``; default: the plan's lead unit),
optionally supporting units, a responsible leader, and one deadline, several deadlines or phases — its
final date is the measure's ``deadline``. A plan may declare the units it needs (``units:``, created or
matched when it is loaded); then every unit it names must be declared. Loading the plan
(workflow.campaigns.loader) turns every measure into a `rectification_measure` case. Another bureau's plan
is just another file.

Parsing is pure: every problem is reported as ``PATH:LINE: message`` in one DefinitionError. This module
reads the top level; the body (workflow.campaigns.plan_body), a measure's units, dates and phases
(plan_measures) and the declared units (plan_units) are read by their own modules.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workflow.campaigns import standards
from workflow.campaigns.entity import parse_entity
from workflow.campaigns.plan_body import BodyReader, PlanItem, check_dates, check_unique_ids
from workflow.campaigns.plan_measures import Phase
from workflow.campaigns.plan_text import check_label as _label
from workflow.campaigns.plan_text import read_date as _date
from workflow.campaigns.plan_text import unknown_keys as _unknown
from workflow.campaigns.plan_units import PlanUnit, check_references, read_units
from workflow.campaigns.standards import Indicator
from workflow.definitions.problems import Problems

__all__ = ["Phase", "Plan", "PlanItem", "PlanUnit", "Window", "is_plan", "parse_plan"]

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
TOP_KEYS = frozenset({"campaign", "title", "document", "issued_on", "lead_unit", "self_report_windows",
                      "general", "tasks", "safeguards", "parts", "units", "note",
                      # the campaign as an entity (workflow.campaigns.entity reads these)
                      "issued_by", "starts_on", "ends_on", "spans", "categories", "case_types", "leniency",
                      "assessment"})  # 评估验收 indicators (workflow.campaigns.standards)


@dataclass(frozen=True)
class Window:
    first: str  # ISO dates, both included
    last: str
    label: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.first, "until": self.last, "label": dict(self.label)}


@dataclass(frozen=True)
class Plan:
    key: str
    title: Mapping[str, str]
    document: str
    lead_unit: str
    windows: tuple[Window, ...]
    items: tuple[PlanItem, ...]
    source: str = ""
    tasks: tuple[tuple[str, Mapping[str, str]], ...] = ()  # (task id, title): the report's headings
    units: tuple[PlanUnit, ...] = ()  # declared units, in file order
    parts: tuple[tuple[str, Mapping[str, str]], ...] = ()  # (part id, title), ``parts:`` layout only
    # 评估验收: the indicators each unit is scored on, and the units assessed (empty: the measures' units)
    indicators: tuple[Indicator, ...] = ()
    assessed_units: tuple[str, ...] = ()

    @property
    def measures(self) -> list[PlanItem]:
        return [i for i in self.items if i.kind == "measure"]

    def item_ids(self) -> list[str]:
        return [i.id for i in self.items]

    def unit_codes(self) -> list[str]:
        """Every unit the plan names (lead unit, measures' lead and supporting units), once, in order."""
        codes = [self.lead_unit] + [c for m in self.measures for c in (m.responsible_unit, *m.supporting_units) if c]
        return list(dict.fromkeys(codes))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "campaign": self.key, "title": dict(self.title), "document": self.document, "lead_unit": self.lead_unit,
            "windows": [w.to_dict() for w in self.windows], "items": [i.to_dict() for i in self.items],
            "tasks": [{"id": tid, "title": dict(title)} for tid, title in self.tasks]}
        if self.units:
            out["units"] = [u.to_dict() for u in self.units]
        if self.parts:
            out["parts"] = [{"id": pid, "title": dict(title)} for pid, title in self.parts]
        if self.indicators:
            out["assessment"] = {"indicators": [i.to_dict() for i in self.indicators],
                                 "units": list(self.assessed_units)}
        return out


def is_plan(data: Any) -> bool:
    """Whether parsed YAML data is a campaign plan (it names its ``campaign`` and holds no case-type ``states``)."""
    return isinstance(data, Mapping) and "campaign" in data and "states" not in data


def parse_plan(data: Any, *, source: str) -> Plan:
    """Build a validated Plan from parsed YAML data.

    Raises:
        DefinitionError: every problem found, as ``PATH:LINE: message``.
    """
    p = Problems(source)
    if not isinstance(data, Mapping):
        p.add_at(1, "a campaign plan must be a mapping with campaign, title, lead_unit and its tasks")
        p.raise_if_any()
    _unknown(p, data, TOP_KEYS, "")
    key = data.get("campaign")
    if not isinstance(key, str) or not KEY_RE.match(key):
        p.add(data, "campaign", "campaign must be a key such as xifeng-2021 (lower-case letters, digits, '-')")
    _label(p, data, "title", "title")
    for name in ("document", "lead_unit"):
        if not isinstance(data.get(name), str) or not data[name].strip():
            p.add(data, name, f"{name} must be given as text")
    lead = str(data.get("lead_unit") or "")
    reader = BodyReader(p, lead)
    reader.read_body(data)
    items = reader.items
    check_unique_ids(p, items)
    issued = _date(p, data, "issued_on", "plan") if "issued_on" in data else None
    check_dates(p, items, issued)
    units = read_units(p, data)
    check_references(p, data, items, units)
    windows = _windows(p, data)
    parse_entity(data, p)  # the campaign's own keys (issuing body, dates, spans…) are checked with the plan
    indicators, assessed_units = standards.assessment(p, data)  # 评估验收 (workflow.campaigns.standards)
    p.raise_if_any()
    return Plan(str(key), dict(data["title"]), str(data["document"]), lead, windows, tuple(items), source,
                tuple(reader.tasks), units, tuple(reader.parts), indicators, assessed_units)


def _windows(p: Problems, data: Mapping[str, Any]) -> tuple[Window, ...]:
    raw = data.get("self_report_windows") or []
    if not isinstance(raw, list):
        p.add(data, "self_report_windows", "self_report_windows must be a list of {from, until, label}")
        return ()
    out = []
    for w in raw:
        if not isinstance(w, Mapping) or set(w) - {"from", "until", "label"}:
            p.add(data, "self_report_windows", "each self-report window is {from: DATE, until: DATE, label: …}")
            continue
        first, last = _date(p, w, "from", "self-report window"), _date(p, w, "until", "self-report window")
        _label(p, w, "label", "self-report window")
        if first and last and first > last:
            p.add(w, "until", f"self-report window ends ({last}) before it starts ({first})")
        if first and last:
            out.append(Window(first, last, dict(w.get("label") or {})))
    return tuple(out)
