"""What a plan says of a measure beyond its text: lead and supporting units, dates, phases."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workflow.campaigns.plan_text import UNIT_CODE_RE, as_date, check_label, read_date, unknown_keys
from workflow.definitions.problems import Problems

PHASE_KEYS = frozenset({"title", "from", "until"})


@dataclass(frozen=True)
class Phase:
    """A stage of a measure (动员部署, 集中整治 …), ending on `until` (ISO date, included)."""

    title: Mapping[str, str]
    until: str
    first: str | None = None  # ISO date it starts, when the plan says

    def to_dict(self) -> dict[str, Any]:
        return {"title": dict(self.title), "from": self.first, "until": self.until}


def lead_unit_of(p: Problems, raw: Mapping[str, Any], what: str) -> str | None:
    """The measure's lead unit: ``responsible_unit`` (or its synonym ``lead_unit``); None: the plan's."""
    given = [k for k in ("responsible_unit", "lead_unit") if k in raw]
    if len(given) > 1:
        p.add(raw, given[1], f"{what}: give responsible_unit or lead_unit, not both (they mean the same)")
    value = raw.get(given[0]) if given else None
    if given and (not isinstance(value, str) or not UNIT_CODE_RE.match(value)):
        p.add(raw, given[0], f"{what}: {given[0]} must be a unit code, got {value!r}")
        return None
    return value


def unit_list(p: Problems, raw: Mapping[str, Any], key: str, what: str) -> list[str]:
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


def deadlines_of(p: Problems, raw: Mapping[str, Any], what: str) -> list[str]:
    """`deadline: DATE` or `deadlines: [DATE, …]` (in order); the phases' ends are added by the caller."""
    if "deadline" in raw and "deadlines" in raw:
        p.add(raw, "deadlines", f"{what}: give deadline or deadlines, not both")
    if "deadline" in raw:
        d = read_date(p, raw, "deadline", what)
        return [d] if d else []
    if "deadlines" not in raw:
        return []
    value = raw["deadlines"]
    if not isinstance(value, list) or not value:
        p.add(raw, "deadlines", f"{what}: deadlines must be a non-empty list of dates")
        return []
    out: list[str] = []
    for v in value:
        d = as_date(v)
        if d is None:
            p.add(raw, "deadlines", f"{what}: deadlines must be dates like 2021-06-30, got {v!r}")
        elif out and d <= out[-1]:
            p.add(raw, "deadlines", f"{what}: deadlines must be in order, each after the one before ({d})")
        else:
            out.append(d)
    return out


def phases_of(p: Problems, raw: Mapping[str, Any], what: str) -> tuple[Phase, ...]:
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
        unknown_keys(p, ph, PHASE_KEYS, f"{what} phase: ")
        check_label(p, ph, "title", f"{what} phase")
        until = read_date(p, ph, "until", f"{what} phase")
        first = read_date(p, ph, "from", f"{what} phase") if "from" in ph else None
        if first and until and first > until:
            p.add(ph, "until", f"{what}: phase ends ({until}) before it starts ({first})")
        if until and out and (until < out[-1].until or (first and first < out[-1].until)):
            p.add(ph, "from" if first else "until", f"{what}: phases must follow each other (this one "
                                                    f"overlaps or precedes the one ending {out[-1].until})")
        if until:
            out.append(Phase(dict(ph.get("title") or {}), until, first))
    return tuple(out)
