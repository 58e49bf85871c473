"""The case page's acceptance checklist (评估验收): what the form shows for a step that records one, and the
results read back from the submitted form.

The criteria are the case's own (from the plan) or its type's default checklist
(workflow.definitions.acceptance); each row asks 达到 / 未达到, a note and, optionally, which of the case's
files is its evidence. What was typed survives a refused submit.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workflow.definitions.acceptance import criteria_of
from workflow.definitions.model import Definition, TransitionSpec
from workflow.records import CaseState


@dataclass
class Checklist:
    trigger: str
    must_pass: bool  # a 销号 step: every criterion met
    rows: list[dict[str, Any]] = field(default_factory=list)  # {no, label, met, note, evidence}
    files: list[str] = field(default_factory=list)  # names of the case's files, for the evidence choice


def checklists(defn: Definition, case: CaseState, steps: list[TransitionSpec],
               typed: Mapping[str, Mapping[int, Mapping[str, Any]]] | None = None) -> dict[str, Checklist]:
    """The checklist of each offered step that records one, by trigger (`typed`: values to show again)."""
    spec = defn.acceptance
    criteria = criteria_of(spec, case.fields)
    if spec is None or not criteria:
        return {}
    files = sorted({f["name"] for v in case.fields.values() if isinstance(v, list)
                    for f in v if isinstance(f, dict) and "name" in f})
    out = {}
    for t in steps:
        if not spec.takes(t.trigger):
            continue
        again = (typed or {}).get(t.trigger) or {}
        rows = [{"no": c.no, "label": c.label, "met": again.get(c.no, {}).get("met"),
                 "note": again.get(c.no, {}).get("note", ""), "evidence": again.get(c.no, {}).get("evidence", "")}
                for c in criteria]
        out[t.trigger] = Checklist(t.trigger, t.trigger in spec.on, rows, files)
    return out


def parse(form: Mapping[str, str], checklist: Checklist | None) -> dict[int, dict[str, Any]]:
    """The results the form gives: a criterion left unanswered is left out (the engine names it)."""
    out: dict[int, dict[str, Any]] = {}
    for row in checklist.rows if checklist else []:
        no = row["no"]
        verdict = form.get(f"check-{no}", "")
        note, evidence = form.get(f"check-note-{no}", ""), form.get(f"check-file-{no}", "")
        if verdict in ("met", "unmet"):
            out[no] = {"met": verdict == "met", "note": note, "evidence": evidence}
    return out
