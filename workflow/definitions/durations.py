"""Durations as definitions write them: '5 working_days', '10 calendar_days', '48 hours'.

The arithmetic that turns a duration into a due instant is workflow.escalation.deadlines; this is
only the vocabulary a definition file (deadlines, escalation rungs) is checked against.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal, get_args

from workflow.errors import DefinitionError

Unit = Literal["working_days", "calendar_days", "hours"]
UNITS: tuple[str, ...] = get_args(Unit)

# Accepted spellings of each unit (matched case-insensitively after the amount). A bare
# "days" is deliberately refused: rules say either 工作日 or 日, and guessing is how
# deadlines end up a week off.
_UNIT_ALIASES: dict[str, Unit] = {
    "working_days": "working_days", "working_day": "working_days",
    "working days": "working_days", "working day": "working_days", "wd": "working_days",
    "calendar_days": "calendar_days", "calendar_day": "calendar_days",
    "calendar days": "calendar_days", "calendar day": "calendar_days", "d": "calendar_days",
    "hours": "hours", "hour": "hours", "h": "hours",
}
_DURATION_RE = re.compile(r"^\s*([+-]?\d+)\s*([a-z_ ]+?)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Duration:
    amount: int
    unit: Unit

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise DefinitionError(f"unknown duration unit {self.unit!r} (use one of {UNITS})")
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount <= 0:
            raise DefinitionError(f"duration amount must be a positive integer, got {self.amount!r}")

    def __str__(self) -> str:
        return f"{self.amount} {self.unit}"


def parse_duration(text: str) -> Duration:
    """Parse '5 working_days', '5 working days', '5wd', '10 calendar_days', '10d', '48h'..."""
    # Every transition into a state with a deadline parses the same few texts: each is parsed once.
    return _parsed(text) if isinstance(text, str) else _parse(text)


@functools.lru_cache(maxsize=512)
def _parsed(text: str) -> Duration:
    return _parse(text)  # (a text that does not parse raises each time: lru_cache keeps only results)


def _parse(text: str) -> Duration:
    match = _DURATION_RE.match(text) if isinstance(text, str) else None
    unit = _UNIT_ALIASES.get(" ".join(match.group(2).lower().split())) if match else None
    if match is None or unit is None:
        raise DefinitionError(
            f"invalid duration {text!r}: expected '<positive integer> <unit>' with unit "
            "working_days (wd), calendar_days (d) or hours (h), e.g. '5 working_days'"
        )
    amount = int(match.group(1))
    if amount <= 0:
        raise DefinitionError(f"invalid duration {text!r}: the amount must be positive")
    return Duration(amount, unit)
