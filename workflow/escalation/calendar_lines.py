"""Where in the calendar file a problem lies: each problem of `parse_calendar` names the part it is about
("years.2026.holidays[0]", "'version'", …); the YAML loader kept the line of every mapping and key
(workflow.adapters.files.yaml_files.LineDict), so the part gives the line, as ``FILE:LINE: problem``.
Plain dicts (tests, other loaders) carry no lines: their problems read ``FILE:?: problem``.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def locate(problems: list[str], data: Mapping[str, Any], source: str) -> list[str]:
    """Each problem prefixed with ``source:LINE: ``."""
    lines = _lines(data)
    return [f"{source}:{_line_of(p, lines)}: {p}" for p in problems]


def _lines(data: Mapping[str, Any]) -> dict[str, int]:
    """Where each part of the calendar starts: "name", "years.2026", "years.2026.holidays[0]", … -> line."""
    def line(node: object, key: object = None) -> int | None:
        if key is not None:
            return getattr(node, "__lines__", {}).get(key)
        return getattr(node, "__line__", None)

    found: dict[str, int | None] = {k: line(data, k) for k in ("name", "version", "timezone", "years")}
    years = data.get("years")
    if isinstance(years, Mapping):
        for raw_year, entry in years.items():
            ywhere = f"years.{raw_year}"
            found[ywhere] = line(years, raw_year)
            found[f"year key {raw_year!r}"] = found[ywhere]
            if not isinstance(entry, Mapping):
                continue
            for part in ("holidays", "workdays"):
                found[f"{ywhere}.{part}"] = line(entry, part)
                items = entry.get(part)
                for i, item in enumerate(items if isinstance(items, list) else []):
                    found[f"{ywhere}.{part}[{i}]"] = line(item) or line(entry, part)
    return {k: v for k, v in found.items() if v is not None}


def _line_of(problem: str, lines: Mapping[str, int]) -> int | str:
    """The line of the most specific part a problem names ("?" when it names none the loader kept)."""
    best, where = "", "?"
    for part, n in lines.items():
        for hit in (f"{part}:", f"{part} ", f"'{part}'", f"{part}."):
            if hit in problem and len(part) > len(best):
                best, where = part, str(n)
    if not best and ("timezone" in problem) and "timezone" in lines:
        return lines["timezone"]
    return where
