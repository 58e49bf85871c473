"""Reading the parts of a definition that make the engine act on its own: computed fields and
the cases a step opens. A mixin of the definition parser, so its messages carry ``PATH:LINE``."""
from __future__ import annotations

from typing import Any, Mapping

from workflow.engine.computed import Computation, parse_computation, reference_problems
from workflow.definitions.problems import SpecReader
from workflow.engine.fields import FieldSpec
from workflow.cases.linking import OpenSpec, parse_opens


class EffectsReader(SpecReader):
    def computed(self, spec: Mapping[str, Any], what: str, kind: Any) -> Computation | None:
        """The ``computed:`` entry of a field spec, or None."""
        if spec.get("computed") is None:
            return None
        parsed = parse_computation(spec["computed"], str(kind))
        if isinstance(parsed, str):
            self.add(spec, "computed", f"{what}: {parsed}")
            return None
        for flag in ("required", "immutable"):
            if spec.get(flag):
                self.add(spec, flag, f"{what}: a computed field cannot be {flag} (the engine sets it)")
        return parsed

    def computed_references(self, raw: Mapping[str, Any], fields: Mapping[str, FieldSpec]) -> None:
        """Computed fields read existing, plain fields (checked once every field is known)."""
        for name, spec in fields.items():
            if spec.computed is not None:
                for problem in reference_problems(name, spec.computed, fields):
                    self.add(raw, name, problem)

    def step_fields_not_computed(self, t: Mapping[str, Any], what: str, names: Mapping[str, list[str]],
                                 fields: Mapping[str, FieldSpec]) -> None:
        for key, listed in names.items():
            for f in listed:
                if f in fields and fields[f].computed is not None:
                    self.add(t, key, f"{what}: field {f!r} is computed by the engine; a step cannot take it")

    def opens(self, t: Mapping[str, Any], what: str, fields: Mapping[str, FieldSpec]) -> tuple[OpenSpec, ...]:
        """The ``opens:`` list of a transition (cases it opens, linked both ways)."""
        specs, problems = parse_opens(t.get("opens"), fields)
        for problem in problems:
            self.add(t, "opens", f"{what}: {problem}")
        return specs
