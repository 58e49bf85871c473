"""A case type's ledger layout: the columns of its 问题台账 and the states a ledger row may already be in.

Generated from the definition, never written by hand: 问题编号 (the `ledger_no` field) first, then the
intake fields in the order ledgers use (问题描述, 问题类别, 发现渠道, 责任单位, 责任人, 整改措施, 整改时限, …),
then the fields the steps on the way to each importable state take, then 状态 and its date columns.
A state is importable when the engine's steps reach it from the initial state without a step that
depends on the clock (`before_deadline` / `after_deadline`): those steps record what happened on a
given day, which a ledger cannot replay. The walk to a state is the shortest chain of steps (BFS in
definition order), so 已销号 on a rectification item is 核实 → 交办 → 报送 → 签字 → 销号.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from workflow.definitions.fields import FieldSpec
from workflow.definitions.model import Definition, TransitionSpec

LEDGER_FIELD = "ledger_no"
# The order ledgers put the usual columns in; other fields follow in definition order.
PREFERRED = ("ledger_no", "description", "category", "discovery_channel", "responsible_unit", "owner", "measure",
             "rectify_by")
TITLE, STATE = "标题", "状态"
RECTIFIED_ON, CLOSED_ON = "整改完成日期", "销号日期"
# What ledgers write in 状态 besides the states' own labels: the stage a row has reached.
STAGE_WORDS = {"已整改": "rectified", "整改完成": "rectified", "已完成整改": "rectified", "待验收": "rectified"}
CLOCK_GUARDS = frozenset({"before_deadline", "after_deadline"})


@dataclass(frozen=True)
class Column:
    """One column of the ledger: its Chinese header, the field it fills (None: title, state or a date)."""

    header: str
    field: FieldSpec | None = None
    required: bool = False
    kind: str = "text"  # the field's type, or "title" / "state" / "date"

    @property
    def width(self) -> int:
        return {"longtext": 40, "date": 14, "choice": 18, "person": 12, "unit": 18, "state": 16}.get(self.kind, 16)


@dataclass(frozen=True)
class Layout:
    """The ledger of one case type: its columns and, per importable state, the steps that reach it."""

    definition: Definition
    columns: tuple[Column, ...]
    walks: dict[str, tuple[TransitionSpec, ...]]  # state -> the steps from the initial state

    @property
    def by_header(self) -> dict[str, Column]:
        return {c.header: c for c in self.columns}

    def state_words(self) -> dict[str, str]:
        """Everything 状态 may say → the state: names, labels (zh and en), and the stage words."""
        defn, words = self.definition, {}
        for name in self.walks:
            spec = defn.states[name]
            words.update({name: name, **dict.fromkeys(spec.label.values(), name)})
        for word, stage in STAGE_WORDS.items():
            deepest = [s for s in self.walks if defn.states[s].stage == stage]
            if deepest:
                words.setdefault(word, max(deepest, key=lambda s: len(self.walks[s])))
        return words

    def passes_stage(self, state: str, stage: str) -> bool:
        """Whether the walk to `state` enters a state of `stage` (or ends in one)."""
        return any(self.definition.states[t.dest].stage == stage for t in self.walks[state])

    def closes_out(self, state: str) -> bool:
        outcome = self.definition.outcome_of(state)
        return outcome is not None and outcome.kind == "closed_out"


def importable(defn: Definition) -> bool:
    return LEDGER_FIELD in defn.fields and defn.fields[LEDGER_FIELD].type == "text"


def layout(defn: Definition) -> Layout:
    walks = _walks(defn)
    step_fields = {f for steps in walks.values() for t in steps for f in t.requires + t.optional}
    used = {f for t in defn.transitions for f in t.requires + t.optional}
    wanted = [name for name, spec in defn.fields.items()
              if spec.computed is None and spec.type != "attachment"
              and (name in step_fields or name not in used or spec.required)]
    ordered = [n for n in PREFERRED if n in wanted] + [n for n in wanted if n not in PREFERRED]
    columns = [Column(defn.fields[n].label.get("zh") or n, defn.fields[n], n == LEDGER_FIELD or defn.fields[n].required,
                      defn.fields[n].type) for n in ordered]
    columns.insert(1, Column(TITLE, kind="title"))
    columns.append(Column(STATE, kind="state"))
    if any(s.stage == "rectified" for n, s in defn.states.items() if n in walks):
        columns.append(Column(RECTIFIED_ON, kind="date"))
    if any(o is not None and o.kind == "closed_out" for o in map(defn.outcome_of, walks)):
        columns.append(Column(CLOSED_ON, kind="date"))
    return Layout(defn, tuple(columns), walks)


def _walks(defn: Definition) -> dict[str, tuple[TransitionSpec, ...]]:
    """The shortest chain of clock-free steps from the initial state to every state it reaches."""
    walks: dict[str, tuple[TransitionSpec, ...]] = {defn.initial: ()}
    queue = deque([defn.initial])
    while queue:
        state = queue.popleft()
        for t in defn.transitions_from(state):
            if t.dest in walks or t.opens or any(g.kind in CLOCK_GUARDS for g in t.guards):
                continue
            walks[t.dest] = walks[state] + (t,)
            queue.append(t.dest)
    return walks
