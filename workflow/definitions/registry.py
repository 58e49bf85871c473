"""The set of loaded definitions (every version still in use) and the role vocabulary."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from workflow.definitions.model import Definition
from workflow.errors import UnknownCaseType
from workflow.engine.machine import Lifecycle


@dataclass(frozen=True)
class Role:
    name: str
    label: Mapping[str, str]
    read_only: bool = False


class DefinitionRegistry:
    """Definitions by (name, version); new cases use the latest version, old cases keep theirs."""

    def __init__(self, definitions: Iterable[Definition], roles: Mapping[str, Role]) -> None:
        self.roles = dict(roles)
        self._by_key: dict[tuple[str, int], Definition] = {}
        self._lifecycles: dict[tuple[str, int], Lifecycle] = {}
        for d in definitions:
            self._by_key[d.key] = d
            self._lifecycles[d.key] = Lifecycle(d)
        # A registry never changes after it is built (a reload builds a new one): look-ups are precomputed.
        self._latest: dict[str, Definition] = {}
        for (name, version), d in sorted(self._by_key.items()):
            self._latest[name] = d

    def names(self) -> list[str]:
        return sorted(self._latest)

    def latest(self, name: str) -> Definition:
        found = self._latest.get(name)
        if found is None:
            raise UnknownCaseType(name, self.names())
        return found

    def get(self, name: str, version: int) -> Definition:
        try:
            return self._by_key[(name, version)]
        except KeyError:
            raise UnknownCaseType(f"{name}@v{version}", self.names()) from None

    def lifecycle(self, definition: Definition) -> Lifecycle:
        return self._lifecycles[definition.key]

    def definitions(self) -> list[Definition]:
        """Every loaded version of every definition."""
        return list(self._by_key.values())

    def all_latest(self) -> list[Definition]:
        return [self.latest(name) for name in self.names()]
