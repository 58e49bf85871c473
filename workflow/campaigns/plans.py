"""A campaign plan as data: its tasks, numbered contents, measures and targets, and self-report windows.

A plan file (definitions/campaigns/<key>.yaml) is what a county's 实施方案 says, item by item, with
the stable ids of the plan's numbering (e.g. ``二(三)措施(2)``). Each measure names its responsible
unit and deadline; loading the plan (workflow.campaigns.loader) turns every measure into a
`rectification_measure` case. Another county's plan is just another file.

Parsing is pure: every problem is reported as ``PATH:LINE: message`` in one DefinitionError.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from workflow.campaigns import standards
from workflow.campaigns.standards import Indicator
from workflow.definitions.model import line_of
from workflow.definitions.problems import Problems, label_problem

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
GENERAL_ID = re.compile(r"^一\([一二三四五六七八九十]+\)$")
TASK_ID = re.compile(r"^二\([一二三四五六七八九十]+\)$")
SAFEGUARD_ID = re.compile(r"^三\([一二三四五六七八九十]+\)$")
TOP_KEYS = frozenset({"campaign", "title", "document", "issued_on", "lead_unit", "self_report_windows",
                      "general", "tasks", "safeguards", "note",
                      "assessment"})  # 评估验收 indicators (workflow.campaigns.standards)
TASK_KEYS = frozenset({"id", "title", "contents", "measures", "target"})
ITEM_KEYS = frozenset({"id", "title", "text", "responsible_unit", "deadline",
                       "criteria"})  # a measure's 验收条件 (workflow.campaigns.standards)


@dataclass(frozen=True)
class PlanItem:
    """One numbered item of the plan: a general requirement, content, measure, target or safeguard."""

    id: str
    kind: str  # general | content | measure | target | safeguard
    task: str  # the task id (二(一)…), or the item's own id for general items and safeguards
    title: Mapping[str, str]
    text: str = ""
    responsible_unit: str | None = None  # measures only
    deadline: str | None = None  # measures only (ISO date)
    line: int | None = None
    criteria: tuple[str, ...] = ()  # measures only: 整改标准/验收条件 (workflow.campaigns.standards)


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
    # 评估验收: the indicators each unit is scored on, and the units assessed (empty: the measures' units)
    indicators: tuple[Indicator, ...] = ()
    assessed_units: tuple[str, ...] = ()

    @property
    def measures(self) -> list[PlanItem]:
        return [i for i in self.items if i.kind == "measure"]

    def item_ids(self) -> list[str]:
        return [i.id for i in self.items]

    def to_dict(self) -> dict[str, Any]:
        return {"campaign": self.key, "title": dict(self.title), "document": self.document,
                "lead_unit": self.lead_unit, "windows": [w.to_dict() for w in self.windows],
                "items": [{"id": i.id, "kind": i.kind, "task": i.task, "title": dict(i.title), "text": i.text,
                           "responsible_unit": i.responsible_unit, "deadline": i.deadline,
                           **({"criteria": list(i.criteria)} if i.criteria else {})} for i in self.items],
                "tasks": [{"id": tid, "title": dict(title)} for tid, title in self.tasks],
                **({"assessment": {"indicators": [i.to_dict() for i in self.indicators],
                                   "units": list(self.assessed_units)}} if self.indicators else {})}


def parse_plan(data: Any, *, source: str) -> Plan:
    """Build a validated Plan from parsed YAML data.

    Raises:
        DefinitionError: every problem found, as ``PATH:LINE: message``.
    """
    p = Problems(source)
    if not isinstance(data, Mapping):
        p.add_at(1, "a campaign plan must be a mapping with campaign, title, tasks and safeguards")
        p.raise_if_any()
    _unknown(p, data, TOP_KEYS, "")
    key = data.get("campaign")
    if not isinstance(key, str) or not KEY_RE.match(key):
        p.add(data, "campaign", "campaign must be a key such as xifeng-2021 (lower-case letters, digits, '-')")
    _label(p, data, "title", "title")
    for name in ("document", "lead_unit"):
        if not isinstance(data.get(name), str) or not data[name].strip():
            p.add(data, name, f"{name} must be given as text")
    items = _general(p, data) + _tasks(p, data) + _safeguards(p, data)
    seen: dict[str, int | None] = {}
    for item in items:
        if item.id in seen:
            p.add_at(item.line or 0, f"item {item.id} is listed twice (first at line {seen[item.id]})")
        seen.setdefault(item.id, item.line)
    windows = _windows(p, data)
    indicators, assessed_units = standards.assessment(p, data)  # 评估验收 (workflow.campaigns.standards)
    p.raise_if_any()
    tasks = tuple((str(t["id"]), dict(t["title"])) for t in data["tasks"])
    return Plan(str(key), dict(data["title"]), str(data["document"]), str(data["lead_unit"]), windows,
                tuple(items), source, tasks, indicators, assessed_units)


def _unknown(p: Problems, container: Mapping[str, Any], known: frozenset[str], what: str) -> None:
    for k in container:
        if k not in known:
            p.add(container, k, f"{what}unknown key {k!r} (known: {', '.join(sorted(known))})")


def _label(p: Problems, container: Mapping[str, Any], key: str, what: str) -> None:
    value = container.get(key)
    problem = label_problem(value)
    if problem:
        p.add(container, key if key in container else None, f"{what}: {problem}")
    elif isinstance(value, Mapping) and set(value) - {"zh", "en"}:
        # `{zh: …, en: a, b}` reads `b` as a key: the text was cut at the comma
        extra = ", ".join(repr(k) for k in value if k not in ("zh", "en"))
        p.add(container, key, f"{what}: label has unknown key {extra} (quote a text that contains a comma)")


def _list(p: Problems, data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if not isinstance(value, list) or not value:
        p.add(data, key if key in data else None, f"{key} must be a non-empty list")
        return []
    return value


def _item(p: Problems, raw: Any, parent: Any, *, kind: str, task: str, id_re: re.Pattern[str] | None,
          expected_id: str | None = None) -> PlanItem | None:
    if not isinstance(raw, Mapping):
        p.add(parent, None, f"each {kind} must be a mapping with id and title")
        return None
    _unknown(p, raw, ITEM_KEYS, f"{kind} {raw.get('id')!r}: ")
    item_id = raw.get("id")
    ok = isinstance(item_id, str) and (id_re.match(item_id) if id_re else item_id == expected_id or
                                       (expected_id and re.fullmatch(re.escape(expected_id) + r"(\(\d+\))?", item_id)))
    if not ok:
        expected = expected_id or (id_re.pattern if id_re else "?")
        p.add(raw, "id", f"{kind} id {item_id!r} does not fit its place (expected {expected})")
    _label(p, raw, "title", f"{kind} {item_id}")
    text = raw.get("text", "")
    if not isinstance(text, str):
        p.add(raw, "text", f"{kind} {item_id}: text must be text")
    unit, deadline = raw.get("responsible_unit"), raw.get("deadline")
    if kind == "measure":
        if not isinstance(unit, str) or not unit.strip():
            p.add(raw, "responsible_unit" if "responsible_unit" in raw else "id",
                  f"measure {item_id}: needs responsible_unit (a unit code)")
        deadline = _date(p, raw, "deadline", f"measure {item_id}")
    elif unit is not None or deadline is not None:
        p.add(raw, "responsible_unit" if unit is not None else "deadline",
              f"{kind} {item_id}: only measures have a responsible unit and deadline")
    criteria = standards.measure_criteria(p, raw, item_id) if kind == "measure" else ()  # 评估验收
    if kind != "measure" and "criteria" in raw:
        p.add(raw, "criteria", f"{kind} {item_id}: only measures have acceptance criteria")
    return PlanItem(str(item_id), kind, task, dict(raw.get("title") or {}), str(text or ""),
                    unit if kind == "measure" and isinstance(unit, str) else None, deadline,
                    line_of(raw), criteria)


def _date(p: Problems, raw: Mapping[str, Any], key: str, what: str) -> str | None:
    value = raw.get(key)
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        p.add(raw, key if key in raw else None, f"{what}: {key} must be a date like 2021-06-30, got {value!r}")
        return None


def _general(p: Problems, data: Mapping[str, Any]) -> list[PlanItem]:
    return [i for raw in _list(p, data, "general")
            if (i := _item(p, raw, data, kind="general", task="", id_re=GENERAL_ID))]


def _safeguards(p: Problems, data: Mapping[str, Any]) -> list[PlanItem]:
    return [i for raw in _list(p, data, "safeguards")
            if (i := _item(p, raw, data, kind="safeguard", task="", id_re=SAFEGUARD_ID))]


def _tasks(p: Problems, data: Mapping[str, Any]) -> list[PlanItem]:
    out: list[PlanItem] = []
    for task in _list(p, data, "tasks"):
        if not isinstance(task, Mapping):
            p.add(data, "tasks", "each task must be a mapping with id, title, contents, measures and target")
            continue
        _unknown(p, task, TASK_KEYS, f"task {task.get('id')!r}: ")
        tid = task.get("id")
        if not isinstance(tid, str) or not TASK_ID.match(tid):
            p.add(task, "id", f"task id {tid!r} must look like 二(一)")
            continue
        _label(p, task, "title", f"task {tid}")
        for part, kind in (("contents", "content"), ("measures", "measure")):
            out += [i for raw in _list(p, task, part)
                    if (i := _item(p, raw, task, kind=kind, task=tid, id_re=None,
                                   expected_id=f"{tid}{'内容' if kind == 'content' else '措施'}"))]
        target = task.get("target")
        if not isinstance(target, Mapping):
            p.add(task, "target" if "target" in task else "id", f"task {tid}: needs a target (整治目标)")
        elif (i := _item(p, target, task, kind="target", task=tid, id_re=None, expected_id=f"{tid}目标")):
            out.append(i)
    return out


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
