"""A plan's standards for 评估验收: each measure's acceptance criteria and the campaign's assessment indicators.

Two optional parts of a plan file, read here so that the plan parser (workflow.campaigns.plans) calls them in
one line each:

* `criteria:` on a measure — its 整改标准/验收条件, a list of texts; the loader writes them, one a line, into
  the measure case's `acceptance_criteria` field, and the case's 评估验收 step checks each
  (workflow.definitions.acceptance).
* `assessment:` at the top — the campaign's 评估验收 indicators, each `{id, label: {zh, en}, max_score}`,
  and optionally the `units` assessed (default: the units the plan's measures name). A score per unit and
  indicator is recorded by workflow.campaigns.assessment.

Pure: problems go to the parser's `Problems` as ``PATH:LINE: message``.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workflow.definitions.problems import Problems, label_problem

CRITERION_LIMIT = 500
MAX_CRITERIA = 50
MAX_SCORE = 1000
ASSESSMENT_KEYS = frozenset({"indicators", "units"})
INDICATOR_KEYS = frozenset({"id", "label", "max_score"})
INDICATOR_ID = re.compile(r"^\S{1,40}$")


@dataclass(frozen=True)
class Indicator:
    id: str
    label: Mapping[str, str]
    max_score: int

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": dict(self.label), "max_score": self.max_score}


def measure_criteria(p: Problems, raw: Mapping[str, Any], item_id: Any) -> tuple[str, ...]:
    """A measure's `criteria:` — a list of one-line texts (absent: none)."""
    value = raw.get("criteria")
    if value is None:
        return ()
    if (not isinstance(value, list) or not value or len(value) > MAX_CRITERIA
            or not all(isinstance(v, str) and v.strip() and "\n" not in v.strip() for v in value)):
        p.add(raw, "criteria", f"measure {item_id}: criteria must be a list of 1 to {MAX_CRITERIA} one-line texts")
        return ()
    too_long = [i for i, v in enumerate(value, 1) if len(v.strip()) > CRITERION_LIMIT]
    if too_long:
        p.add(raw, "criteria", f"measure {item_id}: criterion {too_long[0]} is longer than {CRITERION_LIMIT} "
                               "characters")
    return tuple(v.strip() for v in value)


def assessment(p: Problems, data: Mapping[str, Any]) -> tuple[tuple[Indicator, ...], tuple[str, ...]]:
    """The plan's `assessment:` block: (indicators, units assessed — empty: the measures' units)."""
    raw = data.get("assessment")
    if raw is None:
        return (), ()
    if not isinstance(raw, Mapping):
        p.add(data, "assessment", "assessment must be a mapping with indicators (and optionally units)")
        return (), ()
    for key in raw:
        if key not in ASSESSMENT_KEYS:
            p.add(raw, key, f"assessment: unknown key {key!r} (known: {', '.join(sorted(ASSESSMENT_KEYS))})")
    listed = raw.get("indicators")
    if not isinstance(listed, list) or not listed:
        p.add(raw, "indicators" if "indicators" in raw else None, "assessment: indicators must be a non-empty list")
        listed = []
    out: list[Indicator] = []
    for item in listed:
        if not isinstance(item, Mapping):
            p.add(raw, "indicators", "assessment: each indicator is {id, label: {zh, en}, max_score}")
            continue
        for key in item:
            if key not in INDICATOR_KEYS:
                p.add(item, key, f"indicator: unknown key {key!r} (known: {', '.join(sorted(INDICATOR_KEYS))})")
        iid, score = item.get("id"), item.get("max_score")
        if not isinstance(iid, str) or not INDICATOR_ID.match(iid):
            p.add(item, "id", f"indicator id {iid!r} must be a short text without spaces")
            continue
        if any(i.id == iid for i in out):
            p.add(item, "id", f"indicator {iid} is listed twice")
        problem = label_problem(item.get("label"))
        if problem:
            p.add(item, "label" if "label" in item else "id", f"indicator {iid}: {problem}")
        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= MAX_SCORE:
            p.add(item, "max_score" if "max_score" in item else "id",
                  f"indicator {iid}: max_score must be a whole number from 1 to {MAX_SCORE}, got {score!r}")
            continue
        if not problem:
            out.append(Indicator(iid, {"zh": item["label"]["zh"], "en": item["label"]["en"]}, score))
    units = raw.get("units", [])
    if not isinstance(units, list) or not all(isinstance(u, str) and u.strip() for u in units):
        p.add(raw, "units", "assessment: units must be a list of unit codes")
        units = []
    return tuple(out), tuple(units)
