"""Engine-computed fields: values derived from other fields by engine code, never typed in by a user.

A field spec may say ``computed: {<kind>: <arguments>}``. At intake, and whenever a step (or a field
correction) supplies one of its inputs, the engine computes the value and writes it into the same
audit event as the inputs; replay only reads it back, so it never needs this module. The kinds
are a fixed vocabulary, like guards — nothing from a file is evaluated as code:

- ``years_after {field, years}``: the date `years` years after a date field (29 Feb → 28 Feb).
  Used for the practice restriction of departed court/procuratorate staff (离任二年内).
- ``copy {field}``: the value of another field (e.g. the former court whose cases are barred for life).
- ``one_of {field, values}``: true when a field's value is one of `values`, else false.
- ``band {field, bands: [[min, value], …]}``: the value of the first band whose min ≤ the number.
- ``self_report {channel, subject?, held_since?}``: how 自查从宽、被查从严 treats the case — one of
  counted / late / org_held / not_self_report (see ``workflow.definitions.leniency``).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from workflow.definitions.leniency import ASSESSMENTS, MATTER_FIELD, Facts, assess_self_report


@dataclass(frozen=True)
class Computation:
    kind: str
    args: Mapping[str, Any] = field(default_factory=dict)

    def inputs(self) -> tuple[str, ...]:
        """The fields this value is derived from (a change to any of them recomputes it)."""
        return tuple(str(self.args[k]) for k in _KINDS[self.kind].field_args if self.args.get(k))


class ComputedField(Protocol):
    """What a computation needs to know of a field (workflow.definitions.fields.FieldSpec is one)."""

    @property
    def type(self) -> str: ...
    @property
    def computed(self) -> Computation | None: ...
    @property
    def choice_values(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class ComputeContext:
    """What a computation may look at besides the case's fields."""

    case_id: str
    case_type: str
    reported_at: datetime  # when the case was reported (intake, or the source's step for a linked case)
    facts: Facts | None = None


@dataclass(frozen=True)
class _Kind:
    field_args: tuple[str, ...]  # arguments naming fields
    other_args: tuple[str, ...]  # other required arguments
    result_types: tuple[str, ...]  # field types the value fits
    fn: Callable[[Mapping[str, Any], Mapping[str, Any], ComputeContext], Any]
    optional_field_args: tuple[str, ...] = ()


def _years_after(args: Mapping[str, Any], values: Mapping[str, Any], ctx: ComputeContext) -> str | None:
    start = values.get(args["field"])
    if not start:
        return None
    day = date.fromisoformat(str(start))
    years = int(args["years"])
    try:
        return day.replace(year=day.year + years).isoformat()
    except ValueError:  # 29 February into a common year: the restriction ends on 28 February
        return day.replace(year=day.year + years, day=28).isoformat()


def _copy(args: Mapping[str, Any], values: Mapping[str, Any], ctx: ComputeContext) -> Any:
    value = values.get(args["field"])
    return None if value in (None, "") else value


def _one_of(args: Mapping[str, Any], values: Mapping[str, Any], ctx: ComputeContext) -> bool:
    return values.get(args["field"]) in list(args["values"])


def _band(args: Mapping[str, Any], values: Mapping[str, Any], ctx: ComputeContext) -> str | None:
    number = values.get(args["field"])
    if number is None or isinstance(number, bool):
        return None
    for minimum, value in args["bands"]:
        if number >= minimum:
            return str(value)
    return None


def _self_report(args: Mapping[str, Any], values: Mapping[str, Any], ctx: ComputeContext) -> str:
    subject_field = args.get("subject")
    held_field = args.get("held_since")
    return assess_self_report(
        channel=values.get(args["channel"]),
        reported_at=ctx.reported_at,
        subject=values.get(subject_field) if subject_field else None,
        held_since=values.get(held_field) if held_field else None,
        facts=ctx.facts, case_id=ctx.case_id, matter=values.get(MATTER_FIELD),
    )


