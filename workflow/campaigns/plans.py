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

Parsing is pure: every problem is reported as ``PATH:LINE: message`` in one DefinitionError.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from workflow.definitions.model import line_of
from workflow.definitions.problems import Problems, label_problem

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
UNIT_CODE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")  # the directory's unit codes
TOP_KEYS = frozenset({"campaign", "title", "document", "issued_on", "lead_unit", "self_report_windows",
                      "general", "tasks", "safeguards", "parts", "units", "note"})
TASK_KEYS = frozenset({"id", "title", "text", "contents", "measures", "target", "tasks"})
PART_KEYS = frozenset({"id", "title", "text", "kind", "items", "tasks"})
ITEM_KEYS = frozenset({"id", "title", "text"})
MEASURE_KEYS = ITEM_KEYS | {"responsible_unit", "lead_unit", "supporting_units", "responsible_leader",
                            "deadline", "deadlines", "phases"}
UNIT_KEYS = frozenset({"code", "name", "parent"})
PHASE_KEYS = frozenset({"title", "from", "until"})
PART_ITEM_KINDS = ("general", "safeguard")


@dataclass(frozen=True)
class Phase:
    """A stage of a measure (动员部署, 集中整治 …), ending on `until` (ISO date, included)."""

    title: Mapping[str, str]
    until: str
    first: str | None = None  # ISO date it starts, when the plan says

    def to_dict(self) -> dict[str, Any]:
        return {"title": dict(self.title), "from": self.first, "until": self.until}


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

    @property
    def lead_unit(self) -> str | None:
        return self.responsible_unit

    def to_dict(self) -> dict[str, Any]:
        out = {"id": self.id, "kind": self.kind, "task": self.task, "title": dict(self.title), "text": self.text,
               "responsible_unit": self.responsible_unit, "deadline": self.deadline}
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
        return out


@dataclass(frozen=True)
class Window:
    first: str  # ISO dates, both included
    last: str
    label: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.first, "until": self.last, "label": dict(self.label)}


@dataclass(frozen=True)
class PlanUnit:
    """A unit the plan declares: created when the plan is loaded, or matched (same code and name)."""

    code: str
    name: str
    parent: str | None = None
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "parent": self.parent}


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
        out = {"campaign": self.key, "title": dict(self.title), "document": self.document,
               "lead_unit": self.lead_unit, "windows": [w.to_dict() for w in self.windows],
               "items": [i.to_dict() for i in self.items],
               "tasks": [{"id": tid, "title": dict(title)} for tid, title in self.tasks]}
        if self.units:
            out["units"] = [u.to_dict() for u in self.units]
        if self.parts:
            out["parts"] = [{"id": pid, "title": dict(title)} for pid, title in self.parts]
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
    reader = _Reader(p, lead)
    reader.read_body(data)
    items = reader.items
    _unique(p, items)
    issued = _date(p, data, "issued_on", "plan") if "issued_on" in data else None
    _dates(p, items, issued)
    units = _units(p, data)
    _references(p, data, items, units)
    windows = _windows(p, data)
    p.raise_if_any()
    return Plan(str(key), dict(data["title"]), str(data["document"]), lead, windows, tuple(items), source,
                tuple(reader.tasks), units, tuple(reader.parts))


class _Reader:
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
            self.p.add(raw, "id" if "id" in raw else None, f"{what}: needs an id (the plan's own label, as text)")
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
        _unknown(p, raw, PART_KEYS, f"part {raw.get('id')!r}: ")
        pid = self._id(raw, "part", None, [])
        _label(p, raw, "title", f"part {pid}")
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
        _unknown(p, raw, TASK_KEYS, f"task {raw.get('id')!r}: ")
        tid = self._id(raw, "task", parent_id, siblings or [])
        _label(p, raw, "title", f"task {tid}")
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
        _unknown(p, raw, MEASURE_KEYS if kind == "measure" else ITEM_KEYS, f"{kind} {raw.get('id')!r}: ")
        item_id = self._id(raw, kind, parent_id, siblings or [])
        _label(p, raw, "title", f"{kind} {item_id}")
        text = raw.get("text", "")
        if not isinstance(text, str):
            p.add(raw, "text", f"{kind} {item_id}: text must be text")
        base = PlanItem(item_id, kind, task, dict(raw.get("title") or {}), str(text or ""), line=line_of(raw),
                        part=part)
        self.items.append(self._measure(raw, base) if kind == "measure" else base)

    def _measure(self, raw: Mapping[str, Any], base: PlanItem) -> PlanItem:
        p, what = self.p, f"measure {base.id}"
        lead = _one_unit(p, raw, what)
        supporting = _unit_list(p, raw, "supporting_units", what)
        if lead in supporting:
            p.add(raw, "supporting_units", f"{what}: {lead} is the lead unit and cannot also support")
        leader = raw.get("responsible_leader")
        if leader is not None and (not isinstance(leader, str) or not leader.strip()):
            p.add(raw, "responsible_leader", f"{what}: responsible_leader must be text (who answers for it)")
            leader = None
        phases = _phases(p, raw, what)
        dates = _deadlines(p, raw, what) + [ph.until for ph in phases]
        if not dates and not any(k in raw for k in ("deadline", "deadlines", "phases")):
            p.add(raw, "id", f"{what}: needs a deadline (or deadlines, or phases)")
        return PlanItem(base.id, "measure", base.task, base.title, base.text, lead or self.lead or None,
                        max(dates) if dates else None, base.line, base.part, tuple(supporting),
                        leader.strip() if isinstance(leader, str) else None, tuple(sorted(set(dates))), phases)


