"""Reporting problems in a definition file as ``PATH:LINE: message``, and the checks every spec shares.

`SpecReader` holds the small, generic checks (known keys, true/false flags, lists of names, roles,
bilingual labels); the parsers (workflow.definitions.parser, workflow.definitions.lifecycle_parser)
use one and only say what each part of a file means.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflow.definitions.model import line_of
from workflow.definitions.roles import RoleBook
from workflow.errors import DefinitionError


class Problems:
    """Collects ``PATH:LINE: message`` strings while a file is parsed."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[str] = []

    def add(self, container: Any, key: Any, message: str) -> None:
        line = line_of(container, key)
        self.items.append(f"{self.source}:{line if line is not None else '?'}: {message}")

    def add_at(self, line: int, message: str) -> None:
        self.items.append(f"{self.source}:{line}: {message}")

    def raise_if_any(self) -> None:
        if self.items:
            raise DefinitionError(self.items)


def label_problem(value: Any) -> str | None:
    """Labels are bilingual: both zh and en, non-empty strings."""
    if not isinstance(value, Mapping):
        return "needs a bilingual label {zh: …, en: …}"
    missing = [lang for lang in ("zh", "en") if not isinstance(value.get(lang), str) or not value[lang].strip()]
    if missing:
        return f"label is missing {' and '.join(missing)}"
    extra = [str(k) for k in value if k not in ("zh", "en")]
    if extra:
        # Usually a comma inside an unquoted flow-style text: {en: Rectified, awaiting acceptance}
        return f"label has unknown key {', '.join(map(repr, extra))} (quote a text that contains a comma)"
    return None


def mapping(value: Any) -> dict[str, Any]:
    """A copy of `value` when it is a mapping, else {} (the problem itself is reported elsewhere)."""
    return dict(value) if isinstance(value, Mapping) else {}


def hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


class SpecReader:
    """Generic checks on the mappings of one file; each problem goes to `problems` with its line."""

    def __init__(self, problems: Problems, roles: RoleBook) -> None:
        self.problems, self.roles = problems, roles

    def add(self, container: Any, key: Any, message: str) -> None:
        self.problems.add(container, key, message)

    def label(self, container: Any, key: str, what: str = "", missing_at: tuple[Any, Any] | None = None) -> None:
        problem = label_problem(container.get(key) if isinstance(container, Mapping) else None)
        if problem:
            # A label left out entirely is reported where its owner is named (the state's or field's line).
            absent = not (isinstance(container, Mapping) and key in container)
            container, key = missing_at if missing_at and absent else (container, key)
            self.add(container, key, f"{what or key}: {problem}")

    def keys(self, container: Mapping[Any, Any], known: frozenset[str], what: str) -> None:
        """A misspelt key (`gaurds:`) is an error: silently ignoring it would drop a rule."""
        for key in container:
            if key not in known:
                where = f"{what}: " if what else ""
                self.add(container, key, f"{where}unknown key {key!r} (known: {', '.join(sorted(known))})")

    def flag(self, container: Mapping[str, Any], key: str, what: str) -> bool:
        """A true/false setting; `required: no` stays the string 'no' and must not count as yes."""
        value = container.get(key, False)
        if not isinstance(value, bool):
            self.add(container, key, f"{what}: {key} must be true or false, got {value!r}")
            return False
        return value

    def names(self, container: Mapping[str, Any], key: str, what: str) -> list[str]:
        """A list of names (one name alone is accepted too); anything else is reported."""
        value = container.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.add(container, key, f"{what}: {key} must be a name or a list of names")
            return []
        return list(value)

    def role_list(self, container: Mapping[str, Any], key: str, *, allow_read_only: bool) -> list[str]:
        value = container.get(key) or []
        if not isinstance(value, list) or not all(isinstance(r, str) for r in value):
            self.add(container, key, f"{key} must be a list of roles")
            return []
        for role in value:
            if role not in self.roles:
                self.add(container, key, f"unknown role {role!r} (known: {', '.join(sorted(self.roles))})")
            elif self.roles[role].read_only and not allow_read_only:
                self.add(container, key, f"role {role!r} is read-only and cannot act on cases")
        return list(value)
