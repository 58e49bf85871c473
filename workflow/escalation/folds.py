"""Replay of the escalation feature's events: escalated, flagged, unflagged, deadline_recomputed.

Imported by ``workflow.engine.projection`` so every replay knows these actions. Pure folds over event
data, like the core ones. The supervision level of a case is the higher of its manual flag
(催办 1 / 督办 2 / 挂牌督办 3) and the level the fired rungs of its current deadline reached.
"""
from __future__ import annotations

import copy

from workflow.escalation.ladders import DEADLINE_RECOMPUTED, ESCALATED, FLAGGED, UNFLAGGED, auto_level
from workflow.events import Event
from workflow.engine.projection import CaseState, applies_to


def _settle_level(case: CaseState) -> None:
    case.supervision_level = max(case.flag_level, auto_level(case.deadline))


@applies_to(ESCALATED)
def _escalated(case: CaseState, event: Event) -> None:
    p = event.payload
    if case.deadline is not None and case.deadline.get("key") == p["deadline_key"]:
        case.deadline.setdefault("fired", []).append({"rung": p["rung"], "level": p["level"], "at": event.at})
    if str(p.get("when", "")).startswith("red"):
        case.ever_overdue = True  # kept for good, even after the case catches up
    _settle_level(case)


@applies_to(FLAGGED)
def _flagged(case: CaseState, event: Event) -> None:
    case.flag_level = int(event.payload["level"])
    case.listed = case.flag_level == 3
    _settle_level(case)


@applies_to(UNFLAGGED)
def _unflagged(case: CaseState, event: Event) -> None:
    case.flag_level = 0
    case.listed = False
    _settle_level(case)


@applies_to(DEADLINE_RECOMPUTED)
def _recomputed(case: CaseState, event: Event) -> None:
    # Same deadline instance, new dates: replace it in place (the memory of other states stays).
    case.deadline = copy.deepcopy(event.payload["deadline"])
    _settle_level(case)
