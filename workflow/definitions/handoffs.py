"""What a step hands over, and who hears of it: `assigns`, `moves_to`, `returns` and `notify` on a transition.

    assigns: owner                      # the person chosen in the step's `owner` field gets the case
    moves_to: lead_unit                 # the unit chosen in the step's `lead_unit` field becomes the case's
    returns: {reason: return_reason, reset: [result, evidence]}
                                        # a return for rework: the reason is required and shown to the
                                        # receiver; the reset fields belonged to the round that failed
    notify:                             # notices besides (or instead of) the defaults
      - {kind: returned, to: [submitter, unit_head]}
    notify: false                       # this step notifies no one

The engine's default notices (workflow.cases.notices) follow from these keys; `notify:` replaces the
recipients of a default kind it names (`to: []` silences it) and adds any other kind.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from workflow.definitions.fields import FieldSpec

KIND_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
# The kinds the engine sends by itself (workflow.cases.notices); definitions may add their own.
DEFAULT_KINDS = ("assigned", "dispatched", "returned", "returned_to_unit", "extension_approved",
                 "extension_rejected", "issued")
# Who may receive a notice, besides the definition's roles (people of that role in the case's unit chain):
RECIPIENTS = {
    "assignee": "the case's assignee after the step",
    "previous_assignee": "the assignee before the step",
    "submitter": "whoever brought the case into the state the step leaves (the reporter, the requester)",
    "unit_queue": "the people who work the case unit's queue (签收 capability, in that unit)",
}
ACTOR_OF = "actor_of:"  # `actor_of:<trigger>`: whoever last fired that trigger on the case
RETURN_KEYS = frozenset({"reason", "reset"})
NOTICE_KEYS = frozenset({"kind", "to"})


class SpecReader(Protocol):
    """What parsing needs of workflow.definitions.problems.SpecReader (which imports the model, and so this)."""

    roles: Any

    def add(self, container: Any, key: Any, message: str) -> None: ...
    def keys(self, container: Mapping[Any, Any], known: frozenset[str], what: str) -> None: ...
    def names(self, container: Mapping[str, Any], key: str, what: str) -> list[str]: ...


@dataclass(frozen=True)
class ReturnSpec:
    """A return for rework: the field (or "comment") holding the reason; fields no longer current."""

    reason: str
    reset: tuple[str, ...] = ()


@dataclass(frozen=True)
class NoticeSpec:
    kind: str
    to: tuple[str, ...]


@dataclass(frozen=True)
class Handoff:
    """The handover keys of one transition, as parsed."""

    assigns: str | None = None
    moves_to: str | None = None
    returns: ReturnSpec | None = None
    notify: tuple[NoticeSpec, ...] = ()
    silent: bool = False  # `notify: false`


def parse_handoff(r: SpecReader, t: Mapping[str, Any], what: str, fields: Mapping[str, FieldSpec],
                  step_fields: set[str], required: set[str]) -> Handoff:
    """The handover keys of transition `t`; problems go to `r` with their lines."""
    assigns = _step_field(r, t, "assigns", what, fields, step_fields, "person")
    moves_to = _step_field(r, t, "moves_to", what, fields, step_fields, "unit")
    returns = _returns(r, t, what, fields, required)
    notify, silent = _notify(r, t, what)
    return Handoff(assigns, moves_to, returns, notify, silent)


def _step_field(r: SpecReader, t: Mapping[str, Any], key: str, what: str, fields: Mapping[str, FieldSpec],
                step_fields: set[str], kind: str) -> str | None:
    name = t.get(key)
    if name is None:
        return None
    if not isinstance(name, str) or name not in fields or fields[name].type != kind:
        r.add(t, key, f"{what}: {key} must name a {kind} field")
        return None
    if name not in step_fields:
        r.add(t, key, f"{what}: {key}: the step must take {name!r} (list it in requires or optional)")
        return None
    return name


def _returns(r: SpecReader, t: Mapping[str, Any], what: str, fields: Mapping[str, FieldSpec],
             required: set[str]) -> ReturnSpec | None:
    raw = t.get("returns")
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or "reason" not in raw:
        r.add(t, "returns", f"{what}: returns needs `reason:` (a required field of the step, or comment)")
        return None
    r.keys(raw, RETURN_KEYS, f"{what} returns")
    reason = raw["reason"]
    if reason == "comment":
        if t.get("comment") != "required":
            r.add(raw, "reason", f"{what}: returns: reason comment needs `comment: required`")
    elif not isinstance(reason, str) or reason not in required:
        r.add(raw, "reason", f"{what}: returns: reason must be a field the step requires, or comment")
    reset = r.names(raw, "reset", f"{what} returns")
    for name in reset:
        if name not in fields:
            r.add(raw, "reset", f"{what}: returns: unknown field {name!r}")
        elif fields[name].immutable or fields[name].computed is not None:
            r.add(raw, "reset", f"{what}: returns: field {name!r} is fixed or computed and cannot be reset")
    return ReturnSpec(str(reason), tuple(reset))


def _notify(r: SpecReader, t: Mapping[str, Any], what: str) -> tuple[tuple[NoticeSpec, ...], bool]:
    raw = t.get("notify")
    if raw is None:
        return (), False
    if raw is False:
        return (), True
    if not isinstance(raw, list):
        r.add(t, "notify", f"{what}: notify must be false or a list of {{kind: …, to: […]}}")
        return (), False
    out = []
    for item in raw:
        if not isinstance(item, Mapping) or not isinstance(item.get("kind"), str) or not KIND_RE.match(item["kind"]):
            r.add(t, "notify", f"{what}: each notice is {{kind: <lower-case name>, to: [recipients]}}")
            continue
        r.keys(item, NOTICE_KEYS, f"{what} notify")
        to = r.names(item, "to", f"{what} notice {item['kind']!r}")
        for who in to:
            if not recipient_known(who, r.roles):
                r.add(item, "to", f"{what}: unknown recipient {who!r} (a role, {', '.join(RECIPIENTS)} "
                                  f"or {ACTOR_OF}<trigger>)")
        out.append(NoticeSpec(item["kind"], tuple(to)))
    return tuple(out), False


def recipient_known(who: str, roles: Any) -> bool:
    return who in RECIPIENTS or who in roles or (who.startswith(ACTOR_OF) and bool(who[len(ACTOR_OF):]))
