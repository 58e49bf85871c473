"""The problem ledger (问题台账) as rows: one case, as it stood at an instant, in the columns of a real 台账.

序号, 问题编号 (the `ledger_no` field), 来源/发现渠道, 类别, 问题描述, 责任单位, 责任领导/责任人, 整改措施,
整改时限 (a date field, else the deadline's last day), 整改进展 (the latest progress, dated), 完成情况 (the
state), 佐证材料 (how many files, and their names), 销号时间 and 验收人 (of a close-out), 亮灯, 备注.
Choices and states by their labels, units and people by name (`Names`), dates as dates in Beijing time.
Case types name their fields differently, so each column reads the first field a type has of a short
list (`FIELD_CANDIDATES`). Pure: the case, its events up to the instant and its definition go in.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from workflow.definitions.model import Definition
from workflow.definitions.outcomes import CLOSED_OUT
from workflow.escalation.deadlines import deadline_text, parse_utc
from workflow.events import ADVANCED, COMMENTED, FIELDS_CHANGED, Event, format_time
from workflow.records import CaseState, Unit, User
from workflow.reporting.presenters import closing_event
from workflow.reporting.queries import light_of
from workflow.reporting.rounds import rounds
from workflow.reporting.workbook import DATE, Column, Row

Label = Mapping[str, str]

# (key, header, width, number format, wrap)
COLUMNS: tuple[tuple[str, Label, float, str | None, bool], ...] = (
    ("seq", {"zh": "序号", "en": "No."}, 6, None, False),
    ("ledger_no", {"zh": "问题编号", "en": "Ledger no."}, 12, None, False),
    ("channel", {"zh": "来源/发现渠道", "en": "Source / channel"}, 12, None, True),
    ("category", {"zh": "类别", "en": "Category"}, 16, None, True),
    ("description", {"zh": "问题描述", "en": "Problem"}, 36, None, True),
    ("unit", {"zh": "责任单位", "en": "Responsible unit"}, 14, None, True),
    ("owner", {"zh": "责任领导/责任人", "en": "Responsible person"}, 14, None, True),
    ("measure", {"zh": "整改措施", "en": "Measure"}, 30, None, True),
    ("deadline", {"zh": "整改时限", "en": "Deadline"}, 12, DATE, False),
    ("progress", {"zh": "整改进展", "en": "Progress"}, 30, None, True),
    ("status", {"zh": "完成情况", "en": "Status"}, 14, None, True),
    ("evidence", {"zh": "佐证材料", "en": "Evidence"}, 24, None, True),
    ("closed_at", {"zh": "销号时间", "en": "Closed out on"}, 12, DATE, False),
    ("accepted_by", {"zh": "验收人", "en": "Accepted by"}, 12, None, True),
    ("light", {"zh": "亮灯", "en": "Light"}, 8, None, False),
    ("remarks", {"zh": "备注", "en": "Remarks"}, 24, None, True),
)
LIGHT_COLUMN = [k for k, *_ in COLUMNS].index("light")
LIGHT_LABELS: Mapping[str, Label] = {
    "red": {"zh": "红灯（超期）", "en": "Red (overdue)"}, "yellow": {"zh": "黄灯（临期）", "en": "Yellow (due soon)"},
    "green": {"zh": "绿灯", "en": "Green"}, "none": {"zh": "", "en": ""},
}
SUPERVISION: Mapping[int, Label] = {1: {"zh": "催办", "en": "Reminder (催办)"},
                                    2: {"zh": "督办", "en": "Supervision order (督办)"},
                                    3: {"zh": "挂牌督办", "en": "Listed (挂牌督办)"}}
REMARKS: Mapping[str, Label] = {
    "overdue": {"zh": "曾超期", "en": "was overdue"},
    "extensions": {"zh": "延期{n}次", "en": "extended {n}×"},
    "returns": {"zh": "退回整改{n}次", "en": "returned for rework {n}×"},
    "provisional": {"zh": "期限暂定（日历未覆盖）", "en": "provisional deadline"},
    "files": {"zh": "{n}份：", "en": "{n}: "},
}
# The fields each column reads, first found first (case types name them differently).
FIELD_CANDIDATES: Mapping[str, tuple[str, ...]] = {
    "channel": ("discovery_channel", "intake_channel"),
    "category": ("category", "finding_kind", "problem_kind", "sector", "record_kind", "case_kind"),
    "description": ("description", "allegation", "complaint", "content", "details", "violation_details", "task"),
    "unit": ("responsible_unit",),
    "owner": ("owner", "staff_member", "reviewer", "declarant"),
    "measure": ("measure", "measure_text", "order_text", "correction_needed"),
    "deadline": ("rectify_by", "due_date", "apply_by", "investigate_until"),
    "progress": ("progress_note", "result", "completion_report", "review_findings", "cleanup_result", "reply",
                 "feedback", "return_reason", "reopen_reason", "extension_reason"),
}


@dataclass(frozen=True)
class Names:
    """What a sheet calls people and units: display names, never a login or a code."""

    person: Callable[[str | None], str]
    unit: Callable[[str | None], str]


def directory_names(users: list[User], units: list[Unit]) -> Names:
    people = {u.login: u.name or u.login for u in users}
    unit_names = {u.code: u.name for u in units}
    return Names(lambda login: people.get(login, login) if login else "",
                 lambda code: unit_names.get(code, code) if code else "")


@dataclass(frozen=True)
class LedgerCase:
    """A case as it stood at the instant of the sheet: its state, the events that made it, its definition."""

    case: CaseState
    events: list[Event]
    definition: Definition


def text_of(label: Label | None, lang: str, fallback: str = "") -> str:
    if not label:
        return fallback
    return label.get(lang) or label.get("zh") or fallback


def headers(lang: str) -> list[Column]:
    return [Column(text_of(title, lang), width, fmt, wrap) for _, title, width, fmt, wrap in COLUMNS]


def ledger_row(seq: int, item: LedgerCase, *, at: datetime, tz: tzinfo, names: Names, lang: str = "zh") -> Row:
    """The ledger row of one case as of `at` (the case and its events already cut at `at`)."""
    case, defn = item.case, item.definition
    cell = _Cells(case, defn, lang, names)
    closed = defn.states[case.state].stage == "closed" if case.state in defn.states else False
    deadline = case.deadline or {}
    light = light_of(deadline.get("due_at"), deadline.get("yellow_at"), format_time(at), closed=closed)
    ending = closing_event(item.events, case, defn.outcome_of(case.state))
    closed_out = ending is not None and ending["outcome"].kind == CLOSED_OUT
    values = [seq, str(case.fields.get("ledger_no") or ""), cell.choice("channel"),
              cell.choice("category") or text_of(defn.title, lang, defn.name),
              cell.text("description") or case.title, cell.unit(), cell.owner(), cell.text("measure"),
              cell.deadline(None if closed else deadline.get("due_at"), tz), _progress(item, tz, lang),
              text_of(defn.states[case.state].label, lang, case.state) if case.state in defn.states else case.state,
              _evidence(case, defn, lang), _local_date(ending["at"], tz) if ending and closed_out else None,
              names.person(ending["by"]) if ending and closed_out else "", text_of(LIGHT_LABELS[light], lang),
              _remarks(item, light, lang)]
    return Row(values, fills={LIGHT_COLUMN: light} if light in ("red", "yellow") else {})


class _Cells:
    """The field-backed cells of one case."""

    def __init__(self, case: CaseState, defn: Definition, lang: str, names: Names) -> None:
        self.case, self.defn, self.lang, self.names = case, defn, lang, names

    def field(self, column: str) -> str | None:
        return next((f for f in FIELD_CANDIDATES[column] if f in self.defn.fields), None)

    def text(self, column: str) -> str:
        name = self.field(column)
        value = self.case.fields.get(name) if name else None
        return "" if value is None else str(value)

    def choice(self, column: str) -> str:
        name = self.field(column)
        value = self.case.fields.get(name) if name else None
        if name is None or value is None:
            return ""
        spec = self.defn.fields[name]
        found = next((c for c in spec.choices if c.value == value), None)
        return text_of(found.label, self.lang, str(value)) if found else str(value)

    def unit(self) -> str:
        name = self.field("unit")
        return self.names.unit(self.case.fields.get(name) if name else None) or self.names.unit(self.case.unit)

    def owner(self) -> str:
        name = self.field("owner") or next((f.name for f in self.defn.fields.values() if f.type == "person"), None)
        return self.names.person((self.case.fields.get(name) if name else None) or self.case.assignee)

    def deadline(self, due_at: str | None, tz: tzinfo) -> date | None:
        name = self.field("deadline")
        value = self.case.fields.get(name) if name else None
        if value:
            try:
                return date.fromisoformat(str(value))
            except ValueError:
                pass
        return last_day(due_at, tz) if due_at else None


def last_day(due_at: str, tz: tzinfo) -> date:
    """The deadline's last day as people say it (workflow.escalation.deadlines.deadline_text): a day-based
    deadline ends at 24:00 of its last day, never "the next day"."""
    return date.fromisoformat(deadline_text(due_at, tz)[:10])


def _local_date(at: str, tz: tzinfo) -> date:
    return parse_utc(at).astimezone(tz).date()


def _progress(item: LedgerCase, tz: tzinfo, lang: str) -> str:
    """The latest progress as "2026-03-05 报送整改结果：已补齐" (the latest step when none was written)."""
    names = [f for f in FIELD_CANDIDATES["progress"] if f in item.definition.fields]
    last_step = ""
    for e in reversed(item.events):
        text = next((str(v) for n in names if (v := (e.payload.get("fields") or {}).get(n))), "") \
            if e.action in (ADVANCED, FIELDS_CHANGED) else ""
        text = text or str(e.payload.get("comment") or "") if e.action in (ADVANCED, COMMENTED) else text
        step = _step_label(item.definition, e, lang)
        day = _local_date(e.at, tz).isoformat()
        if text:
            return f"{day} {step}：{text}" if step else f"{day} {text}"
        if step and not last_step:
            last_step = f"{day} {step}"
    return last_step


def _step_label(defn: Definition, e: Event, lang: str) -> str:
    trigger = e.payload.get("trigger")
    if e.action != ADVANCED or not trigger:
        return ""
    found = next((t for t in defn.transitions if t.trigger == trigger), None)
    return text_of(found.label, lang, str(trigger)) if found else str(trigger)


def _evidence(case: CaseState, defn: Definition, lang: str) -> str:
    files = [f for spec in defn.fields.values() if spec.type == "attachment"
             for f in case.fields.get(spec.name) or [] if isinstance(f, dict)]
    if not files:
        return ""
    sep = "、" if lang == "zh" else ", "
    return text_of(REMARKS["files"], lang).format(n=len(files)) + sep.join(str(f.get("name")) for f in files)


def _remarks(item: LedgerCase, light: str, lang: str) -> str:
    case = item.case
    parts = []
    if case.supervision_level in SUPERVISION:
        parts.append(text_of(SUPERVISION[case.supervision_level], lang))
    if case.ever_overdue and light != "red":
        parts.append(text_of(REMARKS["overdue"], lang))
    if case.extension_count:
        parts.append(text_of(REMARKS["extensions"], lang).format(n=case.extension_count))
    returned = sum(1 for r in rounds(item.events, item.definition) if r.returned)
    if returned:
        parts.append(text_of(REMARKS["returns"], lang).format(n=returned))
    if (case.deadline or {}).get("provisional") and light != "none":
        parts.append(text_of(REMARKS["provisional"], lang))
    return ("；" if lang == "zh" else "; ").join(parts)
