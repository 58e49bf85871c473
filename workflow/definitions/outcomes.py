"""How a case ended: the outcome of each closed-stage state (销号 is only one of them).

Every state of stage `closed` has an outcome from a fixed vocabulary, each with a default
bilingual label that a state may override (`outcome: {kind: referred, label: {zh: …, en: …}}`):

    closed_out  已销号    rectified and accepted — the only outcome the battle map's 销号率 counts
    unfounded   查否了结  checked and found baseless (or within the rules)
    referred    已移交    handed to another body or turned into another case (a clue, a ledger item)
    concluded   已办结    handled to its end otherwise (filed, replied, published, no problem found)
    withdrawn   已撤销    taken off the campaign's work (a plan measure a revised plan dropped): counted in
                          no rate, so a dropped measure never reads as done

A closed-stage state that names none (a definition written before the key existed) is `concluded`;
`DefinitionRegistry.outcome` then looks for the outcome a newer version gives the same state, so
cases still running on an old version count as the current file says. Parsing and validation:
workflow.definitions.lifecycle_parser.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

CLOSED_OUT = "closed_out"
UNFOUNDED = "unfounded"
REFERRED = "referred"
CONCLUDED = "concluded"
WITHDRAWN = "withdrawn"
OUTCOME_KINDS = (CLOSED_OUT, UNFOUNDED, REFERRED, CONCLUDED, WITHDRAWN)
OUTCOME_LABELS: Mapping[str, Mapping[str, str]] = {
    CLOSED_OUT: {"zh": "已销号", "en": "Closed out"},
    UNFOUNDED: {"zh": "查否了结", "en": "Unfounded"},
    REFERRED: {"zh": "已移交", "en": "Referred"},
    CONCLUDED: {"zh": "已办结", "en": "Concluded"},
    WITHDRAWN: {"zh": "已撤销", "en": "Withdrawn"},
}
OUTCOME_KEYS = frozenset({"kind", "label"})


@dataclass(frozen=True)
class Outcome:
    kind: str  # one of OUTCOME_KINDS
    label: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, kind: str, label: Mapping[str, str] | None = None) -> Outcome:
        """The outcome `kind` with `label`, or with the kind's default label."""
        return cls(kind, dict(label or OUTCOME_LABELS[kind]))


DEFAULT_OUTCOME = Outcome.of(CONCLUDED)
