"""The body of a plan — parts, tasks (any depth), contents, measures, targets, items — read into PlanItems.

Two layouts: ``general`` / ``tasks`` / ``safeguards`` (a county plan's three sections) or ``parts``. Ids
are the plan's own labels; `check_unique_ids` and the reader's place check keep them unambiguous.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workflow.campaigns import standards
from workflow.campaigns.plan_measures import Phase, deadlines_of, lead_unit_of, phases_of, unit_list
from workflow.campaigns.plan_text import check_label, unknown_keys
from workflow.definitions.model import line_of
from workflow.definitions.problems import Problems

TASK_KEYS = frozenset({"id", "title", "text", "contents", "measures", "target", "tasks"})
PART_KEYS = frozenset({"id", "title", "text", "kind", "items", "tasks"})
ITEM_KEYS = frozenset({"id", "title", "text"})
MEASURE_KEYS = ITEM_KEYS | {"responsible_unit", "lead_unit", "supporting_units", "responsible_leader",
                            "deadline", "deadlines", "phases",
                            "criteria"}  # a measure's 验收条件 (workflow.campaigns.standards)
PART_ITEM_KINDS = ("general", "safeguard")


@dataclass(frozen=True)
class PlanItem:
    """One numbered item of the plan: a general requirement, content, measure, target or safeguard."""

    id: str
    kind: str  # general | content | measure | target | safeguard
    task: str  # the (innermost) task id, or "" for general items and safeguards
    title: Mapping[str, str]
    text: str = ""
    responsible_unit: str | None = None  # measures only: the lead unit (牵头单位)
    deadline: str | None = None  # measures only: the final deadline (ISO date)
    line: int | None = None
    part: str = ""  # the id of the part holding it (``parts:`` layout; "" in the three-section layout)
    supporting_units: tuple[str, ...] = ()  # measures only: 配合单位 (unit codes)
    leader: str | None = None  # measures only: 责任领导, as the plan names them
    deadlines: tuple[str, ...] = ()  # measures only: every date the plan sets, in order (the last = deadline)
    phases: tuple[Phase, ...] = ()  # measures only
    criteria: tuple[str, ...] = ()  # measures only: 整改标准/验收条件 (workflow.campaigns.standards)

    @property
    def lead_unit(self) -> str | None:
        return self.responsible_unit

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "kind": self.kind, "task": self.task, "title": dict(self.title),
                               "text": self.text, "responsible_unit": self.responsible_unit,
                               "deadline": self.deadline}
        if self.part:
            out["part"] = self.part
        if self.supporting_units:
            out["supporting_units"] = list(self.supporting_units)
        if self.leader:
            out["responsible_leader"] = self.leader
        if len(self.deadlines) > 1:
            out["deadlines"] = list(self.deadlines)
        if self.phases:
            out["phases"] = [ph.to_dict() for ph in self.phases]
        if self.criteria:
            out["criteria"] = list(self.criteria)
        return out


class BodyReader:
    """Walks the plan's body (three sections, or parts), collecting its items, task and part headings."""

    def __init__(self, p: Problems, lead: str) -> None:
        self.p, self.lead = p, lead
        self.items: list[PlanItem] = []
        self.tasks: list[tuple[str, Mapping[str, str]]] = []
        self.parts: list[tuple[str, Mapping[str, str]]] = []

    def read_body(self, data: Mapping[str, Any]) -> None:
        p = self.p
        legacy = [k for k in ("general", "tasks", "safeguards") if k in data]
        if "parts" in data and legacy:
            p.add(data, legacy[0], f"{legacy[0]}: a plan has either parts or general/tasks/safeguards, not both")
        if "parts" in data:
            for raw in self._list(data, "parts", "a list of parts, each {id, title, items or tasks}"):
                self._part(raw, data)
        else:
            for raw in self._list(data, "general", "a list of items {id, title, text}"):
                self._item(raw, data, kind="general", task="", part="")
            for raw in self._list(data, "tasks", "a list of tasks {id, title, contents, measures, target}"):
                self._task(raw, data, part="")
            for raw in self._list(data, "safeguards", "a list of items {id, title, text}"):
                self._item(raw, data, kind="safeguard", task="", part="")
        if not any(i.kind == "measure" for i in self.items):
            p.add(data, "parts" if "parts" in data else "tasks" if "tasks" in data else None,
                  "the plan has no measure: a task needs at least one measure (整治措施) to track")

    def _list(self, container: Mapping[str, Any], key: str, what: str) -> list[Any]:
        value = container.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.p.add(container, key, f"{key} must be {what}")
            return []
        return value

    def _id(self, raw: Mapping[str, Any], what: str, parent_id: str | None, siblings: list[Any]) -> str:
        """The item's own label; when the other items under the same parent repeat the parent's label as
        a prefix (二(一)措施(1) under 二(一)), one that does not is misplaced."""
        item_id = raw.get("id")
        if not isinstance(item_id, str) or not item_id.strip():
            hint = f" (quote a number: id: '{item_id}')" if isinstance(item_id, int | float) else ""
            self.p.add(raw, "id" if "id" in raw else None, f"{what}: needs an id (the plan's own label, as text){hint}")
            return ""
        if parent_id and not item_id.startswith(parent_id):
            prefixed = [s.get("id") for s in siblings if isinstance(s, Mapping) and isinstance(s.get("id"), str)
                        and s["id"].startswith(parent_id)]
            if prefixed:
                self.p.add(raw, "id", f"{what} id {item_id!r} does not fit its place (expected it to start with "
                                      f"{parent_id}, like {prefixed[0]})")
        return item_id

    def _part(self, raw: Any, parent: Mapping[str, Any]) -> None:
        p = self.p
        if not isinstance(raw, Mapping):
            p.add(parent, "parts", "each part must be a mapping with id, title and items or tasks")
            return
        unknown_keys(p, raw, PART_KEYS, f"part {raw.get('id')!r}: ")
        pid = self._id(raw, "part", None, [])
        check_label(p, raw, "title", f"part {pid}")
        self.parts.append((pid, dict(raw.get("title") or {})))
        kind = raw.get("kind", "general")
        if kind not in PART_ITEM_KINDS:
            p.add(raw, "kind", f"part {pid}: kind must be one of {', '.join(PART_ITEM_KINDS)} (the kind of its items)")
        if "items" not in raw and "tasks" not in raw:
            p.add(raw, "id", f"part {pid}: needs items or tasks")
        items = self._list(raw, "items", "a list of items {id, title, text}")
        for item in items:
            self._item(item, raw, kind=kind if kind in PART_ITEM_KINDS else "general", task="", part=pid,
                       parent_id=pid, siblings=items)
        tasks = self._list(raw, "tasks", "a list of tasks {id, title, contents, measures, target}")
        for task in tasks:
            self._task(task, raw, part=pid, parent_id=pid, siblings=tasks)

    def _task(self, raw: Any, parent: Mapping[str, Any], *, part: str, parent_id: str | None = None,
              siblings: list[Any] | None = None) -> None:
        p = self.p
        if not isinstance(raw, Mapping):
            p.add(parent, "tasks", "each task must be a mapping with id, title, contents, measures and target")
            return
        unknown_keys(p, raw, TASK_KEYS, f"task {raw.get('id')!r}: ")
        tid = self._id(raw, "task", parent_id, siblings or [])
        check_label(p, raw, "title", f"task {tid}")
        self.tasks.append((tid, dict(raw.get("title") or {})))
        if not raw.get("measures") and not raw.get("tasks"):
            p.add(raw, "id", f"task {tid}: needs measures (整治措施) or sub-tasks")
        contents = self._list(raw, "contents", "a list of items {id, title, text}")
        measures = self._list(raw, "measures", "a list of measures {id, title, text, lead unit, deadline}")
        children = contents + measures + ([raw["target"]] if isinstance(raw.get("target"), Mapping) else [])
        for item in contents:
            self._item(item, raw, kind="content", task=tid, part=part, parent_id=tid, siblings=children)
        for item in measures:
            self._item(item, raw, kind="measure", task=tid, part=part, parent_id=tid, siblings=children)
        if "target" in raw:
            if isinstance(raw["target"], Mapping):
                self._item(raw["target"], raw, kind="target", task=tid, part=part, parent_id=tid, siblings=children)
            else:
                p.add(raw, "target", f"task {tid}: target must be an item {{id, title, text}}")
        subtasks = self._list(raw, "tasks", "a list of tasks {id, title, contents, measures, target}")
        for sub in subtasks:
            self._task(sub, raw, part=part, parent_id=tid, siblings=subtasks)

    def _item(self, raw: Any, parent: Mapping[str, Any], *, kind: str, task: str, part: str,
              parent_id: str | None = None, siblings: list[Any] | None = None) -> None:
        p = self.p
        if not isinstance(raw, Mapping):
            p.add(parent, None, f"each {kind} must be a mapping with id and title")
            return
        unknown_keys(p, raw, MEASURE_KEYS if kind == "measure" else ITEM_KEYS | {"criteria"},
                     f"{kind} {raw.get('id')!r}: ")
        item_id = self._id(raw, kind, parent_id, siblings or [])
        if kind != "measure" and "criteria" in raw:
            p.add(raw, "criteria", f"{kind} {item_id}: only measures have acceptance criteria")
        check_label(p, raw, "title", f"{kind} {item_id}")
        text = raw.get("text", "")
        if not isinstance(text, str):
            p.add(raw, "text", f"{kind} {item_id}: text must be text")
        base = PlanItem(item_id, kind, task, dict(raw.get("title") or {}), str(text or ""), line=line_of(raw),
                        part=part)
        self.items.append(self._measure(raw, base) if kind == "measure" else base)

    def _measure(self, raw: Mapping[str, Any], base: PlanItem) -> PlanItem:
        p, what = self.p, f"measure {base.id}"
        lead = lead_unit_of(p, raw, what)
        supporting = unit_list(p, raw, "supporting_units", what)
        if lead in supporting:
            p.add(raw, "supporting_units", f"{what}: {lead} is the lead unit and cannot also support")
        leader = raw.get("responsible_leader")
        if leader is not None and (not isinstance(leader, str) or not leader.strip()):
            p.add(raw, "responsible_leader", f"{what}: responsible_leader must be text (who answers for it)")
            leader = None
        phases = phases_of(p, raw, what)
        dates = deadlines_of(p, raw, what) + [ph.until for ph in phases]
        if not dates and not any(k in raw for k in ("deadline", "deadlines", "phases")):
            p.add(raw, "id", f"{what}: needs a deadline (or deadlines, or phases)")
        return PlanItem(base.id, "measure", base.task, base.title, base.text, lead or self.lead or None,
                        max(dates) if dates else None, base.line, base.part, tuple(supporting),
                        leader.strip() if isinstance(leader, str) else None, tuple(sorted(set(dates))), phases,
                        standards.measure_criteria(p, raw, base.id))  # 评估验收