_KINDS: dict[str, _Kind] = {
    "years_after": _Kind(("field",), ("years",), ("date",), _years_after),
    "copy": _Kind(("field",), (), ("text", "longtext", "date", "integer", "choice", "person", "unit"), _copy),
    "one_of": _Kind(("field",), ("values",), ("boolean",), _one_of),
    "band": _Kind(("field",), ("bands",), ("choice", "text"), _band),
    "self_report": _Kind(("channel", "subject", "held_since"), (), ("choice",), _self_report,
                         optional_field_args=("subject", "held_since")),
}
KINDS = tuple(_KINDS)


def parse_computation(raw: Any, field_type: str) -> Computation | str:
    """Parse a ``computed:`` entry; a string return is the problem to report."""
    if not isinstance(raw, Mapping) or len(raw) != 1:
        return f"computed must be one of {', '.join(KINDS)}, written as `computed: {{kind: {{…}}}}`"
    kind, args = next(iter(raw.items()))
    if kind not in _KINDS:
        return f"unknown computation {kind!r} (known: {', '.join(KINDS)})"
    spec = _KINDS[kind]
    if isinstance(args, str) and len(spec.field_args) == 1 and not spec.other_args:
        args = {spec.field_args[0]: args}
    if not isinstance(args, Mapping):
        return f"computed {kind}: arguments must be a mapping"
    required = [a for a in spec.field_args + spec.other_args if a not in spec.optional_field_args]
    missing = [a for a in required if a not in args]
    if missing:
        return f"computed {kind} needs {', '.join(missing)}"
    unknown = [a for a in args if a not in spec.field_args + spec.other_args]
    if unknown:
        return f"computed {kind}: unknown argument(s) {', '.join(map(str, unknown))}"
    if field_type not in spec.result_types:
        return f"computed {kind} gives a {' or '.join(spec.result_types)} value, not a {field_type}"
    return _check_args(kind, dict(args)) or Computation(str(kind), dict(args))


def _check_args(kind: str, args: dict[str, Any]) -> str | None:
    if kind == "years_after" and (isinstance(args["years"], bool) or not isinstance(args["years"], int)
                                  or not 1 <= args["years"] <= 100):
        return "computed years_after: years must be a whole number 1–100"
    if kind == "one_of" and not isinstance(args["values"], list):
        return "computed one_of: values must be a list"
    if kind == "band":
        bands = args["bands"]
        ok = isinstance(bands, list) and bands and all(
            isinstance(b, list) and len(b) == 2 and isinstance(b[0], int) and not isinstance(b[0], bool)
            for b in bands)
        if not ok or [b[0] for b in bands] != sorted((b[0] for b in bands), reverse=True):
            return "computed band: bands must be a list of [min, value] pairs, highest min first"
    return None


def reference_problems(name: str, comp: Computation, fields: Mapping[str, ComputedField]) -> list[str]:
    """Problems with the fields a computation reads (they must exist and not be computed themselves)."""
    problems = []
    for arg in _KINDS[comp.kind].field_args:
        ref = comp.args.get(arg)
        if ref is None:
            continue
        if not isinstance(ref, str) or ref not in fields:
            problems.append(f"field {name!r}: computed {comp.kind} reads unknown field {ref!r}")
        elif fields[ref].computed is not None:
            problems.append(f"field {name!r}: computed {comp.kind} may not read the computed field {ref!r}")
        elif fields[ref].type == "attachment":
            problems.append(f"field {name!r}: computed {comp.kind} cannot read the attachment field {ref!r}")
    target = fields[name]
    if comp.kind == "self_report" and target.type == "choice":
        missing = [a for a in ASSESSMENTS if a not in target.choice_values]
        if missing:
            problems.append(f"field {name!r}: a self_report field needs the choices {', '.join(ASSESSMENTS)}")
    return problems


def derive(fields: Mapping[str, ComputedField], existing: Mapping[str, Any], supplied: Mapping[str, Any],
           ctx: ComputeContext, *, intake: bool) -> dict[str, Any]:
    """The computed values to record with `supplied` (only those that change).

    At intake every computed field is computed; later only those whose inputs were supplied.
    """
    merged = {**existing, **supplied}
    out: dict[str, Any] = {}
    for name, spec in fields.items():
        comp = spec.computed
        if comp is None or not (intake or any(i in supplied for i in comp.inputs())):
            continue
        value = _KINDS[comp.kind].fn(comp.args, merged, ctx)
        if value is None and name not in existing:
            continue
        if existing.get(name) != value:
            out[name] = value
    return out
