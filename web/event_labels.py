"""What an audit event or an access-log entry did, in words — and back: what an 操作 filter means.

`event_what(event)` is the step an event fired, by its label in the event's case type and version,
or the label of its action (registered, assigned, returned to the unit queue, commented, …);
`state_label(event, state)` a state by its label there. `find_what(text)` turns what someone typed
in the audit log's 操作 filter — a label in either language, part of one, or an internal name — into
the event actions and (case type, trigger) steps it means. The access log's actions and outcomes
have labels too (`access_action`, `access_outcome`).
"""
from __future__ import annotations

from flask_babel import gettext

from web.context import core
from web.i18n import label
from web.names import gettext_in
from workflow.definitions.model import Definition
from workflow.errors import WorkflowError
from workflow.events import (
    ADVANCED,
    ASSIGNED,
    COMMENTED,
    DEADLINE_RECOMPUTED,
    ESCALATED,
    FIELDS_CHANGED,
    FLAGGED,
    MIGRATED,
    OPENED,
    PLAN_REVISED,
    UNFLAGGED,
    Event,
)
from workflow.messages import N_

# Every action an event may record (a test keeps this complete against workflow.engine.projection.FOLDS).
ACTION_LABELS = {
    OPENED: N_("Registered"), ADVANCED: N_("Step taken"), ASSIGNED: N_("Assignment"), COMMENTED: N_("Comment"),
    FIELDS_CHANGED: N_("Fields corrected"), ESCALATED: N_("Escalated"), FLAGGED: N_("Put under supervision"),
    UNFLAGGED: N_("Supervision removed"), DEADLINE_RECOMPUTED: N_("Deadline recomputed"),
    MIGRATED: N_("Definition version upgraded"),
    PLAN_REVISED: N_("Plan revised"),  # campaign load of an edited plan (workflow.campaigns.reconcile)
}
RETURNED = N_("Returned to the unit queue")  # an assignment that gives the case back (no assignee, a reason)
CLAIMED = N_("Claimed")  # an assignment to oneself (签收)


def definition_of(event: Event, version: int | None = None) -> Definition | None:
    """The definition version the event was written under, or `version` (else the type's latest; None if unknown)."""
    registry = core().registry
    try:
        return registry.get(event.definition, event.definition_version if version is None else version)
    except WorkflowError:
        try:
            return registry.latest(event.definition)
        except WorkflowError:
            return None


def event_what(event: Event) -> str:
    trigger = event.payload.get("trigger")
    if event.action == ADVANCED and trigger:
        defn = definition_of(event)
        found = next((t for t in defn.transitions if t.trigger == trigger), None) if defn else None
        return label(found.label, str(trigger)) if found else str(trigger)
    if event.action == ASSIGNED and event.payload.get("returned"):
        return gettext(RETURNED)
    if event.action == ASSIGNED and event.payload.get("assignee") == event.actor:
        return gettext(CLAIMED)
    if event.action == MIGRATED:  # 升级流程版本 v1→v2
        p = event.payload
        return f"{gettext(ACTION_LABELS[MIGRATED])} v{p.get('from_version')}→v{p.get('to_version')}"
    return gettext(ACTION_LABELS[event.action]) if event.action in ACTION_LABELS else event.action


def state_label(event: Event, state: str | None) -> str:
    if not state:
        return ""
    # A migration's new state is one of the version it moves to.
    moved_to = event.action == MIGRATED and state == event.to_state
    defn = definition_of(event, int(event.payload.get("to_version") or 0) if moved_to else None)
    spec = defn.states.get(state) if defn else None
    return label(spec.label, state) if spec else state


def type_label(name: str) -> str:
    try:
        return label(core().registry.latest(name).title, name)
    except WorkflowError:
        return name



def find_what(text: str) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """The event actions and (case type, trigger) steps an 操作 filter means.

    An internal name or a whole label (zh or en, any case) is taken as it is; failing that, every
    label containing the text. Nothing found: the text as an action, which matches nothing.
    """
    wanted = text.strip()
    if not wanted:
        return (), ()
    steps = [(d.name, t.trigger, {*t.label.values()}) for d in core().registry.definitions() for t in d.transitions]
    actions = [(a, {gettext_in(lang, msgid) for lang in ("zh_CN", "en")}) for a, msgid in ACTION_LABELS.items()]
    actions += [(ASSIGNED, {gettext_in(lang, msgid) for lang in ("zh_CN", "en")}) for msgid in (RETURNED, CLAIMED)]
    for match in (_whole, _part):
        found_actions = {a for a, labels in actions if match(wanted, a, labels)}
        found_steps = {(name, trigger) for name, trigger, labels in steps if match(wanted, trigger, labels)}
        if found_actions or found_steps:
            return tuple(sorted(found_actions)), tuple(sorted(found_steps))
    return (wanted,), ()


def _whole(wanted: str, name: str, labels: set[str]) -> bool:
    return wanted == name or wanted.casefold() in {x.casefold() for x in labels}


def _part(wanted: str, _name: str, labels: set[str]) -> bool:
    return any(wanted.casefold() in x.casefold() for x in labels)


def step_labels() -> list[str]:
    """Every step and action label in the current language, for the filter's suggestions."""
    seen = {label(t.label, t.trigger) for d in core().registry.all_latest() for t in d.transitions}
    seen |= {gettext(msgid) for msgid in (*ACTION_LABELS.values(), RETURNED, CLAIMED)}
    return sorted(seen)
