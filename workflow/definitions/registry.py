"""The set of loaded definitions (every version still in use) and the role vocabulary they were read with."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from workflow.definitions.model import Definition
from workflow.definitions.outcomes import CLOSED_OUT, DEFAULT_OUTCOME, Outcome
from workflow.definitions.roles import RoleBook
from workflow.errors import DefinitionRefused, UnknownCaseType


class DefinitionRegistry:
    """Definitions by (name, version); new cases use the latest version, old cases keep theirs.

    A registry never changes after it is built (a reload builds a new one), so its look-ups are
    worked out once here.
    """

    def __init__(self, definitions: Iterable[Definition], roles: RoleBook, *,
                 refused: Mapping[tuple[str, int], str] | None = None) -> None:
        self.roles = roles
        # Stored versions this parser refuses ((name, version) -> the first problem): asking for one says which
        # and how to migrate its cases, instead of every command failing at start-up (workflow.adapters.files).
        self.refused: dict[tuple[str, int], str] = dict(refused or {})
        self._by_key: dict[tuple[str, int], Definition] = {d.key: d for d in definitions}
        self._latest: dict[str, Definition] = {}
        for (name, _version), d in sorted(self._by_key.items()):
            self._latest[name] = d
        self._subject_fields = _subject_fields(self._latest.values())
        self._outcomes: dict[tuple[str, int, str], Outcome | None] = {}  # filled as they are asked for
        self._closes_out: dict[str, bool] = {}

    def outcome(self, name: str, version: int, state: str) -> Outcome | None:
        """How a case of type `name` (run on `version`) in `state` ended; None while it is open.

        A closed-stage state that names no outcome — a version written before outcomes existed,
        or one no longer loaded — takes the outcome the newest version naming one gives that state,
        so an upgrade does not recount the cases that old versions closed; failing that, `concluded`.
        """
        key = (name, version, state)
        if key not in self._outcomes:
            self._outcomes[key] = self._resolve_outcome(name, version, state)
        return self._outcomes[key]

    def _resolve_outcome(self, name: str, version: int, state: str) -> Outcome | None:
        own = self._by_key.get((name, version))
        spec = own.states.get(state) if own else None
        if spec is not None and spec.outcome is not None:
            return spec.outcome
        newer_first = sorted((d for d in self._by_key.values() if d.name == name and state in d.states),
                             key=lambda d: d.version, reverse=True)
        if spec is None and not newer_first:
            return None  # a state no loaded version knows: nothing to say
        if (spec or newer_first[0].states[state]).stage != "closed":
            return None
        declared = next((d.states[state].outcome for d in newer_first if d.states[state].outcome), None)
        return declared or DEFAULT_OUTCOME

    def closes_out(self, name: str) -> bool:
        """Whether some version of the type can end in a close-out (销号): its cases count in the 销号率."""
        if name not in self._closes_out:
            self._closes_out[name] = any(self.outcome_kind(d.name, d.version, s) == CLOSED_OUT
                                         for d in self._by_key.values() if d.name == name for s in d.states)
        return self._closes_out[name]

    def outcome_kind(self, name: str, version: int, state: str) -> str | None:
        found = self.outcome(name, version, state)
        return found.kind if found else None

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
            if (name, version) in self.refused:
                raise DefinitionRefused("definition.unreadable", case_type=name, version=version,
                                        problem=self.refused[name, version]) from None
            raise UnknownCaseType(f"{name}@v{version}", self.names()) from None

    def refusals(self) -> list[DefinitionRefused]:
        """Why each refused stored version cannot be used, as the error asking for it would say it."""
        return [DefinitionRefused("definition.unreadable", case_type=n, version=v, problem=p)
                for (n, v), p in sorted(self.refused.items())]

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