def _one_unit(p: Problems, raw: Mapping[str, Any], what: str) -> str | None:
    """The measure's lead unit: ``responsible_unit`` (or its synonym ``lead_unit``); None: the plan's."""
    given = [k for k in ("responsible_unit", "lead_unit") if k in raw]
    if len(given) > 1:
        p.add(raw, given[1], f"{what}: give responsible_unit or lead_unit, not both (they mean the same)")
    value = raw.get(given[0]) if given else None
    if given and (not isinstance(value, str) or not UNIT_CODE_RE.match(value)):
        p.add(raw, given[0], f"{what}: {given[0]} must be a unit code, got {value!r}")
        return None
    return value


def _unit_list(p: Problems, raw: Mapping[str, Any], key: str, what: str) -> list[str]:
    value = raw.get(key)
    if value is None:
        return []
    codes = [value] if isinstance(value, str) else value
    if not isinstance(codes, list) or not all(isinstance(c, str) and UNIT_CODE_RE.match(c) for c in codes):
        p.add(raw, key, f"{what}: {key} must be a list of unit codes")
        return []
    if len(set(codes)) < len(codes):
        p.add(raw, key, f"{what}: {key} names a unit twice")
    return list(dict.fromkeys(codes))


def _deadlines(p: Problems, raw: Mapping[str, Any], what: str) -> list[str]:
    """`deadline: DATE` or `deadlines: [DATE, …]` (in order); the phases' ends are added by the caller."""
    if "deadline" in raw and "deadlines" in raw:
        p.add(raw, "deadlines", f"{what}: give deadline or deadlines, not both")
    if "deadline" in raw:
        d = _date(p, raw, "deadline", what)
        return [d] if d else []
    if "deadlines" not in raw:
        return []
    value = raw["deadlines"]
    if not isinstance(value, list) or not value:
        p.add(raw, "deadlines", f"{what}: deadlines must be a non-empty list of dates")
        return []
    out: list[str] = []
    for v in value:
        d = _as_date(v)
        if d is None:
            p.add(raw, "deadlines", f"{what}: deadlines must be dates like 2021-06-30, got {v!r}")
        elif out and d <= out[-1]:
            p.add(raw, "deadlines", f"{what}: deadlines must be in order, each after the one before ({d})")
        else:
            out.append(d)
    return out


def _phases(p: Problems, raw: Mapping[str, Any], what: str) -> tuple[Phase, ...]:
    value = raw.get("phases")
    if value is None:
        return ()
    if not isinstance(value, list) or not value:
        p.add(raw, "phases", f"{what}: phases must be a non-empty list of {{title, from, until}}")
        return ()
    out: list[Phase] = []
    for ph in value:
        if not isinstance(ph, Mapping):
            p.add(raw, "phases", f"{what}: each phase is {{title: {{zh, en}}, from: DATE, until: DATE}}")
            continue
        _unknown(p, ph, PHASE_KEYS, f"{what} phase: ")
        _label(p, ph, "title", f"{what} phase")
        until = _date(p, ph, "until", f"{what} phase")
        first = _date(p, ph, "from", f"{what} phase") if "from" in ph else None
        if first and until and first > until:
            p.add(ph, "until", f"{what}: phase ends ({until}) before it starts ({first})")
        if until and out and (until < out[-1].until or (first and first < out[-1].until)):
            p.add(ph, "until" if not first else "from", f"{what}: phases must follow each other "
                                                        f"(this one overlaps or precedes the one ending {out[-1].until})")
        if until:
            out.append(Phase(dict(ph.get("title") or {}), until, first))
    return tuple(out)


def _unique(p: Problems, items: list[PlanItem]) -> None:
    seen: dict[str, int | None] = {}
    for item in items:
        if not item.id:
            continue
        if item.id in seen:
            p.add_at(item.line or 0, f"item {item.id} is listed twice (first at line {seen[item.id]})")
        seen.setdefault(item.id, item.line)


def _dates(p: Problems, items: list[PlanItem], issued: str | None) -> None:
    """No measure is due before the plan was issued."""
    for m in items:
        early = [d for d in m.deadlines if issued and d < issued]
        if early:
            p.add_at(m.line or 0, f"measure {m.id}: deadline {early[0]} is before the plan was issued ({issued})")


def _units(p: Problems, data: Mapping[str, Any]) -> tuple[PlanUnit, ...]:
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
        _unknown(p, u, UNIT_KEYS, f"unit {u.get('code')!r}: ")
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


def _references(p: Problems, data: Mapping[str, Any], items: list[PlanItem], units: tuple[PlanUnit, ...]) -> None:
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


def _as_date(value: Any) -> str | None:
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        return None


def _date(p: Problems, raw: Mapping[str, Any], key: str, what: str) -> str | None:
    value = raw.get(key)
    d = _as_date(value)
    if d is None:
        p.add(raw, key if key in raw else None, f"{what}: {key} must be a date like 2021-06-30, got {value!r}")
    return d


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
