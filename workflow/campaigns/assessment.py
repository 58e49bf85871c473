"""The campaign's 评估验收: a score per unit on each of the plan's indicators, recorded as audited steps.

A plan's `assessment:` block (workflow.campaigns.standards) names the indicators and their maximum scores.
Each score is one `record_score` step on the campaign's `campaign_assessment` case — opened with the first
score, mapped to the campaign in `campaign_assessments` — so it is hash-chained and sealed like every step,
with who gave it, when and why (the note). A later score of the same unit and indicator corrects the earlier
one; both stay in the history. `scores` adds the latest ones up per unit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workflow.cases.service import CaseService
from workflow.errors import InvalidInput, NotFound
from workflow.events import ADVANCED
from workflow.records import CaseState, StoredCampaign

ASSESSMENT_TYPE = "campaign_assessment"
RECORD = "record_score"


@dataclass
class UnitScores:
    unit: str
    scores: dict[str, dict[str, Any]] = field(default_factory=dict)  # indicator id -> {score, note, by, at}

    @property
    def total(self) -> int:
        return sum(int(s["score"]) for s in self.scores.values())

    def to_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, "scores": self.scores, "total": self.total}


class Assessments:
    """Recording and adding up a campaign's 评估验收 scores."""

    def __init__(self, cases: CaseService) -> None:
        self.cases = cases

    def indicators(self, key: str) -> list[dict[str, Any]]:
        """The plan's indicators, [{id, label, max_score}] (empty when the plan has none)."""
        return list((self._campaign(key).plan.get("assessment") or {}).get("indicators") or [])

    def units(self, key: str) -> list[str]:
        """The units assessed: the plan's `assessment: units`, else the units its measures name, in plan order."""
        plan = self._campaign(key).plan
        listed = list((plan.get("assessment") or {}).get("units") or [])
        if listed:
            return listed
        seen: dict[str, None] = {}
        for item in plan.get("items") or []:
            if item.get("kind") == "measure" and item.get("responsible_unit"):
                seen.setdefault(item["responsible_unit"], None)
        return list(seen)

    def assess(self, key: str, *, unit: str, indicator: str, score: int, note: str, actor: str) -> CaseState:
        """Record `unit`'s score on `indicator` (one audited step); the campaign's case is opened at the first.

        Raises:
            NotFound: no plan `key`.  InvalidInput: no indicators, an unknown indicator or unit, a score
            outside 0…max_score, an empty note.  RoleNotAllowed / UnknownUser: `actor` may not assess.
        """
        indicators = {i["id"]: i for i in self.indicators(key)}
        if not indicators:
            raise InvalidInput("assessment.no_indicators", campaign=key)
        if indicator not in indicators:
            raise InvalidInput("assessment.unknown_indicator", campaign=key, indicator=indicator[:40],
                               known=", ".join(indicators))
        if unit not in self.units(key):
            raise InvalidInput("assessment.unknown_unit", campaign=key, unit=unit[:64])
        top = int(indicators[indicator]["max_score"])
        if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= top:
            raise InvalidInput("assessment.score_range", indicator=indicator, max=top, score=score)
        case_id = self._case_for(key, actor)
        return self.cases.advance(case_id, RECORD, actor=actor, fields={
            "assessed_unit": unit, "indicator": indicator, "score": score, "score_note": note})

    def scores(self, key: str) -> dict[str, Any]:
        """{"indicators", "max_total", "case", "units": [{unit, scores: {indicator: {score, note, by, at}}, total}]}
        — the latest score per unit and indicator, every assessed unit listed (unscored ones with total 0)."""
        indicators = self.indicators(key)
        with self.cases.store.read() as tx:
            case_id = tx.assessment_case(key)
            events = tx.events(case_id) if case_id else []
        table = {u: UnitScores(u) for u in self.units(key)}
        for ev in events:
            p = ev.payload
            if ev.action != ADVANCED or p.get("trigger") != RECORD:
                continue
            f = p.get("fields") or {}
            row = table.setdefault(f["assessed_unit"], UnitScores(f["assessed_unit"]))
            row.scores[f["indicator"]] = {"score": f["score"], "note": f.get("score_note", ""), "by": ev.actor,
                                          "at": ev.at}
        return {"campaign": key, "case": case_id, "indicators": indicators,
                "max_total": sum(int(i["max_score"]) for i in indicators),
                "units": [row.to_dict() for row in table.values()]}

    def _campaign(self, key: str) -> StoredCampaign:
        with self.cases.store.read() as tx:
            stored = tx.get_campaign(key)
            if stored is None:
                raise NotFound("campaign.not_loaded", campaign=key, known=tx.campaign_keys())
            return stored

    def _case_for(self, key: str, actor: str) -> str:
        """The campaign's assessment case, opened (in the plan's lead unit, by `actor`) when there is none."""
        with self.cases.store.read() as tx:
            found = tx.assessment_case(key)
        if found:
            return found
        stored = self._campaign(key)
        defn = self.cases.registry.latest(ASSESSMENT_TYPE)
        with self.cases.begin() as work:
            found = work.tx.assessment_case(key)  # another person's first score came first
            if found:
                return found
            lead: str | None = stored.plan.get("lead_unit")
            case = work.open(defn, work.user(actor), title=f"{stored.title} 评估验收", unit=lead,
                             fields={"campaign": key}, campaign=key, by_campaign=True)
            work.tx.add_assessment_case(key, case.id)
            return case.id
