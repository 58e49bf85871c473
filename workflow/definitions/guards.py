"""Declarative guards: the fixed vocabulary of conditions a definition may put on a transition.

YAML names a guard and its arguments; nothing from a file is ever evaluated as code. Each guard
answers with a reason when it says no, so the user learns *why* a step is blocked.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from workflow.messages import Message


@dataclass(frozen=True)
class Guard:
    kind: str
    args: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GuardContext:
    """What a guard may look at: the case as it stands, the step's input and who acts, when."""

    actor: str
    actor_role: str
    fields: Mapping[str, Any]  # the case's fields merged with the fields supplied at this step
    last_actor_by_trigger: Mapping[str, str]
    assignee: str | None
    due_at: datetime | None
    now: datetime


def _not_actor_of(args: Mapping[str, Any], ctx: GuardContext) -> Message | None:
    trigger = args["trigger"]
    if ctx.last_actor_by_trigger.get(trigger) == ctx.actor:
        return Message("guard.not_actor_of", {"trigger": trigger})
    return None


def _field_present(args: Mapping[str, Any], ctx: GuardContext) -> Message | None:
    value = ctx.fields.get(args["field"])
    return None if value not in (None, "", []) else Message("guard.field_present", {"field": args["field"]})


def _field_equals(args: Mapping[str, Any], ctx: GuardContext) -> Message | None:
    if ctx.fields.get(args["field"]) == args["value"]:
        return None
    value = args["value"]
    return Message("guard.field_equals", {"field": args["field"], "value": value, "value_repr": repr(value)})


def _field_in(args: Mapping[str, Any], ctx: GuardContext) -> Message | None:
    if ctx.fields.get(args["field"]) in args["values"]:
        return None
    return Message("guard.field_in", {"field": args["field"], "values": [str(v) for v in args["values"]]})


def _field_not_in(args: Mapping[str, Any], ctx: GuardContext) -> Message | None:
    if ctx.fields.get(args["field"]) not in args["values"]:
        return None
    value = ctx.fields.get(args["field"])
    return Message("guard.field_not_in", {"field": args["field"], "value": value, "value_repr": repr(value)})


def _min_attachments(args: Mapping[str, Any], ctx: GuardContext) -> Message | None:
    # An empty file is no evidence: only files with content count (one stored before this rule had size 0 too).
    have = sum(1 for f in ctx.fields.get(args["field"]) or [] if not isinstance(f, Mapping) or f.get("size") != 0)
    need = args.get("count", 1)
    return None if have >= need else Message("guard.min_attachments",
                                             {"count": need, "field": args["field"], "have": have})


def _actor_is_assignee(args: Mapping[str, Any], ctx: GuardContext) -> Message | None:
    if ctx.assignee is None or ctx.assignee == ctx.actor:
        return None
    return Message("guard.actor_is_assignee", {"user": ctx.assignee})


def _before_deadline(args: Mapping[str, Any], ctx: GuardContext) -> Message | None:
    if ctx.due_at is None or ctx.now < ctx.due_at:
        return None
    return Message("guard.before_deadline")


def _after_deadline(args: Mapping[str, Any], ctx: GuardContext) -> Message | None:
    # e.g. the bureau cancels a licence only once the time set for applying has run out (二(四)措施(3))
    if ctx.due_at is not None and ctx.now >= ctx.due_at:
        return None
    return Message("guard.after_deadline")


def _only_if(args: Mapping[str, Any], ctx: GuardContext) -> Message | None:
    # 自查从宽、被查从严 and the 三个规定 tiers: a choice (第一种形态, 保护鼓励 …) is open only when the facts
    # allow it. `any` holds parsed Guards; when the field has none of `values` the condition does not apply.
    if ctx.fields.get(args["field"]) not in args["values"]:
        return None
    reasons = [evaluate((g,), ctx) for g in args["any"]]
    if any(r is None for r in reasons):
        return None
    value = ctx.fields.get(args["field"])
    return Message("guard.only_if", {"field": args["field"], "value": value, "value_repr": repr(value),
                                     "reason": reasons[0]})


