"""The set of loaded definitions (every version still in use) and the role vocabulary they were read with."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from workflow.definitions.model import Definition
from workflow.definitions.roles import RoleBook
from workflow.errors import UnknownCaseType


class DefinitionRegistry:
    """Definitions by (name, version); new cases use the latest version, old cases keep theirs.

    A registry never changes after it is built (a reload builds a new one), so its look-ups are
    worked out once here.
    """

    def __init__(self, definitions: Iterable[Definition], roles: RoleBook) -> None:
        self.roles = roles
        self._by_key: dict[tuple[str, int], Definition] = {d.key: d for d in definitions}
        self._latest: dict[str, Definition] = {}
        for (name, _version), d in sorted(self._by_key.items()):
            self._latest[name] = d
        self._subject_fields = _subject_fields(self._latest.values())

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

    def definitions(self) -> list[Definition]:
        """Every loaded version of every definition."""
        return list(self._by_key.values())

    def all_latest(self) -> list[Definition]:
        return [self.latest(name) for name in self.names()]

    def subject_fields(self) -> Mapping[str, str]:
        """Case type → the field naming the person a self-report is about (for "about the same subject")."""
        return self._subject_fields


def _subject_fields(definitions: Iterable[Definition]) -> dict[str, str]:
    out: dict[str, str] = {}
    for d in definitions:
        for spec in d.fields.values():
            if spec.computed is not None and spec.computed.kind == "self_report" and spec.computed.args.get("subject"):
                out[d.name] = str(spec.computed.args["subject"])
    return out