def check_unique_ids(p: Problems, items: list[PlanItem]) -> None:
    seen: dict[str, int | None] = {}
    for item in items:
        if not item.id:
            continue
        if item.id in seen:
            p.add_at(item.line or 0, f"item {item.id} is listed twice (first at line {seen[item.id]})")
        seen.setdefault(item.id, item.line)


def check_dates(p: Problems, items: list[PlanItem], issued: str | None) -> None:
    """No measure is due before the plan was issued."""
    for m in items:
        early = [d for d in m.deadlines if issued and d < issued]
        if early:
            p.add_at(m.line or 0, f"measure {m.id}: deadline {early[0]} is before the plan was issued ({issued})")


def schedule_text(m: PlanItem) -> str:
    """A measure's phases and dates as people write them: one line each, dates as 2021年6月30日."""
    if m.phases:
        return "\n".join(f"{n}. {ph.title.get('zh', '')}："
                         + (f"{_cn(ph.first)}至{_cn(ph.until)}" if ph.first else f"{_cn(ph.until)}前")
                         for n, ph in enumerate(m.phases, 1))
    return "；".join(f"{_cn(d)}前" for d in m.deadlines)


def _cn(iso: str) -> str:
    y, mo, d = (int(x) for x in iso.split("-"))
    return f"{y}年{mo}月{d}日"