# kind -> (required argument names, evaluator). A scalar YAML argument fills the first name.
VOCABULARY: dict[str, tuple[tuple[str, ...], Callable[[Mapping[str, Any], GuardContext], Message | None]]] = {
    "not_actor_of": (("trigger",), _not_actor_of),
    "field_present": (("field",), _field_present),
    "field_equals": (("field", "value"), _field_equals),
    "field_in": (("field", "values"), _field_in),
    "field_not_in": (("field", "values"), _field_not_in),
    "min_attachments": (("field",), _min_attachments),
    "actor_is_assignee": ((), _actor_is_assignee),
    "before_deadline": ((), _before_deadline),
    "after_deadline": ((), _after_deadline),
    "only_if": (("field", "values", "any"), _only_if),
}
# Arguments a guard may take besides its required ones; any other argument is refused at load.
OPTIONAL_ARGS: dict[str, tuple[str, ...]] = {"min_attachments": ("count",)}


def parse_guard(raw: Any) -> Guard | str:
    """Parse one guard entry; return a message string when it is not valid."""
    if isinstance(raw, str) and raw in VOCABULARY and not VOCABULARY[raw][0]:
        return Guard(raw)
    if isinstance(raw, str) and raw in VOCABULARY:
        return f"guard {raw!r} needs {', '.join(VOCABULARY[raw][0])}, written as `- {raw}: …`"
    if not isinstance(raw, Mapping) or len(raw) != 1:
        return f"a guard is one of {', '.join(sorted(VOCABULARY))}, written as `- kind: argument`"
    kind, value = next(iter(raw.items()))
    if kind not in VOCABULARY:
        return f"unknown guard {kind!r}; known guards: {', '.join(sorted(VOCABULARY))}"
    names = VOCABULARY[kind][0]
    if isinstance(value, Mapping):
        args = dict(value)
    elif names:
        args = {names[0]: value}
    else:
        args = {}
    missing = [n for n in names if n not in args]
    if missing:
        return f"guard {kind!r} needs {', '.join(missing)}"
    unknown = sorted(str(a) for a in args if a not in names + OPTIONAL_ARGS.get(kind, ()))
    if unknown:
        return f"guard {kind!r} takes no argument {', '.join(unknown)}"
    if "values" in args and not isinstance(args["values"], list):
        return f"guard {kind!r}: values must be a list"
    if kind == "only_if":
        return _parse_only_if(args)
    for name in ("field", "trigger"):
        if name in args and not isinstance(args[name], str):
            return f"guard {kind!r}: {name} must be a name"
    count = args.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        return f"guard {kind!r}: count must be a whole number ≥ 1"
    return Guard(str(kind), args)


def _parse_only_if(args: dict[str, Any]) -> Guard | str:
    """`only_if: {field, values, any: [guard, …]}` — when `field` is one of `values`, at least one of the
    nested guards must agree. Nested guards are any other kind (not another only_if)."""
    if not isinstance(args["field"], str):
        return "guard 'only_if': field must be a name"
    if not isinstance(args["values"], list) or not args["values"]:
        return "guard 'only_if': values must be a non-empty list"
    if not isinstance(args["any"], list) or not args["any"]:
        return "guard 'only_if': any must be a non-empty list of guards"
    nested: list[Guard] = []
    for raw in args["any"]:
        parsed = parse_guard(raw)
        if isinstance(parsed, str):
            return f"guard 'only_if', in any: {parsed}"
        if parsed.kind == "only_if":
            return "guard 'only_if': any may not hold another only_if"
        nested.append(parsed)
    return Guard("only_if", {**args, "any": tuple(nested)})


def fields_named(guard: Guard) -> list[str]:
    """Field names a guard reads, so the parser can check they exist."""
    own = [str(guard.args["field"])] if "field" in guard.args else []
    return own + [f for g in guard.args.get("any", ()) for f in fields_named(g)]


def evaluate(guards: tuple[Guard, ...], ctx: GuardContext) -> Message | None:
    """Return the first refusal (why the step may not be taken), or None when every guard agrees."""
    for guard in guards:
        reason = VOCABULARY[guard.kind][1](guard.args, ctx)
        if reason:
            return reason
    return None
