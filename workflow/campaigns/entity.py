"""A campaign as an entity: who issued its plan, when it runs, the units it spans, its categories and case types.

These are optional top-level keys of a plan file (definitions/campaigns/*.yaml), read next to the plan's items
(workflow.campaigns.plans) and stored with the plan under ``entity``; workflow.cases.campaign_choice reads
them back to decide which campaign a new case belongs to:

    issued_by: 中共西丰县司法局委员会      # the issuing body (text)
    starts_on: 2021-04-20                  # default: issued_on; absent both: open at the start
    ends_on: 2021-12-31                    # absent: open at the end
    spans: [xf-sfj]                        # unit codes the campaign spans, with every unit below them
                                           #   (default: the lead unit; `units:` declares units, see plans)
    categories:                            # the problem categories its cases may carry (default: any)
      - {value: three_regulations, label: {zh: 违反"三个规定", en: Three regulations}}
    case_types: [rectification_item, clue] # the case types it takes (default: every type)
    leniency:                              # its 自查从宽 policy (default: both self-report channels count)
      self_report_channels: [self_report]  #   the channels that count as 自查 here (a subset of
                                           #   workflow.definitions.leniency.SELF_REPORT_CHANNELS)
      note: {zh: 补报轮次已结束，补报不再从宽。, en: …}  # why, shown with the campaign

Parsing is pure: problems are ``PATH:LINE: message`` strings (workflow.definitions.problems).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from workflow.definitions.leniency import SELF_REPORT_CHANNELS
from workflow.definitions.problems import Problems, label_problem

ENTITY_KEYS = ("issued_by", "starts_on", "ends_on", "spans", "categories", "case_types", "leniency")
LENIENCY_KEYS = frozenset({"self_report_channels", "note"})
MEASURE_TYPE = "rectification_measure"  # a plan's own measure cases always belong to it,
ASSESSMENT_TYPE = "campaign_assessment"  # and so does its 评估验收 case


@dataclass(frozen=True)
class CampaignEntity:
    issued_by: str
    document: str
    starts_on: str | None
    ends_on: str | None
    units: tuple[str, ...]
    categories: tuple[Mapping[str, Any], ...]
    case_types: tuple[str, ...]
    leniency: Mapping[str, Any] = field(default_factory=dict)  # {"self_report_channels": [...], "note": {...}}

    def to_dict(self) -> dict[str, Any]:
        return {"issued_by": self.issued_by, "document": self.document, "starts_on": self.starts_on,
                "ends_on": self.ends_on, "units": list(self.units),
                "categories": [dict(c) for c in self.categories], "case_types": list(self.case_types),
                "leniency": dict(self.leniency)}


def parse_entity(data: Mapping[str, Any], p: Problems) -> CampaignEntity:
    """The campaign's attributes from a plan's top level (problems are added to `p`)."""
    issued_by = data.get("issued_by", "")
    if not isinstance(issued_by, str):
        p.add(data, "issued_by", "issued_by must be text (the issuing body)")
        issued_by = ""
    starts = _date(p, data, "starts_on") or _date(p, data, "issued_on")
    ends = _date(p, data, "ends_on")
    if starts and ends and ends < starts:
        p.add(data, "ends_on", f"ends_on ({ends}) is before the campaign starts ({starts})")
    units = _codes(p, data, "spans", "unit codes")
    if not units and isinstance(data.get("lead_unit"), str):
        units = (data["lead_unit"],)
    types = _codes(p, data, "case_types", "case type names")
    types += tuple(t for t in (MEASURE_TYPE, ASSESSMENT_TYPE) if types and t not in types)
    return CampaignEntity(issued_by.strip(), str(data.get("document") or ""), starts, ends, units,
                          _categories(p, data), types, _leniency(p, data))


def _leniency(p: Problems, data: Mapping[str, Any]) -> dict[str, Any]:
    """The campaign's 自查从宽 policy: which self-report channels count as 自查 in it. Only a narrowing of
    SELF_REPORT_CHANNELS — an organisation channel can never be made lenient by a plan file."""
    value = data.get("leniency")
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        p.add(data, "leniency", "leniency must be a mapping {self_report_channels: [...], note: {zh, en}}")
        return {}
    for key in value:
        if key not in LENIENCY_KEYS:
            p.add(value, key, f"leniency: unknown key {key!r} (known: {', '.join(sorted(LENIENCY_KEYS))})")
    out: dict[str, Any] = {}
    channels = value.get("self_report_channels")
    if channels is not None:
        if not isinstance(channels, list) or not channels or \
                not all(isinstance(c, str) and c in SELF_REPORT_CHANNELS for c in channels):
            p.add(value, "self_report_channels", "leniency: self_report_channels must be a non-empty list of "
                                                 f"{', '.join(SELF_REPORT_CHANNELS)}, got {channels!r}")
        else:
            out["self_report_channels"] = list(dict.fromkeys(channels))
    if "note" in value:
        problem = label_problem(value["note"])
        if problem:
            p.add(value, "note", f"leniency: note: {problem}")
        else:
            out["note"] = dict(value["note"])
    return out


def _date(p: Problems, data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        p.add(data, key, f"{key} must be a date like 2021-04-20, got {value!r}")
        return None


def _codes(p: Problems, data: Mapping[str, Any], key: str, what: str) -> tuple[str, ...]:
    value = data.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        p.add(data, key, f"{key} must be a non-empty list of {what}")
        return ()
    return tuple(dict.fromkeys(v.strip() for v in value))


def _categories(p: Problems, data: Mapping[str, Any]) -> tuple[Mapping[str, Any], ...]:
    value = data.get("categories")
    if value is None:
        return ()
    if not isinstance(value, list) or not value:
        p.add(data, "categories", "categories must be a non-empty list of {value, label}")
        return ()
    out = []
    for c in value:
        if not (isinstance(c, Mapping) and isinstance(c.get("value"), str) and c["value"].strip()
                and set(c) <= {"value", "label"}):
            p.add(data, "categories", "each category is {value: a_name, label: {zh: …, en: …}}")
            continue
        problem = label_problem(c.get("label"))
        if problem:
            p.add(c, "label", f"category {c['value']}: {problem}")
            continue
        out.append({"value": c["value"].strip(), "label": dict(c["label"])})
    return tuple(out)
