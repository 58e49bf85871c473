"""Linked cases: a step that opens other cases, in the same transaction as the step itself.

What a definition may say about it (``opens:``) is workflow.definitions.opens. Each new case is
opened by the actor of the step through the step's own unit of work, with the usual intake checks
(role, scope), and both sides record the link: the source case's event carries ``links`` (folded
into ``CaseState.links``) and the new case's intake event carries the link back. Either the step
and every case it opens are committed together, or nothing is.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from workflow.cases.unit_of_work import StepContext
from workflow.definitions.fields import TITLE_LIMIT, strip_bidi
from workflow.definitions.guards import GuardContext, evaluate
from workflow.definitions.model import TransitionSpec
from workflow.definitions.opens import OpenSpec
from workflow.errors import WorkflowError
from workflow.events import ADVANCED, parse_time
from workflow.messages import Message
from workflow.ports import ReadTx
from workflow.records import CaseState


def open_linked(ctx: StepContext, t: TransitionSpec, guards: GuardContext) -> list[dict[str, str]]:
    """Open the cases `t` says to open, in the step's unit of work; the links for the source case."""
    case, work = ctx.case, ctx.work
    chosen = [o for o in t.opens if evaluate(o.when, guards) is None]
    ids = [work.casework.new_id() for _ in chosen]
    links = []
    for spec, new_id in zip(chosen, ids):
        back = [{"case": case.id, "type": case.type, "relation": spec.relation, "direction": "opened_by"}]
        back += [{"case": other, "type": o.case_type, "relation": o.relation, "direction": "sibling"}
                 for o, other in zip(chosen, ids) if other != new_id]
        try:
            target = work.registry.latest(spec.case_type)
            work.open(target, ctx.user, case_id=new_id, title=_title(spec, case, guards.fields),
                      unit=guards.fields.get(spec.unit_from) if spec.unit_from else case.unit,
                      fields=_values(spec, guards.fields), links=back,
                      reported_at=_reported_at(ctx.tx, case, t, spec, ctx.now), preferred_campaign=case.campaign)
        except WorkflowError as err:
            err.reword(Message("step.linked_case", trigger=t.trigger, case_type=spec.case_type, reason=err.message))
            raise
        links.append({"case": new_id, "type": spec.case_type, "relation": spec.relation, "direction": "opened"})
    return links


def _values(spec: OpenSpec, source: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for name, src in spec.fields.items():
        value = source.get(src.source) if src.source else src.value
        if value not in (None, ""):
            out[name] = value
    return out


class _Blank(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return ""


def _title(spec: OpenSpec, case: CaseState, fields: Mapping[str, Any]) -> str:
    values = _Blank({k: v for k, v in fields.items() if not isinstance(v, list)}, title=case.title)
    # One line without direction controls (a one-line title refuses them), whatever the source text held.
    text = " ".join(strip_bidi(spec.title.format_map(values)).split())
    return text[:TITLE_LIMIT] or case.title[:TITLE_LIMIT]


def _reported_at(tx: ReadTx, case: CaseState, t: TransitionSpec, spec: OpenSpec, now: datetime) -> datetime:
    """When the reported problem was reported: the time of `spec.reported_at`'s last firing, else now."""
    if spec.reported_at is None or spec.reported_at == t.trigger:
        return now
    for event in reversed(tx.events(case.id)):
        if event.action == ADVANCED and event.payload.get("trigger") == spec.reported_at:
            return parse_time(event.at)
    return now
