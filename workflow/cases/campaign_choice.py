"""Which campaign a new case belongs to: the one named at intake, or the one active campaign of its unit.

A campaign (a loaded plan, workflow.campaigns) spans units and runs between dates; it may limit the case
types and the problem categories it takes. Its attributes are stored with the plan, under ``entity``
(workflow.campaigns.entity writes them). At intake:

- a named campaign must exist, span the case's unit (the unit or one of its ancestors is among the
  campaign's units) and take the case's type — else `campaign.not_covering`;
- none named: the campaigns active for the unit today (spanning it, taking the type, today within
  their dates) are looked up; exactly one is the case's campaign, none leaves the case outside every
  campaign, several refuse the intake (`campaign.ambiguous`) until one is chosen.

The case keeps it for life: the `opened` event carries it (workflow.engine.projection folds it).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from workflow.errors import InvalidInput, NotFound
from workflow.ports import ReadTx
from workflow.records import StoredCampaign


@dataclass(frozen=True)
class CampaignScope:
    """What a campaign spans: units, dates (ISO, both included; None: open), case types and categories."""

    key: str
    title: str
    units: tuple[str, ...]
    starts_on: str | None = None
    ends_on: str | None = None
    case_types: tuple[str, ...] = ()  # empty: every type
    categories: tuple[str, ...] = ()  # empty: every category the type offers

    @classmethod
    def of(cls, stored: StoredCampaign) -> CampaignScope:
        entity: Mapping[str, Any] = stored.plan.get("entity") or {}
        return cls(stored.key, stored.title, tuple(entity.get("units") or ()), entity.get("starts_on"),
                   entity.get("ends_on"), tuple(entity.get("case_types") or ()),
                   tuple(c["value"] for c in entity.get("categories") or ()))

    def spans(self, chain: Sequence[str]) -> bool:
        return any(code in self.units for code in chain)

    def takes(self, case_type: str) -> bool:
        return not self.case_types or case_type in self.case_types

    def active_on(self, day: date) -> bool:
        iso = day.isoformat()
        return (self.starts_on is None or self.starts_on <= iso) and (self.ends_on is None or iso <= self.ends_on)


def campaign_scopes(tx: ReadTx) -> list[CampaignScope]:
    return [CampaignScope.of(stored) for key in tx.campaign_keys() if (stored := tx.get_campaign(key))]


def choose_campaign(tx: ReadTx, *, named: str | None, case_type: str, chain: Sequence[str], today: date,
                    category: object = None, preferred: str | None = None,
                    scopes: Callable[[], list[CampaignScope]] | None = None) -> str | None:
    """The campaign key a new case of `case_type` in the unit whose chain (the unit, then its ancestors) is
    `chain` belongs to, `today` being the bureau's calendar day. `preferred` (the campaign of the case whose
    step opens this one) is taken when it spans the unit and takes the type. `scopes` gives the loaded
    campaigns (default: read them; a unit of work opening many cases reads them once).

    Raises:
        NotFound: `named` is no loaded campaign.
        InvalidInput: `named` does not span the unit or take the type (`campaign.not_covering`); none named
            and several are active (`campaign.ambiguous`, naming them); the category is not one of the
            campaign's (`campaign.category_not_in_plan`).
    """
    unit = chain[0] if chain else ""
    if not named and preferred and (stored := tx.get_campaign(preferred)) is not None:
        # a case opened by another case's step stays in that case's campaign, where it fits
        candidate = CampaignScope.of(stored)
        if candidate.spans(chain) and candidate.takes(case_type):
            named = preferred
    if named:
        stored = tx.get_campaign(named)
        if stored is None:
            raise NotFound("campaign.not_loaded", campaign=named, known=tx.campaign_keys())
        scope = CampaignScope.of(stored)
        if not (scope.spans(chain) and scope.takes(case_type)):
            raise InvalidInput("campaign.not_covering", campaign=scope.title, unit=unit, case_type=case_type)
    else:
        loaded = scopes() if scopes is not None else campaign_scopes(tx)
        active = [s for s in loaded if s.spans(chain) and s.takes(case_type) and s.active_on(today)]
        if len(active) > 1:
            raise InvalidInput("campaign.ambiguous", unit=unit, campaigns=[s.title for s in active],
                               keys=[s.key for s in active])
        if not active:
            return None
        scope = active[0]
    if scope.categories and isinstance(category, str) and category and category not in scope.categories:
        raise InvalidInput("campaign.category_not_in_plan", campaign=scope.title, category=category,
                           known=list(scope.categories))
    return scope.key
