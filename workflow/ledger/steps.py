"""The step that records, on the write path, a step a ledger row says was already taken.

A row that arrives as 已整改 or 已销号 is opened and walked to that state through the definition's own
steps, each one event on the case's hash chain, attributed to the importer. What the engine checks
of a live step it checks here too — the step leaves the case's state, its fields are the step's and
parse, the people and units exist, a handover goes to someone who may take the case — except what
only the day it happened can answer: the step's roles and guards (who signed, four eyes, files
attached, the deadline) were the ledger's business, and the importer's `import_ledger` capability
vouches for them. The event's payload says so: `ledger` holds the source file's name and SHA-256,
the row number and, where the ledger gives it, the date the step was taken.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workflow.cases.handover import handover
from workflow.cases.unit_of_work import Change, StepContext
from workflow.cases.validation import check_references, derived_values, parse_fields, require
from workflow.events import ADVANCED
from workflow.messages import Message


@dataclass(frozen=True)
class Recorded:
    """A step taken before the case came into rectiflow, recorded from a ledger row."""

    trigger: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    provenance: Mapping[str, Any] = field(default_factory=dict)

    def decide(self, ctx: StepContext) -> Change:
        work, case, defn = ctx.work, ctx.case, ctx.definition
        t = work.casework.lifecycles.of(defn).step(case.state, self.trigger)  # wrong state: said first
        values = parse_fields(defn, self.fields, allowed=set(t.requires + t.optional), case=case)
        step = {**values, **derived_values(ctx.tx, defn, case, case.fields, values, None, intake=False,
                                           tz=work.casework.tz, subject_fields=work.registry.subject_fields())}
        needed = [name for name in t.requires if defn.fields[name].type != "attachment"]
        require(defn, needed, step, [], case.fields, Message("where.step", trigger=self.trigger))
        check_references(ctx.tx, defn, step)
        payload: dict[str, Any] = {"trigger": self.trigger, "fields": step, "attachments": [],
                                   **handover(ctx, t, step), "ledger": dict(self.provenance)}
        deadline = work.casework.deadline(defn, case, t.dest, {**case.fields, **step}, ctx.now, self.trigger)
        if deadline is not ...:
            payload["deadline"] = deadline
        return Change(ADVANCED, payload, t.dest)
