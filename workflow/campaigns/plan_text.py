"""Small readers shared by the plan parsers: unknown keys, bilingual labels, dates — each problem at its line."""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from workflow.definitions.problems import Problems, label_problem

UNIT_CODE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")  # the directory's unit codes


def unknown_keys(p: Problems, container: Mapping[str, Any], known: frozenset[str], what: str) -> None:
    for k in container:
        if k not in known:
            p.add(container, k, f"{what}unknown key {k!r} (known: {', '.join(sorted(known))})")


def check_label(p: Problems, container: Mapping[str, Any], key: str, what: str) -> None:
    value = container.get(key)
    problem = label_problem(value)
    if problem:
        p.add(container, key if key in container else None, f"{what}: {problem}")
    elif isinstance(value, Mapping) and set(value) - {"zh", "en"}:
        # `{zh: …, en: a, b}` reads `b` as a key: the text was cut at the comma
        extra = ", ".join(repr(k) for k in value if k not in ("zh", "en"))
        p.add(container, key, f"{what}: label has unknown key {extra} (quote a text that contains a comma)")


def as_date(value: Any) -> str | None:
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        return None


def read_date(p: Problems, raw: Mapping[str, Any], key: str, what: str) -> str | None:
    value = raw.get(key)
    d = as_date(value)
    if d is None:
        p.add(raw, key if key in raw else None, f"{what}: {key} must be a date like 2021-06-30, got {value!r}")
    return d
