"""A case's 销号审批表 (close-out approval form) as plain data: the problem, the measures, the evidence of
every round with its SHA-256, who did each step and when, the last acceptance check (each 验收条件 met or not,
with its evidence), who accepted it, and the audit chain's head.

Built from the case's events alone (like the case page): rounds of rework (workflow.reporting.rounds),
how it closed (workflow.reporting.presenters.closing_event), the chain checked (workflow.audit.verify).
Labels come from the definition in the document's language; people and units by name (names.Names).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from workflow.audit.verify import case_problem
from workflow.definitions.model import Definition
from workflow.definitions.outcomes import Outcome
from workflow.documents.formats import NONE, due_text, field_value, label, local_time
from workflow.documents.names import Names
from workflow.escalation.calendar import WorkingCalendar
from workflow.events import ADVANCED, OPENED, Event
from workflow.records import CaseState
from workflow.reporting.presenters import closing_event
from workflow.reporting.rounds import rounds

OPENED_LABEL = {"zh": "登记", "en": "Registered"}


@dataclass
class EvidenceRow:
    round: int
    name: str
    size: int
    sha256: str
    by: str
    at: str
    current: bool  # still part of the case's evidence (not only of an earlier round)


@dataclass
class StepRow:
    at: str
    step: str
    state: str  # the state it led to, by label
    by: str
    note: str = ""


@dataclass
class CheckRow:
    """One acceptance criterion (验收条件) as the last acceptance check recorded it."""
    no: int
    criterion: str
    met: bool
    note: str
    evidence: str


@dataclass
class CloseoutForm:
    case_id: str
    title: str
    case_type: str
    unit: str
    state: str
    opened_at: str
    opened_by: str
    deadline: str
    fields: list[tuple[str, str]]  # (label, value) in the definition's order, attachments apart
    evidence: list[EvidenceRow]
    steps: list[StepRow]
    returns: list[tuple[int, str, str, str]]  # (round, by, at, reason) of each return for rework
    rectified_by: str  # who handed in the last round's evidence (blank before)
    rectified_at: str
    accepted_by: str  # who closed it (销号), blank while open
    accepted_at: str
    outcome: str
    head_hash: str
    version: int
    chain_ok: bool
    rounds: int = 1
    checks: list[CheckRow] = field(default_factory=list)  # 评估验收: the last check's results (none: no checklist)
    checked_at: str = ""


def closeout_form(case: CaseState, events: list[Event], defn: Definition, outcome: Outcome | None,
                  names: Names, calendar: WorkingCalendar, *, lang: str = "zh") -> CloseoutForm:
    """The form's content for `case` (its events in version order, `outcome` None while it is open)."""
    tz = calendar.tzinfo
    worked = rounds(events, defn)
    current = {f["sha256"] for v in case.fields.values() if isinstance(v, list)
               for f in v if isinstance(f, dict) and "sha256" in f}
    evidence = [EvidenceRow(r.number, f["name"], int(f.get("size") or 0), f["sha256"], names.person(f["by"]),
                            local_time(f["at"], tz), f["sha256"] in current) for r in worked for f in r.files]
    last = worked[-1] if worked else None
    handed = [(f["at"], f["by"]) for f in (last.files if last else [])]  # the last round's evidence
    rectified_at, rectified_by = max(handed) if handed else ("", "")
    closing = closing_event(events, case, outcome)
    head = events[-1] if events else None
    checked = next((e for e in reversed(events) if e.payload.get("checklist")), None)
    checks = [CheckRow(int(c.get("no") or 0), label(c.get("criterion") or {}, lang), bool(c.get("met")),
                       str(c.get("note") or ""), str(c.get("evidence") or ""))
              for c in (checked.payload["checklist"] if checked else [])]
    return CloseoutForm(
        case.id, case.title, label(defn.title, lang, defn.name), names.unit(case.unit),
        label(defn.states[case.state].label, lang, case.state), local_time(case.opened_at, tz),
        names.person(case.opened_by), due_text((case.deadline or {}).get("due_at"), tz),
        [(label(spec.label, lang, name), field_value(defn, name, case.fields[name], names, lang))
         for name, spec in defn.fields.items()
         if spec.type != "attachment" and case.fields.get(name) not in (None, "")],
        evidence, _steps(events, defn, names, calendar, lang),
        [(r.number, names.person(r.returned["by"]), local_time(r.returned["at"], tz), str(r.returned["reason"] or ""))
         for r in worked if r.returned],
        names.person(rectified_by), local_time(rectified_at, tz) if rectified_at else "",
        names.person(closing["by"]) if closing else "", local_time(closing["at"], tz) if closing else "",
        label(outcome.label, lang, outcome.kind) if outcome else "",
        head.hash if head else "", case.version, case_problem(case.id, events, case) is None, len(worked),
        checks, local_time(checked.at, tz) if checked else "")


def _steps(events: list[Event], defn: Definition, names: Names, calendar: WorkingCalendar,
           lang: str) -> list[StepRow]:
    out = []
    for e in events:
        if e.action == OPENED:
            step = label(OPENED_LABEL, lang)
        elif e.action == ADVANCED and e.from_state:
            spec = defn.transition(e.from_state, str(e.payload.get("trigger")))
            step = label(spec.label, lang, str(e.payload.get("trigger"))) if spec else str(e.payload.get("trigger"))
        else:
            continue
        state = defn.states.get(e.to_state or "")
        out.append(StepRow(local_time(e.at, calendar.tzinfo), step, label(state.label, lang) if state else NONE,
                           names.person(e.actor), str(e.payload.get("comment") or "")))
    return out
