"""评估验收 with standards: a case type's acceptance checklist (整改标准/验收条件) and the judging of one.

A definition may say, under the top-level key `acceptance:`, which steps close a case out (`on:` — every
criterion must be recorded as met, or the step is refused naming the failed ones), which steps may record a
failed check (`record_on:` — the not-accepted path, e.g. 退回整改), where a case keeps its own criteria
(`criteria_field:` — a longtext field, one criterion a line, filled from the plan) and the default checklist
(`criteria:` — bilingual labels) for a case that has none of its own.

The results are part of the step's event (`payload["checklist"]`): each criterion's number and text, met or
not, and its evidence — a note and/or the name of a file on the case. Pure: no storage, no clock.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workflow.definitions.fields import FieldSpec, clean_text
from workflow.definitions.problems import label_problem
from workflow.errors import GuardRejected, InvalidInput

ACCEPTANCE_KEYS = frozenset({"on", "record_on", "criteria_field", "criteria"})
NOTE_LIMIT = 1_000
MAX_CRITERIA = 50


@dataclass(frozen=True)
class AcceptanceSpec:
    """The `acceptance:` block of a definition."""

    on: tuple[str, ...] = ()  # 销号 steps: all criteria met
    record_on: tuple[str, ...] = ()  # not-accepted steps: results recorded, failures allowed
    criteria_field: str | None = None
    criteria: tuple[Mapping[str, str], ...] = ()  # the default checklist, bilingual

    def takes(self, trigger: str) -> bool:
        return trigger in self.on or trigger in self.record_on


@dataclass(frozen=True)
class Criterion:
    no: int  # 1-based, as the checklist numbers it
    label: Mapping[str, str]  # {zh, en}; a plan's criterion has its text in both

    def to_dict(self) -> dict[str, Any]:
        return {"no": self.no, "label": dict(self.label)}


def parse_acceptance(r: Any, d: Mapping[str, Any], fields: Mapping[str, FieldSpec],
                     triggers: set[str]) -> AcceptanceSpec | None:
    """The `acceptance:` block, checked (`r` is the parser's SpecReader: problems go out as PATH:LINE)."""
    raw = d.get("acceptance")
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        r.add(d, "acceptance", "acceptance must be a mapping with on, record_on, criteria_field, criteria")
        return None
    r.keys(raw, ACCEPTANCE_KEYS, "acceptance")
    steps: dict[str, tuple[str, ...]] = {}
    for key in ("on", "record_on"):
        names = r.names(raw, key, f"acceptance: {key}") if key in raw else []
        for name in names:
            if name not in triggers:
                r.add(raw, key, f"acceptance: {key}: no transition {name!r}")
        steps[key] = tuple(names)
    if not steps["on"]:
        r.add(raw, "on" if "on" in raw else None, "acceptance: on must name the step(s) that close the case out")
    if set(steps["on"]) & set(steps["record_on"]):
        r.add(raw, "record_on", "acceptance: a step is either in on (all met) or in record_on, not both")
    field = raw.get("criteria_field")
    if field is not None and (not isinstance(field, str) or fields.get(field) is None
                              or fields[field].type != "longtext"):
        r.add(raw, "criteria_field", f"acceptance: criteria_field {field!r} must name a longtext field "
                                     "(one criterion a line)")
        field = None
    criteria: list[Mapping[str, str]] = []
    listed = raw.get("criteria", [])
    if not isinstance(listed, list) or len(listed) > MAX_CRITERIA:
        r.add(raw, "criteria", f"acceptance: criteria must be a list of at most {MAX_CRITERIA} bilingual labels")
        listed = []
    for i, label in enumerate(listed, 1):
        problem = label_problem(label) or (isinstance(label, Mapping) and set(label) - {"zh", "en"}
                                           and "label has unknown keys (quote a text that contains a comma)")
        if problem:
            r.add(label if isinstance(label, Mapping) else raw, None if isinstance(label, Mapping) else "criteria",
                  f"acceptance: criterion {i}: {problem}")
        else:
            criteria.append({"zh": label["zh"].strip(), "en": label["en"].strip()})
    if raw.get("criteria_field") is None and not raw.get("criteria"):
        r.add(d, "acceptance", "acceptance: needs criteria (a default checklist) or a criteria_field, or both")
    return AcceptanceSpec(steps["on"], steps["record_on"], field if isinstance(field, str) else None,
                          tuple(criteria))


def criteria_of(spec: AcceptanceSpec | None, fields: Mapping[str, Any]) -> list[Criterion]:
    """The case's checklist: its own criteria (the field's non-empty lines) or else the definition's."""
    if spec is None:
        return []
    own = fields.get(spec.criteria_field) if spec.criteria_field else None
    lines = [line.strip() for line in str(own or "").splitlines() if line.strip()]
    if lines:
        return [Criterion(i, {"zh": text, "en": text}) for i, text in enumerate(lines, 1)]
    return [Criterion(i, label) for i, label in enumerate(spec.criteria, 1)]


def judge(spec: AcceptanceSpec | None, trigger: str, fields: Mapping[str, Any],
          checks: Mapping[int, Mapping[str, Any]], files: list[str]) -> list[dict[str, Any]]:
    """The checklist results this step records (empty when it records none).

    `checks` maps a criterion's number to {"met": bool, "note": str, "evidence": file name or ""}; `files`
    are the names of the files on the case and given at this step (what evidence may name).

    Raises:
        InvalidInput: results at a step that takes none, for an unknown criterion, one missing, no evidence.
        GuardRejected: a 销号 step (`on:`) with a criterion not met — naming every failed criterion.
    """
    if spec is None or not spec.takes(trigger):
        if checks:
            raise InvalidInput("acceptance.not_at_step", trigger=trigger)
        return []
    criteria = criteria_of(spec, fields)
    if not criteria or (not checks and trigger in spec.record_on):
        if checks and not criteria:
            raise InvalidInput("acceptance.not_at_step", trigger=trigger)
        return []
    known = {c.no for c in criteria}
    unknown = sorted(set(checks) - known)
    if unknown:
        raise InvalidInput("acceptance.unknown_criterion", numbers=", ".join(map(str, unknown)), count=len(known))
    missing = [c for c in criteria if c.no not in checks]
    if missing:
        raise InvalidInput("acceptance.missing", criteria=_listing(missing))
    results = []
    for c in criteria:
        check = checks[c.no]
        note = clean_text(str(check.get("note") or ""), what=f"criterion {c.no}", limit=NOTE_LIMIT, multiline=True)
        evidence = str(check.get("evidence") or "").strip()
        if evidence and evidence not in files:
            raise InvalidInput("acceptance.unknown_file", no=c.no, name=evidence[:80])
        if not note and not evidence:
            raise InvalidInput("acceptance.no_evidence", no=c.no, criterion=c.label.get("zh", ""))
        results.append({"no": c.no, "criterion": dict(c.label), "met": bool(check.get("met")), "note": note,
                        **({"evidence": evidence} if evidence else {})})
    failed = [c for c, res in zip(criteria, results, strict=True) if not res["met"]]
    if failed and trigger in spec.on:
        raise GuardRejected("acceptance.not_met", criteria=_listing(failed), count=len(failed))
    return results


def _listing(criteria: list[Criterion]) -> str:
    return "；".join(f"{c.no}. {c.label.get('zh', '')}" for c in criteria)
